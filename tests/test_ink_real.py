"""Handwritten counts and days told by their ink on real scans (shared/real-dev, labelled by
hand), read by real Tesseract; printed ones on a generated paper left alone. Skipped where
this machine has no copy of the real scans."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.real_dev import labelled_files, real_dev_folder
from sohoa.ocr.tesseract import TesseractEngine
from sohoa.pipeline.ingest import PageImage, decode_pages, open_source
from sohoa.pipeline.recognise import PageReading, read_page

pytestmark = pytest.mark.slow

# A generated notice, its number and date printed: "Số: 556/TB-SKHĐT", "ngày 12 tháng 5 năm …".
SAMPLE = Path(__file__).resolve().parent.parent / "samples/dossiers/dossier-c/page-001.jpg"


def _first_page(path: Path) -> PageReading:
    page = next(iter(decode_pages(open_source(path, path.name))))
    assert isinstance(page, PageImage)
    return read_page(page, TesseractEngine("vie", timeout_s=300))


def _handwritten_words(reading: PageReading) -> list[str]:
    assert reading.text is not None
    return [w.text for w in reading.text.words if w.box in set(reading.handwritten)]


def _real(name: str) -> Path:
    folder = real_dev_folder()
    if folder is None:
        pytest.skip("no labelled real scans here (set SOHOA_REAL_DEV)")
    found = next(f for f in labelled_files(folder) if f.path.name == name)
    assert found.truth["documents"], name
    return found.path


def test_a_handwritten_count_and_day_on_a_real_report_are_told_by_their_ink():
    # Labelled: number 23 and day 23 written by hand (OCR: "22", "@3"); month and year printed.
    reading = _first_page(_real("23BC.signed_20250510_124908.pdf"))
    found = _handwritten_words(reading)
    assert any(text.startswith("22") for text in found)
    assert "2025" not in found


def test_a_real_letter_with_a_typed_number_and_date_has_no_handwritten_digits_there():
    reading = _first_page(_real("real_cv_3722_metro_p1.png"))
    found = _handwritten_words(reading)
    assert not {"3722/VPCP-CN", "28", "2026"} & set(found)


def test_a_generated_paper_has_its_printed_number_and_date_left_alone():
    reading = _first_page(SAMPLE)
    assert reading.text is not None
    assert "556/TB-SKHĐT" in reading.text.plain_text()
    assert _handwritten_words(reading) == []

"""The digitisation indicators, added up from hand-made manifests."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pikepdf
import pytest

from sohoa.ocr.engine import OcrError
from sohoa.ocr.tesseract import TesseractEngine
from sohoa.pipeline.dossier import OCR_FAILED, admit
from sohoa.pipeline.indicators import (
    FAILURE_REASONS,
    Indicators,
    Period,
    dossier_facts,
    failure_reason,
    percentile,
    summarise,
)
from sohoa.pipeline.model import (
    DocumentRecord,
    DossierStatus,
    Manifest,
    PageRecord,
    QuarantineRecord,
    StoredObject,
)
from tests.pages import text_page


def page(index: int, *, blank: bool = False) -> PageRecord:
    return PageRecord(
        index=index,
        source=f"scan.pdf#{index + 1}",
        blank=blank,
        rotation=0,
        skew=0.0,
        ocr_confidence=None if blank else 90.0,
        document=None if blank else 0,
        dpi=200,
    )


def document(
    doc_id: str, type_: str = "don_de_nghi", *, review: bool = False, reuse_of: str | None = None
) -> DocumentRecord:
    return DocumentRecord(
        id=doc_id,
        type=type_,
        needs_review=review,
        pages=[0],
        pdf=StoredObject(key=f"{doc_id}.pdf"),
        text=StoredObject(key=f"{doc_id}.txt"),
        metadata=StoredObject(key=f"{doc_id}.json"),
        reuse_of=reuse_of,
    )


def manifest(
    dossier_id: str = "hs-1",
    *,
    status: DossierStatus = "done",
    pages: int = 0,
    blank: int = 0,
    documents: list[DocumentRecord] | None = None,
    quarantined: list[str] | None = None,
    created: str = "2025-03-01T10:00:00+00:00",
    started: str | None = None,
    received: str | None = None,
) -> Manifest:
    return Manifest(
        dossier_id=dossier_id,
        status=status,
        pages=[page(i) for i in range(pages)] + [page(pages + i, blank=True) for i in range(blank)],
        documents=documents or [],
        quarantined=[QuarantineRecord(source="x", reason=r) for r in quarantined or []],
        pipeline_version="test",
        created=created,
        started=started,
        received=received,
    )


def png_header(width: int, height: int) -> bytes:
    """A PNG that says it is `width` × `height` pixels, and holds none."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    iend = b"IEND"
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(chunk) - 4) + chunk + struct.pack(">I", zlib.crc32(chunk))
        for chunk in (ihdr, iend)
    )


def indicators(*manifests: Manifest) -> Indicators:
    return summarise(dossier_facts(m) for m in manifests)


# --- counts -----------------------------------------------------------------------------------


def test_dossiers_are_counted_by_status() -> None:
    figures = indicators(
        manifest("a"),
        manifest("b"),
        manifest("c", status="partial"),
        manifest("d", status="failed"),
    )
    assert figures.dossiers.model_dump() == {"total": 4, "done": 2, "partial": 1, "failed": 1}


def test_pages_count_blank_pages_too_and_tell_how_many_were_blank() -> None:
    figures = indicators(manifest("a", pages=3, blank=1), manifest("b", pages=2))
    assert (figures.pages.total, figures.pages.blank) == (6, 1)


def test_pages_ocr_failed_on_are_counted_from_the_quarantine() -> None:
    reasons = [f"{OCR_FAILED}tesseract failed on p.png: boom", "corrupt PDF: bad xref"]
    figures = indicators(manifest(pages=2, quarantined=reasons))
    assert figures.pages.ocr_failed == 1


def test_documents_are_counted_by_type_most_common_first() -> None:
    figures = indicators(
        manifest("a", documents=[document("1", "cccd"), document("2", "quyet_dinh")]),
        manifest("b", documents=[document("3", "quyet_dinh")]),
    )
    assert figures.documents.total == 3
    assert list(figures.documents.by_type.items()) == [("quyet_dinh", 2), ("cccd", 1)]


def test_the_review_share_is_of_all_documents() -> None:
    flagged = [document("1", review=True), document("2"), document("3"), document("4")]
    figures = indicators(manifest(documents=flagged))
    assert (figures.documents.needs_review, figures.documents.needs_review_share) == (1, 0.25)


def test_the_reuse_share_counts_documents_linked_to_a_paper_on_file() -> None:
    linked = [document("1", reuse_of="0"), document("2")]
    figures = indicators(manifest(documents=linked))
    assert (figures.documents.reused, figures.documents.reused_share) == (1, 0.5)


def test_shares_without_documents_are_unknown_not_zero() -> None:
    figures = indicators(manifest(status="failed"))
    assert figures.documents.needs_review_share is None
    assert figures.documents.reused_share is None


# --- pages per second -------------------------------------------------------------------------


def test_pages_per_second_is_pages_over_the_time_spent() -> None:
    figures = indicators(
        manifest(pages=30, started="2025-03-01T10:00:00+00:00", created="2025-03-01T10:01:00+00:00")
    )
    assert figures.throughput.busy_seconds == 60
    assert figures.throughput.pages_per_second == 0.5


def test_dossiers_digitised_side_by_side_count_their_time_once() -> None:
    figures = indicators(
        manifest("a", pages=40, started="2025-03-01T10:00:00Z", created="2025-03-01T10:01:00Z"),
        manifest("b", pages=20, started="2025-03-01T10:00:30Z", created="2025-03-01T10:01:20Z"),
        manifest("c", pages=20, started="2025-03-01T10:00:10Z", created="2025-03-01T10:00:20Z"),
    )
    assert figures.throughput.busy_seconds == 80
    assert figures.throughput.pages_per_second == 1.0


def test_idle_time_between_dossiers_is_not_counted() -> None:
    figures = indicators(
        manifest("a", pages=10, started="2025-03-01T10:00:00Z", created="2025-03-01T10:00:10Z"),
        manifest("b", pages=10, started="2025-03-01T18:00:00Z", created="2025-03-01T18:00:10Z"),
    )
    assert figures.throughput.busy_seconds == 20


def test_dossiers_without_a_start_time_are_left_out_of_the_rate() -> None:
    figures = indicators(
        manifest("a", pages=10, started="2025-03-01T10:00:00Z", created="2025-03-01T10:00:10Z"),
        manifest("b", pages=500, created="2025-03-01T10:00:05Z"),
    )
    assert (figures.throughput.dossiers, figures.throughput.pages) == (1, 10)
    assert figures.throughput.pages_per_second == 1.0
    assert figures.pages.total == 510


def test_no_time_measured_gives_no_rate() -> None:
    figures = indicators(manifest(pages=10))
    assert figures.throughput.pages_per_second is None


def test_times_in_other_offsets_are_compared_as_instants() -> None:
    figures = indicators(
        manifest(pages=10, started="2025-03-01T17:00:00+07:00", created="2025-03-01T10:00:20Z")
    )
    assert figures.throughput.busy_seconds == 20


# --- arrival to searchable --------------------------------------------------------------------


def test_the_delay_from_arrival_to_searchable_has_a_median_and_a_95th_percentile() -> None:
    arrived = [  # 1 to 20 minutes before being searchable
        manifest(str(m), received=f"2025-03-01T09:{60 - m:02d}:00Z", created="2025-03-01T10:00:00Z")
        for m in range(1, 21)
    ]
    delay = indicators(*arrived).arrival_to_searchable
    assert (delay.dossiers, delay.p50_seconds, delay.p95_seconds) == (20, 600, 1140)


def test_dossiers_handed_over_directly_have_no_arrival_delay() -> None:
    delay = indicators(
        manifest("a", received="2025-03-01T09:59:00Z", created="2025-03-01T10:00:00Z"),
        manifest("b"),
    ).arrival_to_searchable
    assert (delay.dossiers, delay.p50_seconds, delay.p95_seconds) == (1, 60, 60)


def test_percentiles_are_values_that_were_observed() -> None:
    assert percentile([40, 10, 30, 20], 50) == 20
    assert percentile([40, 10, 30, 20], 95) == 40
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


# --- failures ---------------------------------------------------------------------------------


def test_failures_are_counted_by_reason_with_every_reason_listed() -> None:
    figures = indicators(
        manifest("a", quarantined=["empty file (0 bytes)", "corrupt PDF: bad xref"]),
        manifest("b", quarantined=["corrupt image: truncated"]),
    )
    assert figures.failures.total == 3
    assert list(figures.failures.by_reason) == list(FAILURE_REASONS)
    assert {k: v for k, v in figures.failures.by_reason.items() if v} == {"empty": 1, "corrupt": 2}


def test_a_reason_sohoa_does_not_word_is_other() -> None:
    assert failure_reason("the scanner jammed") == "other"


def test_every_reason_ingest_gives_falls_in_its_category(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").touch()
    (tmp_path / "notes.pdf").write_text("this is not a scan")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    locked = pikepdf.new()
    locked.add_blank_page()
    locked.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(user="s", owner="s"))
    blank = pikepdf.new()
    blank.save(tmp_path / "no-pages.pdf")
    (tmp_path / "huge.png").write_bytes(png_header(20_000, 20_000))
    with admit([tmp_path]) as (sources, rejected):
        pass
    assert sources == []
    assert {r.record.source: failure_reason(r.record.reason) for r in rejected} == {
        "broken.pdf": "corrupt",
        "empty.pdf": "empty",
        "huge.png": "too_large",
        "locked.pdf": "encrypted",
        "no-pages.pdf": "empty",
        "notes.pdf": "unsupported_type",
    }


@pytest.mark.slow
def test_a_page_tesseract_took_too_long_on_is_an_ocr_timeout() -> None:
    with pytest.raises(OcrError) as raised:
        TesseractEngine("vie", timeout_s=0.001).recognise(text_page(), dpi=200)
    assert failure_reason(f"{OCR_FAILED}{raised.value}") == "ocr_timed_out"


def test_a_page_tesseract_crashed_on_is_an_ocr_failure() -> None:
    reason = f"{OCR_FAILED}tesseract failed on page-00001.png: (-11, 'Segmentation fault')"
    assert failure_reason(reason) == "ocr_failed"


# --- the period -------------------------------------------------------------------------------


def test_a_dossier_belongs_to_the_utc_day_its_manifest_was_created() -> None:
    facts = dossier_facts(manifest(created="2025-03-02T01:30:00+07:00"))
    assert str(facts.created_on) == "2025-03-01"


def test_the_json_names_the_period_from_and_to() -> None:
    figures = summarise([], Period.model_validate({"first_day": "2025-01-01"}))
    assert figures.to_json()["period"] == {"from": "2025-01-01", "to": None}

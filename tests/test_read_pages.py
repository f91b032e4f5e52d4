"""Reading a dossier's pages (`digitise.read_pages`) with real Tesseract and the embedded store:
what a decoder or page analysis cannot take is reported, and the rest goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from sohoa.config import Settings
from sohoa.pipeline import recognise
from sohoa.pipeline.ingest import open_source
from sohoa.storage.objects import ObjectStore
from tests.pages import numbered_page

pytestmark = pytest.mark.slow


def _tiff(path: Path, numbers: list[int]) -> Path:
    pages = [numbered_page(n, dpi=100) for n in numbers]
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    return path


def test_a_page_analysis_cannot_take_is_kept_as_an_image_and_reported(
    s3_settings: Settings, s3_store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sohoa.flows import digitise

    def unreadable_codes(image: Image.Image) -> tuple[str, ...]:
        raise RuntimeError("zxing: unsupported image")

    monkeypatch.setattr(recognise, "decode_codes", unreadable_codes)
    path = _tiff(tmp_path / "scan.tif", [601])
    engine = digitise.tesseract_engine(s3_settings)
    read = digitise.read_pages(
        s3_store, [open_source(path, path.name)], [], s3_settings, tmp_path, 1, engine
    )
    [page] = read.pages
    assert page.failure is not None and "could not be analysed" in page.failure
    assert page.fragment is not None and page.fragment.exists()  # in the PDF, without text
    assert not read.failed_sources and not read.unreadable


def test_a_file_none_of_whose_pages_decodes_is_reported_whole(
    s3_settings: Settings, s3_store: ObjectStore, tmp_path: Path
) -> None:
    from sohoa.flows import digitise

    path = _tiff(tmp_path / "scan.tif", [602])
    source = open_source(path, path.name)
    with Image.open(path) as tiff:
        offset, count = tiff.tag_v2[273][0], tiff.tag_v2[279][0]  # type: ignore[attr-defined]
    data = bytearray(path.read_bytes())
    data[offset : offset + count] = b"\xff" * count
    path.write_bytes(bytes(data))
    engine = digitise.tesseract_engine(s3_settings)
    read = digitise.read_pages(s3_store, [source], [], s3_settings, tmp_path, 1, engine)
    assert read.pages == [] and read.unreadable == []
    assert read.failed_sources[0].startswith("corrupt image: page 1 cannot be decoded")

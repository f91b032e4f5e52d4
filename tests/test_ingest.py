from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from sohoa.pipeline import ingest
from sohoa.pipeline.ingest import InputRejected, iter_pages, open_source
from tests.pages import save_jpeg, text_page


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.touch()
    with pytest.raises(InputRejected, match="empty"):
        open_source(path, path.name)


def test_file_type_comes_from_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("this is not a scan")
    with pytest.raises(InputRejected, match="not a PDF, TIFF, JPEG or PNG"):
        open_source(path, path.name)


def test_corrupt_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(InputRejected, match="corrupt PDF"):
        open_source(path, path.name)


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(path, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    with pytest.raises(InputRejected, match="encrypted"):
        open_source(path, path.name)


def test_image_too_large_is_rejected_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.png"
    Image.new("L", (400, 400), 255).save(path)
    monkeypatch.setattr(ingest, "MAX_PAGE_PIXELS", 100_000)
    with pytest.raises(InputRejected, match="too large"):
        open_source(path, path.name)


def test_decompression_bomb_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.png"
    Image.new("1", (6000, 6000), 1).save(path)  # 36 MP that compress to a few kB
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(InputRejected, match="too large"):
        open_source(path, path.name)


def test_jpeg_is_embedded_as_is(tmp_path: Path) -> None:
    path = save_jpeg(text_page(), tmp_path / "page.jpg")
    source = open_source(path, path.name)
    [page] = list(iter_pages(source))
    assert page.original.filter == "/DCTDecode"
    assert page.original.data == path.read_bytes()
    assert (page.dpi, page.dpi_assumed) == (200, False)
    assert page.raster.mode == "L"


def test_image_without_resolution_gets_an_assumed_a4_dpi(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    text_page(dpi=150).save(path)  # PNG without a pHYs chunk
    [page] = list(iter_pages(open_source(path, path.name)))
    assert page.dpi_assumed
    assert page.dpi == 150


def test_bilevel_tiff_stays_bilevel(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    frames = [text_page(mode="L").convert("1") for _ in range(2)]
    frames[0].save(
        path, save_all=True, append_images=frames[1:], compression="group4", dpi=(200, 200)
    )
    source = open_source(path, path.name)
    pages = list(iter_pages(source))
    assert source.pages == 2
    assert [p.source for p in pages] == ["scan.tif#1", "scan.tif#2"]
    assert all(p.original.bits_per_component == 1 for p in pages)


def test_scanned_pdf_page_keeps_its_jpeg_and_native_resolution(tmp_path: Path) -> None:
    jpeg = save_jpeg(text_page(dpi=200), tmp_path / "page.jpg")
    path = tmp_path / "scan.pdf"
    Image.open(jpeg).save(path, format="PDF", resolution=200)
    [page] = list(iter_pages(open_source(path, path.name)))
    assert page.original.filter == "/DCTDecode"
    assert page.dpi == 200
    assert page.raster.size == (page.original.width, page.original.height)


def test_signed_pdf_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    signature = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Sig, V=pikepdf.Dictionary()))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[signature], SigFlags=3)
    pdf.save(path)
    assert open_source(path, path.name).signed

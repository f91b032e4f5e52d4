from pathlib import Path

import numpy as np
import pikepdf
import pillow_heif
import pytest
from PIL import Image, ImageDraw, ImageOps

from sohoa.pipeline import ingest
from sohoa.pipeline.ingest import (
    InputRejected,
    PageImage,
    UnreadablePage,
    decode_pages,
    iter_pages,
    open_source,
)
from tests.forms import FORMS, Form, expected_pixels
from tests.pages import save_jpeg, text_page


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.touch()
    with pytest.raises(InputRejected, match="empty"):
        open_source(path, path.name)


def test_file_type_comes_from_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("this is not a scan")
    with pytest.raises(InputRejected, match="not a PDF, TIFF, JPEG, PNG or HEIF"):
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
    frames = marked_frames(2, mode="1")
    save_tiff(frames, path, "group4")
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


def marked_frames(count: int, mode: str = "L") -> list[Image.Image]:
    """Small pages that differ from each other: frame i has a black square at a place of its own."""
    frames = []
    for i in range(count):
        frame = Image.new("L", (240, 320), 255)
        ImageDraw.Draw(frame).rectangle((20 + 40 * i, 30, 50 + 40 * i, 60 + 20 * i), fill=0)
        frames.append(frame.convert(mode))
    return frames


def save_tiff(frames: list[Image.Image], path: Path, compression: str) -> Path:
    frames[0].save(
        path, save_all=True, append_images=frames[1:], compression=compression, dpi=(200, 200)
    )
    return path


@pytest.mark.parametrize(
    ("mode", "compression"), [("L", "tiff_lzw"), ("L", "tiff_adobe_deflate"), ("1", "group4")]
)
def test_each_page_of_a_multi_page_tiff_keeps_its_own_frame_when_read_ahead(
    tmp_path: Path, mode: str, compression: str
) -> None:
    frames = marked_frames(3, mode)
    path = save_tiff(frames, tmp_path / "scan.tif", compression)
    pages = list(iter_pages(open_source(path, path.name)))  # all decoded before any is used
    assert [p.source for p in pages] == ["scan.tif#1", "scan.tif#2", "scan.tif#3"]
    for page, frame in zip(pages, frames, strict=True):
        assert page.raster.tobytes() == frame.convert("L").tobytes()


def scanned_grey_page() -> Image.Image:
    """A grey scan as a scanner gives it: print at 40 on paper at 230, never pure black."""
    return marked_frames(1)[0].point(lambda v: 40 if v < 128 else 230)


def test_16_bit_grey_png_decodes_to_its_grey_levels(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    page = scanned_grey_page()
    Image.fromarray(np.asarray(page).astype(np.uint16) * 257).save(path)
    [decoded] = list(iter_pages(open_source(path, path.name)))
    assert decoded.raster.tobytes() == page.tobytes()


def test_16_bit_grey_tiff_decodes_to_its_grey_levels(tmp_path: Path) -> None:
    frames = [np.asarray(f.point(lambda v: 40 if v < 128 else 230)) for f in marked_frames(2)]
    path = tmp_path / "scan.tif"
    wide = [Image.fromarray(f.astype(np.uint16) * 257) for f in frames]
    wide[0].save(path, save_all=True, append_images=wide[1:], compression="tiff_lzw")
    pages = list(iter_pages(open_source(path, path.name)))
    assert [np.asarray(p.raster).tolist() for p in pages] == [f.tolist() for f in frames]


def test_transparent_png_lies_on_white_paper(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    ink = marked_frames(1)[0]
    clear = Image.new("RGBA", ink.size, (0, 0, 0, 0))  # transparent black
    clear.putalpha(ImageOps.invert(ink))  # only the print is opaque
    clear.save(path)
    [page] = list(iter_pages(open_source(path, path.name)))
    assert page.raster.tobytes() == ink.tobytes()


def test_palette_png_decodes_to_its_colours(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    page = scanned_grey_page().convert("RGB").quantize(16)
    page.save(path)
    [decoded] = list(iter_pages(open_source(path, path.name)))
    assert decoded.raster.tobytes() == page.convert("L").tobytes()


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_every_form_decodes_to_its_own_pages_in_order(tmp_path: Path, form: Form) -> None:
    frames = marked_frames(form.pages)
    path = tmp_path / f"{form.name}{form.suffix}"
    form.write(frames, path)
    pages = list(iter_pages(open_source(path, path.name)))
    assert [p.number for p in pages] == list(range(1, form.pages + 1))
    for index, page in enumerate(pages):
        if form.lossless:
            assert page.raster.tobytes() == expected_pixels(form, frames[index], index).tobytes()
        else:  # nearest to its own frame of all the file's frames
            distances = [_distance(page.raster, frame) for frame in frames]
            assert distances.index(min(distances)) == index
            assert min(distances) < 8


def _distance(raster: Image.Image, frame: Image.Image) -> float:
    """Mean grey difference; a page poppler rendered at its own resolution is scaled first."""
    raster = (
        raster.resize(frame.size, Image.Resampling.BOX) if raster.size != frame.size else raster
    )
    return float(np.abs(np.asarray(raster, dtype=int) - np.asarray(frame, dtype=int)).mean())


def test_a_truncated_multi_page_tiff_keeps_the_pages_before_the_damage(tmp_path: Path) -> None:
    frames = marked_frames(3)
    whole = save_tiff(frames, tmp_path / "whole.tif", "tiff_lzw").read_bytes()
    with Image.open(tmp_path / "whole.tif") as tiff:
        tiff.seek(1)
        second_ifd = tiff.tag_v2.offset  # type: ignore[attr-defined]
    path = tmp_path / "truncated.tif"
    path.write_bytes(whole[: second_ifd + 20])  # inside the second page's directory
    source = open_source(path, path.name)
    decoded = list(decode_pages(source))
    assert isinstance(decoded[0], PageImage)
    assert decoded[0].raster.tobytes() == frames[0].tobytes()
    [damaged] = decoded[1:]
    assert isinstance(damaged, UnreadablePage)
    assert (damaged.source, damaged.number) == ("truncated.tif#2", 2)
    assert damaged.reason.startswith("corrupt image: page 2")


def test_a_page_whose_data_is_damaged_is_reported_and_the_next_page_goes_on(
    tmp_path: Path,
) -> None:
    frames = marked_frames(3)
    path = save_tiff(frames, tmp_path / "scan.tif", "tiff_lzw")
    with Image.open(path) as tiff:
        tiff.seek(1)
        offset, count = tiff.tag_v2[273][0], tiff.tag_v2[279][0]  # type: ignore[attr-defined]
    data = bytearray(path.read_bytes())
    data[offset : offset + count] = b"\xff" * count  # LZW codes that decode to nothing
    path.write_bytes(bytes(data))
    decoded = list(decode_pages(open_source(path, path.name)))
    assert [type(p).__name__ for p in decoded] == ["PageImage", "UnreadablePage", "PageImage"]
    assert decoded[2].raster.tobytes() == frames[2].tobytes()  # type: ignore[union-attr]


def test_heif_is_recognised_by_its_type_box(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0001.bin"
    pillow_heif.from_pillow(marked_frames(1, "RGB")[0]).save(path)
    assert path.read_bytes()[4:12] == b"ftypheic"
    assert open_source(path, path.name).kind == "heif"


def test_a_file_that_cannot_be_read_through_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_jpeg(text_page(dpi=50), tmp_path / "page.jpg")

    def fails(_: Path) -> str:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(ingest, "sha256_file", fails)
    with pytest.raises(InputRejected, match="cannot read the file: Input/output error"):
        open_source(path, path.name)

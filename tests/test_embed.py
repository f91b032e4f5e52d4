"""How each form of page image goes into the PDF/A: its own encoding where PDF can carry it,
the same pixels either way, and a valid PDF/A-2b file."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw, TiffImagePlugin

from sohoa.pipeline.embed import EncodedImage, encode_image, pdf_image_as_is
from sohoa.pipeline.ingest import iter_pages, open_source
from sohoa.pipeline.pdfa import (
    DocumentInfo,
    PageSpec,
    assemble_pdfa,
    validate,
    write_page_fragment,
)
from tests.pages import text_page

INFO = DocumentInfo("hs-1 tài liệu", "hs-1", "other", "sohoa test")
DPI = 100


def _page(mode: str) -> Image.Image:
    """A small page of text with a coloured seal, so that every channel has content."""
    page = text_page(dpi=DPI)
    ImageDraw.Draw(page).ellipse((500, 100, 700, 300), outline=(200, 30, 30), width=8)
    if mode == "1":
        return page.convert("L").point(lambda v: 255 if v > 160 else 0).convert("1")
    return page.convert(mode)


def _encoded(path: Path) -> EncodedImage:
    with Image.open(path) as image:
        image.load()
        return encode_image(image, path)


def _pdf_of(original: EncodedImage, tmp_path: Path) -> Path:
    """The page in a PDF/A-2b document, as digitise writes it; assemble_pdfa validates it."""
    spec = PageSpec(
        original=original,
        rotation=0,
        skew=0.0,
        ocr_straightened=0.0,
        dpi=DPI,
        width_px=original.width,
        height_px=original.height,
        text=None,
    )
    fragment, out = tmp_path / "fragment.pdf", tmp_path / "document.pdf"
    write_page_fragment(spec, fragment)
    assemble_pdfa([fragment], out, INFO)
    return out


def _embedded(pdf_path: Path) -> tuple[pikepdf.Pdf, pikepdf.Object, Image.Image]:
    """The open document, its page's image stream (usable while the document is held) and the
    image's pixels as a PDF reader decodes them."""
    pdf = pikepdf.open(pdf_path)
    [stream] = list(pdf.pages[0].Resources.XObject.values())
    return pdf, stream, pikepdf.PdfImage(stream).as_pil_image()


def _same_pixels(a: Image.Image, b: Image.Image, mode: str) -> bool:
    return a.size == b.size and np.array_equal(
        np.asarray(a.convert(mode)), np.asarray(b.convert(mode))
    )


def _idat(path: Path) -> bytes:
    data, position, chunks = path.read_bytes(), 8, []
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        if data[position + 4 : position + 8] == b"IDAT":
            chunks.append(data[position + 8 : position + 8 + length])
        position += 12 + length
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("mode", "save", "colours", "bits"),
    [
        ("RGB", {}, 3, 8),
        ("L", {}, 1, 8),
        ("1", {}, 1, 1),
        ("P", {"bits": 4}, 1, 4),  # 16 colours, 4 bits a pixel
    ],
    ids=["rgb", "grey", "bilevel", "palette"],
)
def test_png_data_goes_in_as_it_is_with_png_predictors(
    tmp_path: Path, mode: str, save: dict[str, int], colours: int, bits: int
) -> None:
    path = tmp_path / "page.png"
    page = _page("RGB").quantize(16) if mode == "P" else _page(mode)
    page.save(path, **save)
    pdf = _pdf_of(_encoded(path), tmp_path)
    _pdf, stream, pixels = _embedded(pdf)
    assert stream.Filter == pikepdf.Name.FlateDecode
    assert stream.read_raw_bytes() == _idat(path)
    parms = stream.DecodeParms
    assert (parms.Predictor, parms.Colors, parms.BitsPerComponent) == (15, colours, bits)
    assert parms.Columns == page.width
    with Image.open(path) as original:
        assert _same_pixels(pixels, original, "RGB")


def test_palette_png_keeps_its_palette_as_an_indexed_colour_space(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    _page("RGB").quantize(16).save(path, bits=4)
    _pdf, stream, _ = _embedded(_pdf_of(_encoded(path), tmp_path))
    space = stream.ColorSpace
    assert (space[0], space[1], int(space[2])) == (pikepdf.Name.Indexed, pikepdf.Name.DeviceRGB, 15)


def _flattened_on_white(image: Image.Image) -> Image.Image:
    white = Image.new("RGBA", image.size, "white")
    return Image.alpha_composite(white, image.convert("RGBA"))


def _sixteen_bit(path: Path) -> Callable[[Image.Image], Image.Image]:
    levels = np.asarray(_page("L"), dtype=np.uint16) * 257
    Image.fromarray(levels).save(path)
    return lambda image: Image.fromarray((np.asarray(image) >> 8).astype(np.uint8))


def _with_alpha(path: Path) -> Callable[[Image.Image], Image.Image]:
    page = _page("RGB").convert("RGBA")
    page.putalpha(Image.linear_gradient("L").resize(page.size))
    page.save(path)
    return _flattened_on_white


def _interlaced(path: Path) -> Callable[[Image.Image], Image.Image]:
    _page("RGB").save(path, interlace=True)
    return lambda image: image


@pytest.mark.parametrize("make", [_sixteen_bit, _with_alpha, _interlaced])
def test_png_that_pdf_cannot_carry_is_reencoded_losslessly(
    tmp_path: Path, make: Callable[[Path], Callable[[Image.Image], Image.Image]]
) -> None:
    path = tmp_path / "page.png"
    shown = make(path)
    _pdf, stream, pixels = _embedded(_pdf_of(_encoded(path), tmp_path))
    assert stream.Filter == pikepdf.Name.FlateDecode
    assert "/SMask" not in stream  # PDF/A-2b: no transparency groups
    with Image.open(path) as original:
        assert _same_pixels(pixels, shown(original), "RGB")


def _g4_tiff(path: Path, frames: list[Image.Image], **save: object) -> None:
    frames[0].save(
        path, save_all=True, append_images=frames[1:], compression="group4", dpi=(DPI, DPI), **save
    )


def _tiff_frames(path: Path) -> list[tuple[EncodedImage, Image.Image, dict[int, object]]]:
    """Each frame's encoding, its pixels as Pillow decodes them, and its tags."""
    found = []
    with Image.open(path) as image:
        for number in range(image.n_frames):
            image.seek(number)
            image.load()
            tags = dict(image.tag_v2)
            found.append((encode_image(image, path), image.copy(), tags))
    return found


def test_one_strip_g4_tiff_goes_in_as_ccitt_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    pages = [_page("1"), _page("1").rotate(180)]
    _g4_tiff(path, pages, strip_size=1 << 30)
    frames = _tiff_frames(path)
    for number, (encoded, decoded, tags) in enumerate(frames):
        (offset,), (length,) = tags[TiffImagePlugin.STRIPOFFSETS], tags[279]  # type: ignore[misc]
        with path.open("rb") as f:
            f.seek(offset)
            assert encoded.data == f.read(length)
        out = tmp_path / f"page-{number}"
        out.mkdir()
        _pdf, stream, pixels = _embedded(_pdf_of(encoded, out))
        assert stream.Filter == pikepdf.Name.CCITTFaxDecode
        assert stream.DecodeParms.K == -1
        assert (stream.DecodeParms.Columns, stream.DecodeParms.Rows) == decoded.size
        assert _same_pixels(pixels, decoded, "L")
        assert _same_pixels(pixels, pages[number], "L")


def test_ingest_hands_each_page_of_a_g4_tiff_its_own_strip(tmp_path: Path) -> None:
    """Through ingest, as digitise reads a file: every page of a multi-page TIFF is embedded
    from its own strip, not re-encoded."""
    path = tmp_path / "scan.tif"
    _g4_tiff(path, [_page("1"), _page("1").rotate(180), _page("1").rotate(90)], strip_size=1 << 30)
    strips = [encoded.data for encoded, _, _ in _tiff_frames(path)]
    assert len(set(strips)) == 3
    pages = list(iter_pages(open_source(path, path.name)))
    assert [page.original.data for page in pages] == strips
    assert {page.original.filter for page in pages} == {"/CCITTFaxDecode"}


def test_ingest_hands_a_png_page_its_own_data(tmp_path: Path) -> None:
    path = tmp_path / "page.png"
    _page("RGB").save(path)
    [page] = list(iter_pages(open_source(path, path.name)))
    assert page.original.data == _idat(path)


def test_white_is_zero_g4_tiff_is_told_apart_by_black_is_1(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    # libtiff writes Pillow's bilevel pages black-is-zero; a scanner's are often white-is-zero.
    _g4_tiff(path, [_page("1")], strip_size=1 << 30, tiffinfo={262: 0})
    [(encoded, decoded, tags)] = _tiff_frames(path)
    assert tags[262] == 0
    _pdf, stream, pixels = _embedded(_pdf_of(encoded, tmp_path))
    assert stream.DecodeParms.BlackIs1 is False
    assert _same_pixels(pixels, decoded, "L")


def test_many_strip_g4_tiff_is_reencoded_as_one_g4_strip(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    _g4_tiff(path, [_page("1")])  # Pillow's default: strips of 64 kB of pixels
    [(encoded, decoded, tags)] = _tiff_frames(path)
    assert len(tags[TiffImagePlugin.STRIPOFFSETS]) > 1  # type: ignore[arg-type]
    _pdf, stream, pixels = _embedded(_pdf_of(encoded, tmp_path))
    assert stream.Filter == pikepdf.Name.CCITTFaxDecode
    assert _same_pixels(pixels, decoded, "L")


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_jpeg_tiff_in_one_strip_goes_in_as_dct(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "scan.tif"
    _page(mode).save(path, compression="jpeg", strip_size=1 << 30, dpi=(DPI, DPI))
    [(encoded, decoded, _)] = _tiff_frames(path)
    _pdf, stream, pixels = _embedded(_pdf_of(encoded, tmp_path))
    assert stream.Filter == pikepdf.Name.DCTDecode
    assert _same_pixels(pixels, decoded, mode)


def test_grey_lzw_tiff_is_reencoded_losslessly_as_flate(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    pages = [_page("L"), _page("L").rotate(180)]
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    for number, (encoded, decoded, _) in enumerate(_tiff_frames(path)):
        out = tmp_path / f"page-{number}"
        out.mkdir()
        _pdf, stream, pixels = _embedded(_pdf_of(encoded, out))
        assert stream.Filter == pikepdf.Name.FlateDecode
        assert stream.ColorSpace == pikepdf.Name.DeviceGray
        assert _same_pixels(pixels, decoded, "L")
        assert _same_pixels(pixels, pages[number], "L")


def test_palette_tiff_is_reencoded_keeping_its_palette(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    _page("RGB").quantize(16).save(path, compression="tiff_lzw")
    [(encoded, decoded, _)] = _tiff_frames(path)
    _pdf, stream, pixels = _embedded(_pdf_of(encoded, tmp_path))
    assert stream.Filter == pikepdf.Name.FlateDecode
    assert stream.ColorSpace[0] == pikepdf.Name.Indexed
    assert _same_pixels(pixels, decoded, "RGB")


def test_jpeg_goes_in_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "page.jpg"
    _page("RGB").save(path, quality=85)
    _pdf, stream, pixels = _embedded(_pdf_of(_encoded(path), tmp_path))
    assert stream.Filter == pikepdf.Name.DCTDecode
    assert stream.read_raw_bytes() == path.read_bytes()
    with Image.open(path) as original:
        assert _same_pixels(pixels, original, "RGB")


# --- PDF inputs -------------------------------------------------------------------------------


def _pdf_with_image(
    tmp_path: Path, data: bytes, jbig2_globals: bytes | None = None, **entries: object
) -> tuple[pikepdf.Pdf, pikepdf.PdfImage]:
    """A one-page PDF made of one image stream, opened again as a reader sees it, and its
    image (usable while the document is held)."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(200, 100))
    image = pikepdf.Stream(pdf, data)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    for key, value in entries.items():
        image[f"/{key}"] = value
    if jbig2_globals is not None:
        globals_ = pdf.make_indirect(pikepdf.Stream(pdf, jbig2_globals))
        image.DecodeParms = pikepdf.Dictionary(JBIG2Globals=globals_)
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    path = tmp_path / "input.pdf"
    pdf.save(path)
    opened = pikepdf.open(path)
    return opened, pikepdf.PdfImage(opened.pages[0].Resources.XObject.Im0)


def test_jbig2_from_a_pdf_keeps_its_globals(tmp_path: Path) -> None:
    # The bytes are copied, never decoded, on their way in: any bytes show it.
    _input, image = _pdf_with_image(
        tmp_path,
        b"jbig2 page segments",
        jbig2_globals=b"symbol dictionary",
        Width=200,
        Height=100,
        BitsPerComponent=1,
        ColorSpace=pikepdf.Name.DeviceGray,
        Filter=pikepdf.Name.JBIG2Decode,
    )
    encoded = pdf_image_as_is(image, turned=0)
    assert encoded is not None
    assert (encoded.filter, encoded.data) == ("/JBIG2Decode", b"jbig2 page segments")
    assert encoded.jbig2_globals == b"symbol dictionary"
    with pikepdf.open(_pdf_of(encoded, tmp_path)) as pdf:
        [stream] = list(pdf.pages[0].Resources.XObject.values())
        assert stream.Filter == pikepdf.Name.JBIG2Decode
        assert stream.read_raw_bytes() == b"jbig2 page segments"
        assert stream.DecodeParms.JBIG2Globals.read_bytes() == b"symbol dictionary"


def test_jpeg_2000_from_a_pdf_is_not_copied(tmp_path: Path) -> None:
    # PDF/A-2 allows it, but the project's validator cannot check it: such pages are rendered.
    buffer = io.BytesIO()
    page = _page("RGB")
    page.save(buffer, format="JPEG2000", irreversible=False)
    _input, image = _pdf_with_image(
        tmp_path,
        buffer.getvalue(),
        Width=page.width,
        Height=page.height,
        Filter=pikepdf.Name.JPXDecode,
    )
    assert pdf_image_as_is(image, turned=0) is None


def test_ccitt_from_a_pdf_goes_in_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    _g4_tiff(path, [_page("1")], strip_size=1 << 30)
    [(tiff_encoded, decoded, _)] = _tiff_frames(path)
    _input, image = _pdf_with_image(
        tmp_path,
        tiff_encoded.data,
        Width=decoded.width,
        Height=decoded.height,
        BitsPerComponent=1,
        ColorSpace=pikepdf.Name.DeviceGray,
        Filter=pikepdf.Name.CCITTFaxDecode,
        DecodeParms=pikepdf.Dictionary(
            {f"/{k}": v for k, v in (tiff_encoded.decode_parms or {}).items()}
        ),
    )
    encoded = pdf_image_as_is(image, turned=0)
    assert encoded is not None and encoded.data == tiff_encoded.data
    _pdf, stream, pixels = _embedded(_pdf_of(encoded, tmp_path))
    assert stream.Filter == pikepdf.Name.CCITTFaxDecode
    assert _same_pixels(pixels, decoded, "L")


def test_every_form_validates_as_pdfa_in_one_document(tmp_path: Path) -> None:
    """One document with a page of each form validates as PDF/A-2b."""
    makers = {
        "rgb.png": lambda p: _page("RGB").save(p),
        "palette.png": lambda p: _page("RGB").quantize(16).save(p, bits=4),
        "alpha.png": _with_alpha,
        "g4.tif": lambda p: _g4_tiff(p, [_page("1")], strip_size=1 << 30),
        "jpeg.tif": lambda p: _page("RGB").save(p, compression="jpeg", strip_size=1 << 30),
        "page.jpg": lambda p: _page("RGB").save(p),
    }
    fragments = []
    for name, make in makers.items():
        path = tmp_path / name
        make(path)
        original = _encoded(path)
        spec = PageSpec(original, 0, 0.0, 0.0, DPI, original.width, original.height, None)
        fragments.append(tmp_path / f"{name}.pdf")
        write_page_fragment(spec, fragments[-1])
    out = tmp_path / "document.pdf"
    assemble_pdfa(fragments, out, INFO)
    assert validate(out).passed
    with pikepdf.open(out) as pdf:
        filters = [str(next(iter(p.Resources.XObject.values())).Filter) for p in pdf.pages]
    assert filters == [
        "/FlateDecode",
        "/FlateDecode",
        "/FlateDecode",
        "/CCITTFaxDecode",
        "/DCTDecode",
        "/DCTDecode",
    ]


def test_reencoded_flate_is_fast_zlib(tmp_path: Path) -> None:
    """A re-encoded page is written at zlib's quickest level (see FAST_COMPRESS_LEVEL)."""
    path = tmp_path / "page.png"
    _with_alpha(path)
    encoded = _encoded(path)
    assert encoded.data[1] >> 6 == 0  # zlib header's FLEVEL 0: the fastest compressor
    assert zlib.decompress(encoded.data)

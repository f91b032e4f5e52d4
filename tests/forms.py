"""Every form of input file a scanner or a phone makes (the format matrix), written at test time
from pages the caller draws: each page of each file is one of the caller's, so tests can check
that output page k is input page k.

Pages come in as grey ("L") images of upright white paper with dark print, with a resolution
of `DPI`. Each form writes `pages` of them; `expected` is what a reader must see of a page in
that form where the form loses nothing (None where it is lossy).
"""

from __future__ import annotations

import io
import itertools
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
import pillow_heif
from PIL import Image, ImageDraw, ImageOps, TiffImagePlugin

DPI = 200

Writer = Callable[[list[Image.Image], Path], None]


@dataclass(frozen=True)
class Form:
    name: str
    suffix: str
    pages: int
    write: Writer
    lossless: bool = False


# --- TIFF ---------------------------------------------------------------------------------------


def _tiff(frames: list[Image.Image], path: Path, compression: str) -> None:
    frames[0].save(
        path,
        format="TIFF",
        save_all=True,
        append_images=frames[1:],
        compression=compression,
        dpi=(DPI, DPI),
    )


def _grey16(page: Image.Image) -> Image.Image:
    return Image.fromarray(np.asarray(page).astype(np.uint16) * 257)


def _palette(page: Image.Image) -> Image.Image:
    return page.convert("RGB").quantize(16)


def _mixed(pages: list[Image.Image]) -> list[Image.Image]:
    return [p.convert("1") if i % 2 == 0 else p for i, p in enumerate(pages)]


TIFF_FORMS = [
    Form(
        "tiff-g4",
        ".tif",
        2,
        lambda p, f: _tiff([x.convert("1") for x in p], f, "group4"),
        lossless=True,
    ),
    Form("tiff-grey-lzw", ".tif", 2, lambda p, f: _tiff(p, f, "tiff_lzw"), lossless=True),
    Form(
        "tiff-grey-deflate",
        ".tif",
        2,
        lambda p, f: _tiff(p, f, "tiff_adobe_deflate"),
        lossless=True,
    ),
    Form("tiff-rgb-jpeg", ".tif", 2, lambda p, f: _tiff([x.convert("RGB") for x in p], f, "jpeg")),
    Form(
        "tiff-palette",
        ".tif",
        2,
        lambda p, f: _tiff([_palette(x) for x in p], f, "tiff_lzw"),
        lossless=True,
    ),
    Form("tiff-grey16", ".tif", 2, lambda p, f: _tiff([_grey16(x) for x in p], f, "raw")),
    Form(
        "tiff-mixed-bilevel-grey",
        ".tif",
        3,
        lambda p, f: _tiff(_mixed(p), f, "tiff_lzw"),
        lossless=True,
    ),
]


# --- PNG ----------------------------------------------------------------------------------------


def _png(image: Image.Image, path: Path) -> None:
    image.save(path, format="PNG", dpi=(DPI, DPI))


def _on_clear_film(page: Image.Image) -> Image.Image:
    """The page as black print on a transparent sheet: laid on white, it is the page again."""
    film = Image.new("RGBA", page.size, (0, 0, 0, 0))
    film.putalpha(ImageOps.invert(page))
    return film


def _interlaced_png(page: Image.Image, path: Path) -> None:
    """A grey Adam7-interlaced PNG (Pillow writes none): seven passes over the pixels."""
    pixels = np.asarray(page)
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2)]
    passes.append((0, 1, 1, 2))
    raw = b"".join(
        b"".join(b"\x00" + row.tobytes() for row in pixels[y0::dy, x0::dx])
        for x0, y0, dx, dy in passes
        if pixels[y0::dy, x0::dx].size
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", page.width, page.height, 8, 0, 0, 0, 1)
    metres = round(DPI / 0.0254)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"pHYs", struct.pack(">IIB", metres, metres, 1))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG_FORMS = [
    Form("png-rgb", ".png", 1, lambda p, f: _png(p[0].convert("RGB"), f), lossless=True),
    Form("png-grey", ".png", 1, lambda p, f: _png(p[0], f), lossless=True),
    Form("png-palette", ".png", 1, lambda p, f: _png(_palette(p[0]), f), lossless=True),
    Form("png-grey16", ".png", 1, lambda p, f: _png(_grey16(p[0]), f), lossless=True),
    Form("png-alpha", ".png", 1, lambda p, f: _png(_on_clear_film(p[0]), f), lossless=True),
    Form("png-interlaced", ".png", 1, lambda p, f: _interlaced_png(p[0], f), lossless=True),
]


# --- JPEG ---------------------------------------------------------------------------------------


def _jpeg(image: Image.Image, path: Path, **options: object) -> None:
    image.save(path, format="JPEG", quality=90, dpi=(DPI, DPI), **options)


def _cmyk(page: Image.Image) -> Image.Image:
    return page.convert("RGB").convert("CMYK")


def _plain_cmyk_jpeg(page: Image.Image, path: Path) -> None:
    """A CMYK JPEG without Adobe's marker, its ink values stored as they are. Pillow writes
    Adobe's inverted CMYK with the marker: the ink inverted first and the marker taken out
    leaves the plain form."""
    inverted = Image.frombytes("CMYK", page.size, bytes(255 - b for b in _cmyk(page).tobytes()))
    buffer = io.BytesIO()
    inverted.save(buffer, format="JPEG", quality=90, dpi=(DPI, DPI))
    data = buffer.getvalue()
    start = data.index(b"\xff\xee")  # APP14 "Adobe"
    length = struct.unpack(">H", data[start + 2 : start + 4])[0]
    path.write_bytes(data[:start] + data[start + 2 + length :])


# EXIF orientation: the transpose that turns the upright page into the stored one.
_STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def _exif_jpeg(orientation: int) -> Writer:
    def write(pages: list[Image.Image], path: Path) -> None:
        transpose = _STORED_AS[orientation]
        stored = pages[0].transpose(transpose) if transpose is not None else pages[0]
        exif = Image.Exif()
        exif[0x0112] = orientation
        _jpeg(stored.convert("RGB"), path, exif=exif.tobytes())

    return write


JPEG_FORMS = [
    Form("jpeg-grey", ".jpg", 1, lambda p, f: _jpeg(p[0], f)),
    Form("jpeg-rgb", ".jpg", 1, lambda p, f: _jpeg(p[0].convert("RGB"), f)),
    Form("jpeg-cmyk-adobe", ".jpg", 1, lambda p, f: _jpeg(_cmyk(p[0]), f)),
    Form("jpeg-cmyk-plain", ".jpg", 1, lambda p, f: _plain_cmyk_jpeg(p[0], f)),
    Form("jpeg-progressive", ".jpg", 1, lambda p, f: _jpeg(p[0], f, progressive=True)),
    *(Form(f"jpeg-exif-{o}", ".jpg", 1, _exif_jpeg(o)) for o in range(1, 9)),
]


# --- PDF ----------------------------------------------------------------------------------------


def _points(pixels: int) -> float:
    return pixels * 72 / DPI


def _image_page(
    pdf: pikepdf.Pdf, images: list[tuple[pikepdf.Stream, int]], size: tuple[int, int]
) -> pikepdf.Page:
    """A page of `size` pixels showing image strips stacked top down, each with its height."""
    width, height = _points(size[0]), _points(size[1])
    page = pdf.add_blank_page(page_size=(width, height))
    content, top, names = [], height, {}
    for index, (image, rows) in enumerate(images):
        name = f"/Im{index}"
        names[name] = image
        strip = _points(rows)
        top -= strip
        content.append(f"q {width:.4f} 0 0 {strip:.4f} 0 {top:.4f} cm {name} Do Q")
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(names))
    page.Contents = pdf.make_stream("\n".join(content).encode())
    return page


def _image_stream(pdf: pikepdf.Pdf, image: Image.Image, encoding: str) -> pikepdf.Stream:
    grey = image.mode == "L"
    common = {
        "Type": pikepdf.Name.XObject,
        "Subtype": pikepdf.Name.Image,
        "Width": image.width,
        "Height": image.height,
    }
    if encoding == "jpeg":
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90)
        return pikepdf.Stream(
            pdf,
            buffer.getvalue(),
            **common,
            ColorSpace=pikepdf.Name.DeviceGray if grey else pikepdf.Name.DeviceRGB,
            BitsPerComponent=8,
            Filter=pikepdf.Name.DCTDecode,
        )
    if encoding == "jpx":
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG2000", irreversible=False)
        return pikepdf.Stream(pdf, buffer.getvalue(), **common, Filter=pikepdf.Name.JPXDecode)
    if encoding in ("g4", "jbig2"):
        bilevel = {"ColorSpace": pikepdf.Name.DeviceGray, "BitsPerComponent": 1}
        if encoding == "jbig2":
            return pikepdf.Stream(
                pdf, _jbig2(image), **common, **bilevel, Filter=pikepdf.Name.JBIG2Decode
            )
        parms = pikepdf.Dictionary(K=-1, Columns=image.width, Rows=image.height, BlackIs1=False)
        filters = {"Filter": pikepdf.Name.CCITTFaxDecode, "DecodeParms": parms}
        return pikepdf.Stream(pdf, _group4(image), **common, **bilevel, **filters)
    return pikepdf.Stream(
        pdf,
        zlib.compress(image.tobytes()),
        **common,
        ColorSpace=pikepdf.Name.DeviceGray if grey else pikepdf.Name.DeviceRGB,
        BitsPerComponent=8,
        Filter=pikepdf.Name.FlateDecode,
    )


def _group4(image: Image.Image) -> bytes:
    """The page in bilevel, coded by CCITT Group 4 (T.6) as one block, paper as white runs."""
    buffer = io.BytesIO()
    # Pillow's TIFF says black is 0, and libtiff codes 0 bits as white runs: the page goes in
    # inverted so that its paper is coded white.
    bits = ImageOps.invert(image.convert("1").convert("L")).convert("1")
    bits.save(buffer, format="TIFF", compression="group4", strip_size=1 << 30)
    buffer.seek(0)
    with TiffImagePlugin.TiffImageFile(buffer) as tiff:
        offset, count = tiff.tag_v2[273][0], tiff.tag_v2[279][0]
    return buffer.getvalue()[offset : offset + count]


def _jbig2(image: Image.Image) -> bytes:
    """The page as a JBIG2 stream as PDF embeds it (ITU T.88, no file header): a page
    information segment and one immediate generic region coded with MMR, which is T.6, the
    same code as Group 4. (Debian has no JBIG2 encoder, jbig2enc; scanners mostly code the
    region arithmetically, which only a decoder's side of the test would exercise.)"""

    def segment(number: int, kind: int, data: bytes) -> bytes:
        # number, flags (type; one-byte page association), no referred-to segments, page 1
        return struct.pack(">IBBBI", number, kind, 0, 1, len(data)) + data

    width, height = image.size
    page_information = struct.pack(">IIIIBH", width, height, 0, 0, 0, 0)
    region = struct.pack(">IIIIB", width, height, 0, 0, 0) + b"\x01"  # flags: MMR
    return segment(0, 48, page_information) + segment(1, 38, region + _group4(image))


def _pdf_of_images(encoding: str) -> Writer:
    def write(pages: list[Image.Image], path: Path) -> None:
        with pikepdf.new() as pdf:
            for page in pages:
                _image_page(pdf, [(_image_stream(pdf, page, encoding), page.height)], page.size)
            pdf.save(path)

    return write


def _pdf_in_strips(pages: list[Image.Image], path: Path) -> None:
    with pikepdf.new() as pdf:
        for page in pages:
            bounds = [round(page.height * i / 4) for i in range(5)]
            strips = [
                page.crop((0, top, page.width, bottom))
                for top, bottom in itertools.pairwise(bounds)
            ]
            images = [(_image_stream(pdf, s, "flate"), s.height) for s in strips]
            _image_page(pdf, images, page.size)
        pdf.save(path)


def _pdf_rotated(pages: list[Image.Image], path: Path) -> None:
    """Pages stored turned, each with the /Rotate (90, 180, 270) that shows it upright."""
    with pikepdf.new() as pdf:
        for page, rotate in zip(pages, (90, 180, 270), strict=True):
            stored = page.rotate(rotate, expand=True)  # anticlockwise; the viewer turns back
            added = _image_page(
                pdf, [(_image_stream(pdf, stored, "jpeg"), stored.height)], stored.size
            )
            added.Rotate = rotate
        pdf.save(path)


def _pdf_cropped(pages: list[Image.Image], path: Path) -> None:
    """The page on a larger sheet, with a crop box around it: the sheet beyond is not shown."""
    with pikepdf.new() as pdf:
        for page in pages:
            margin = page.width // 4
            sheet = Image.new("L", (page.width + 2 * margin, page.height + 2 * margin), 255)
            sheet.paste(page, (margin, margin))
            # Print beyond the crop box, which no reader of the page sees.
            ImageDraw.Draw(sheet).text((10, 10), "NGOAI", fill=0, font_size=margin // 3)
            added = _image_page(
                pdf, [(_image_stream(pdf, sheet, "flate"), sheet.height)], sheet.size
            )
            m = _points(margin)
            box = [m, m, _points(sheet.width) - m, _points(sheet.height) - m]
            added.CropBox = pikepdf.Array(box)
        pdf.save(path)


def born_digital_pdf(lines_per_page: list[list[str]], path: Path) -> None:
    """Pages of text set in Helvetica, no image: a document saved as PDF, not scanned."""
    with pikepdf.new() as pdf:
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type1,
                BaseFont=pikepdf.Name.Helvetica,
                Encoding=pikepdf.Name.WinAnsiEncoding,
            )
        )
        for lines in lines_per_page:
            page = pdf.add_blank_page(page_size=(298, 420))  # A6
            shown = " ".join(
                f"BT /F1 16 Tf 30 {380 - 30 * i} Td ({line}) Tj ET" for i, line in enumerate(lines)
            )
            page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
            page.Contents = pdf.make_stream(shown.encode("latin-1"))
        pdf.save(path)


PDF_FORMS = [
    Form("pdf-jpeg", ".pdf", 2, _pdf_of_images("jpeg")),
    Form("pdf-g4", ".pdf", 2, _pdf_of_images("g4"), lossless=True),
    Form("pdf-jbig2", ".pdf", 2, _pdf_of_images("jbig2"), lossless=True),
    Form("pdf-flate", ".pdf", 2, _pdf_of_images("flate"), lossless=True),
    Form("pdf-jpx", ".pdf", 1, _pdf_of_images("jpx")),
    Form("pdf-strips", ".pdf", 1, _pdf_in_strips),
    Form("pdf-rotate", ".pdf", 3, _pdf_rotated),
    Form("pdf-cropbox", ".pdf", 1, _pdf_cropped),
]


# --- HEIF ---------------------------------------------------------------------------------------


def _heic(pages: list[Image.Image], path: Path) -> None:
    pillow_heif.from_pillow(pages[0].convert("RGB")).save(path, quality=90)


HEIF_FORMS = [Form("heic", ".heic", 1, _heic)]

FORMS = [*TIFF_FORMS, *PNG_FORMS, *JPEG_FORMS, *PDF_FORMS, *HEIF_FORMS]


def expected_pixels(form: Form, page: Image.Image, index: int) -> Image.Image:
    """What a reader sees of `page`, the file's page `index` (from 0), written in a lossless
    `form`, in grey."""
    if form.name in ("tiff-g4", "pdf-g4", "pdf-jbig2") or (
        form.name.startswith("tiff-mixed") and index % 2 == 0
    ):
        return page.convert("1").convert("L")
    if "palette" in form.name:
        return _palette(page).convert("L")
    return page

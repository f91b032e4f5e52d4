"""Ingest: input files to a stream of pages, each with a raster for OCR and its original image.

Files are recognised by their first bytes, never by their names. Every way a file can be unusable
(empty, corrupt, encrypted, too large, not a supported format) raises `InputRejected` with a
reason a clerk can act on; callers quarantine the file and go on with the rest.

Pages stream one at a time (`decode_pages`), so memory does not grow with the number of pages.
Each page owns its raster: a decoder that moves from frame to frame (a multi-page TIFF) is
copied from before the page is handed on, since pages wait in a read-ahead queue while the file
is read on. A page that cannot be decoded comes as an `UnreadablePage` with its reason, and the
file's other pages go on: third-party decoders given damaged bytes raise any kind of exception,
so at every decoder call any exception is taken as the page's (or the file's) damage.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pdf2image
import pikepdf
import pillow_heif
from PIL import Image, ImageOps

from sohoa.errors import ExitCode, SohoaError
from sohoa.pipeline.embed import (
    EncodedImage,
    encode_image,
    encode_jpeg,
    pdf_image_as_is,
    reencode,
)
from sohoa.pipeline.preprocess import grey_for_ocr

pillow_heif.register_heif_opener()

SourceKind = Literal["pdf", "tiff", "jpeg", "png", "heif"]

# An A0 sheet at 300 dpi is 140 MP: anything larger is refused before it is decoded.
MAX_PAGE_PIXELS = 150_000_000
# Decompression bombs are caught by the explicit size checks below; Pillow's own guard is a
# second line of defence at the same limit.
Image.MAX_IMAGE_PIXELS = MAX_PAGE_PIXELS

# Images with no resolution are assumed to be A4 pages (the long side 11.69 in), within bounds.
A4_LONG_SIDE_INCHES = 11.69
MIN_DPI, MAX_DPI = 70, 1200
# PDF pages without any image (born-digital) are rendered at this resolution.
RENDER_DPI = 300
# poppler gets this long to render one page; a hostile page could keep it busy for ever.
RENDER_TIMEOUT_S = 300

_MAGIC: list[tuple[bytes, SourceKind]] = [
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
]
# HEIF (phone photos): an ISO media file whose type box names a HEIF brand.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_BRANDS |= {b"mif1", b"msf1"}


class InputRejected(SohoaError):
    """A file that cannot be digitised; the message says why, for the manifest."""

    exit_code = ExitCode.INPUT


@dataclass(frozen=True)
class UnreadablePage:
    """A page of a file that cannot be decoded, with the reason; the file's other pages go on.
    When the file cannot be read past it, the reason says so and it is the file's last."""

    source: str  # "<source name>#<1-based page>"
    number: int
    reason: str


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str  # as shown to people and in the manifest; never used in object keys
    kind: SourceKind
    sha256: str
    bytes: int
    pages: int
    signed: bool  # a digitally signed PDF: never rewritten


@dataclass(frozen=True)
class PageImage:
    source: str  # "<source name>#<1-based page>"
    number: int  # 1-based page number within its source
    raster: Image.Image  # greyscale, as a reader sees the page; only for OCR and analysis
    dpi: int
    dpi_assumed: bool
    original: EncodedImage


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_source(path: Path, name: str) -> SourceFile:
    """Check that `path` can be digitised and describe it; raise InputRejected otherwise."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise InputRejected(f"cannot read the file: {e.strerror}") from e
    if size == 0:
        raise InputRejected("empty file (0 bytes)")
    kind = _kind(head)
    if kind is None:
        raise InputRejected("not a PDF, TIFF, JPEG, PNG or HEIF file")
    pages, signed = _inspect_pdf(path) if kind == "pdf" else (_inspect_image(path, kind), False)
    try:
        digest = sha256_file(path)
    except OSError as e:
        raise InputRejected(f"cannot read the file: {e.strerror}") from e
    return SourceFile(path, name, kind, digest, size, pages, signed)


def _kind(head: bytes) -> SourceKind | None:
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heif"
    return next((k for magic, k in _MAGIC if head.startswith(magic)), None)


def decode_pages(source: SourceFile) -> Iterator[PageImage | UnreadablePage]:
    """The pages of `source`, one at a time, each decoded into a raster of its own; a page that
    cannot be decoded comes as an UnreadablePage. Raises nothing for a damaged page."""
    if source.kind == "pdf":
        yield from _pdf_pages(source)
    else:
        yield from _image_pages(source)


def iter_pages(source: SourceFile) -> Iterator[PageImage]:
    """The pages of `source`; InputRejected at the first that cannot be decoded."""
    for page in decode_pages(source):
        if isinstance(page, UnreadablePage):
            raise InputRejected(page.reason)
        yield page


# --- PDF --------------------------------------------------------------------------------------


def _inspect_pdf(path: Path) -> tuple[int, bool]:
    try:
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
            signed = _is_signed(pdf)
            for number, page in enumerate(pdf.pages, start=1):
                _check_page_size(_pdf_page_pixels(page), number)
    except InputRejected:
        raise
    except pikepdf.PasswordError as e:
        raise InputRejected("encrypted PDF: it needs a password to open") from e
    except Exception as e:  # pikepdf on damaged structure: PdfError, but also ValueError…
        raise InputRejected(f"corrupt PDF: {_described(e, path)}") from e
    if pages == 0:
        raise InputRejected("PDF without pages")
    return pages, signed


def _is_signed(pdf: pikepdf.Pdf) -> bool:
    """True when the PDF carries a digital signature (a filled signature field or DocMDP)."""
    if "/Perms" in pdf.Root:
        return True
    acroform = pdf.Root.get("/AcroForm")
    if not isinstance(acroform, pikepdf.Dictionary):
        return False
    pending = list(acroform.get("/Fields", pikepdf.Array()))
    while pending:
        field = pending.pop()
        if not isinstance(field, pikepdf.Dictionary):
            continue
        if field.get("/FT") == pikepdf.Name.Sig and "/V" in field:
            return True
        pending.extend(field.get("/Kids", pikepdf.Array()))
    return False


def _full_page_image(page: pikepdf.Page) -> pikepdf.PdfImage | None:
    """The one image that makes up a scanned page, or None for any other kind of page."""
    xobjects = page.obj.get("/Resources", pikepdf.Dictionary()).get(
        "/XObject", pikepdf.Dictionary()
    )
    images = [x for x in xobjects.values() if x.get("/Subtype") == pikepdf.Name.Image]
    if len(images) != 1 or not isinstance(images[0], pikepdf.Stream):
        return None
    if "/CropBox" in page.obj and list(page.cropbox) != list(page.mediabox):
        return None  # the page shows part of the sheet: poppler renders that part
    image = pikepdf.PdfImage(images[0])
    page_w, page_h = _sheet_size(page)
    # Same shape as the page (within 2 %): the scan fills it.
    if abs(image.width / image.height - page_w / page_h) > 0.02 * page_w / page_h:
        return None
    return image


def _page_rotation(page: pikepdf.Page) -> int:
    return int(page.obj.get("/Rotate", 0)) % 360


def _sheet_size(page: pikepdf.Page) -> tuple[float, float]:
    """Width and height in points of the page as stored, before /Rotate turns it."""
    box = page.mediabox
    return abs(float(box[2] - box[0])), abs(float(box[3] - box[1]))


def _shown_size(page: pikepdf.Page) -> tuple[float, float]:
    """Width and height in points of the page as a viewer shows it (after /Rotate)."""
    width, height = _sheet_size(page)
    return (height, width) if _page_rotation(page) % 180 else (width, height)


def _pdf_page_dpi(page: pikepdf.Page, image: pikepdf.PdfImage | None) -> int:
    """The resolution of the page's scan, or the rendering resolution for other pages."""
    if image is None:
        return RENDER_DPI
    return round(image.width / (_sheet_size(page)[0] / 72))


def _pdf_page_pixels(page: pikepdf.Page) -> int:
    width, height = _shown_size(page)
    dpi = _pdf_page_dpi(page, _full_page_image(page))
    return round(width / 72 * dpi) * round(height / 72 * dpi)


def _check_page_size(pixels: int, number: int) -> None:
    if pixels > MAX_PAGE_PIXELS:
        raise InputRejected(
            f"page {number} is too large: {pixels / 1e6:.0f} megapixels, over the limit of "
            f"{MAX_PAGE_PIXELS / 1e6:.0f}; split or downsample it before digitising"
        )


def _pdf_pages(source: SourceFile) -> Iterator[PageImage | UnreadablePage]:
    try:
        pdf = pikepdf.open(source.path)
    except Exception as e:  # changed or damaged since it was inspected
        reason = f"corrupt PDF: it cannot be opened ({_described(e, source.path)})"
        yield UnreadablePage(f"{source.name}#1", 1, reason)
        return
    with pdf:
        for number, page in enumerate(pdf.pages, start=1):
            decoded: PageImage | UnreadablePage
            try:
                decoded = _pdf_page(source, number, page)
            except Exception as e:  # any decoder's (pikepdf, Pillow, poppler) failure
                why = _described(e, source.path)
                reason = f"corrupt PDF: page {number} cannot be decoded ({why})"
                decoded = UnreadablePage(f"{source.name}#{number}", number, reason)
            yield decoded


def _pdf_page(source: SourceFile, number: int, page: pikepdf.Page) -> PageImage:
    image = _full_page_image(page)
    dpi = _pdf_page_dpi(page, image)
    original = pdf_image_as_is(image, _page_rotation(page)) if image is not None else None
    if image is not None and original is not None:
        # A page that is one image: decoding it is the rendering, without poppler.
        raster = _decode_page_image(image, original)
    elif image is not None and image.bits_per_component == 1 and image.filters == ["/JBIG2Decode"]:
        raster, original = _decode_jbig2_page(image, _page_rotation(page))
    else:
        rendering = _render_pdf_page(source.path, number, dpi)
        raster, original = grey_for_ocr(rendering), encode_jpeg(rendering)
    return PageImage(f"{source.name}#{number}", number, raster, dpi, False, original)


def _decode_jbig2_page(image: pikepdf.PdfImage, turned: int) -> tuple[Image.Image, EncodedImage]:
    """A bilevel JBIG2 page, decoded by jbig2dec (through pikepdf) and kept bit for bit. poppler
    renders MMR-coded JBIG2 regions with streaks (22.12), and its rendering would be re-encoded
    as JPEG."""
    decoded = image.as_pil_image()
    decoded.load()
    original = replace(reencode(decoded), turned=turned)
    raster = grey_for_ocr(decoded)
    return raster.rotate(-turned, expand=True) if turned else raster, original


def _decode_page_image(image: pikepdf.PdfImage, original: EncodedImage) -> Image.Image:
    decoded: Image.Image
    if original.filter == "/DCTDecode":
        # Not closed: closing would drop the decoded pixels, and a copy costs as much as
        # decoding (13 ms for a 300 dpi A4 page in colour).
        decoded = Image.open(io.BytesIO(original.data))
    else:
        decoded = image.as_pil_image()
    decoded.load()  # here, where damage is caught; Pillow opens lazily
    raster = grey_for_ocr(_eight_bit(decoded))
    return raster.rotate(-original.turned, expand=True) if original.turned else raster


def _render_pdf_page(path: Path, number: int, dpi: int) -> Image.Image:
    """A page that is not one scanned image, rendered in colour by poppler."""
    images = pdf2image.convert_from_path(
        path,
        dpi=dpi,
        first_page=number,
        last_page=number,
        use_cropbox=True,
        timeout=RENDER_TIMEOUT_S,
    )
    if not images:
        raise InputRejected(f"corrupt PDF: page {number} cannot be rendered")
    return images[0].convert("RGB")


def _described(error: Exception, path: Path) -> str:
    """An exception as a reason: its message, or its kind when it has none, without the path
    the decoder was given (a temporary copy, perhaps; the manifest names the file)."""
    text = str(error) or type(error).__name__
    return text.replace(f"{path}: ", "").replace(f" '{path}'", "").replace(str(path), "the file")


# --- Images -----------------------------------------------------------------------------------


def _open_image(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputRejected(
            f"image too large to decode safely, over {MAX_PAGE_PIXELS / 1e6:.0f} megapixels; "
            "split or downsample it before digitising"
        ) from e
    except Exception as e:  # Pillow on damaged headers: OSError, SyntaxError, TypeError…
        raise InputRejected(f"corrupt image: {_described(e, path)}") from e
    return image


def _inspect_image(path: Path, kind: SourceKind) -> int:
    """How many pages the image file holds, each checked for size before it is decoded.

    Only a TIFF has pages: the further frames of a JPEG (an MPO's preview), a PNG (APNG) or a
    HEIF (burst, depth) are not pages of a scan. A TIFF damaged after its first page counts up
    to the damaged page, which is reported when the pages are read."""
    with _open_image(path) as image:
        for number in itertools.count(1):
            if number > 1 and kind != "tiff":
                return 1
            try:
                image.seek(number - 1)
            except EOFError:
                return number - 1
            except Exception as e:  # Pillow walking a damaged TIFF: TypeError, SyntaxError…
                if number == 1:
                    raise InputRejected(f"corrupt image: {_described(e, path)}") from e
                return number
            _check_page_size(image.width * image.height, number)
    raise AssertionError("unreachable")


def _image_pages(source: SourceFile) -> Iterator[PageImage | UnreadablePage]:
    try:
        image = _open_image(source.path)
    except InputRejected as e:  # changed or damaged since it was inspected
        yield UnreadablePage(f"{source.name}#1", 1, str(e))
        return
    with image:
        for number in range(1, source.pages + 1):
            try:
                image.seek(number - 1)
            except Exception as e:  # the file cannot be read past here
                after = source.pages - number
                reason = (
                    f"corrupt image: page {number}"
                    + (f" and the {after} after it" if after else "")
                    + f" cannot be read ({_described(e, source.path)})"
                )
                yield UnreadablePage(f"{source.name}#{number}", number, reason)
                return
            decoded: PageImage | UnreadablePage
            try:
                decoded = _image_page(source, image, number)
            except InputRejected as e:
                decoded = UnreadablePage(f"{source.name}#{number}", number, str(e))
            except Exception as e:  # any of Pillow's (or a plugin's) decoding failures
                why = _described(e, source.path)
                reason = f"corrupt image: page {number} cannot be decoded ({why})"
                decoded = UnreadablePage(f"{source.name}#{number}", number, reason)
            yield decoded


def _image_page(source: SourceFile, image: Image.Image, number: int) -> PageImage:
    _check_page_size(image.width * image.height, number)
    image.load()
    # The page's own pixels: a multi-page decoder moves the same Image on to the next frame
    # while this page waits to be read.
    frame = _eight_bit(image.copy() if source.pages > 1 else image)
    # Pillow reads every CMYK JPEG as Adobe's, whose ink is stored inverted; without Adobe's
    # marker the ink is stored as it is.
    inverted = source.kind == "jpeg" and frame.mode == "CMYK" and "adobe" not in frame.info
    if inverted:
        frame = frame.point(lambda v: 255 - v)
    dpi, assumed = _image_dpi(frame)
    # HEVC cannot go into a PDF; a photo is lossy already, so JPEG rather than Flate.
    if source.kind == "heif":
        original = encode_jpeg(frame if frame.mode == "RGB" else frame.convert("RGB"))
    elif inverted:
        original = reencode(frame)
    else:
        # The decoder itself, on this page (not a copy): its format and TIFF tags say where the
        # page's encoded bytes are, so that they go into the PDF as they are.
        original = encode_image(image, source.path)
    if source.kind == "jpeg":
        ImageOps.exif_transpose(frame, in_place=True)  # else a copy, even when upright
    raster = grey_for_ocr(frame)
    return PageImage(f"{source.name}#{number}", number, raster, dpi, assumed, original)


def _eight_bit(image: Image.Image) -> Image.Image:
    """The image in one of Pillow's 8-bit modes, as a reader sees it. 16-bit grey is scaled
    down (Pillow's own conversion clips at 255, which turns a 16-bit scan white), and a page
    with transparency is laid on white paper (transparent pixels hold any colour, often
    black). Other modes are returned as they are, the same object."""
    converted: Image.Image
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        pixels = np.clip(np.asarray(image), 0, 65535).astype(np.uint32)
        converted = Image.fromarray((pixels // 257).astype(np.uint8))
    elif image.mode in ("LA", "La", "PA", "RGBA", "RGBa") or (
        image.mode == "P" and "transparency" in image.info
    ):
        with_alpha = image.convert("LA" if image.mode in ("LA", "La") else "RGBA")
        converted = Image.new(with_alpha.mode[:-1], image.size, "white")
        converted.paste(with_alpha.convert(converted.mode), mask=with_alpha.getchannel("A"))
    else:
        return image
    converted.info = dict(image.info)  # the resolution, above all
    return converted


def _image_dpi(image: Image.Image) -> tuple[int, bool]:
    dpi = image.info.get("dpi")
    try:
        if dpi and MIN_DPI <= float(dpi[0]) <= MAX_DPI:
            return round(float(dpi[0])), False
    except (TypeError, ValueError, IndexError):  # a malformed resolution tag: assumed instead
        pass
    assumed = round(max(image.size) / A4_LONG_SIDE_INCHES)
    return min(max(assumed, MIN_DPI), MAX_DPI), True

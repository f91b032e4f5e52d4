"""Ingest: input files to a stream of pages, each with a raster for OCR and its original image.

Files are recognised by their first bytes, never by their names. Every way a file can be unusable
(empty, corrupt, encrypted, too large, not a supported format) raises `InputRejected` with a
reason a clerk can act on; callers quarantine the file and go on with the rest.

Pages stream one at a time (`iter_pages`), so memory does not grow with the number of pages.
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pdf2image
import pikepdf
from PIL import Image, ImageOps, ImageSequence

from sohoa.errors import ExitCode, SohoaError
from sohoa.pipeline.preprocess import grey_for_ocr

SourceKind = Literal["pdf", "tiff", "jpeg", "png"]

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

_MAGIC: list[tuple[bytes, SourceKind]] = [
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
]


class InputRejected(SohoaError):
    """A file that cannot be digitised; the message says why, for the manifest."""

    exit_code = ExitCode.INPUT


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
class EncodedImage:
    """A page image as it goes into the PDF: the original encoding wherever PDF allows it."""

    data: bytes
    width: int
    height: int
    filter: str  # "/DCTDecode", "/FlateDecode" or "/CCITTFaxDecode"
    colour_space: str  # "/DeviceRGB", "/DeviceGray" or "/ICCBased"
    bits_per_component: int
    decode_parms: dict[str, int | bool] | None = None
    icc_profile: bytes | None = None
    icc_components: int = 3
    # Clockwise degrees the raster was turned relative to the encoded image (PDF /Rotate, EXIF)
    turned: int = 0


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


def collect_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """Files named directly, and the files under named folders sorted by path, with the names
    they go by in the manifest (relative to the folder given)."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = file.relative_to(path)
                if not any(part.startswith(".") for part in relative.parts):
                    found.append((file, relative.as_posix()))
        else:
            found.append((path, path.name))
    return found


def open_source(path: Path, name: str) -> SourceFile:
    """Check that `path` can be digitised and describe it; raise InputRejected otherwise."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputRejected(f"cannot read the file: {e.strerror}") from e
    if size == 0:
        raise InputRejected("empty file (0 bytes)")
    with path.open("rb") as f:
        head = f.read(16)
    kind = next((k for magic, k in _MAGIC if head.startswith(magic)), None)
    if kind is None:
        raise InputRejected("not a PDF, TIFF, JPEG or PNG file")
    pages, signed = _inspect_pdf(path) if kind == "pdf" else (_inspect_image(path), False)
    return SourceFile(path, name, kind, sha256_file(path), size, pages, signed)


def iter_pages(source: SourceFile) -> Iterator[PageImage]:
    """The pages of `source`, one at a time. Raises InputRejected if a page cannot be read."""
    if source.kind == "pdf":
        yield from _pdf_pages(source)
    else:
        yield from _image_pages(source)


# --- PDF --------------------------------------------------------------------------------------


def _inspect_pdf(path: Path) -> tuple[int, bool]:
    try:
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
            signed = _is_signed(pdf)
            for number, page in enumerate(pdf.pages, start=1):
                _check_page_size(_pdf_page_pixels(page), number)
    except pikepdf.PasswordError as e:
        raise InputRejected("encrypted PDF: it needs a password to open") from e
    except pikepdf.PdfError as e:
        raise InputRejected(f"corrupt PDF: {e}") from e
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
    image = pikepdf.PdfImage(images[0])
    page_w, page_h = _shown_size(page)
    # Same shape as the page (within 2 %): the scan fills it.
    if abs(image.width / image.height - page_w / page_h) > 0.02 * page_w / page_h:
        return None
    return image


def _page_rotation(page: pikepdf.Page) -> int:
    return int(page.obj.get("/Rotate", 0)) % 360


def _shown_size(page: pikepdf.Page) -> tuple[float, float]:
    """Width and height in points of the page as a viewer shows it (after /Rotate)."""
    box = page.mediabox
    width, height = float(box[2] - box[0]), float(box[3] - box[1])
    return (height, width) if _page_rotation(page) % 180 else (width, height)


def _pdf_page_dpi(page: pikepdf.Page, image: pikepdf.PdfImage | None) -> int:
    """The resolution of the page's scan, or the rendering resolution for other pages."""
    if image is None:
        return RENDER_DPI
    return round(image.width / (_shown_size(page)[0] / 72))


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


def _pdf_pages(source: SourceFile) -> Iterator[PageImage]:
    with pikepdf.open(source.path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            image = _full_page_image(page)
            dpi = _pdf_page_dpi(page, image)
            original = _embeddable_pdf_image(page, image) if image is not None else None
            if image is None or original is None:
                rendering = _render_pdf_page(source.path, number, dpi)
                raster, original = grey_for_ocr(rendering), _encode_jpeg(rendering)
            else:
                # A page that is one image: decoding it is the rendering, without poppler.
                raster = _decode_page_image(image, original)
            yield PageImage(f"{source.name}#{number}", number, raster, dpi, False, original)


def _decode_page_image(image: pikepdf.PdfImage, original: EncodedImage) -> Image.Image:
    decoded: Image.Image
    try:
        if original.filter == "/DCTDecode":
            # Not closed: closing would drop the decoded pixels, and a copy costs as much as
            # decoding (13 ms for a 300 dpi A4 page in colour).
            decoded = Image.open(io.BytesIO(original.data))
            decoded.load()
        else:
            decoded = image.as_pil_image()
    except (OSError, SyntaxError, ValueError, pikepdf.PdfError) as e:
        raise InputRejected(f"corrupt PDF: a page image cannot be decoded ({e})") from e
    raster = grey_for_ocr(decoded)
    return raster.rotate(-original.turned, expand=True) if original.turned else raster


def _render_pdf_page(path: Path, number: int, dpi: int) -> Image.Image:
    """A page that is not one scanned image, rendered in colour by poppler."""
    try:
        images = pdf2image.convert_from_path(path, dpi=dpi, first_page=number, last_page=number)
    except (pdf2image.exceptions.PDFPageCountError, pdf2image.exceptions.PDFSyntaxError) as e:
        raise InputRejected(f"corrupt PDF: page {number} cannot be rendered ({e})") from e
    if not images:
        raise InputRejected(f"corrupt PDF: page {number} cannot be rendered")
    return images[0].convert("RGB")


_COPYABLE_FILTERS = {"/DCTDecode", "/FlateDecode", "/CCITTFaxDecode"}


def _embeddable_pdf_image(page: pikepdf.Page, image: pikepdf.PdfImage) -> EncodedImage | None:
    """The page's scanned image with its encoded bytes, when PDF/A allows copying it as is."""
    if image.image_mask or not image.filters:
        return None
    stream = image.obj
    final_filter = image.filters[-1]
    if final_filter not in _COPYABLE_FILTERS or "/Decode" in stream or "/SMask" in stream:
        return None
    parms = stream.get("/DecodeParms")
    if isinstance(parms, pikepdf.Array):
        if any(isinstance(p, pikepdf.Dictionary) for p in list(parms)[:-1]):
            return None  # a predictor on an outer filter: not worth unpicking
        parms = parms[-1] if len(parms) else None
    if not isinstance(parms, pikepdf.Dictionary):
        parms = None
    data = stream.read_raw_bytes()
    if image.filters[:-1] == ["/FlateDecode"]:
        # [/FlateDecode /DCTDecode]: undoing the outer Flate is lossless and leaves the JPEG.
        data = zlib.decompress(data)
    elif len(image.filters) > 1:
        return None
    colour_space = stream.get("/ColorSpace")
    icc: bytes | None = None
    components = 3
    if colour_space in (pikepdf.Name.DeviceRGB, pikepdf.Name.DeviceGray):
        space = str(colour_space)
    elif isinstance(colour_space, pikepdf.Array) and colour_space[0] == pikepdf.Name.ICCBased:
        space, icc = "/ICCBased", colour_space[1].read_bytes()
        components = int(colour_space[1].get("/N", 3))
    else:
        return None  # Indexed, CMYK, Lab…: re-encode from the rendering instead
    return EncodedImage(
        data=data,
        width=image.width,
        height=image.height,
        filter=final_filter,
        colour_space=space,
        bits_per_component=image.bits_per_component,
        decode_parms={str(k)[1:]: _scalar(v) for k, v in parms.items()} if parms else None,
        icc_profile=icc,
        icc_components=components,
        turned=_page_rotation(page),
    )


def _scalar(value: pikepdf.Object) -> int | bool:
    return bool(value) if isinstance(value, bool) else int(value)


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
    except (OSError, SyntaxError, ValueError) as e:
        raise InputRejected(f"corrupt image: {e}") from e
    return image


def _inspect_image(path: Path) -> int:
    with _open_image(path) as image:
        frames = getattr(image, "n_frames", 1)
        try:
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                _check_page_size(frame.width * frame.height, number)
        except (OSError, SyntaxError, ValueError) as e:
            raise InputRejected(f"corrupt image: {e}") from e
    return int(frames)


def _image_pages(source: SourceFile) -> Iterator[PageImage]:
    with _open_image(source.path) as image:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            _check_page_size(frame.width * frame.height, number)
            try:
                frame.load()
                dpi, assumed = _image_dpi(frame)
                original = _encode_image(source, frame)
                if source.kind == "jpeg":
                    ImageOps.exif_transpose(frame, in_place=True)  # else a copy, even when upright
                raster = grey_for_ocr(frame)
            except (OSError, SyntaxError, ValueError) as e:
                raise InputRejected(f"corrupt image: page {number} cannot be decoded ({e})") from e
            yield PageImage(f"{source.name}#{number}", number, raster, dpi, assumed, original)


def _image_dpi(image: Image.Image) -> tuple[int, bool]:
    dpi = image.info.get("dpi")
    if dpi and MIN_DPI <= float(dpi[0]) <= MAX_DPI:
        return round(float(dpi[0])), False
    assumed = round(max(image.size) / A4_LONG_SIDE_INCHES)
    return min(max(assumed, MIN_DPI), MAX_DPI), True


# EXIF orientations that are pure rotations, as the clockwise turn a viewer applies.
_EXIF_TURN = {1: 0, 3: 180, 6: 90, 8: 270}


def _encode_image(source: SourceFile, frame: Image.Image) -> EncodedImage:
    if source.kind == "jpeg" and frame.mode in ("L", "RGB"):
        orientation = frame.getexif().get(0x0112, 1)
        if orientation in _EXIF_TURN:
            return EncodedImage(
                data=source.path.read_bytes(),
                width=frame.width,
                height=frame.height,
                filter="/DCTDecode",
                colour_space="/DeviceRGB" if frame.mode == "RGB" else "/DeviceGray",
                bits_per_component=8,
                turned=_EXIF_TURN[orientation],
            )
        frame = ImageOps.exif_transpose(frame)
    return _encode_lossless(frame)


def _encode_lossless(image: Image.Image) -> EncodedImage:
    """Flate, which loses nothing: bilevel stays 1 bit, grey stays 8 bits."""
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("L" if image.mode in ("I;16", "I", "F", "LA") else "RGB")
    return EncodedImage(
        data=zlib.compress(image.tobytes(), 6),
        width=image.width,
        height=image.height,
        filter="/FlateDecode",
        colour_space="/DeviceRGB" if image.mode == "RGB" else "/DeviceGray",
        bits_per_component=1 if image.mode == "1" else 8,
    )


def _encode_jpeg(image: Image.Image) -> EncodedImage:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return EncodedImage(
        data=buffer.getvalue(),
        width=image.width,
        height=image.height,
        filter="/DCTDecode",
        colour_space="/DeviceRGB",
        bits_per_component=8,
    )

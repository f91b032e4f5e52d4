"""Embed: a page's image as it goes into the PDF, in the input's own encoding wherever PDF can
carry it, as img2pdf does.

- JPEG (and a self-contained JPEG strip of a TIFF) goes in as DCTDecode, byte for byte;
- a PNG's compressed data goes in as FlateDecode with PNG predictors, byte for byte, when it is
  non-interlaced grey, RGB or palette of at most 8 bits without transparency;
- a one-strip CCITT G4 TIFF frame goes in as CCITTFaxDecode;
- a scanned PDF page's image goes in as its stream is (DCT, Flate, CCITT, JBIG2 with its
  globals). JPEG 2000 is left out: PDF/A-2 allows it, but the validator cannot check it.

Anything else is re-encoded without loss and fast: bilevel as G4, the rest as Flate at zlib's
quickest level. Only one page's encoded bytes are read at a time.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, ImageOps, TiffImagePlugin

# zlib's quickest level, without PNG filters: a noisy 300 dpi A4 page in colour (26 MB) in
# 0.4 s of CPU instead of 1.1 s at level 6, 3 % larger (see docs/design-embedding.md).
FAST_COMPRESS_LEVEL = 1
JPEG_QUALITY = 92  # for renderings of born-digital pages, which have no encoding of their own

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour types PDF can take as they are: grey, RGB, palette (with their component counts).
_PNG_COLOURS = {0: 1, 2: 3, 3: 1}
# TIFF tags and values read to copy a frame's strip as it is.
_COMPRESSION_G4, _COMPRESSION_JPEG = 4, 7
_PHOTOMETRIC_WHITE_IS_ZERO, _PHOTOMETRIC_BLACK_IS_ZERO = 0, 1
_PHOTOMETRIC_RGB, _PHOTOMETRIC_YCBCR = 2, 6
_JPEG_TABLES = 347
# PDF image filters whose data can be copied from one PDF into a PDF/A-2 file as it is.
_COPYABLE_FILTERS = {"/DCTDecode", "/FlateDecode", "/CCITTFaxDecode", "/JBIG2Decode"}
# EXIF orientations that are pure rotations, as the clockwise turn a viewer applies.
_EXIF_TURN = {1: 0, 3: 180, 6: 90, 8: 270}


@dataclass(frozen=True)
class EncodedImage:
    """A page image as it goes into the PDF: the original encoding wherever PDF allows it."""

    data: bytes
    width: int
    height: int
    filter: str  # "/DCTDecode", "/FlateDecode", "/CCITTFaxDecode" or "/JBIG2Decode"
    # "/DeviceRGB", "/DeviceGray", "/ICCBased" or "/Indexed" (on DeviceRGB, with `palette`)
    colour_space: str
    bits_per_component: int
    decode_parms: dict[str, int | bool] | None = None
    icc_profile: bytes | None = None
    icc_components: int = 3
    palette: bytes | None = None  # RGB triples of an /Indexed image
    jbig2_globals: bytes | None = None  # the symbol dictionary a JBIG2 image refers to
    # Clockwise degrees the raster was turned relative to the encoded image (PDF /Rotate, EXIF)
    turned: int = 0


def encode_image(frame: Image.Image, path: Path) -> EncodedImage:
    """The current frame of the image file at `path`, opened by Pillow (not a copy: its format
    and TIFF tags say where its encoded bytes are), as it goes into the PDF."""
    if frame.format == "JPEG":
        orientation = frame.getexif().get(0x0112, 1)
        if frame.mode in ("L", "RGB") and orientation in _EXIF_TURN:
            return _jpeg(path.read_bytes(), frame, turned=_EXIF_TURN[orientation])
        return reencode(ImageOps.exif_transpose(frame))
    if frame.format == "PNG":
        return png_as_is(path.read_bytes()) or reencode(frame)
    if frame.format == "TIFF":
        return _tiff_strip_as_is(frame, functools.partial(_read, path)) or reencode(frame)
    return reencode(frame)


def reencode(image: Image.Image) -> EncodedImage:
    """Without loss and fast: bilevel as CCITT G4, anything else as 8-bit grey, palette or RGB
    Flate at zlib's quickest level. Transparency is flattened on white, 16 bits become 8."""
    image = _flattened(image)
    if image.mode == "1":
        return _g4(image)
    palette = bytes(image.getpalette("RGB") or b"") if image.mode == "P" else None
    return EncodedImage(
        data=zlib.compress(image.tobytes(), FAST_COMPRESS_LEVEL),
        width=image.width,
        height=image.height,
        filter="/FlateDecode",
        colour_space={"L": "/DeviceGray", "P": "/Indexed"}.get(image.mode, "/DeviceRGB"),
        bits_per_component=8,
        palette=palette,
    )


def encode_jpeg(image: Image.Image) -> EncodedImage:
    """A rendering of a page that has no image of its own (born-digital), as JPEG."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return _jpeg(buffer.getvalue(), image)


def _jpeg(data: bytes, image: Image.Image, turned: int = 0) -> EncodedImage:
    return EncodedImage(
        data=data,
        width=image.width,
        height=image.height,
        filter="/DCTDecode",
        colour_space="/DeviceGray" if image.mode == "L" else "/DeviceRGB",
        bits_per_component=8,
        turned=turned,
    )


def _flattened(image: Image.Image) -> Image.Image:
    """`image` as bilevel, 8-bit grey, RGB palette or RGB, showing what a viewer shows."""
    if image.mode in ("1", "L", "RGB"):
        return image
    # Pillow's own conversion of these to L clips at 255 instead of scaling.
    if image.mode.startswith("I;16"):
        return Image.fromarray((np.asarray(image) >> 8).astype(np.uint8), "L")
    if image.mode in ("I", "F"):
        levels = np.clip(np.asarray(image, dtype=np.float32), 0, 65535)
        top = 65535.0 if levels.max() > 255 else 255.0  # 16-bit samples held in 32 bits
        return Image.fromarray(np.round(levels * (255.0 / top)).astype(np.uint8), "L")
    if image.mode == "P" and "transparency" not in image.info:
        rgb_palette = image.palette is not None and image.palette.mode == "RGB"
        return image if rgb_palette else image.convert("RGB")
    if "A" in image.mode or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(white, rgba)
        return flat.convert("L" if image.mode in ("LA", "La") else "RGB")
    return image.convert("RGB")  # CMYK, YCbCr, Lab…


# --- PNG --------------------------------------------------------------------------------------


def png_as_is(data: bytes) -> EncodedImage | None:
    """A PNG's compressed image data as FlateDecode with the PNG predictors, or None when PDF
    cannot show it as it is (interlaced, 16-bit, alpha or transparent)."""
    if not data.startswith(_PNG_SIGNATURE):
        return None
    header: tuple[int, int, int, int, int, int, int] | None = None
    palette, idat = b"", []
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            return None  # transparency: flattened on white instead
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None or not idat:
        return None
    width, height, depth, colour_type, _, _, interlace = header
    if interlace or depth > 8 or colour_type not in _PNG_COLOURS:
        return None
    if colour_type == 3 and not palette:
        return None
    return EncodedImage(
        data=b"".join(idat),
        width=width,
        height=height,
        filter="/FlateDecode",
        colour_space={0: "/DeviceGray", 2: "/DeviceRGB", 3: "/Indexed"}[colour_type],
        bits_per_component=depth,
        decode_parms={
            "Predictor": 15,
            "Colors": _PNG_COLOURS[colour_type],
            "BitsPerComponent": depth,
            "Columns": width,
        },
        palette=palette or None,
    )


# --- TIFF -------------------------------------------------------------------------------------


def _tiff_strip_as_is(frame: Image.Image, read: Callable[[int, int], bytes]) -> EncodedImage | None:
    """A TIFF frame stored as one strip of CCITT G4 or of a JPEG, copied as it is; `read`
    gives the bytes at an offset of the file."""
    tags = getattr(frame, "tag_v2", None)
    if tags is None:
        return None
    offsets = tags.get(TiffImagePlugin.STRIPOFFSETS)
    counts = tags.get(TiffImagePlugin.STRIPBYTECOUNTS)
    if offsets is None or counts is None or len(offsets) != 1 or len(counts) != 1:
        return None  # several strips cannot be joined into one PDF image stream
    if tags.get(TiffImagePlugin.PLANAR_CONFIGURATION, 1) != 1:
        return None
    compression = tags.get(TiffImagePlugin.COMPRESSION)
    photometric = tags.get(TiffImagePlugin.PHOTOMETRIC_INTERPRETATION)
    if compression == _COMPRESSION_G4:
        if tags.get(TiffImagePlugin.FILLORDER, 1) != 1 or photometric not in (
            _PHOTOMETRIC_WHITE_IS_ZERO,
            _PHOTOMETRIC_BLACK_IS_ZERO,
        ):
            return None
        return _ccitt_g4(read(offsets[0], counts[0]), frame, photometric)
    if compression == _COMPRESSION_JPEG:
        return _tiff_jpeg(read(offsets[0], counts[0]), frame, tags)
    return None


def _read(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read(length)


def _ccitt_g4(data: bytes, image: Image.Image, photometric: int) -> EncodedImage:
    return EncodedImage(
        data=data,
        width=image.width,
        height=image.height,
        filter="/CCITTFaxDecode",
        colour_space="/DeviceGray",
        bits_per_component=1,
        # The code's black runs are 1 bits where 0 is white: then PDF must be told so.
        decode_parms={
            "K": -1,
            "Columns": image.width,
            "Rows": image.height,
            "BlackIs1": photometric == _PHOTOMETRIC_BLACK_IS_ZERO,
        },
    )


def _tiff_jpeg(
    strip: bytes, frame: Image.Image, tags: TiffImagePlugin.ImageFileDirectory_v2
) -> EncodedImage | None:
    """A JPEG-compressed TIFF strip as a JPEG file: its tables, when the TIFF holds them
    apart (JPEGTables), go in front of it, which is what a decoder does with them."""
    photometric = tags.get(TiffImagePlugin.PHOTOMETRIC_INTERPRETATION)
    if frame.mode not in ("L", "RGB") or not strip.startswith(b"\xff\xd8"):
        return None
    if photometric not in (_PHOTOMETRIC_BLACK_IS_ZERO, _PHOTOMETRIC_RGB, _PHOTOMETRIC_YCBCR):
        return None
    tables = tags.get(_JPEG_TABLES)
    if tables:
        tables = bytes(tables)
        if not (tables.startswith(b"\xff\xd8") and tables.endswith(b"\xff\xd9")):
            return None
        strip = tables[:-2] + strip[2:]
    encoded = _jpeg(strip, frame)
    if photometric == _PHOTOMETRIC_RGB and frame.mode == "RGB":
        # The samples are RGB, not YCbCr: PDF must not convert them.
        return dataclasses.replace(encoded, decode_parms={"ColorTransform": 0})
    return encoded


def _g4(image: Image.Image) -> EncodedImage:
    """A bilevel image as CCITT G4, by Pillow's libtiff, in one strip as PDF needs it."""
    buffer = io.BytesIO()
    strip_size = (image.width + 7) // 8 * image.height
    image.save(buffer, format="TIFF", compression="group4", strip_size=strip_size)
    buffer.seek(0)
    written = TiffImagePlugin.TiffImageFile(buffer)
    encoded = _tiff_strip_as_is(written, lambda offset, length: _slice(buffer, offset, length))
    if encoded is None:  # pragma: no cover - Pillow writes one G4 strip when told to
        raise AssertionError("Pillow wrote a G4 TIFF that cannot be embedded")
    return encoded


def _slice(buffer: io.BytesIO, offset: int, length: int) -> bytes:
    return buffer.getbuffer()[offset : offset + length].tobytes()


# --- PDF --------------------------------------------------------------------------------------


def pdf_image_as_is(image: pikepdf.PdfImage, turned: int) -> EncodedImage | None:
    """A scanned PDF page's image with its encoded bytes, when PDF/A-2 allows copying it as
    it is; None when it must be rendered and encoded afresh."""
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
    globals_: bytes | None = None
    kept_parms: dict[str, int | bool] = {}
    for key, value in (parms or {}).items():
        if key == "/JBIG2Globals":
            if not isinstance(value, pikepdf.Stream):
                return None
            globals_ = value.read_bytes()
        elif isinstance(value, (bool, int)):
            kept_parms[key[1:]] = value
        else:
            return None  # a parameter this module does not know how to copy
    colours = _pdf_colour_space(stream)
    if colours is None:
        return None
    colour_space, icc, components = colours
    return EncodedImage(
        data=data,
        width=image.width,
        height=image.height,
        filter=final_filter,
        colour_space=colour_space,
        bits_per_component=image.bits_per_component,
        decode_parms=kept_parms or None,
        icc_profile=icc,
        icc_components=components,
        jbig2_globals=globals_,
        turned=turned,
    )


_ColourSpace = tuple[str, bytes | None, int]  # (colour space, ICC profile, components)


def _pdf_colour_space(stream: pikepdf.Object) -> _ColourSpace | None:
    """How the image's colours are stated, or None for a colour space this module does not copy
    (Indexed, CMYK, Lab…: those pages are rendered instead)."""
    colour_space = stream.get("/ColorSpace")
    if colour_space in (pikepdf.Name.DeviceRGB, pikepdf.Name.DeviceGray):
        return str(colour_space), None, 3
    if isinstance(colour_space, pikepdf.Array) and colour_space[0] == pikepdf.Name.ICCBased:
        profile = colour_space[1]
        return "/ICCBased", profile.read_bytes(), int(profile.get("/N", 3))
    return None

"""PDF/A-2b assembly: each page is its original scan plus an invisible text layer on top.

The scan is embedded in its original encoding (JPEG stays JPEG, bilevel stays bilevel) and is
turned and straightened by the page's transformation matrix, never by re-encoding it; the
text layer is turned with it, by what OCR's image was not already straightened by. The text
layer is drawn in text render mode 3 (invisible) with a glyphless font whose glyphs are
stretched to cover each word of the image, so a viewer's search highlights the right place.

Pages are first written as one-page fragments as soon as their OCR is done; `assemble_pdfa`
joins them. qpdf reads a fragment's image only when it writes the final file, so memory stays
flat however many pages a document has.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pikepdf.pdfa
from pikepdf import Dictionary, Name

from sohoa.ocr.engine import Line, PageText
from sohoa.pipeline.embed import EncodedImage
from sohoa.pipeline.xmp import (
    XmpValue,
    add_sohoa_metadata,
    is_about_sohoa_namespace,
    remove_sohoa_metadata,
)

PDFA_FLAVOUR = "2b"
_FONT = Name("/F1")
_IMAGE = Name("/Im0")
# Files held open at once while joining pages (far below any file-descriptor limit).
OPEN_FRAGMENTS = 256
# The glyphless font's only glyph is half an em wide.
_GLYPH_ADVANCE = 0.5


@dataclass(frozen=True)
class PageSpec:
    """Everything a PDF page is made of. Coordinates of `text` are pixels of the page as OCR
    saw it: turned upright (by `rotation`), straightened by `ocr_straightened` and enlarged
    `ocr_scale` times."""

    original: EncodedImage
    rotation: int  # clockwise turn that makes the page upright
    skew: float  # anticlockwise tilt of the text: the PDF shows the page straightened
    ocr_straightened: float  # the part of `skew` already taken out of the image OCR read
    dpi: int
    width_px: int
    height_px: int
    text: PageText | None
    ocr_scale: int = 1


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    dossier_id: str
    document_type: str
    creator_tool: str
    language: str = "vi"
    # The `sohoa` XMP properties: type, fields, review state (see xmp.PROPERTIES).
    sohoa: Mapping[str, XmpValue | None] = field(default_factory=dict)


def write_page_fragment(spec: PageSpec, path: Path) -> None:
    """One page as a PDF of its own, ready to be joined by `assemble_pdfa`. The font is left
    out here: the final document holds it once for all its pages."""
    pdf = pikepdf.new()
    scale = 72 / spec.dpi
    width, height = spec.width_px * scale, spec.height_px * scale
    page = pdf.add_blank_page(page_size=(width, height))
    page.Resources = Dictionary(XObject=Dictionary({str(_IMAGE): _image_stream(pdf, spec)}))
    content = _image_placement(spec, width, height)
    if spec.text is not None:
        content += _text_layer(spec.text, spec, width, height)
    page.Contents = pdf.make_stream(content)
    pdf.save(path)


def assemble_pdfa(fragments: list[Path], destination: Path, info: DocumentInfo) -> None:
    """Join page fragments into one PDF/A-2b file, validated as it is written.

    Raises pikepdf.pdfa.PdfaError when the written file does not pass; nothing is left at
    `destination` then."""
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".joining-") as batches:
        parts, round_ = fragments, 0
        while len(parts) > OPEN_FRAGMENTS:
            # qpdf reads a joined page's image from its file only when it writes, so every
            # file stays open until then: a long document is joined in batches first.
            round_ += 1
            parts = [
                _join(parts[i : i + OPEN_FRAGMENTS], Path(batches) / f"{round_}-{i}.pdf")
                for i in range(0, len(parts), OPEN_FRAGMENTS)
            ]
        with ExitStack() as stack:
            pdf = stack.enter_context(pikepdf.new())
            font = _glyphless_font(pdf)
            for part in parts:
                pdf.pages.extend(stack.enter_context(pikepdf.open(part)).pages)
            for page in pdf.pages:
                page.Resources.Font = Dictionary({str(_FONT): font})
            _set_metadata(pdf, info)
            _save_pdfa(pdf, destination, info, Path(batches))


def rewrite_metadata(source: Path, destination: Path, info: DocumentInfo) -> None:
    """A copy of the PDF/A at `source` whose metadata is made of `info` (a reviewed document's
    type and fields), its pages untouched; validated before it is moved to `destination`."""
    with (
        tempfile.TemporaryDirectory(dir=destination.parent, prefix=".rewriting-") as work,
        pikepdf.open(source) as pdf,
    ):
        remove_sohoa_metadata(pdf)
        _set_metadata(pdf, info)
        _save_pdfa(pdf, destination, info, Path(work))


def _save_pdfa(pdf: pikepdf.Pdf, destination: Path, info: DocumentInfo, work: Path) -> None:
    """Write `pdf` as PDF/A with the `sohoa` XMP description, validate the written bytes and
    only then move them to `destination`."""
    pikepdf.pdfa.prepare(pdf, PDFA_FLAVOUR, output_intent="sRGB")
    add_sohoa_metadata(pdf, info.sohoa)
    save_kwargs = pikepdf.pdfa.resolve_save_kwargs(PDFA_FLAVOUR)
    written = work / "document.pdf"
    pdf.save(written, **save_kwargs)
    report = validate(written, save_kwargs)
    if not report.passed:
        raise pikepdf.pdfa.PdfaError(report)
    written.replace(destination)


def _join(parts: list[Path], destination: Path) -> Path:
    with ExitStack() as stack:
        pdf = stack.enter_context(pikepdf.new())
        for part in parts:
            pdf.pages.extend(stack.enter_context(pikepdf.open(part)).pages)
        pdf.save(destination)
    return destination


def validate(path: Path, save_kwargs: Mapping[str, Any] | None = None) -> pikepdf.pdfa.Report:
    """pikepdf's PDF/A-2b report on the file at `path`, less its objections to the `sohoa`
    namespace, which an extension schema declares (see xmp.py)."""
    report = pikepdf.pdfa.validate_written(path, PDFA_FLAVOUR, save_kwargs)
    kept = [f for f in report.findings if not is_about_sohoa_namespace(f)]
    return dataclasses.replace(report, findings=kept)


def _image_stream(pdf: pikepdf.Pdf, spec: PageSpec) -> pikepdf.Stream:
    original = spec.original
    stream = pikepdf.Stream(pdf, original.data)
    stream.Type = Name.XObject
    stream.Subtype = Name.Image
    stream.Width = original.width
    stream.Height = original.height
    stream.BitsPerComponent = original.bits_per_component
    stream.Filter = Name(original.filter)
    parms = Dictionary({f"/{k}": v for k, v in (original.decode_parms or {}).items()})
    if original.jbig2_globals is not None:
        parms.JBIG2Globals = pdf.make_indirect(pikepdf.Stream(pdf, original.jbig2_globals))
    if parms:
        stream.DecodeParms = parms
    if original.icc_profile is not None:
        profile = pikepdf.Stream(pdf, original.icc_profile)
        profile.N = original.icc_components
        stream.ColorSpace = pikepdf.Array([Name.ICCBased, profile])
    elif original.palette is not None:
        hival = len(original.palette) // 3 - 1
        lookup = pikepdf.String(original.palette)
        stream.ColorSpace = pikepdf.Array([Name.Indexed, Name.DeviceRGB, hival, lookup])
    else:
        stream.ColorSpace = Name(original.colour_space)
    return stream


def _image_placement(spec: PageSpec, width: float, height: float) -> bytes:
    """Draw the scan centred on the page, turned upright and straightened.

    The scan's raster was turned clockwise by `original.turned` (PDF /Rotate, EXIF) and then
    by `rotation`, and is straightened by turning it clockwise by the skew; all three are one
    turn about the page's centre."""
    scale = 72 / spec.dpi
    image_w, image_h = spec.original.width * scale, spec.original.height * scale
    # Row-vector matrices, as PDF composes them: unit square -> image centred on the origin ->
    # turned -> moved to the page's centre.
    centred = np.array([[image_w, 0, 0], [0, image_h, 0], [-image_w / 2, -image_h / 2, 1]])
    turns = spec.original.turned + spec.rotation + spec.skew
    placement = centred @ _clockwise(turns) @ _translation(width / 2, height / 2)
    return f"q {_operands(placement)} cm {_IMAGE} Do Q\n".encode()


def _text_layer(text: PageText, spec: PageSpec, width: float, height: float) -> bytes:
    """The words where OCR saw them, then turned about the page's centre by the skew that OCR's
    image still had, so that they lie on the straightened scan."""
    scale = 72 / (spec.dpi * spec.ocr_scale)
    straighten = (
        _translation(-width / 2, -height / 2)
        @ _clockwise(spec.skew - spec.ocr_straightened)
        @ _translation(width / 2, height / 2)
    )
    parts = [f"q {_operands(straighten)} cm BT 3 Tr"]
    for line in text.lines:
        parts.extend(_line_operators(line, scale, height))
    parts.append("ET Q\n")
    return "\n".join(parts).encode()


def _clockwise(degrees: float) -> np.ndarray:
    # PDF angles run anticlockwise.
    angle = -math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    return np.array([[cos, sin, 0], [-sin, cos, 0], [0, 0, 1]])


def _translation(x: float, y: float) -> np.ndarray:
    return np.array([[1, 0, 0], [0, 1, 0], [x, y, 1]])


def _operands(m: np.ndarray) -> str:
    return " ".join(_num(v) for v in (m[0, 0], m[0, 1], m[1, 0], m[1, 1], m[2, 0], m[2, 1]))


def _line_operators(line: Line, scale: float, page_height: float) -> list[str]:
    # hOCR slopes are in image space, where y grows downwards.
    angle = math.atan(-line.baseline_slope)
    cos, sin = math.cos(angle), math.sin(angle)
    operators = []
    for i, word in enumerate(line.words):
        # Every word but a line's last carries the space after it, so that text extraction
        # sees words. The glyphs are stretched to cover the word itself, so that a search
        # highlights exactly the word on the image.
        shown = word.text if i == len(line.words) - 1 else word.text + " "
        baseline = line.baseline_y(word.box.x0)
        font_size = max((baseline - line.box.y0) * scale, 1.0)
        span = max(word.box.width, 1) * scale / cos
        stretch = 100 * span / (len(word.text) * _GLYPH_ADVANCE * font_size)
        x, y = word.box.x0 * scale, page_height - baseline * scale
        matrix = " ".join(_num(v) for v in (cos, sin, -sin, cos, x, y))
        operators.append(
            f"{_FONT} {_num(font_size)} Tf {_num(stretch)} Tz {matrix} Tm <{_utf16_hex(shown)}> Tj"
        )
    return operators


def _utf16_hex(text: str) -> str:
    # Character codes are UTF-16 code units; the font maps each to its one glyph and the
    # ToUnicode map back to the same code point. Astral characters cannot be one unit.
    return "".join(f"{ord(c):04X}" if ord(c) <= 0xFFFF else "FFFD" for c in text)


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def _glyphless_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """Tesseract's glyphless font: every character code shows glyph 1, which draws nothing."""
    program = (resources.files("sohoa.pipeline") / "data" / "glyphless.ttf").read_bytes()
    font_file = pikepdf.Stream(pdf, program)
    font_file.Length1 = len(program)
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name.GlyphLessFont,
        Flags=5,
        FontBBox=[0, 0, 500, 1000],
        ItalicAngle=0,
        Ascent=1000,
        Descent=-1,
        CapHeight=1000,
        StemV=80,
        FontFile2=font_file,
    )
    cid_to_gid = pikepdf.Stream(pdf, b"\x00\x00" + b"\x00\x01" * 0xFFFF)
    cid_font = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=Name.GlyphLessFont,
        CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=descriptor,
        CIDToGIDMap=cid_to_gid,
        DW=500,
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name.GlyphLessFont,
            Encoding=Name("/Identity-H"),
            DescendantFonts=[pdf.make_indirect(cid_font)],
            ToUnicode=pikepdf.Stream(pdf, _TO_UNICODE),
        )
    )


def _set_metadata(pdf: pikepdf.Pdf, info: DocumentInfo) -> None:
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = info.title
        meta["dc:language"] = [info.language]
        meta["dc:identifier"] = info.dossier_id
        meta["dc:type"] = [info.document_type]
        meta["xmp:CreatorTool"] = info.creator_tool
        meta["pdf:Producer"] = info.creator_tool
        meta["pdf:Keywords"] = f"dossier:{info.dossier_id} type:{info.document_type}"
    pdf.docinfo[Name.Title] = info.title
    pdf.docinfo[Name.Creator] = info.creator_tool
    pdf.docinfo[Name.Producer] = info.creator_tool
    pdf.docinfo[Name.Keywords] = f"dossier:{info.dossier_id} type:{info.document_type}"

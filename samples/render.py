"""Lay a document's rows out on A4 pages and draw them with Pillow.

Layout and drawing are separate: `layout_document` only measures text (cheap), so a caller can
know how many pages a document takes before it draws any of them, and draws one page at a time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from samples.blocks import Column, Document, Para, Row, Signer, Weight
from samples.codes import modules

A4_MM = (210.0, 297.0)
MM_PER_INCH = 25.4
INK = 25  # toner is never quite black

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/noto"),
)
# Families with Vietnamese glyphs (Debian: fonts-liberation2, fonts-dejavu-core, fonts-noto-core);
# the old fonts-liberation draws Vietnamese as boxes, so it is deliberately absent.
FAMILIES: dict[str, dict[Weight, str]] = {
    "Liberation Serif": {
        "regular": "LiberationSerif-Regular.ttf",
        "bold": "LiberationSerif-Bold.ttf",
        "italic": "LiberationSerif-Italic.ttf",
        "bold_italic": "LiberationSerif-BoldItalic.ttf",
    },
    "Noto Serif": {
        "regular": "NotoSerif-Regular.ttf",
        "bold": "NotoSerif-Bold.ttf",
        "italic": "NotoSerif-Italic.ttf",
        "bold_italic": "NotoSerif-BoldItalic.ttf",
    },
    "DejaVu Serif": {
        "regular": "DejaVuSerif.ttf",
        "bold": "DejaVuSerif-Bold.ttf",
        "italic": "DejaVuSerif-Italic.ttf",
        "bold_italic": "DejaVuSerif-BoldItalic.ttf",
    },
    "Liberation Sans": {
        "regular": "LiberationSans-Regular.ttf",
        "bold": "LiberationSans-Bold.ttf",
        "italic": "LiberationSans-Italic.ttf",
        "bold_italic": "LiberationSans-BoldItalic.ttf",
    },
    "Noto Sans": {
        "regular": "NotoSans-Regular.ttf",
        "bold": "NotoSans-Bold.ttf",
        "italic": "NotoSans-Italic.ttf",
        "bold_italic": "NotoSans-BoldItalic.ttf",
    },
    "DejaVu Sans": {
        "regular": "DejaVuSans.ttf",
        "bold": "DejaVuSans-Bold.ttf",
        "italic": "DejaVuSans-Oblique.ttf",
        "bold_italic": "DejaVuSans-BoldOblique.ttf",
    },
}
MONO_FONTS = ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf", "NotoSansMono-Regular.ttf")
# Serif faces are what administrative papers use (Times New Roman 13-14 pt); sans appear too.
FAMILY_WEIGHTS = {"Liberation Serif": 5, "Noto Serif": 2, "DejaVu Serif": 2}
PAGE_NUMBER_RATE = 0.85


def find_font(file_name: str) -> Path | None:
    for folder in FONT_DIRS:
        if (folder / file_name).is_file():
            return folder / file_name
    return None


@cache
def available_families() -> dict[str, dict[Weight, Path]]:
    found: dict[str, dict[Weight, Path]] = {}
    for family, files in FAMILIES.items():
        paths = {weight: find_font(name) for weight, name in files.items()}
        if all(paths.values()):
            found[family] = {weight: path for weight, path in paths.items() if path}
    if not found:
        raise RuntimeError(
            "no font with Vietnamese glyphs found; install fonts-liberation2, fonts-dejavu-core "
            "or fonts-noto-core"
        )
    return found


@cache
def mono_font() -> Path:
    for name in MONO_FONTS:
        if path := find_font(name):
            return path
    return available_families()[next(iter(available_families()))]["regular"]


@cache
def load_font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    # Text is NFC with precomposed letters, so the basic layout engine suffices and is faster.
    return ImageFont.truetype(str(path), size_px, layout_engine=ImageFont.Layout.BASIC)


@dataclass(frozen=True)
class DocStyle:
    """How one document is typeset; drawn per document so documents in a dossier differ."""

    family: str
    body_pt: float
    line_spacing: float
    margins_mm: tuple[float, float, float, float]  # top, right, bottom, left
    page_numbers: bool = True  # Decree 30 numbers continuation pages; some offices forget

    @classmethod
    def draw(cls, rng: random.Random) -> DocStyle:
        families = list(available_families())
        weights = [FAMILY_WEIGHTS.get(f, 1) for f in families]
        return cls(
            family=rng.choices(families, weights)[0],
            body_pt=rng.choice((12.0, 12.5, 13.0, 13.0, 13.5, 14.0)),
            line_spacing=rng.uniform(1.15, 1.4),
            margins_mm=(
                rng.uniform(18, 25),
                rng.uniform(15, 20),
                rng.uniform(18, 25),
                rng.uniform(28, 35),
            ),
            page_numbers=rng.random() < PAGE_NUMBER_RATE,
        )

    @property
    def label(self) -> str:
        return f"{self.family} {self.body_pt:g}pt"


@dataclass(frozen=True)
class PlacedText:
    x: int
    y: int
    text: str
    font: Path
    size_px: int


@dataclass(frozen=True)
class PlacedCode:
    """A code's module grid at a position, each module `module` pixels (width, height)."""

    x: int
    y: int
    module: tuple[int, int]
    grid: tuple[tuple[bool, ...], ...]

    @property
    def xy(self) -> tuple[int, int]:
        return self.x, self.y

    @property
    def size(self) -> tuple[int, int]:
        return len(self.grid[0]) * self.module[0], len(self.grid) * self.module[1]


@dataclass(frozen=True)
class SignatureArea:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels
    signer: Signer


@dataclass
class PageLayout:
    size: tuple[int, int]
    dpi: int
    texts: list[PlacedText] = field(default_factory=list)
    rules: list[tuple[int, int, int, int]] = field(default_factory=list)  # filled rectangles
    frames: list[tuple[int, int, int, int]] = field(default_factory=list)  # outlined rectangles
    signatures: list[SignatureArea] = field(default_factory=list)
    codes: list[PlacedCode] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the page's text, in reading order

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Block:
    """A piece of a row that cannot be split across pages, positioned relative to its top."""

    height: float
    space_before: float  # dropped when the block opens a page
    texts: list[PlacedText] = field(default_factory=list)
    rules: list[tuple[int, int, int, int]] = field(default_factory=list)
    frames: list[tuple[int, int, int, int]] = field(default_factory=list)
    signatures: list[SignatureArea] = field(default_factory=list)
    codes: list[PlacedCode] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def placed_at(self, y: int) -> Block:
        def shift(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
            return (box[0], box[1] + y, box[2], box[3] + y)

        return Block(
            self.height,
            self.space_before,
            [PlacedText(t.x, t.y + y, t.text, t.font, t.size_px) for t in self.texts],
            [shift(r) for r in self.rules],
            [shift(f) for f in self.frames],
            [SignatureArea(shift(s.box), s.signer) for s in self.signatures],
            [PlacedCode(c.x, c.y + y, c.module, c.grid) for c in self.codes],
            self.lines,
        )


def a4_pixels(dpi: int) -> tuple[int, int]:
    return round(A4_MM[0] / MM_PER_INCH * dpi), round(A4_MM[1] / MM_PER_INCH * dpi)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float, first_indent: float) -> list[str]:
    """Greedy word wrap; a word longer than the line stays whole on its own line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        room = width - (first_indent if not lines else 0)
        if current and font.getlength(candidate) > room:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


class Typesetter:
    """Turns rows into blocks for one document style at one resolution."""

    def __init__(self, style: DocStyle, dpi: int) -> None:
        self.style = style
        self.dpi = dpi
        self.px_per_mm = dpi / MM_PER_INCH
        self.page_size = a4_pixels(dpi)
        top, right, bottom, left = (m * self.px_per_mm for m in style.margins_mm)
        self.top, self.bottom = top, self.page_size[1] - bottom
        self.left, self.text_width = left, self.page_size[0] - left - right
        self.body_px = style.body_pt * dpi / 72
        self.body_line = self.body_px * style.line_spacing

    def font_for(self, para: Para) -> tuple[Path, int]:
        path = mono_font() if para.mono else available_families()[self.style.family][para.weight]
        return path, max(6, round(self.body_px * para.size))

    def column_lines(
        self, column: Column, x0: float, width: float, block: Block, y: float
    ) -> float:
        """Lays a column's code and paragraphs into `block` from height `y`; returns the height
        reached."""
        if column.code:
            y = self.place_code(column, x0, width, block, y)
        for para in column.paras:
            path, size_px = self.font_for(para)
            font = load_font(path, size_px)
            if para.one_line:  # shrink rather than wrap: mottos and titles stay on one line
                while size_px > 6 and font.getlength(para.text) > width:
                    size_px -= 1
                    font = load_font(path, size_px)
            line_height = size_px * self.style.line_spacing
            y += para.space_before * self.body_line
            indent = para.indent * self.px_per_mm
            for i, line in enumerate(wrap(para.text, font, width, indent)):
                line_width = font.getlength(line)
                offset = indent if i == 0 else 0.0
                if para.align == "center":
                    x = x0 + (width - line_width) / 2
                elif para.align == "right":
                    x = x0 + width - line_width
                else:
                    x = x0 + offset
                block.texts.append(PlacedText(round(x), round(y), line, path, size_px))
                block.lines.append(" ".join(line.split()))
                y += line_height
                last_centre, last_width = x + line_width / 2, line_width
            if para.rule_below:
                half = last_width * 0.3
                thickness = max(1, round(self.dpi / 200))
                rule_y = round(y + line_height * 0.12)
                rule = (
                    round(last_centre - half),
                    rule_y,
                    round(last_centre + half),
                    rule_y + thickness,
                )
                block.rules.append(rule)
                y += line_height * 0.4
        return y

    def place_code(self, column: Column, x0: float, width: float, block: Block, y: float) -> float:
        """Puts the column's code at height `y`; returns the height below its quiet zone."""
        assert column.code is not None
        grid = modules(column.code)
        side = max(1, round(column.code.module_mm * self.px_per_mm))
        tall = round(column.code.height_mm * self.px_per_mm) if len(grid) == 1 else side
        code_width = len(grid[0]) * side
        slack = width - code_width
        x = x0 + {"left": 0.0, "center": slack / 2, "right": slack}[column.code_align]
        block.codes.append(PlacedCode(round(x), round(y), (side, tall), grid))
        return y + len(grid) * tall + 4 * side  # a QR code's quiet zone is four modules

    def row_blocks(self, row: Row) -> list[Block]:
        space = row.space_before * self.body_line
        (only, *others) = row.columns
        plain = not (only.boxed or only.signer or only.code)
        if not others and plain and only.width == 1.0:
            return self.split_lines(only, space)
        total = sum(c.width for c in row.columns) * self.text_width
        slack = self.text_width - total
        x = self.left + {"left": 0.0, "center": slack / 2, "right": slack}[row.place]
        block = Block(0.0, space)
        height = 0.0
        for column in row.columns:
            width = column.width * self.text_width
            pad = 3.0 * self.px_per_mm if column.boxed else 0.0
            bottom = self.column_lines(column, x + pad, width - 2 * pad, block, pad) + pad
            if column.boxed:
                block.frames.append((round(x), 0, round(x + width), round(bottom)))
            if column.signer:
                box = (round(x), 0, round(x + width), round(bottom))
                block.signatures.append(SignatureArea(box, column.signer))
            height = max(height, bottom)
            x += width
        block.height = height
        return [block]

    def split_lines(self, column: Column, space: float) -> list[Block]:
        """A full-width running paragraph may break between any two of its lines."""
        whole = Block(0.0, space)
        self.column_lines(column, self.left, self.text_width, whole, 0.0)
        blocks = []
        for i, (placed, line) in enumerate(zip(whole.texts, whole.lines, strict=True)):
            line_height = placed.size_px * self.style.line_spacing
            top = placed.y
            moved = PlacedText(placed.x, 0, placed.text, placed.font, placed.size_px)
            gap = space + top if i == 0 else top - (whole.texts[i - 1].y + line_height)
            blocks.append(Block(line_height, gap, [moved], lines=[line]))
        for rule in whole.rules:  # rules only follow motto lines, which never split
            blocks[-1].rules.append(
                (rule[0], rule[1] - whole.texts[-1].y, rule[2], rule[3] - whole.texts[-1].y)
            )
        return blocks


def layout_document(document: Document, style: DocStyle, dpi: int) -> list[PageLayout]:
    """Flows the document's rows onto as many A4 pages as they need, numbering pages 2, 3, …
    unless the style forgets to."""
    setter = Typesetter(style, dpi)
    pages = layout_rows(document.rows, setter)
    if len(pages) > 1 and style.page_numbers:
        for number, page in enumerate(pages[1:], start=2):
            add_page_number(page, number, setter)
    return pages


def layout_rows(rows: list[Row], setter: Typesetter) -> list[PageLayout]:
    dpi = setter.dpi
    pages = [PageLayout(setter.page_size, dpi)]
    y = setter.top
    for row in rows:
        if row.new_page and y > setter.top:
            pages.append(PageLayout(setter.page_size, dpi))
            y = setter.top
        for block in setter.row_blocks(row):
            opens_page = y == setter.top
            if not opens_page and y + block.space_before + block.height > setter.bottom:
                pages.append(PageLayout(setter.page_size, dpi))
                y, opens_page = setter.top, True
            y += 0.0 if opens_page else block.space_before
            placed = block.placed_at(round(y))
            page = pages[-1]
            page.texts += placed.texts
            page.rules += placed.rules
            page.frames += placed.frames
            page.signatures += placed.signatures
            page.codes += placed.codes
            page.lines += placed.lines
            y += block.height
    return pages


def layout_separator(rows: list[Row], style: DocStyle, dpi: int) -> PageLayout:
    """A separator sheet: its rows on one page."""
    (page,) = layout_rows(rows, Typesetter(style, dpi))
    return page


def add_page_number(page: PageLayout, number: int, setter: Typesetter) -> None:
    """Decree 30: from the second page on, the number sits centred in the top margin."""
    path, size_px = setter.font_for(Para(""))
    font = load_font(path, size_px)
    x = setter.left + (setter.text_width - font.getlength(str(number))) / 2
    y = setter.top / 2 - size_px / 2
    page.texts.insert(0, PlacedText(round(x), round(y), str(number), path, size_px))
    page.lines.insert(0, str(number))


def draw_page(page: PageLayout) -> Image.Image:
    """The printed page: dark text on white, grayscale."""
    image = Image.new("L", page.size, 255)
    draw = ImageDraw.Draw(image)
    for text in page.texts:
        draw.text((text.x, text.y), text.text, font=load_font(text.font, text.size_px), fill=INK)
    for rule in page.rules:
        draw.rectangle(rule, fill=INK)
    width = max(2, round(page.dpi / 100))
    for frame in page.frames:
        draw.rounded_rectangle(frame, radius=round(page.dpi / 12), outline=INK + 40, width=width)
    for code in page.codes:
        cells = np.where(np.array(code.grid, dtype=bool), INK, 255).astype(np.uint8)
        image.paste(Image.fromarray(cells).resize(code.size, Image.Resampling.NEAREST), code.xy)
    return image

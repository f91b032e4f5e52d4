"""What understanding a dossier (splitting, classifying, extracting) knows of one page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sohoa.ocr.engine import Box, Line, PageText, Word


@dataclass(frozen=True)
class PageContent:
    """One page of a dossier as read: its OCR words with their boxes and confidences, the
    payloads of any QR codes or barcodes printed on it, and which of its digits look written
    by hand."""

    blank: bool
    text: PageText | None  # None for blank pages and pages OCR failed on
    codes: tuple[str, ...] = ()
    handwritten: tuple[Box, ...] = ()  # boxes of `text`'s digit words written by hand

    @property
    def plain_text(self) -> str:
        return self.text.plain_text() if self.text else ""


def line_of(words: Sequence[Word]) -> Line:
    """An OCR line holding `words`, its box around theirs, its baseline flat."""
    box = Box(
        min(w.box.x0 for w in words),
        min(w.box.y0 for w in words),
        max(w.box.x1 for w in words),
        max(w.box.y1 for w in words),
    )
    return Line(box, 0.0, 0.0, tuple(words))


def plain_page(text: str) -> PageText:
    """A page known only as text (a clerk's correction, a review export's page): one line per
    text line, stacked from the top of an A4 page at 200 dpi."""
    lines = []
    for number, line_text in enumerate(t for t in text.splitlines() if t.split()):
        y = 150 + 45 * number
        x, words = 150, []
        for word in line_text.split():
            words.append(Word(word, Box(x, y, x + 20 * len(word), y + 35), 90.0))
            x += 20 * len(word) + 12
        lines.append(line_of(words))
    return PageText(1654, 2339, tuple(lines))

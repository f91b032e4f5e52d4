"""The OCR engine interface: what `sohoa` needs from any engine, and nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class Box:
    """A rectangle in image pixels, origin top left, y down."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def moved(self, dx: int, dy: int) -> Box:
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    confidence: float  # 0-100


@dataclass(frozen=True)
class Line:
    box: Box
    # Baseline as the engine reports it: y = box.y1 + offset + slope * (x - box.x0).
    baseline_slope: float
    baseline_offset: float
    words: tuple[Word, ...]

    def baseline_y(self, x: float) -> float:
        return self.box.y1 + self.baseline_offset + self.baseline_slope * (x - self.box.x0)


@dataclass(frozen=True)
class PageText:
    """Everything one engine call yields for a page: words with boxes, grouped in lines."""

    width: int
    height: int
    lines: tuple[Line, ...] = field(default=())

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def mean_confidence(self) -> float | None:
        words = self.words
        if not words:
            return None
        return sum(w.confidence for w in words) / len(words)

    def placed(self, left: int, top: int, width: int, height: int) -> PageText:
        """This reading of a part of a page, in the pixels of the whole page (`width` ×
        `height`) of which the part's top left corner is at (`left`, `top`)."""
        lines = tuple(
            replace(
                line,
                box=line.box.moved(left, top),
                words=tuple(replace(w, box=w.box.moved(left, top)) for w in line.words),
            )
            for line in self.lines
        )
        return PageText(width, height, lines)

    def plain_text(self) -> str:
        """The page as text: one line per OCR line."""
        return "\n".join(" ".join(w.text for w in line.words) for line in self.lines)


@dataclass(frozen=True)
class Orientation:
    rotation: int  # clockwise degrees that make the page upright
    confidence: float


class OcrError(RuntimeError):
    """The engine failed on a page (crash, timeout, unreadable image)."""


class OcrEngine(Protocol):
    """An OCR engine: a page image in, words out. Implementations must be safe to call from
    several threads at once, and must not change the image they are given."""

    def recognise(self, image: Image.Image, *, dpi: int) -> PageText:
        """Read the upright page in `image`, scanned at `dpi`. Raises OcrError when the engine
        fails (crash, timeout)."""
        ...

    def detect_orientation(self, image: Image.Image, *, dpi: int) -> Orientation | None:
        """Guess how the page in `image` must turn to be upright; None when it cannot tell.
        Raises OcrError when the engine fails, as `recognise` does."""
        ...

"""OCR engines for flow tests, in the manner of OCRmyPDF's tests/plugins: each stands in for
Tesseract behind `OcrEngine`, and the fault injectors fail the way a real engine can. They see
only the page image they are given, as any engine does."""

from __future__ import annotations

import threading

from PIL import Image

from sohoa.ocr.engine import Box, Line, OcrError, Orientation, PageText, Word
from sohoa.ocr.tesseract import TesseractEngine


class Crashing:
    """Every page crashes the engine, as a reader killed by a segfault does."""

    def recognise(self, image: Image.Image, *, dpi: int) -> PageText:
        raise OcrError("tesseract stopped (exit status -11)")

    def detect_orientation(self, image: Image.Image, *, dpi: int) -> Orientation | None:
        raise OcrError("tesseract stopped (exit status -11)")


class Hanging:
    """Every page hangs the engine until its time is up, then fails as a timed-out reader does;
    `hung` counts the calls that hung."""

    def __init__(self, timeout_s: float = 0.5) -> None:
        self.timeout_s = timeout_s
        self.hung = 0
        self._never = threading.Event()

    def recognise(self, image: Image.Image, *, dpi: int) -> PageText:
        self.hung += 1
        self._never.wait(self.timeout_s)
        raise OcrError("tesseract timed out")

    def detect_orientation(self, image: Image.Image, *, dpi: int) -> Orientation | None:
        self.recognise(image, dpi=dpi)
        return None


class Garbage:
    """Reads every page confidently as noise: words that are no words, boxes off the page."""

    def recognise(self, image: Image.Image, *, dpi: int) -> PageText:
        words = tuple(
            Word(text, Box(10 * i, 10, 10 * i + 8, 30), 96.0)
            for i, text in enumerate(["ẑẑ", "|||", "QĐ-", "§§", "000000000000000"])
        )
        beyond = Word(
            "~~", Box(image.width + 5, image.height + 5, image.width + 40, image.height + 9), 90.0
        )
        return PageText(
            image.width,
            image.height,
            (Line(Box(0, 10, 200, 30), 0.0, 0.0, words), Line(beyond.box, 0.0, 0.0, (beyond,))),
        )

    def detect_orientation(self, image: Image.Image, *, dpi: int) -> Orientation | None:
        return Orientation(rotation=90, confidence=0.1)


class CrashesOn:
    """Tesseract, except that a page whose text holds `word` crashes it."""

    def __init__(self, word: str, lang: str = "vie") -> None:
        self.word = word
        self.tesseract = TesseractEngine(lang)

    def recognise(self, image: Image.Image, *, dpi: int) -> PageText:
        text = self.tesseract.recognise(image, dpi=dpi)
        if any(w.text == self.word for w in text.words):
            raise OcrError("tesseract stopped (exit status -11)")
        return text

    def detect_orientation(self, image: Image.Image, *, dpi: int) -> Orientation | None:
        return self.tesseract.detect_orientation(image, dpi=dpi)

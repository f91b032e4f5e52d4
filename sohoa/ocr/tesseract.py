"""Tesseract through pytesseract: one hOCR call per page gives words, boxes, confidences, lines."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

import pytesseract

from sohoa.ocr.engine import Box, Line, OcrError, Orientation, PageText, Word

_XHTML = "{http://www.w3.org/1999/xhtml}"
_LINE_CLASSES = {"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"}
_BBOX = re.compile(r"bbox (-?\d+) (-?\d+) (-?\d+) (-?\d+)")
_BASELINE = re.compile(r"baseline (-?[\d.]+) (-?[\d.]+)")
_WCONF = re.compile(r"x_wconf (-?[\d.]+)")
_OSD_ROTATE = re.compile(r"Rotate: (\d+)")
_OSD_CONFIDENCE = re.compile(r"Orientation confidence: ([\d.]+)")


class TesseractMissing(RuntimeError):
    """Tesseract or its language data is not installed."""


class TesseractEngine:
    """Runs the `tesseract` binary, one process per call, single-threaded.

    Tesseract's OpenMP threads fight each other when several pages run at once: on 2 cores one
    300 dpi page took 13 s instead of 1.6 s. So each process gets one thread and sohoa runs as
    many processes as there are cores.
    """

    def __init__(self, lang: str = "vie", *, timeout_s: float = 300.0) -> None:
        os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by every tesseract process we start
        self.lang = lang
        self.timeout_s = timeout_s
        check_installed(lang)

    def recognise(self, image: Path, *, dpi: int) -> PageText:
        try:
            hocr = pytesseract.image_to_pdf_or_hocr(
                str(image),
                lang=self.lang,
                extension="hocr",
                config=f"--psm 3 --dpi {dpi}",
                timeout=self.timeout_s,
            )
        except (pytesseract.TesseractError, RuntimeError, OSError) as e:
            raise OcrError(f"tesseract failed on {image.name}: {e}") from e
        return parse_hocr(hocr)

    def detect_orientation(self, image: Path, *, dpi: int) -> Orientation | None:
        try:
            report = pytesseract.image_to_osd(
                str(image), config=f"--psm 0 --dpi {dpi}", timeout=self.timeout_s
            )
        except (pytesseract.TesseractError, RuntimeError, OSError):
            return None  # too little text to tell: not an error, just no opinion
        rotate, confidence = _OSD_ROTATE.search(report), _OSD_CONFIDENCE.search(report)
        if not rotate or not confidence:
            return None
        return Orientation(rotation=int(rotate.group(1)) % 360, confidence=float(confidence[1]))


@functools.cache
def check_installed(lang: str) -> None:
    """Raise TesseractMissing with what to install when tesseract or a language is absent.
    Checked once per process and language."""
    if shutil.which("tesseract") is None:
        raise TesseractMissing(
            "tesseract is not installed: run `make install` (Debian: apt-get install "
            "tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd)"
        )
    listed = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    ).stdout.split()
    for needed in [*lang.split("+"), "osd"]:
        if needed not in listed:
            raise TesseractMissing(
                f"tesseract language data '{needed}' is missing: run `make install` "
                f"(Debian: apt-get install tesseract-ocr-{needed})"
            )


def parse_hocr(hocr: bytes) -> PageText:
    """Words and lines from Tesseract's hOCR output."""
    root = ElementTree.fromstring(hocr)
    page = next(e for e in root.iter(f"{_XHTML}div") if e.get("class") == "ocr_page")
    page_box = _box(page.get("title", ""))
    lines = []
    for element in root.iter(f"{_XHTML}span"):
        if element.get("class") not in _LINE_CLASSES:
            continue
        title = element.get("title", "")
        baseline = _BASELINE.search(title)
        words = tuple(_words(element))
        if words:
            lines.append(
                Line(
                    box=_box(title),
                    baseline_slope=float(baseline[1]) if baseline else 0.0,
                    baseline_offset=float(baseline[2]) if baseline else 0.0,
                    words=words,
                )
            )
    return PageText(width=page_box.x1, height=page_box.y1, lines=tuple(lines))


def _words(line: ElementTree.Element) -> list[Word]:
    words = []
    for span in line.iter(f"{_XHTML}span"):
        if span.get("class") != "ocrx_word":
            continue
        # NFC so that every Vietnamese letter is one code point downstream
        text = unicodedata.normalize("NFC", "".join(span.itertext()).strip())
        if not text:
            continue
        title = span.get("title", "")
        confidence = _WCONF.search(title)
        words.append(
            Word(text=text, box=_box(title), confidence=float(confidence[1]) if confidence else 0.0)
        )
    return words


def _box(title: str) -> Box:
    match = _BBOX.search(title)
    if not match:
        raise OcrError(f"hOCR element without a bbox: {title!r}")
    x0, y0, x1, y1 = (int(v) for v in match.groups())
    return Box(x0, y0, x1, y1)

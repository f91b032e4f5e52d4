"""Reading a page: blank or not, which way up, how skewed, and its text.

Orientation costs as little as possible. The page's ink tells which way its lines run and,
from how each line's ink leans, which way up they are; the page is read that way. Only when
that reads poorly (or the ink could not tell) is the engine's orientation detection asked
(about a third of an OCR call) and the page read again the way it suggests. Nearly every page
costs one engine call, upside-down and sideways pages included.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from sohoa.ocr.engine import Box, Line, OcrEngine, PageText, Word
from sohoa.pipeline.codes import decode_codes
from sohoa.pipeline.ingest import PageImage
from sohoa.pipeline.ink import handwritten_digits
from sohoa.pipeline.preprocess import (
    analyse_page,
    enlarge,
    inked_part,
    ocr_scale,
    ocr_straightening,
    upright,
)

# Mean word confidence of a page read the right way up is 75-95 on scans; read upside down or
# sideways it falls to about 40.
CONFIDENT_READING = 60.0


@dataclass(frozen=True)
class PageReading:
    """What OCR made of a page. `width_px` and `height_px` are the scan's pixels of the page
    shown upright; word boxes are pixels of the image OCR read, `ocr_scale` times larger."""

    blank: bool
    rotation: int
    skew: float
    straightened: float  # the part of `skew` taken out of the image OCR read
    width_px: int
    height_px: int
    text: PageText | None
    ocr_scale: int = 1
    codes: tuple[str, ...] = ()  # QR codes and barcodes printed on the page
    handwritten: tuple[Box, ...] = ()  # digit words whose ink looks written by hand (`ink`)

    @property
    def confidence(self) -> float | None:
        return self.text.mean_confidence if self.text else None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> PageReading:
        raw = json.loads(data)
        text = raw.pop("text")
        codes = tuple(raw.pop("codes", ()))
        handwritten = tuple(Box(**box) for box in raw.pop("handwritten", ()))
        return cls(
            **raw,
            text=_page_text(text) if text else None,
            codes=codes,
            handwritten=handwritten,
        )


def read_page(page: PageImage, engine: OcrEngine) -> PageReading:
    codes = decode_codes(page.raster)
    layout = analyse_page(page.raster, page.dpi)
    if layout.blank and not codes:  # a separator sheet may carry nothing but its code
        return PageReading(True, 0, 0.0, 0.0, page.raster.width, page.raster.height, None)

    @functools.cache  # asked at most once per page
    def engine_guess() -> int | None:
        guess = engine.detect_orientation(page.raster, dpi=page.dpi)
        return guess.rotation if guess else None

    if layout.rotation_hint is None:
        # Lines run up and down without telling which way: ask the engine.
        first_rotation = 270 if engine_guess() == 270 else 90
    else:
        first_rotation = layout.rotation_hint
    first = _read_turned(page, engine, first_rotation, layout.skew)
    if (first.confidence or 0.0) < CONFIDENT_READING:
        rotation = engine_guess()
        if rotation is None or rotation == first.rotation:
            rotation = (first.rotation + 180) % 360
        second = _read_turned(page, engine, rotation, layout.skew)
        first = max(first, second, key=lambda reading: reading.confidence or 0.0)
    return replace(first, codes=codes)


def _read_turned(page: PageImage, engine: OcrEngine, rotation: int, skew: float) -> PageReading:
    straightened = ocr_straightening(skew)
    image = upright(page.raster, rotation, straightened)
    scale = ocr_scale(page.dpi)
    # Only scans with a known resolution: on a phone photo, lit unevenly, Tesseract's threshold
    # for the inked part alone differed from the whole page's and lost words.
    part = inked_part(image, page.dpi) if scale == 1 and not page.dpi_assumed else None
    if part is None:
        text = engine.recognise(enlarge(image, scale), dpi=page.dpi * scale)
    else:
        read = engine.recognise(image.crop(part), dpi=page.dpi)
        text = read.placed(part[0], part[1], image.width, image.height)
    return PageReading(
        False,
        rotation,
        skew,
        straightened,
        image.width,
        image.height,
        text,
        ocr_scale=scale,
        handwritten=handwritten_digits(image, text, scale),
    )


def _page_text(raw: dict[str, Any]) -> PageText:
    return PageText(
        width=raw["width"],
        height=raw["height"],
        lines=tuple(
            Line(
                box=Box(**line["box"]),
                baseline_slope=line["baseline_slope"],
                baseline_offset=line["baseline_offset"],
                words=tuple(
                    Word(text=w["text"], box=Box(**w["box"]), confidence=w["confidence"])
                    for w in line["words"]
                ),
            )
            for line in raw["lines"]
        ),
    )

"""Page analysis before OCR: blank pages, skew, text direction, and the upright raster.

All of it works on a small binarised copy of the page (about 100 dpi), so it costs a few
milliseconds next to the second or two that OCR takes. The original image is never changed:
the PDF shows it turned and straightened by a transformation matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

ANALYSIS_DPI = 100
# Dark share of the page (margins excluded) below which a page is blank: a duplex back with
# speckle or faint bleed-through stays under it; one short printed line is above it.
BLANK_INK_SHARE = 0.0015
MAX_SKEW_DEGREES = 6.0
# Vertical text lines score this much higher than horizontal ones on a page turned 90°.
VERTICAL_TEXT_RATIO = 1.6
# Projection profiles are smoothed over this many analysis pixels (letter pitch at 100 dpi), so
# that the alternation of letter stems along a line does not pass for lines.
PROFILE_SMOOTHING = 5
# Skew below this is left to the OCR engine: rotating the raster costs more than it gains.
MIN_DESKEW_DEGREES = 0.2


# Red seals: red exceeds both green and blue by this much (0-255). Black text printed across a
# seal is dark in every channel, so it stays.
SEAL_RED_MARGIN = 60


@dataclass(frozen=True)
class PageLayout:
    blank: bool
    skew: float  # degrees the text is turned anticlockwise from level
    text_vertical: bool  # lines run up/down: the page lies on its side


def analyse_page(raster: Image.Image, dpi: int) -> PageLayout:
    ink = _inner(_ink_mask(raster, dpi))
    if _is_blank(ink):
        return PageLayout(blank=True, skew=0.0, text_vertical=False)
    angle_h, score_h = _dominant_angle(ink)
    angle_v, score_v = _dominant_angle(np.rot90(ink))
    vertical = score_v > VERTICAL_TEXT_RATIO * score_h
    return PageLayout(blank=False, skew=angle_v if vertical else angle_h, text_vertical=vertical)


def grey_for_ocr(image: Image.Image) -> Image.Image:
    """The page in grey for OCR, with red seal ink whitened: a seal stamped over the signing
    block otherwise turns the lines under it into noise. Only OCR sees this; the PDF keeps the
    scan's colours."""
    if image.mode != "RGB":
        return image.convert("L")
    rgb = np.asarray(image, dtype=np.int16)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    seal = red - np.maximum(green, blue) > SEAL_RED_MARGIN
    grey = np.asarray(image.convert("L")).copy()
    grey[seal] = 255
    return Image.fromarray(grey)


def upright(raster: Image.Image, rotation: int, skew: float) -> Image.Image:
    """The page turned `rotation` degrees clockwise, then straightened by `skew`; same size
    as the page shown upright, so OCR coordinates are page coordinates."""
    turned = {
        0: raster,
        90: raster.transpose(Image.Transpose.ROTATE_270),
        180: raster.transpose(Image.Transpose.ROTATE_180),
        270: raster.transpose(Image.Transpose.ROTATE_90),
    }[rotation % 360]
    correction = applied_skew(skew)
    if correction == 0:
        return turned
    return turned.rotate(-correction, resample=Image.Resampling.BILINEAR, fillcolor=255)


def applied_skew(skew: float) -> float:
    """The part of `skew` that is corrected; the OCR engine copes with less by itself."""
    return skew if abs(skew) >= MIN_DESKEW_DEGREES else 0.0


def _ink_mask(raster: Image.Image, dpi: int) -> np.ndarray:
    """Dark pixels of a reduced copy; averaging while reducing removes speckle noise."""
    scale = min(1.0, ANALYSIS_DPI / dpi)
    small = raster.convert("L").reduce(max(1, round(1 / scale)))
    pixels = np.asarray(small, dtype=np.float32)
    background = float(np.percentile(pixels, 90))
    return pixels < 0.7 * background


def _inner(ink: np.ndarray) -> np.ndarray:
    """The inner 90 % of the page: scanner edges and punch holes sit in the margins, and a dark
    edge, slightly tilted, would pass for a line of text."""
    h, w = ink.shape
    return ink[h // 20 : h - h // 20, w // 20 : w - w // 20]


def _is_blank(ink: np.ndarray) -> bool:
    return float(ink.mean()) < BLANK_INK_SHARE


def _dominant_angle(ink: np.ndarray) -> tuple[float, float]:
    """The angle (degrees, anticlockwise) of the text lines in `ink`, and how strongly lines
    stand out at that angle (0-1).

    Postl's criterion: ink projected along the text lines alternates between full rows (text)
    and empty rows (gaps), so neighbouring row counts differ most at the right angle.
    """
    ys, xs = np.nonzero(ink)
    if len(ys) < 50:
        return 0.0, 0.0
    xs = xs - ink.shape[1] / 2
    ys = ys.astype(np.float64)

    def line_contrast(degrees: float) -> float:
        # Image y grows downwards, so text turned anticlockwise rises to the right.
        rows = np.round(ys + xs * np.tan(np.radians(degrees))).astype(np.int64)
        counts = np.bincount(rows - rows.min()).astype(np.float64)
        counts = np.convolve(counts, np.ones(PROFILE_SMOOTHING) / PROFILE_SMOOTHING, "same")
        steps = np.diff(counts)
        return float(np.dot(steps, steps) / (2 * np.dot(counts, counts)))

    best = 0.0
    for step, span in ((0.5, MAX_SKEW_DEGREES), (0.1, 0.5), (0.02, 0.1)):
        candidates = np.arange(best - span, best + span + step / 2, step)
        best = float(max(candidates, key=line_contrast))
    return round(best, 2), line_contrast(best)

"""Page analysis before OCR: blank pages, skew, text direction, and the upright raster.

All of it works on a small binarised copy of the page (about 100 dpi), so it costs a few
milliseconds next to the second or two that OCR takes. The original image is never changed:
the PDF shows it turned and straightened by a transformation matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

ANALYSIS_DPI = 100
# Dark share of the page (margins excluded) below which a page is blank: a duplex back with
# speckle or faint bleed-through stays under it; one short printed line is above it.
BLANK_INK_SHARE = 0.0015
# Ink is darker than this share of the paper's shade.
INK_DARKNESS = 0.7
# Print can be faint as well: a palette of few colours merges a sparse page's print with its
# anti-aliased edges into one light grey (190 on paper of 233, seen with 16 colours). Faint ink
# counts when it covers this much more of the page than dark ink must: bleed-through on a
# duplex back is lighter still (under 6 % darker than its paper), and a few faint specks are
# not a page.
FAINT_INK_DARKNESS = 0.87
FAINT_INK_SHARE = 0.01
MAX_SKEW_DEGREES = 6.0
# Vertical text lines score this much higher than horizontal ones on a page turned 90°.
VERTICAL_TEXT_RATIO = 1.6
OCR_STRAIGHTEN_FROM_DEGREES = 1.0
# Low-resolution pages (phone photos) are read at twice their size: on the real photographed
# letters of shared/real-scans word recall rose from 0.94 and 0.88 to 0.95 and 0.94 (three
# times was worse, see domain.md).
OCR_UPSCALE_BELOW_DPI = 150
# Tesseract's page analysis costs by the pixel, the blank margins of a scan too: reading only
# the inked part of the page, with this much paper around it, took 11 % less OCR CPU on
# generated A4 scans for the same word recall (0.907). Not worth a crop above this share of
# the page.
OCR_MARGIN_INCHES = 0.25
CROP_BELOW_SHARE = 0.8
# Projection profiles are smoothed over this many analysis pixels (letter pitch at 100 dpi), so
# that the alternation of letter stems along a line does not pass for lines.
PROFILE_SMOOTHING = 5


# Red seals: red exceeds both green and blue by this much (0-255). Black text printed across a
# seal is dark in every channel, so it stays.
SEAL_RED_MARGIN = 60


# Vietnamese print has far more ink above the x-height (ascenders, tone marks, hats) than below
# the baseline, so each line's ink leans upwards. Pages measured lean between -0.02 and -0.25
# upright; a lean beyond this, either way, is taken as telling which way up the page is.
CLEAR_LEAN = 0.05


@dataclass(frozen=True)
class PageLayout:
    blank: bool
    skew: float  # degrees the text is turned anticlockwise from level
    # The clockwise turn the ink suggests makes the page upright; None when lines run up and
    # down but their lean does not say which way.
    rotation_hint: int | None


def analyse_page(raster: Image.Image, dpi: int) -> PageLayout:
    ink = _ink(_analysis_pixels(raster, dpi))
    if ink is None:
        return PageLayout(blank=True, skew=0.0, rotation_hint=0)
    level = _InkPoints.of(ink)
    # Turned a quarter anticlockwise, a page lying on its side has level lines.
    on_side = _InkPoints.of(np.rot90(ink))
    angle_h, score_h = _dominant_angle(level)
    angle_v, score_v = _dominant_angle(on_side)
    if score_v > VERTICAL_TEXT_RATIO * score_h:
        lean = _line_lean(on_side, angle_v)
        # Upright after our quarter turn anticlockwise: the page needs 270° clockwise.
        hint = 270 if lean < -CLEAR_LEAN else 90 if lean > CLEAR_LEAN else None
        return PageLayout(blank=False, skew=angle_v, rotation_hint=hint)
    upside_down = _line_lean(level, angle_h) > CLEAR_LEAN
    return PageLayout(blank=False, skew=angle_h, rotation_hint=180 if upside_down else 0)


def grey_for_ocr(image: Image.Image) -> Image.Image:
    """The page in grey for OCR, with red seal ink whitened: a seal stamped over the signing
    block otherwise turns the lines under it into noise. Only OCR sees this; the PDF keeps the
    scan's colours. (OpenCV: 10 ms on a 300 dpi A4 page in colour, Pillow's channel
    arithmetic 18 ms.)

    A page is taken by what it holds (Pillow's base mode): a grey or bilevel page has no seal to
    whiten and goes to grey at once (a grey one is not copied: it is only read from here on);
    a palette or CMYK page is colour, like an RGB one."""
    if Image.getmodebase(image.mode) == "L":
        return image if image.mode == "L" else image.convert("L")
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    red, green, blue = cv2.split(rgb)
    redness = cv2.subtract(red, cv2.max(green, blue))  # saturates at 0
    _, seal = cv2.threshold(redness, SEAL_RED_MARGIN, 255, cv2.THRESH_BINARY)
    return Image.fromarray(cv2.max(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), seal))


_CLOCKWISE = {
    1: Image.Transpose.ROTATE_270,  # PIL's turns run anticlockwise
    2: Image.Transpose.ROTATE_180,
    3: Image.Transpose.ROTATE_90,
}


def upright(raster: Image.Image, rotation: int, straighten: float = 0.0) -> Image.Image:
    """The page turned `rotation` degrees clockwise (a multiple of 90), then turned back by
    `straighten` degrees of skew; the same size as the page shown upright."""
    quarter_turns = (rotation % 360) // 90
    turned = raster.transpose(_CLOCKWISE[quarter_turns]) if quarter_turns else raster
    if straighten == 0:
        return turned
    return _turned_anticlockwise(turned, -straighten)


def _turned_anticlockwise(grey: Image.Image, degrees: float) -> Image.Image:
    """The grey page turned about its centre, bilinear, white where the page was not. OpenCV's
    fixed-point warp takes 14 ms on a 300 dpi A4 page, Pillow's `rotate` 62 ms."""
    pixels = np.asarray(grey)
    height, width = pixels.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    turned = cv2.warpAffine(
        pixels, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255
    )
    return Image.fromarray(turned)


def ocr_scale(dpi: int) -> int:
    """How many times larger than scanned OCR reads a page."""
    return 2 if dpi < OCR_UPSCALE_BELOW_DPI else 1


def enlarge(image: Image.Image, scale: int) -> Image.Image:
    if scale == 1:
        return image
    size = (image.width * scale, image.height * scale)
    return image.resize(size, Image.Resampling.LANCZOS)


def ocr_straightening(skew: float) -> float:
    """How much of a page's skew to take out of the image OCR reads. Tesseract reads pages
    tilted by less than a degree as well as straight ones; beyond that it loses words (word
    recall 0.975 instead of 0.983 on the accuracy set when nothing is straightened)."""
    return skew if abs(skew) >= OCR_STRAIGHTEN_FROM_DEGREES else 0.0


def inked_part(image: Image.Image, dpi: int) -> tuple[int, int, int, int] | None:
    """The part of the upright page `image` that holds its ink, faint print included, with
    `OCR_MARGIN_INCHES` of paper around it, as a box (left, top, right, bottom) for OCR to read
    instead of the whole page; None when the ink reaches most of the page, or there is none."""
    pixels = _analysis_pixels(image, dpi)
    factor = image.width / pixels.shape[1]
    ink = pixels < FAINT_INK_DARKNESS * _paper_shade(pixels)
    rows, columns = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    if not len(rows):
        return None
    margin = round(OCR_MARGIN_INCHES * dpi)
    left = max(0, int(columns[0] * factor) - margin)
    top = max(0, int(rows[0] * factor) - margin)
    right = min(image.width, int((columns[-1] + 1) * factor) + margin)
    bottom = min(image.height, int((rows[-1] + 1) * factor) + margin)
    if (right - left) * (bottom - top) >= CROP_BELOW_SHARE * image.width * image.height:
        return None
    return left, top, right, bottom


def _analysis_pixels(raster: Image.Image, dpi: int) -> np.ndarray:
    """A reduced grey copy; averaging while reducing removes speckle noise."""
    scale = min(1.0, ANALYSIS_DPI / dpi)
    grey = raster if raster.mode == "L" else raster.convert("L")
    return np.asarray(grey.reduce(max(1, round(1 / scale))))


def _ink(pixels: np.ndarray) -> np.ndarray | None:
    """The inner page's ink (dark pixels, or faint ones where the print is faint), or None
    for a blank page."""
    background = _paper_shade(pixels)
    inner = _inner(pixels)
    dark = inner < INK_DARKNESS * background
    if float(dark.mean()) >= BLANK_INK_SHARE:
        return dark
    faint = inner < FAINT_INK_DARKNESS * background
    return faint if float(faint.mean()) >= FAINT_INK_SHARE else None


def _paper_shade(pixels: np.ndarray) -> int:
    """The paper's shade: the 90th percentile, from the histogram (a sort costs 5 times more)."""
    counts = np.cumsum(np.bincount(pixels.ravel(), minlength=256))
    return int(np.searchsorted(counts, 0.9 * pixels.size))


def _inner(pixels: np.ndarray) -> np.ndarray:
    """The inner 90 % of the page: scanner edges and punch holes sit in the margins, and a dark
    edge, slightly tilted, would pass for a line of text."""
    h, w = pixels.shape
    return pixels[h // 20 : h - h // 20, w // 20 : w - w // 20]


@dataclass(frozen=True)
class _InkPoints:
    ys: np.ndarray
    xs: np.ndarray  # from the middle of the page, so that turning does not shift rows

    @classmethod
    def of(cls, ink: np.ndarray) -> _InkPoints:
        ys, xs = np.nonzero(ink)
        return cls(ys.astype(np.float64), xs - ink.shape[1] / 2)


def _line_profile(points: _InkPoints, degrees: float) -> np.ndarray:
    """Ink per row, rows taken along lines at `degrees` (anticlockwise)."""
    # Image y grows downwards, so text turned anticlockwise rises to the right.
    rows = np.round(points.ys + points.xs * np.tan(np.radians(degrees))).astype(np.int64)
    return np.bincount(rows - rows.min()).astype(np.float64)


def _line_lean(points: _InkPoints, degrees: float) -> float:
    """Skewness of the ink within each text line, weighted by ink: negative when the ink
    trails upwards (upright print), positive when it trails downwards (upside down)."""
    counts = _line_profile(points, degrees)
    in_text = np.append(counts > 0.05 * counts.max(), False)
    weighted, total, start = 0.0, 0.0, None
    for row, inside in enumerate(in_text):
        if inside and start is None:
            start = row
        elif not inside and start is not None:
            line = counts[start:row]
            if len(line) >= 3:
                y = np.arange(len(line))
                mean = float(np.dot(line, y) / line.sum())
                spread = float(np.sqrt(np.dot(line, (y - mean) ** 2) / line.sum())) or 1.0
                weighted += float(np.dot(line, ((y - mean) / spread) ** 3))
                total += float(line.sum())
            start = None
    return weighted / total if total else 0.0


def _dominant_angle(points: _InkPoints) -> tuple[float, float]:
    """The angle (degrees, anticlockwise) of the text lines in `ink`, and how strongly lines
    stand out at that angle (0-1).

    Postl's criterion: ink projected along the text lines alternates between full rows (text)
    and empty rows (gaps), so neighbouring row counts differ most at the right angle.
    """
    if len(points.ys) < 50:
        return 0.0, 0.0

    def line_contrast(degrees: float) -> float:
        counts = _line_profile(points, degrees)
        counts = np.convolve(counts, np.ones(PROFILE_SMOOTHING) / PROFILE_SMOOTHING, "same")
        steps = np.diff(counts)
        return float(np.dot(steps, steps) / (2 * np.dot(counts, counts)))

    best = 0.0
    for step, span in ((0.5, MAX_SKEW_DEGREES), (0.1, 0.5), (0.02, 0.1)):
        candidates = np.arange(best - span, best + span + step / 2, step)
        best = float(max(candidates, key=line_contrast))
    return round(best, 2), line_contrast(best)

"""Which digits on a page were written by hand: registries fill a paper's number and day into
the printed form with a pen or a numbering stamp, and OCR misreads them confidently.

Seen on the page, a pen's strokes are wider than printed digits', and its ink is darker or
lighter. Each digit word is compared with the page's other digits, which are nearly all printed
(same scan, same lighting, the same few sizes of type): a word's stroke width is its ink pixels
per horizontal run of ink, its ink the median grey of those pixels. Digits are compared with
digits because their strokes are wider than letters' (the bars of 2, 3, 4, 7). On the generated
papers printed digits keep within 18 % of their page's stroke width and above 0.85 of its grey;
on the labelled real scans (`../shared/real-dev`) handwritten counts and days are 20-50 % wider,
or, on 300 dpi colour scans turned grey, their ink under half the printed digits' grey.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np
from PIL import Image

from sohoa.ocr.engine import Box, PageText, Word

# A digit word whose strokes are this much wider than the page's printed digits is handwritten,
WIDER_STROKES = 1.2
# ... and so is one whose ink is under this share of their grey, where that grey says anything
# (printed ink at least `_GREY_INK` above black; a scan that saturates ink to black does not).
DARKER_INK = 0.55
_GREY_INK = 5.0
# The page needs this many other digit words to compare with.
_PRINTED_WORDS = 3
# Fewer ink pixels than this is a speck, not a word.
_INK_PIXELS = 20


@dataclass(frozen=True)
class _Ink:
    stroke: float  # ink pixels per horizontal run of ink
    grey: float  # median grey of the ink pixels


def handwritten_digits(image: Image.Image, text: PageText, scale: int = 1) -> tuple[Box, ...]:
    """The boxes (as `text` gives them) of the digit words of `text` whose ink looks written by
    hand; `image` is the page OCR read, `scale` times smaller than the image it read."""
    grey = np.asarray(image.convert("L"))
    measured = [
        (word, ink)
        for word in text.words
        if _mostly_digits(word.text) and (ink := _ink_of(grey, word, scale))
    ]
    numbers = [(word, ink) for word, ink in measured if word.text.strip(".,;:()").isdigit()]
    found = []
    for word, ink in measured:
        others = [other for w, other in numbers if w is not word]
        if len(others) < _PRINTED_WORDS:
            continue
        stroke = statistics.median(o.stroke for o in others)
        printed_grey = statistics.median(o.grey for o in others)
        wider = ink.stroke >= WIDER_STROKES * stroke
        darker = printed_grey >= _GREY_INK and ink.grey <= DARKER_INK * printed_grey
        if wider or darker:
            found.append(word.box)
    return tuple(found)


def _mostly_digits(text: str) -> bool:
    """Whether a word is a count or a day rather than a printed code with digits in it
    ("614/TB-SKHĐT"): its letters and digits are digits at least half."""
    alnum = [c for c in text if c.isalnum()]
    return bool(alnum) and 2 * sum(c.isdigit() for c in alnum) >= len(alnum)


def _ink_of(grey: np.ndarray, word: Word, scale: int) -> _Ink | None:
    box = word.box
    crop = grey[
        max(box.y0 // scale, 0) : max(box.y1 // scale, 0),
        max(box.x0 // scale, 0) : max(box.x1 // scale, 0),
    ]
    if crop.size == 0:
        return None
    # Ink is what is darker than halfway between the darkest pixel and the paper (the median:
    # a word's box is mostly paper), and never lighter than mid-grey.
    threshold = min(128.0, (float(crop.min()) + float(np.median(crop))) / 2)
    ink = crop < threshold
    pixels = int(ink.sum())
    if pixels < _INK_PIXELS:
        return None
    runs = int(ink[:, 0].sum()) + int((ink[:, 1:] & ~ink[:, :-1]).sum())
    return _Ink(stroke=pixels / runs, grey=float(np.median(crop[ink])))

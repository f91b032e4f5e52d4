"""Text accuracy metrics for Vietnamese OCR output: pure functions, no I/O.

Every metric compares a hypothesis (OCR output) with a reference (ground truth). Both are
normalised to NFC first, so a decomposed "ệ" (e + two combining marks) equals the composed one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Sequence

from sohoa.pipeline.text import fold, nfc

_WHITESPACE = re.compile(r"\s+")
# A word is a run of letters and digits: punctuation such as "Số:" or "15/QĐ-UBND" splits off,
# the way a search index tokenises, so recall says how much of the text search can find.
_WORD = re.compile(r"\w+")


def normalise_whitespace(text: str) -> str:
    """NFC text with every run of whitespace (line breaks included) made one space."""
    return _WHITESPACE.sub(" ", nfc(text)).strip()


def words(text: str) -> list[str]:
    """The lower-cased NFC words of a text."""
    return _WORD.findall(nfc(text).lower())


def edit_distance(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> int:
    """Levenshtein distance (unit-cost insert, delete, substitute) between two sequences.

    Bit-parallel (Myers 1999, in Hyyrö's 2001 form for edit distance): one column of the DP
    matrix is held as bit vectors in Python integers, so each hypothesis item costs a handful
    of big-integer operations instead of a loop over the reference: a 3,000-character page
    compares in milliseconds.
    """
    if not reference:
        return len(hypothesis)
    if not hypothesis:
        return len(reference)
    length = len(reference)
    all_rows = (1 << length) - 1
    last_row = 1 << (length - 1)
    # For each symbol, the set of reference positions that hold it.
    positions: dict[Hashable, int] = {}
    for row, symbol in enumerate(reference):
        positions[symbol] = positions.get(symbol, 0) | (1 << row)

    vertical_plus, vertical_minus = all_rows, 0  # +1 / -1 steps down the current column
    distance = length
    for symbol in hypothesis:
        match = positions.get(symbol, 0)
        diagonal_zero = (((match & vertical_plus) + vertical_plus) ^ vertical_plus) | match
        diagonal_zero |= vertical_minus
        horizontal_plus = vertical_minus | (~(diagonal_zero | vertical_plus) & all_rows)
        horizontal_minus = vertical_plus & diagonal_zero
        if horizontal_plus & last_row:
            distance += 1
        elif horizontal_minus & last_row:
            distance -= 1
        horizontal_plus = ((horizontal_plus << 1) | 1) & all_rows
        horizontal_minus = (horizontal_minus << 1) & all_rows
        vertical_plus = horizontal_minus | (~(diagonal_zero | horizontal_plus) & all_rows)
        vertical_minus = horizontal_plus & diagonal_zero
    return distance


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Character edits needed to turn the hypothesis into the reference, per reference character.

    Compared on NFC text with whitespace normalised, so line breaks and layout spacing do not
    count. Can exceed 1 when the hypothesis is much longer; an empty reference gives 0 for an
    empty hypothesis and 1 otherwise.
    """
    ref = normalise_whitespace(reference)
    hyp = normalise_whitespace(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def _recall(reference_words: list[str], hypothesis_words: list[str]) -> float:
    if not reference_words:
        return 1.0
    wanted = Counter(reference_words)
    found = Counter(hypothesis_words)
    hits = sum(min(count, found[word]) for word, count in wanted.items())
    return hits / len(reference_words)


def word_recall(reference: str, hypothesis: str) -> float:
    """Share of reference words (as a multiset, lower-cased) that the hypothesis contains.

    Order-free on purpose: it measures what a search can find, and a two-column header read in
    interleaved order is still found.
    """
    return _recall(words(reference), words(hypothesis))


def folded_word_recall(reference: str, hypothesis: str) -> float:
    """word_recall with diacritics removed on both sides: what a folded search can find."""
    return _recall(words(fold(reference)), words(fold(hypothesis)))


def word_accuracy(reference: str, hypothesis: str) -> float:
    """1 - word error rate: word-level edit distance in reading order, per reference word.

    Stricter than recall: words out of order count as errors. Can be negative when the
    hypothesis has many extra words.
    """
    ref = words(reference)
    if not ref:
        return 1.0
    return 1.0 - edit_distance(ref, words(hypothesis)) / len(ref)

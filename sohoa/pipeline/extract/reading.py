"""What was read: a field's value with the OCR words it came from (and so how sure OCR was of
them), and a line's words read together, with their folded text."""

from __future__ import annotations

import dataclasses
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from sohoa.ocr.engine import Word
from sohoa.pipeline.correct import default_lexicon
from sohoa.pipeline.text import fold, nfc, normalise, syllables

# A field goes to review when OCR was less sure than REVIEW_CONFIDENCE of a third or more of
# the words it was read from, or had no idea at all (under UNREAD_CONFIDENCE) of one of them.
# Not for one unsure word among many: that is mostly a rule or a seal's edge beside a right
# value, and flagging it flags several right fields for each wrong one it catches. OCR's worst
# misreads are confident, so confidence alone catches few wrong fields.
REVIEW_CONFIDENCE = 60.0
UNREAD_CONFIDENCE = 10.0
_UNSURE_SHARE = 1 / 3
# Registries fill in a paper's number and day by hand on the printed form. Tesseract reads
# printed digits at 94-97 (real scans and generated papers alike) and handwritten ones at
# 60-87, often wrong: a digit read less surely than this is a fill-in for a person to check.
FILL_IN_CONFIDENCE = 90.0
# A name or a summary is words: where more than this share of its tokens are lone letters or
# no Vietnamese syllable or word, it is OCR's reading of a seal, a stamp or specks.
DEBRIS_SHARE = 0.2
_VIETNAMESE_BASES = frozenset("abcdefghijklmnopqrstuvwxyzđ")
# Tones (grave, acute, tilde, hook, dot below) and the circumflex, breve and horn.
_VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b")


@dataclass(frozen=True)
class Reading:
    """A field's value, the OCR words it came from (none for QR data), and whether a candidate
    failed its checks."""

    value: object = None
    words: tuple[Word, ...] = ()
    failed_check: bool = False

    @property
    def needs_review(self) -> bool:
        return self.failed_check or (self.value not in (None, []) and self._unsure)

    @property
    def _unsure(self) -> bool:
        if not self.words:
            return False
        confidences = [w.confidence for w in self.words]
        unsure = sum(c < REVIEW_CONFIDENCE for c in confidences)
        return unsure >= _UNSURE_SHARE * len(confidences) or min(confidences) < UNREAD_CONFIDENCE


NOTHING = Reading()


def worded(reading: Reading) -> Reading:
    """`reading`, unless its text is OCR debris rather than words ("… tiến bộ ˆ số v á cv
    1tb"): then nothing, for review; for review too where a word of it holds a letter
    Vietnamese is not written with ("Quảng Nøãi"), which OCR made of a mark or a speck."""
    if not isinstance(reading.value, str):
        return reading
    if is_debris(reading.value):
        return Reading(None, reading.words, failed_check=True)
    if not all(map(_in_vietnamese_letters, words_in(reading.value))):
        return dataclasses.replace(reading, failed_check=True)
    return reading


def _in_vietnamese_letters(word: str) -> bool:
    """Whether `word` is written with digits and the Latin letters, đ and the marks of
    Vietnamese (loanwords and names use f, j, w and z)."""
    return all(
        c.isdigit() or c in _VIETNAMESE_BASES or c in _VIETNAMESE_MARKS
        for c in unicodedata.normalize("NFD", word.lower())
    )


def is_debris(text: str) -> bool:
    """Whether more than `DEBRIS_SHARE` of the tokens of `text` are lone letters or unknown
    words. Numbers ("138") and abbreviations in capitals ("UBND") are words."""
    known = default_lexicon().known
    tokens = words_in(text)
    odd = [
        token
        for token in tokens
        if not token.isdigit()
        and not (len(token) >= 2 and token.isupper())
        and (len(token) == 1 or normalise(token.lower()) not in known)
    ]
    return len(odd) > DEBRIS_SHARE * len(tokens)


@dataclass(frozen=True)
class Span:
    """Words of one OCR line read together: the whole line, or one column of a header line."""

    page: int
    words: tuple[Word, ...]

    @cached_property
    def text(self) -> str:
        return nfc(" ".join(w.text for w in self.words))

    @cached_property
    def folded(self) -> str:
        # Folded word by word so that offsets in `folded` map back to words.
        return " ".join(fold(nfc(w.text)) for w in self.words)

    @cached_property
    def _starts(self) -> list[int]:
        starts, offset = [], 0
        for word in self.words:
            starts.append(offset)
            offset += len(fold(nfc(word.text))) + 1
        return starts

    def word_start(self, index: int) -> int:
        return self._starts[index]

    def word_at(self, offset: int) -> int:
        """Index of the word holding character `offset` of `folded`."""
        return max(i for i, start in enumerate(self._starts) if start <= offset)

    def words_of(self, start: int, end: int) -> tuple[Word, ...]:
        """The words holding characters `start` to `end` of `folded` (or of `text`)."""
        return self.words[self.word_at(start) : self.word_at(max(start, end - 1)) + 1]

    def word_from(self, offset: int) -> int:
        """Index of the first word starting at or after character `offset` of `folded`."""
        return next(
            (i for i, start in enumerate(self._starts) if start >= offset), len(self._starts)
        )

    @property
    def x0(self) -> int:
        return min(w.box.x0 for w in self.words)

    @property
    def x1(self) -> int:
        return max(w.box.x1 for w in self.words)

    @property
    def y0(self) -> int:
        return min(w.box.y0 for w in self.words)

    @property
    def y1(self) -> int:
        return max(w.box.y1 for w in self.words)

    @property
    def height(self) -> float:
        return statistics.median(w.box.height for w in self.words)


def joined_text(spans: Sequence[Span]) -> str:
    return " ".join(s.text for s in spans)


def digit_words(words: Sequence[Word]) -> tuple[Word, ...]:
    return tuple(w for w in words if any(c.isdigit() for c in w.text))


def marks_and_words(words: Sequence[str]) -> tuple[int, int]:
    marks = sum(unicodedata.combining(c) > 0 for c in unicodedata.normalize("NFD", "".join(words)))
    return marks, len(words)


def words_in(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def squeeze(words: Sequence[str]) -> str:
    """Folded and without spaces or signs, so that OCR's glued words ("UỶBANNHÂNDÂN") still
    match."""
    return "".join(fold(w) for w in syllables(" ".join(words)))

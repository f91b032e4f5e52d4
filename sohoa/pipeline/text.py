"""Vietnamese text, normalised one way for every matcher, the classifier and search.

Three forms of a text:
- `normalise`: NFC with the tone mark of every syllable in one agreed place ("hoà" and "hòa"
  both become "hòa", "thuý" becomes "thúy"), case kept. What is stored and shown.
- `fold`: lower case with every mark stripped and đ mapped to d by hand (U+0111 has no
  decomposition). What matchers compare, so that OCR's dropped or swapped tone marks and a
  query typed without diacritics still meet the text.
- `syllables`: the words of a text, split on anything that is not a letter or digit.

Tone placement follows the rule most current official texts use: the tone sits on the vowel
that carries a quality mark (ă â ê ô ơ ư; the second one in "ươ"); else, in a syllable with a
final consonant, on the last vowel; else on the first of two vowels ("hòa", "thủy", "mía") or
the middle of three ("khuỷu", "ngoáy").
"""

from __future__ import annotations

import re
import unicodedata

# Combining tone marks (grave, acute, hook above, tilde, dot below). The quality marks
# (breve, circumflex, horn) stay with their letter: they make different vowels.
TONE_MARKS = frozenset("\u0300\u0301\u0309\u0303\u0323")
_QUALITY_VOWELS = frozenset("ăâêôơư")
_VOWELS = frozenset("aeiouyăâêôơư")
_SYLLABLE = re.compile(r"[^\W\d_]+")
_WORD = re.compile(r"[^\W_]+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalise(text: str) -> str:
    """NFC, with each syllable's tone mark in its agreed place; case is kept."""
    return _SYLLABLE.sub(lambda m: place_tone(m.group()), nfc(text))


def fold(text: str) -> str:
    """Lower case, no marks, đ as d: the form every matcher compares."""
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c)
    )
    return stripped.replace("đ", "d")


def syllables(text: str) -> list[str]:
    """The words of `text` (runs of letters and digits), in order."""
    return _WORD.findall(text)


def split_tone(syllable: str) -> tuple[str, str | None]:
    """The syllable without its tone mark (NFC, quality marks kept), and the mark (a combining
    character) or None. A syllable carrying more than one tone mark is returned as it is."""
    decomposed = unicodedata.normalize("NFD", syllable)
    marks = [c for c in decomposed if c in TONE_MARKS]
    if len(marks) != 1:
        return syllable, None
    return nfc("".join(c for c in decomposed if c not in TONE_MARKS)), marks[0]


def place_tone(syllable: str) -> str:
    """`syllable` with its tone mark moved to the agreed vowel (see the module's doc)."""
    bare, mark = split_tone(syllable)
    if mark is None:
        return syllable
    target = _tone_position(bare.lower())
    if target is None:
        return syllable
    return nfc(bare[: target + 1] + mark + bare[target + 1 :])


def _tone_position(bare: str) -> int | None:
    """Index of the vowel that takes the tone in a lower-case syllable without tone."""
    start = 0
    # "gi" and "qu" are onsets when a vowel follows: "già", "quý".
    if bare[:2] in ("gi", "qu") and len(bare) > 2 and bare[2] in _VOWELS:
        start = 2
    while start < len(bare) and bare[start] not in _VOWELS:
        start += 1
    end = start
    while end < len(bare) and bare[end] in _VOWELS:
        end += 1
    if start == end:
        return None
    nucleus = range(start, end)
    marked = [i for i in nucleus if bare[i] in _QUALITY_VOWELS]
    if marked:
        return marked[-1]
    if end < len(bare):  # a final consonant follows
        return end - 1
    if end - start == 3:
        return start + 1
    return start

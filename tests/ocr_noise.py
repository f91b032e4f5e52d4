"""Simulated rescans: a page text as another scan of the same paper might read under OCR."""

from __future__ import annotations

import random
import textwrap
import unicodedata

from sohoa.pipeline.text import TONE_MARKS, nfc, split_tone

# Letters the `vie` model confuses on poor scans
_MISREADS = {"n": "u", "u": "n", "h": "b", "c": "e", "e": "c", "i": "l", "l": "1", "o": "0",
             "g": "q", "m": "rn", "t": "f", "a": "ơ", "1": "l", "0": "o", "5": "6"}  # fmt: skip


def rescan(
    text: str,
    rng: random.Random,
    *,
    tone_errors: float = 0.10,
    misread_words: int = 3,
    header_lines: int = 4,
) -> str:
    """`text` with tone marks dropped or swapped on a share `tone_errors` of its syllables,
    `misread_words` words misread, the first `header_lines` lines (issuer and motto columns)
    interleaved the other way, and the rest wrapped at another width."""
    lines = text.splitlines()
    half = header_lines // 2
    columns = zip(lines[half:header_lines], lines[:half], strict=False)
    header = [line for pair in columns for line in pair]
    words = " ".join(lines[header_lines:]).split()
    words = [_tone_error(w, rng) if rng.random() < tone_errors else w for w in words]
    for i in rng.sample(range(len(words)), min(misread_words, len(words))):
        words[i] = _misread(words[i], rng)
    body = textwrap.wrap(" ".join(words), width=rng.randint(45, 90))
    return "\n".join(header + body)


def _tone_error(word: str, rng: random.Random) -> str:
    bare, mark = split_tone(word)
    choices = sorted(TONE_MARKS - {mark} if mark else TONE_MARKS)
    if mark is not None and rng.random() < 0.5:
        return bare  # dropped
    decomposed = unicodedata.normalize("NFD", bare)
    vowel = next((i for i, c in enumerate(decomposed) if c.lower() in "aeiouy"), None)
    if vowel is None:
        return word
    end = vowel + 1
    while end < len(decomposed) and unicodedata.combining(decomposed[end]):
        end += 1  # after the vowel's quality mark
    return nfc(decomposed[:end] + rng.choice(choices) + decomposed[end:])


def _misread(word: str, rng: random.Random) -> str:
    positions = [i for i, c in enumerate(word) if c.lower() in _MISREADS]
    if not positions:
        return word + rng.choice(".,'")
    i = rng.choice(positions)
    return word[:i] + _MISREADS[word[i].lower()] + word[i + 1 :]

"""What a search query asks for, and the snippet that shows where a page answers it.

Queries and texts go through the same forms of `sohoa.pipeline.text`: the exact form (tone
placement unified, NFC, lower case) and the folded form (no marks, đ as d). A query is a list
of phrases, each a list of syllables: a quoted part is one phrase, every other word a phrase of
its own. Document numbers ("245/QĐ-UBND"), 12-digit personal IDs and legacy 9-digit CMND
numbers are also picked out whole, for the catalogue's exact columns, because a tokenizer splits
a number into pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sohoa.pipeline.text import fold, normalise, syllables

# A 12-digit personal ID or a legacy 9-digit CMND number, not part of a longer number.
PERSON_ID = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)")
# A document number: some digits, then a slash and a type/issuer notation ("15/QĐ-UBND",
# "45/2020/NĐ-CP", "1906 /SGDĐT-CTrTT" typed without its stray space).
_DOCUMENT_NUMBER = re.compile(r"\d+\s*/\s*[^\W_][\w/.-]*")
_QUOTED = re.compile(r'"([^"]*)"')
SNIPPET_WORDS_BEFORE = 8
SNIPPET_CHARS = 200


def exact_form(text: str) -> str:
    """The form exact matches compare: tone placement unified, NFC, lower case."""
    return normalise(text).lower()


def number_key(number: str) -> str:
    """A document number as it is looked up: folded, without spaces ("245/qd-ubnd")."""
    return "".join(fold(number).split())  # folding makes tone placement moot


def name_key(name: str) -> str:
    """A dossier's id or folder name as it is looked up: folded, blanks collapsed
    ("Hồ sơ  bà Lan" gives "ho so ba lan")."""
    return " ".join(fold(normalise(name)).split())


@dataclass(frozen=True)
class ParsedQuery:
    phrases: list[list[str]]  # each phrase's syllables, in the exact form
    numbers: list[str]  # document numbers, as `number_key` makes them
    person_ids: list[str]

    @property
    def folded_phrases(self) -> list[list[str]]:
        return [[fold(word) for word in phrase] for phrase in self.phrases]

    @property
    def folded_words(self) -> frozenset[str]:
        return frozenset(word for phrase in self.folded_phrases for word in phrase)

    @property
    def empty(self) -> bool:
        return not (self.phrases or self.numbers or self.person_ids)


def parse_query(query: str) -> ParsedQuery:
    exact = exact_form(query)
    phrases = [syllables(quoted) for quoted in _QUOTED.findall(exact)]
    phrases += [[word] for word in syllables(_QUOTED.sub(" ", exact))]
    return ParsedQuery(
        phrases=[phrase for phrase in phrases if phrase],
        numbers=[number_key(found) for found in _DOCUMENT_NUMBER.findall(exact)],
        person_ids=PERSON_ID.findall(query),
    )


@dataclass(frozen=True)
class Snippet:
    """A short stretch of a page's text; `highlights` are the (start, end) offsets in `text`
    of the words that match the query."""

    text: str
    highlights: list[tuple[int, int]]


def make_snippet(page_text: str, words: frozenset[str]) -> Snippet | None:
    """The stretch of `page_text` around its first word whose folded form is in `words`, with
    every such word in it highlighted; None when no word matches."""
    text = " ".join(page_text.split())
    found = [m for m in re.finditer(r"[^\W_]+", text) if fold(m.group()) in words]
    if not found:
        return None
    before = list(re.finditer(r"[^\W_]+", text[: found[0].start()]))
    start = before[-SNIPPET_WORDS_BEFORE].start() if len(before) >= SNIPPET_WORDS_BEFORE else 0
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text) and " " in text[found[0].end() : end]:
        end = text.rindex(" ", found[0].end(), end)  # end on a word boundary
    return Snippet(
        text=text[start:end],
        highlights=[(m.start() - start, m.end() - start) for m in found if m.end() <= end],
    )

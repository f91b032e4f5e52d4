"""The type abbreviation in a document's number, and what it names.

Decree 30/2020 (App. III) writes a number as number / type abbreviation - issuer: "729/QĐ-TTg",
"21/2026/TT-BCT" (legal documents carry the year), "3722/VPCP-CN" (a công văn: the issuer
stands where a type would). Party documents put it after a hyphen: "391-TTr/VTCCB",
"02-NQ/TW". The number itself is often handwritten and misread ("445 /NQ-CP", "O{_ /TTr-UBND"),
the abbreviation beside it is printed, so it is read whatever precedes the slash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sohoa.pipeline.taxonomy import Taxonomy
from sohoa.pipeline.text import fold, nfc

_LETTERS = r"[^\W\d_]+"
_PARTY = re.compile(rf"^\W*\d+\s*[-–]\s*({_LETTERS})\s*/")
_STATE = re.compile(rf"/\s*(?:\d{{4}}\s*/\s*)?({_LETTERS})\s*[-–]")
# The label before a number on the page: "Số:", "Số :", OCR's "So;" and "S6:".
_LABEL = re.compile(r"^\W*S[^\s:.;]?\s*[:.;]\s*", re.IGNORECASE)


def number_abbreviation(number: str) -> str | None:
    """The type part of `number` as written ("QĐ" of "729/QĐ-TTg", "TTr" of "391-TTr/VTCCB");
    None when the number has no such part."""
    text = nfc(number).strip()
    found = _PARTY.match(text) or _STATE.search(text)
    return found.group(1) if found else None


def number_on_line(line: str) -> str | None:
    """What follows the "Số:" label that opens `line`; None when the line has no such label."""
    text = nfc(line)
    label = _LABEL.match(text)
    return text[label.end() :] if label else None


@dataclass(frozen=True)
class NumberEvidence:
    """What a number's abbreviation says: a type, a form of copy, or nothing."""

    abbreviation: str | None
    type: str | None = None
    copy_form: str | None = None


def read_number(number: str | None, taxonomy: Taxonomy) -> NumberEvidence:
    """The type or copy form that `number`'s abbreviation names in `taxonomy`."""
    abbreviation = number_abbreviation(number) if number else None
    if abbreviation is None:
        return NumberEvidence(None)
    named = {a: ("type", t.code) for t in taxonomy.types for a in t.number_abbreviations}
    named |= {a: ("copy", c.code) for c in taxonomy.copy_forms for a in c.number_abbreviations}
    found = _look_up(abbreviation, named)
    if found is None:
        return NumberEvidence(abbreviation)
    kind, code = found
    if kind == "copy":
        return NumberEvidence(abbreviation, copy_form=code)
    return NumberEvidence(abbreviation, type=code)


def _look_up(abbreviation: str, named: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """Exactly as written, else without case ("TTR" for "TTr"), else folded ("QD" for "QĐ"),
    each only where it names one thing ("HD" is hướng dẫn; folded it is hợp đồng too)."""
    if abbreviation in named:
        return named[abbreviation]
    for key in (str.casefold, lambda a: fold(a).casefold()):
        matches = {named[a] for a in named if key(a) == key(abbreviation)}
        if len(matches) == 1:
            return matches.pop()
        if matches:
            return None
    return None

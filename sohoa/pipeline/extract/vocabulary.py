"""The words fields are found by, and the rules that differ by document type: data, read from
one file (data/fields.toml), so that an agency can add an organisation or a type's rule
without touching Python."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sohoa.pipeline.text import fold

FIELDS_DATA = Path(__file__).parent.parent / "data" / "fields.toml"

IssuerSource = Literal["header", "card", "signing_body"]
IssuedSource = Literal["header", "card", "latest_registration"]


@dataclass(frozen=True)
class TypeRules:
    """How a document type is read where it differs from an official paper's header."""

    issuer: IssuerSource = "header"
    issued: IssuedSource = "header"
    holder_from_qr: bool = False
    summary: bool = False


_DATA: dict[str, Any] = tomllib.loads(FIELDS_DATA.read_text(encoding="utf-8"))
_RULES = {code: TypeRules(**rules) for code, rules in _DATA["types"].items()}


def rules_for(doc_type: str) -> TypeRules:
    return _RULES.get(doc_type, TypeRules())


# Type abbreviations written with Đ, by their folded form.
WITH_D_BAR = {fold(a).upper(): a for a in _DATA["number"]["with_d_bar"]}

_ISSUER = _DATA["issuer"]
ORGANISATIONS: tuple[str, ...] = tuple(_ISSUER["organisations"])
# A department's initials in document numbers: its name's words, "và" and dashes left out.
DEPARTMENT_ABBREVIATIONS = {
    name: "".join(w[0].upper() for w in name.split() if w not in ("và", "-"))
    for name in ORGANISATIONS
    if name.startswith("Sở ")
}
PLACED: frozenset[str] = frozenset(_ISSUER["placed"])
PROVINCIAL_COUNCILS: tuple[str, ...] = tuple(_ISSUER["provincial_councils"])
SECTIONS: tuple[str, ...] = tuple(_ISSUER["sections"])
UBND: str = _ISSUER["people_committee"]
BUSINESS_REGISTRATION: str = _ISSUER["business_registration"]
PLANNING_DEPARTMENT: str = _ISSUER["planning_department"]
UNITS: tuple[str, ...] = tuple(_ISSUER["units"])
FOLDED_UNITS = tuple(fold(u) for u in UNITS)
ORGANISATION_OPENERS: tuple[str, ...] = tuple(_ISSUER["openers"])
# The one-word kinds of organisation; "UBND" is a whole name.
KINDS = frozenset(o for o in ORGANISATION_OPENERS if " " not in o) - {"ubnd"}

URGENCY_MARKS = frozenset(_DATA["marks"]["urgency"])


def is_urgency_mark(folded: str) -> bool:
    """Whether a line (folded) is an urgency mark alone ("HỎA TỐC", "KHẨN")."""
    return " ".join(re.findall(r"[^\W_]+", folded)) in URGENCY_MARKS


_PEOPLE = _DATA["people"]
SURNAME_OF_FOLDED = {fold(name): name for name in _PEOPLE["surnames"]}
HONORIFICS: dict[str, bool] = dict(_PEOPLE["honorifics"])
LABEL_WORDS = frozenset(_PEOPLE["label_words"])
LABEL_PAIRS = frozenset(tuple(pair) for pair in _PEOPLE["label_pairs"])

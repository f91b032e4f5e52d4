"""Reuse: whether a newly digitised document is a paper already on file, and which one.

A document is the same paper as an earlier one when:
- it was read from the same original: the same bytes (source SHA-256) and the same pages of
  them. The stored result serves as it is, with no OCR;
- or it has the same type, number (`so_ky_hieu`) and issuing body: an issuer numbers its papers
  of a type once;
- or it has the same type, a personal ID in common and near-identical text: a rescan of a paper
  that carries no number (an ID card, an application, a certificate).

Either of the last two is refused when the papers' numbers or dates disagree. Papers made from
one template for one person (two residence confirmations a year apart, two decisions for the
same parcel) differ only in those values, and their texts are as alike as two scans of one
paper: 0.92 estimated similarity measured on such a pair, where a rescan with OCR noise reads
0.74 to 0.95 (see `NEAR_DUPLICATE`). A disagreement found by misreading costs a missed reuse; an
agreement assumed would link a different paper, which must never happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sohoa.pipeline.model import DocumentFields
from sohoa.pipeline.similarity import Signature, estimated_similarity
from sohoa.pipeline.text import fold

# Least estimated Jaccard similarity of folded 3-syllable shingles for "near-identical text".
# Measured on the sample generator's 19 types, 10 papers each: a paper against a simulated
# rescan of itself (header columns interleaved the other way, other line breaks, tone marks
# dropped or swapped on 10 % of syllables, 2 % of words misread) scores 0.74 to 0.95, all above
# 0.65; with 30 % tone errors and 7 % misread words, 60 % of them still do. Different papers of
# the same type about the same person score 0.10 to 0.94; of the 28 % above 0.65, every one
# differs in number or date except ID cards issued to the person on the same day: one card.
NEAR_DUPLICATE = 0.65

ReuseReason = Literal["same_original", "same_number", "same_text"]
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True)
class Paper:
    """What reuse compares of a document: the new one, or one from the catalogue."""

    id: str
    type: str
    fields: DocumentFields
    signature: Signature
    source_sha256: str  # the original file the document was read from
    source_pages: tuple[int, ...]  # the pages of that file it was made of


@dataclass(frozen=True)
class ReuseMatch:
    reuse_of: str  # the earlier document's id
    reason: ReuseReason
    similarity: float  # estimated text similarity to it


def document_number_key(number: str) -> str:
    """A document number as matchers compare it: folded, without blanks ("245 /QĐ-UBND" and
    "245/QD-UBND" are one number)."""
    return _BLANKS.sub("", fold(number))


def issuer_key(issuer: str) -> str:
    return _BLANKS.sub(" ", fold(issuer)).strip()


def same_original(new: Paper, earlier: Paper) -> bool:
    return new.source_sha256 == earlier.source_sha256 and new.source_pages == earlier.source_pages


def find_reuse(new: Paper, candidates: list[Paper]) -> ReuseMatch | None:
    """The earlier paper `new` is a copy of, or None. Candidates should come oldest first, so
    that among equally good matches the link goes to the first digitisation."""
    best: ReuseMatch | None = None
    for earlier in candidates:
        if earlier.id == new.id:
            continue
        match = _match(new, earlier)
        if match is not None and (best is None or _rank(match) > _rank(best)):
            best = match
    return best


def _match(new: Paper, earlier: Paper) -> ReuseMatch | None:
    similarity = estimated_similarity(new.signature, earlier.signature)
    if same_original(new, earlier):
        return ReuseMatch(earlier.id, "same_original", similarity)
    if new.type != earlier.type or _disagree(new.fields, earlier.fields):
        return None
    if _same_number(new.fields, earlier.fields):
        return ReuseMatch(earlier.id, "same_number", similarity)
    shared_person = set(new.fields.so_dinh_danh) & set(earlier.fields.so_dinh_danh)
    if shared_person and similarity >= NEAR_DUPLICATE:
        return ReuseMatch(earlier.id, "same_text", similarity)
    return None


def _disagree(a: DocumentFields, b: DocumentFields) -> bool:
    """Both papers state a number, or a date, and they differ."""
    numbers = [document_number_key(f.so_ky_hieu) for f in (a, b) if f.so_ky_hieu]
    dates = [f.ngay_ban_hanh for f in (a, b) if f.ngay_ban_hanh]
    return any(len(values) == 2 and values[0] != values[1] for values in (numbers, dates))


def _same_number(a: DocumentFields, b: DocumentFields) -> bool:
    return bool(
        a.so_ky_hieu
        and b.so_ky_hieu
        and a.co_quan_ban_hanh
        and b.co_quan_ban_hanh
        and document_number_key(a.so_ky_hieu) == document_number_key(b.so_ky_hieu)
        and issuer_key(a.co_quan_ban_hanh) == issuer_key(b.co_quan_ban_hanh)
    )


_REASON_RANK = {"same_original": 2, "same_number": 1, "same_text": 0}


def _rank(match: ReuseMatch) -> tuple[int, float]:
    return _REASON_RANK[match.reason], match.similarity

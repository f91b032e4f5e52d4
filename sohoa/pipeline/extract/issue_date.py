"""The issuing date (ngày ban hành): the header's "<place>, ngày … tháng … năm …", an ID card's
issue date or a business certificate's latest registration; never a day after today."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from sohoa.ocr.engine import Word
from sohoa.pipeline.extract.layout import DATE_LINE, Document
from sohoa.pipeline.extract.reading import (
    FILL_IN_CONFIDENCE,
    NOTHING,
    Reading,
    Span,
    digit_words,
    joined_text,
)
from sohoa.pipeline.extract.vocabulary import rules_for
from sohoa.pipeline.identifiers import (
    parse_date,
)

_REGISTRATION = re.compile(r"^\W{0,3}dang ky (?:lan dau|thay doi)")
# OCR reads the space after the comma as "_" now and then ("Phòng,_ngày"), and the comma after
# a short place name as a full stop ("Đà Nẵng. ngày").
_PLACE_DATE = re.compile(r"(?:,|^[\w ]{2,30}\.)[\s_]*ngay\s*\d{1,2}\s*th[a-z]{1,3}\b")
# A place-and-date line whatever its day reads as: the day is often handwritten.
_PLACE_DATE_LINE = re.compile(r",[\s_]*ngay\b.*\b(?:thang|nam)\b")
_CARD_ISSUE_DATE = re.compile(r"date, month, year|ngay cap|ngay, thang, nam\s*[/:]")


def issuing_date(doc_type: str, document: Document) -> Reading:
    """The date the paper was issued: an ID card's "Date, month, year", a business certificate's
    latest registration, else the header's "<place>, ngày … tháng … năm …", else the first such
    line anywhere ("Hôm nay, ngày …", an application's date above its signature)."""
    rules = rules_for(doc_type)
    if rules.issued == "card":
        for span in document.spans:
            label = _CARD_ISSUE_DATE.search(span.folded)
            if label:
                # A card's issue date that does not read goes to review.
                return _date_in(span, label.end()) or Reading(failed_check=True)
    if rules.issued == "latest_registration":
        return _latest_registration(document)
    right = document.header.right
    day = parse_date(joined_text(right))
    if day:
        written = _header_date_words(right)
        filled_in = _filled_in(written) or any(map(document.written_by_hand, written))
        return Reading(day.isoformat(), written, failed_check=filled_in)
    if any(DATE_LINE.search(span.folded) for span in right):
        # The header's date does not read: a date further down is some other day.
        return Reading(failed_check=True)
    body = document.body()
    for i, span in enumerate(body):
        place_date = _PLACE_DATE.search(span.folded)
        if place_date:
            found = _date_in(span, place_date.start(), body[i + 1 : i + 2])
            if found:
                return found
    if any(_PLACE_DATE_LINE.search(span.folded) for span in body):
        # The paper is dated, but its day or month does not read: handwritten, most likely.
        return Reading(failed_check=True)
    return NOTHING


def _header_date_words(right: Sequence[Span]) -> tuple[Word, ...]:
    """The digits of the header's date: from "ngày" on, on its line, and on the next where the
    year wrapped; not a receipt stamp's under it. All the column's digits where no "ngày"
    reads."""
    at = next((i for i, span in enumerate(right) if "ngay" in span.folded), None)
    if at is None:
        return tuple(w for s in right for w in digit_words(s.words))
    first = right[at]
    start = first.word_at(first.folded.index("ngay"))
    whole = parse_date(first.text) is not None
    wrapped = [] if whole else [w for s in right[at + 1 : at + 2] for w in s.words]
    return digit_words([*first.words[start:], *wrapped])


def _filled_in(digits: Sequence[Word]) -> bool:
    """Whether a digit of a date was read as unsurely as a handwritten fill-in is."""
    return any(w.confidence < FILL_IN_CONFIDENCE for w in digits)


def not_after_today(issued: Reading, document: Document, today: date | None) -> Reading:
    """`issued`, unless it is a day still to come: no paper is issued in the future, so OCR
    misread a digit of the year ("2053" for "2023"). The same day and month with a past year
    elsewhere in the paper ("Hôm nay, ngày 05 tháng 10 năm 2023") is then the date; else a
    person reads it."""
    if today is None or not isinstance(issued.value, str) or issued.value <= today.isoformat():
        return issued
    misread = datetime.fromisoformat(issued.value).date()
    for span in document.spans:
        day = parse_date(span.text)
        if day and (day.month, day.day) == (misread.month, misread.day) and day <= today:
            return Reading(day.isoformat(), digit_words(span.words))
    return Reading(failed_check=True)


def _latest_registration(document: Document) -> Reading:
    """A business certificate is as of its latest registration: "Đăng ký thay đổi lần thứ …:
    ngày …" where the firm has changed, else "Đăng ký lần đầu: ngày …"."""
    found = [
        reading
        for span in document.spans
        if _REGISTRATION.match(span.folded) and (reading := _date_in(span, 0))
    ]
    return max(found, key=lambda reading: str(reading.value), default=NOTHING)


def _date_in(span: Span, start: int, following: Sequence[Span] = ()) -> Reading | None:
    """The first date in `span` from character `start` of its folded text, read on into the
    `following` lines where its year wrapped."""
    first = span.word_at(start) if span.words else 0
    words = [*span.words[first:], *(w for s in following for w in s.words)]
    day = parse_date(" ".join(w.text for w in words))
    if day is None:
        return None
    return Reading(day.isoformat(), digit_words(words))

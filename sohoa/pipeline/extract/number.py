"""The document number (số, ký hiệu): "Số: 15/QĐ-UBND" under the issuer, as OCR garbles it
(lost or misread "/", split counts, look-alikes of Đ), or a land certificate's serial."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Sequence

from sohoa.ocr.engine import Word
from sohoa.pipeline.extract.layout import Document
from sohoa.pipeline.extract.reading import FILL_IN_CONFIDENCE, NOTHING, Reading, Span
from sohoa.pipeline.extract.vocabulary import WITH_D_BAR
from sohoa.pipeline.taxonomy import load_taxonomy
from sohoa.pipeline.text import nfc

# OCR reads the capital S of "Số" as "§" now and then ("§ố: 87/2021/HĐMB"), and its "ố" as
# "ấ" with a colon after it ("Sấ:126").
_NUMBER_LABEL = re.compile(r"^[\W_]{0,3}(?:[s§]o\s*[:;.]{0,2}|sa\s*:)\s*(?=\d)")
# "Số. 169": OCR reads the colon as a full stop now and then.
NUMBER_LINE = re.compile(r"^[\W_]{0,3}(?:[s§]o\s*(?:[:;\d]|\.\s*\d)|sa\s*:\s*\d)")
_NUMBER_TOKEN = re.compile(r"[0-9A-Za-zĐđ/.\-]+")
# A count, its year and its type ("07/2021/HĐDV"): a number even where its label does not read,
# as long as no more than a label's worth of specks stands before it.
_DATED_NUMBER = re.compile(r"\d{1,5}/(?:19|20)\d\d/[A-ZĐ][A-ZĐa-z-]+")
_GARBLED_LABEL_WORDS = 2
# A count, then the type and the issuer's abbreviations after a "/" ("15/QĐ-UBND", "81").
_NUMBER_SHAPE = re.compile(r"\d+(?:/.+)?")
# A count whose "/" OCR lost before the type ("726BC-SGDĐT"), and the rest of a count OCR split
# with a space ("931 1/XN-CAX").
_LOST_SLASH = re.compile(r"(\d+)([A-Za-zĐđ]+)(-.*|)")
_SPLIT_COUNT = re.compile(r"\d+/")
# A "/" after the year that OCR read as a "7" or "1" ("80/20207HĐCN").
_SLASH_AFTER_YEAR = re.compile(r"(/(?:19|20)\d\d)[17](?=[A-ZĐ])")
_SERIAL_LABEL = re.compile(r"[s§]o phat hanh\s*:?\s*")
_SERIAL = re.compile(r"([A-Z]{2})[.,]?\s?(\d{6})(?!\d)")  # OCR adds a speck: "HZ. 609008"
_ETH = str.maketrans({"Ð": "Đ", "ð": "đ"})
_DOCUMENT_NUMBER = re.compile(r"\d[0-9A-Za-zĐđ./\-]*")
# What follows a registered number's count: an optional year, then the type's and the issuer's
# abbreviations, each opening with a capital ("2026/TT-BCT", "QĐ-UBND", "SGDĐT-CTrTT").
_REGISTERED = re.compile(r"(?:(?:19|20)\d\d/)?[A-ZĐ][A-Za-zĐđ0-9.]*(?:[-/][A-ZĐ][A-Za-zĐđ0-9.]*)*")


def document_number(document: Document) -> Reading:
    """ "Số: 15/QĐ-UBND" under the issuer, or centred under a contract's title (which the
    header takes into its right column where the motto is centred, with no left column), or a
    whole dated number alone on its line there."""
    top = (document.first_page.height / 2) if document.first_page else 0
    candidates = [
        *document.header.left,
        *document.header.right,
        *(s for s in document.body() if s.page == document.spans[0].page and s.y1 < top),
    ]
    for span in candidates:
        label = _NUMBER_LABEL.match(span.folded)
        if label is None:
            continue
        if span.folded[: label.end()].rstrip()[-1:] not in ":;." and span not in (
            document.header.left
        ):
            continue  # outside the header the colon is what makes "Số" a label
        value, used = _number_after(_words_from(span, label.end()))
        # OCR's confidence in a word glued to the label ("Số:143") is its confidence in both.
        glued = span.word_start(span.word_at(label.end())) != label.end()
        if value or used:
            doubtful = value is None or _doubtful(value, used, glued)
            doubtful = doubtful or any(map(document.written_by_hand, used))
            return Reading(value, used, failed_check=doubtful)
    for span in candidates:
        # A whole dated number alone on its line, its "Số:" garbled ("j 9G? 07/2021/HĐDV").
        if len(span.words) <= _GARBLED_LABEL_WORDS + 1 and _DATED_NUMBER.fullmatch(
            _bar_d(nfc(span.words[-1].text))
        ):
            value, used = _number_after(span.words[-1:])
            if value:
                return Reading(value, used)
    if any(NUMBER_LINE.match(span.folded) for span in document.header.left):
        # "Số:" is printed but what follows is no number: handwritten, most likely.
        return Reading(failed_check=True)
    return _serial(document)


def _words_from(span: Span, offset: int) -> list[Word]:
    """The words of `span` from character `offset` of its folded text on, the first one cut
    where OCR glued it to the label before ("Số:293")."""
    start = span.word_at(offset)
    words = list(span.words[start:])
    cut = offset - span.word_start(start)
    if words and cut > 0:
        words[0] = dataclasses.replace(words[0], text=nfc(words[0].text)[cut:])
    return words


def _serial(document: Document) -> Reading:
    """A land certificate's "Số phát hành: VH 848078": two capitals and six digits."""
    for span in document.spans:
        label = _SERIAL_LABEL.search(span.folded)
        serial = _SERIAL.match(span.text[label.end() :]) if label else None
        if label and serial:
            used = span.words_of(label.end(), label.end() + serial.end())
            return Reading(f"{serial.group(1)} {serial.group(2)}", used)
    return NOTHING


def _doubtful(number: str, words: Sequence[Word], glued: bool) -> bool:
    """Whether a number read after "Số:" is for a person to check: its count stands apart from
    the rest ("445 /NQ-CP"), as a count written by hand into the blank the printed form leaves
    does; a digit of it was read unsurely; or it does not fit the register's pattern
    `<count>/<year?>/<type>-<issuer>` (a count of 0, a letter in the count). The confidence
    of a word `glued` to the label is not its count's."""
    count, slash, rest = number.partition("/")
    if not count.isdigit() or int(count) == 0:
        return True
    if slash and not _REGISTERED.fullmatch(rest):
        return True
    count_words = list(itertools.takewhile(lambda w: "/" not in w.text, words))
    if count_words and len(count_words) < len(words):
        return True  # the count filled into the printed form's blank
    return any(
        w.confidence < FILL_IN_CONFIDENCE
        for w in count_words[glued:]
        if any(c.isdigit() for c in w.text)
    )


def _number_after(words: Sequence[Word]) -> tuple[str | None, tuple[Word, ...]]:
    """The document number that `words` open with, OCR's spaces around "/" and "-" and inside
    the count dropped, a "/" it lost before a known type or misread after the year restored;
    None with the words read where they are no well-formed number."""
    pieces: list[Word] = []
    for word in words:
        raw = _bar_d(nfc(word.text).strip("_"))
        if not raw or not _NUMBER_TOKEN.fullmatch(raw.rstrip(".,;:")):
            break
        if pieces and not (
            raw[0] in "/-"
            or pieces[-1].text.rstrip("_")[-1:] in "/-"
            or (len(pieces) == 1 and pieces[0].text.isdigit() and _SPLIT_COUNT.match(raw))
        ):
            break
        pieces.append(word)
    joined = "".join(_bar_d(nfc(w.text).strip("_")) for w in pieces).rstrip(".,;:")
    joined = _SLASH_AFTER_YEAR.sub(r"\1/", joined)
    if not _DOCUMENT_NUMBER.fullmatch(joined):
        return None, ()
    lost_slash = _LOST_SLASH.fullmatch(joined)
    if lost_slash and _type_abbreviation(_bar_d(lost_slash[2])) in _type_abbreviations():
        joined = f"{lost_slash[1]}/{lost_slash[2]}{lost_slash[3]}"  # "726BC-SGDĐT"
    if not _NUMBER_SHAPE.fullmatch(joined):
        return None, tuple(pieces)  # "72TT-UBND": the "/" after the count was lost
    # A speck read as a full stop before an abbreviation ("454/BC-.UBND") is dropped.
    parts = [part.lstrip(".") for part in re.split(r"([/-])", joined)]
    restored = "".join(_type_abbreviation(WITH_D_BAR.get(p, p)) for p in parts)
    return restored, tuple(pieces)


def _type_abbreviation(part: str) -> str:
    """A part of a number that is a known type abbreviation but for a stroke OCR read as an "I"
    or "l" inside it ("TTIr" for "TTr"), or a "T" read as one ("TIr"), as the abbreviation; any
    other part as it is."""
    known = _type_abbreviations()
    if part in known:
        return part
    for at, letter in enumerate(part):
        if letter in "Il|" and at > 0:
            for meant in ("", "T"):  # a stray stroke, or a "T" that lost its bar ("TIr")
                if (restored := part[:at] + meant + part[at + 1 :]) in known:
                    return restored
    return part


@functools.cache
def _type_abbreviations() -> frozenset[str]:
    """Every type abbreviation the taxonomy lists, of two letters or more ("QĐ", "TTr")."""
    return frozenset(a for t in load_taxonomy().types for a in t.number_abbreviations if len(a) > 1)


def _bar_d(text: str) -> str:
    """`text` with OCR's look-alikes of Đ (the eth Ð) made Đ, and the Đ it read twice or three
    times over one bold letter ("HĐÐĐMB") once: no type abbreviation doubles it."""
    return re.sub(r"Đ{2,}", "Đ", text.translate(_ETH))

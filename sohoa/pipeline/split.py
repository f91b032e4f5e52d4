"""Document boundaries within a dossier, from what each page says.

Every page that is not blank is weighed: does it start a document or continue the one before?
First pages of Vietnamese administrative papers look alike (Decree 30/2020, App. I): the
national motto near the top, the issuer's "Số: …" in the top-left column, a type title in
capitals, a form number ("Mẫu số …"); an ID-card copy carries its card title or MRZ lines.
Later pages carry a page number in the top margin, start mid-sentence, or say they are an
appendix ("Phụ lục", "Kèm theo …"), and the page before them was not closed by a signature
block. A copy's block on a page of its own ("SAO Y", the copying body's number and signature,
no motto: Decree 30/2020 App. I) belongs to the document it copies. A page with no cue either
way starts a document only when the page before was closed.

Blank pages (duplex backs) take no part in the decision: they belong to the document of the
page before them. Separator sheets (a barcode or QR code and next to no text; "PATCHT" is
paperless-ngx's "patch T" sheet) end the current document and belong to none.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sohoa.ocr.engine import Line, PageText
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.taxonomy import load_taxonomy
from sohoa.pipeline.text import fold, syllables

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
ID_CARD_TITLES = ("CĂN CƯỚC", "CHỨNG MINH NHÂN DÂN")
FORM_NUMBER = "Mẫu số"
APPENDIX_OPENINGS = ("Phụ lục", "Kèm theo")
# Phrases of a signature block: the document ends on the page that carries one. Seal ink
# often glues noise before them on their line.
SIGNATURE_PHRASES = (
    "Nơi nhận",
    "TM.",
    "KT.",
    "TL.",
    "TUQ.",
    "NGƯỜI LÀM ĐƠN",
    "NGƯỜI KHAI",
    "NGƯỜI ĐỀ NGHỊ",
    "NGƯỜI VIẾT ĐƠN",
    "Ký và ghi rõ họ tên",
    "Ký, ghi rõ họ tên",
    "Ký, họ tên",
    "Ký tên, đóng dấu",
)
SEPARATOR_CODE = "PATCHT"
# A separator sheet may print a word or two beside its code; a printed paper with a QR code
# carries whole paragraphs.
SEPARATOR_MAX_WORDS = 30

# How strongly each cue of a page (a field of PageCues) says "this page starts a document";
# negative weights say it continues.
START_WEIGHTS = {
    "motto": 3.0,
    "issuer_number": 2.0,
    "form_number": 2.0,
    "id_card": 3.0,
    "title": 1.0,
    "page_number": -4.0,
    "appendix": -4.0,
    "copy_block": -4.0,
    "starts_mid_sentence": -2.0,
}
# A code the page before did not carry: a printed paper's QR code, new with each paper.
NEW_CODE = 2.0
AFTER_CLOSED_PAGE = 1.0
AFTER_OPEN_PAGE = -1.0

# Regions, as shares of the page's height: the header of a first page, the top margin where
# page numbers sit.
HEADER_ZONE = 0.4
MARGIN_ZONE = 0.12
# A line of a paragraph, rather than a heading, a name or a date, has this many words or more.
PARAGRAPH_WORDS = 5
# The last lines of a page, where its signature block would be, and where the signer's name
# would be the very last.
CLOSING_LINES = 15
SIGNER_LINES = 3
# A signer's name sits right of this share of the page's width.
SIGNER_COLUMN = 0.45
# Words OCR read with less confidence than this are noise (seal, signature, specks).
CONFIDENT_WORD = 50.0

# "Số:" then a number (its digits often misread, rarely all of them) or the "/" after it.
_ISSUER_NUMBER = re.compile(r"^\W*so\s*(?:/\s*no\.?\s*)?[:.]\s*\S*[\d/]")
_PAGE_NUMBER = re.compile(r"^[-–—.\s]*(?:trang\s*)?(\d{1,3})(?:\s*/\s*\d{1,3})?[-–—.\s]*$")
_MRZ = re.compile(r"[A-Z0-9<]{20,}")


@dataclass(frozen=True)
class PageCues:
    """What a page's text says about where it sits in its document."""

    motto: bool = False
    issuer_number: bool = False
    form_number: bool = False
    id_card: bool = False
    title: bool = False
    page_number: bool = False
    appendix: bool = False
    copy_block: bool = False  # opens with a copy's mark ("SAO Y BẢN CHÍNH", "TRÍCH SAO")
    starts_mid_sentence: bool = False
    closes: bool = False  # carries a signature block: its document ends here
    codes: frozenset[str] = frozenset()


def split_documents(pages: Sequence[PageContent]) -> list[list[int]]:
    """Group a dossier's pages into documents: for each document, the indexes of its pages
    that are neither blank nor separator sheets, in order."""
    documents: list[list[int]] = []
    previous: PageCues | None = None  # None at the start and after a separator sheet
    for index, page in enumerate(pages):
        if page.blank:
            continue
        if is_separator(page):
            previous = None
            continue
        cues = page_cues(page)
        if previous is None or starts_document(cues, previous):
            documents.append([])
        documents[-1].append(index)
        previous = cues
    return documents


def page_documents(blank: list[bool], documents: list[list[int]]) -> list[int | None]:
    """The document each page belongs to. A blank page belongs to the one before it; a page in
    no document (a separator sheet), and the blank pages after it, belong to none."""
    owner: list[int | None] = [None] * len(blank)
    for number, pages in enumerate(documents):
        for index in pages:
            owner[index] = number
    current: int | None = None
    for index, is_blank in enumerate(blank):
        if is_blank:
            owner[index] = current
        else:
            current = owner[index]
    return owner


def is_separator(page: PageContent) -> bool:
    """A sheet put between documents: a barcode or QR code and next to no text."""
    if page.blank or not page.codes:
        return False
    if any(_compact(code) == SEPARATOR_CODE for code in page.codes):
        return True
    words = page.text.words if page.text else []
    return len(words) <= SEPARATOR_MAX_WORDS and not page_cues(page).id_card


def starts_document(cues: PageCues, previous: PageCues) -> bool:
    """Whether a page with `cues`, following a page with `previous`, opens a new document."""
    score = AFTER_CLOSED_PAGE if previous.closes else AFTER_OPEN_PAGE
    score += sum(weight for name, weight in START_WEIGHTS.items() if getattr(cues, name))
    if cues.codes - previous.codes:
        score += NEW_CODE
    return score > 0


def page_cues(page: PageContent) -> PageCues:
    """Read a page's cues from its OCR lines; lines of nothing but noise are left out."""
    codes = frozenset(page.codes)
    if page.text is None:
        return PageCues(codes=codes)
    lines = [line for line in page.text.lines if _confident_text(line)]
    header = [line for line in lines if line.box.y0 < HEADER_ZONE * page.text.height]
    margin = [line for line in lines if line.box.y1 < MARGIN_ZONE * page.text.height]
    body = [line for line in lines if not _is_page_number(line) and _is_running_text(line)]
    id_card = any(_is_id_card_line(line) for line in lines)
    return PageCues(
        motto=any(_is_motto(line) for line in header),
        issuer_number=any(_is_issuer_number(line, page.text) for line in header),
        form_number=any(_has_phrase(line, _FORM_NUMBER_TOKENS) for line in header),
        id_card=id_card,
        title=_has_title(header, page.text),
        page_number=any(_is_page_number(line) for line in margin),
        appendix=any(_opens_with(line, _APPENDIX_TOKENS) for line in body[:3]),
        copy_block=any(_opens_with(line, _copy_mark_tokens()) for line in header),
        starts_mid_sentence=bool(body) and _starts_lower_case(body[0]),
        closes=id_card
        or _has_signature_block(lines[-CLOSING_LINES:])
        or any(_is_signer_name(line, page.text) for line in lines[-SIGNER_LINES:]),
        codes=codes,
    )


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(syllables(fold(text)))


_MOTTO_TOKENS = tuple(_tokens(phrase) for phrase in MOTTO)
_ID_CARD_TOKENS = tuple(_tokens(title) for title in ID_CARD_TITLES)
_FORM_NUMBER_TOKENS = _tokens(FORM_NUMBER)
_APPENDIX_TOKENS = tuple(_tokens(opening) for opening in APPENDIX_OPENINGS)
_SIGNATURE_TOKENS = tuple(_tokens(phrase) for phrase in SIGNATURE_PHRASES)


@functools.cache
def _copy_mark_tokens() -> tuple[tuple[str, ...], ...]:
    return tuple(_tokens(mark) for form in load_taxonomy().copy_forms for mark in form.marks)


def _line_text(line: Line) -> str:
    return " ".join(word.text for word in line.words)


def _line_tokens(line: Line) -> tuple[str, ...]:
    return _tokens(_line_text(line))


def _compact(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def _confident_text(line: Line) -> bool:
    return any(word.confidence >= CONFIDENT_WORD for word in line.words)


def _has_phrase(line: Line, phrase: tuple[str, ...]) -> bool:
    """Whether the line holds the phrase, a syllable or two misread in a long one."""
    tokens = _line_tokens(line)
    allowed_misses = len(phrase) // 4
    for start in range(len(tokens) - len(phrase) + 1):
        window = tokens[start : start + len(phrase)]
        if sum(a != b for a, b in zip(window, phrase, strict=True)) <= allowed_misses:
            return True
    return False


def _opens_with(line: Line, phrases: Sequence[tuple[str, ...]]) -> bool:
    tokens = _line_tokens(line)
    return any(tokens[: len(phrase)] == phrase for phrase in phrases)


def _upper_case_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def _is_issuer_number(line: Line, page: PageText) -> bool:
    """A line that opens with "Số: 15/QĐ-UBND" in the left column (the card's "Số / No.:"
    too)."""
    return line.box.x0 < page.width / 2 and bool(_ISSUER_NUMBER.match(fold(_line_text(line))))


def _has_title(header: Sequence[Line], page: PageText) -> bool:
    """Whether a title opens the page: a line in capitals, centred, that is not the motto, with
    no paragraph above it (a heading under running text is no title) and no signature note
    under it ("NGƯỜI NỘP HỒ SƠ" over "(Ký, ghi rõ họ tên)" is who signs)."""
    for line, below in itertools.zip_longest(header, header[1:]):
        if _is_paragraph_line(line):
            return False
        centre = (line.box.x0 + line.box.x1) / 2
        if (
            len(_line_tokens(line)) >= 2
            and _upper_case_share(_line_text(line)) >= 0.8
            and abs(centre - page.width / 2) < 0.1 * page.width
            and not _is_motto(line)
            and not (below and _has_signature_block([below]))
        ):
            return True
    return False


def _is_motto(line: Line) -> bool:
    return any(_has_phrase(line, phrase) for phrase in _MOTTO_TOKENS)


def _is_paragraph_line(line: Line) -> bool:
    """A line of running text: words mostly in lower case, not the motto's second line and not
    the place and date ("Hà Nội, ngày 05 tháng 01 năm 2020") of a header."""
    tokens = _line_tokens(line)
    return (
        len(tokens) >= PARAGRAPH_WORDS
        and _upper_case_share(_line_text(line)) < 0.5
        and not _is_motto(line)
        and not {"thang", "nam"} <= set(tokens)
    )


def _is_id_card_line(line: Line) -> bool:
    text = _line_text(line)
    if _MRZ.search(text.replace(" ", "")) and "<<" in text:
        return True
    return _upper_case_share(text) >= 0.8 and any(
        _has_phrase(line, title) for title in _ID_CARD_TOKENS
    )


def _is_page_number(line: Line) -> bool:
    match = _PAGE_NUMBER.match(fold(_line_text(line)))
    return match is not None and int(match.group(1)) >= 2


def _is_running_text(line: Line) -> bool:
    """A line of words rather than a stray mark: two words or more."""
    return len(_line_tokens(line)) >= 2


def _starts_lower_case(line: Line) -> bool:
    first_letter = next((c for c in _line_text(line) if c.isalpha()), "")
    return first_letter.islower()


def _has_signature_block(lines: Sequence[Line]) -> bool:
    return any(_has_phrase(line, phrase) for line in lines for phrase in _SIGNATURE_TOKENS)


def _is_signer_name(line: Line, page: PageText) -> bool:
    """A person's name in the right-hand column: two to five words, each capitalised, not all
    in capitals (that is a position: "CHỦ TỊCH")."""
    words = [word.text for word in line.words if any(c.isalpha() for c in word.text)]
    return (
        line.box.x0 >= SIGNER_COLUMN * page.width
        and 2 <= len(words) <= 5
        and all(word[0].isupper() for word in words)
        and _upper_case_share(" ".join(words)) < 0.8
    )

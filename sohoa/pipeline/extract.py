"""The fields of one document (design.md, manifest `fields`), read from its pages' OCR words.

Where words sit matters as much as what they say. An official paper's header has two columns
(Decree 30/2020, App. I) that OCR reads as one line: the issuer and "Số: …" on the left, the
motto and "<place>, ngày … tháng … năm …" on the right; the header is split at the motto's left
edge before anything is read from it. Particulars are label-value pairs ("Họ và tên: …"), found
on folded text so that dropped tone marks still match; the value follows the label on its line,
or sits on the next line on ID cards.

Every value is checked before it is reported: personal IDs and tax codes by `identifiers`, dates
for being real, names for looking like names. What fails a check is left out and its field put
up for review; so is a field read from words OCR was unsure of. Nothing found means null.
QR codes on printed papers carry the IDs and number as data: they beat OCR.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math
import re
import statistics
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from sohoa.ocr.engine import PageText, Word
from sohoa.pipeline.correct import default_lexicon, is_valid_syllable
from sohoa.pipeline.identifiers import (
    cmnd_problem,
    parse_date,
    personal_id_problem,
    tax_code_valid,
)
from sohoa.pipeline.model import DocumentFields
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.places import province_named
from sohoa.pipeline.taxonomy import load_taxonomy
from sohoa.pipeline.text import fold, nfc, normalise, split_tone, syllables

# A field goes to review when OCR was less sure than REVIEW_CONFIDENCE of a third or more of
# the words it was read from, or had no idea at all (under UNREAD_CONFIDENCE) of one of them.
# One unsure word among many is mostly a rule or a seal's edge beside a right value: on set
# 7003 (139 documents) flagging any word under 60 flagged 43 right fields and 4 of 23 wrong
# ones; this rule flags 18 right and the same 4 wrong (sets 7002 and 7001: 12 -> 3 and 11 -> 6
# right flagged, one wrong summary of 3 + 2 no longer flagged). OCR's worst misreads are
# confident, so confidence alone catches few wrong fields.
REVIEW_CONFIDENCE = 60.0
UNREAD_CONFIDENCE = 10.0
_UNSURE_SHARE = 1 / 3

# Types whose summary (trích yếu) follows the title or sits under the number (Decree 30).
SUMMARISED_TYPES = frozenset(
    {"quyet_dinh", "cong_van", "thong_bao", "to_trinh", "bao_cao", "bien_ban"}
)

# Type abbreviations written with Đ, by their folded form, to restore the Đ that OCR or a
# scanner's text layer dropped ("QD-UBND"). "HD" is left alone: it is also "hướng dẫn".
_WITH_D_BAR = {
    fold(a).upper(): a
    for a in ("QĐ", "NĐ", "CĐ", "HĐND", "SGDĐT", "SKHĐT", "ĐC", "HĐTĐ", "HĐTN", "HĐMB", "HĐCN")
}

# Organisations whose names keep capitals inside them, in the sentence case they are written
# in; any other organisation gets a capital on its first word only.
_ORGANISATIONS = (
    "Ủy ban nhân dân",
    "Hội đồng nhân dân",
    "Công an",
    "Sở Tư pháp",
    "Sở Tài nguyên và Môi trường",
    "Sở Nông nghiệp và Môi trường",
    "Sở Kế hoạch và Đầu tư",
    "Sở Giáo dục và Đào tạo",
    "Sở Tài chính",
    "Sở Xây dựng",
    "Sở Nội vụ",
    "Sở Y tế",
    "Sở Lao động - Thương binh và Xã hội",
    "Phòng Tư pháp",
    "Phòng Tài nguyên và Môi trường",
    "Phòng Tài chính - Kế hoạch",
    "Phòng Đăng ký kinh doanh",
    "Văn phòng Đăng ký đất đai",
    "Chi cục Thuế",
    "Cục Thuế",
    "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
)
_DEPARTMENT_ABBREVIATIONS = {
    name: "".join(w[0].upper() for w in name.split() if w not in ("và", "-"))
    for name in _ORGANISATIONS
    if name.startswith("Sở ")
}
_PROVINCIAL_COUNCILS = ("uy ban nhan dan tinh ", "uy ban nhan dan thanh pho ")
# OCR misreads a letter of a long known name ("TỶ BAN NHÂN DÂN"); a name this long or longer
# (in letters) still matches with one letter wrong.
_FUZZY_NAME_LETTERS = 10
# A known name read in a noisy place (an ID card's signature block) may have one letter in this
# many wrong, missing or added.
_LETTERS_PER_EDIT = 10
# Sections that receive papers for the body above them in the header; not issuers themselves.
_SECTIONS = ("bo phan",)
_UBND = "Ủy ban nhân dân"
# A province's business registration office is part of its planning department, whose line
# above the office OCR loses now and then, leaving the province alone ("THÀNH PHỐ HẢI PHÒNG").
_BUSINESS_REGISTRATION = "Phòng Đăng ký kinh doanh"
_PLANNING_DEPARTMENT = "Sở Kế hoạch và Đầu tư"
# Administrative units; the words after one are a place name, capitalised.
_UNITS = ("thành phố", "thị trấn", "thị xã", "phường", "huyện", "quận", "tỉnh", "xã")
_FOLDED_UNITS = tuple(fold(u) for u in _UNITS)
# How the name of an organisation that issues papers begins (folded).
_ORGANISATION_OPENERS = (
    "ubnd", "uy ban", "hoi dong", "cong an", "so", "phong", "cuc", "chi cuc", "tong cuc", "ban",
    "trung tam", "van phong", "bo", "truong", "benh vien", "toa an", "vien kiem sat", "bao hiem",
    "chi nhanh", "ngan hang", "cong ty",
)  # fmt: skip

# The one-word kinds of organisation; "UBND" is a whole name.
_KINDS = frozenset(o for o in _ORGANISATION_OPENERS if " " not in o) - {"ubnd"}
_MOTTO = re.compile(r"cong hoa|chu nghia viet|xa hoi chu")
_MOTTO_WORDS_BEFORE = {"cong hoa": 0, "xa hoi chu": 2, "chu nghia viet": 4}
# The motto's second line, which stands for it where OCR lost the first ("ĐIỀN Độc lập - …").
_MOTTO_SECOND_LINE = re.compile(r"doc lap\W+tu do")
# OCR reads the capital S of "Số" as "§" now and then ("§ố: 87/2021/HĐMB"), and its "ố" as
# "ấ" with a colon after it ("Sấ:126").
_NUMBER_LABEL = re.compile(r"^[\W_]{0,3}(?:[s§]o\s*[:;.]{0,2}|sa\s*:)\s*(?=\d)")
# "Số. 169": OCR reads the colon as a full stop now and then.
_NUMBER_LINE = re.compile(r"^[\W_]{0,3}(?:[s§]o\s*(?:[:;\d]|\.\s*\d)|sa\s*:\s*\d)")
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
# "V/v" loses its second v to OCR now and then ("V/ thực hiện …"), "Về" gains a letter ("vev").
_SUMMARY_PREFIX = re.compile(r"^[\W_]{0,3}(?:ve[a-z]? ?viec|v\s*[/.]?\s*[vw]\b|v\s*/)\s*:?\s*")
# A speck OCR read as a stop glued to the front of a word inside a line ("hồ sơ :đăng ký"):
# no word opens with one.
_SPECK_BEFORE_WORD = re.compile(r"(?<=\s)[.:;,]+(?=[^\W\d_])")
_REGISTRATION = re.compile(r"^\W{0,3}dang ky (?:lan dau|thay doi)")
# "Kính gửi:", its second word misread now and then ("Kính Hữi:"): "Kính" and a short word
# before a colon.
_ADDRESSEE = re.compile(r"^\W{0,3}kinh\s*(?:gui|\w{2,4}\s*:)")
# The opening of minutes' first paragraph, which may stand centred under their subject.
# "TM." (thay mặt): signed on behalf of the body named after it; the signer's position follows
# on its own line ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC"). A body's name wraps over at most
# two more lines.
_SIGNING_FOR = re.compile(r"^\W{0,3}t\s?m\s?[.,:]?\s+")
# The position, even half read under a seal ("Ủ TỊCH").
_SIGNER_POSITION = re.compile(
    r"^\W{0,3}(?:kt|tl|tuq|q)\W|\btich\b|\bgiam doc\b|^\W{0,3}(?:pho |thu )?truong\b"
)
_SIGNING_BODY_LINES = 2
_MINUTES_OPENING = re.compile(r"^[\W_]{0,3}hom nay\b")
# A paragraph's first line is indented and reaches the right margin; a centred line that
# reaches it reaches the left margin too. Both within this share of the text's width.
_AT_MARGIN = 0.02
# OCR reads the space after the comma as "_" now and then ("Phòng,_ngày"), and the comma after
# a short place name as a full stop ("Đà Nẵng. ngày").
_PLACE_DATE = re.compile(r"(?:,|^[\w ]{2,30}\.)[\s_]*ngay\s*\d{1,2}\s*th[a-z]{1,3}\b")
# A place-and-date line whatever its day reads as: the day is often handwritten.
_PLACE_DATE_LINE = re.compile(r",[\s_]*ngay\b.*\b(?:thang|nam)\b")
_CARD_ISSUE_DATE = re.compile(r"date, month, year|ngay cap|ngay, thang, nam\s*[/:]")

_NAME_LABEL = re.compile(
    r"(?<!ghi ro )(?<!ro )\b(?:ho,? (?:chu \w+,? )?(?:va )?ten|toi ten la|full name)\b"
    r"(?P<tail>[^:]{0,30}):?"
)
_NOT_THE_MAIN_PERSON = re.compile(r"nguoi (?:me|cha|vo|chong)|chu ho|nguoi ky|ghi ro")
_PARTY_LABEL = re.compile(
    r"^[\W_]{0,3}(?:\d+\.\s*)?(?:(?:ong|ba)|nguoi dai dien(?: theo phap luat)?)\s*:"
)
# Words that open the next label on a line of particulars ("Ông: X   Sinh ngày: …").
# Two-word labels whose first word is also a name ("Quốc", "Quân") are told by their second.
_LABEL_WORDS = frozenset({"sinh", "ngay", "noi", "so", "sdt"})
_LABEL_PAIRS = frozenset(
    {
        ("chuc", "vu"),
        ("gioi", "tinh"),
        ("quan", "he"),
        ("dan", "toc"),
        ("quoc", "tich"),
        ("nam", "sinh"),
    }
)
# The commonest surnames with their marks, which OCR drops or changes on capitals ("NGUYÊN",
# "HOANG"); by their folded form. "Nguyên" and the like are not surnames.
_SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Vũ", "Phan", "Trương", "Bùi",
    "Đặng", "Đỗ", "Ngô", "Hồ", "Dương", "Đinh", "Lý", "Đoàn", "Trịnh", "Lương", "Đào",
)  # fmt: skip
_SURNAME_OF_FOLDED = {fold(name): name for name in _SURNAMES}
_HONORIFICS = {"ông": False, "bà": True}  # the word before a name, and whether she is a woman
_BIRTH = re.compile(r"\b(?:sinh|birth)\b")
# The year after "sinh": alone or ending a date, a space OCR put inside it ("1 981") dropped.
_BIRTH_YEAR = re.compile(r"(?<!\d)(?:\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*)?(\d(?:\s?\d){3})(?!\d)")
_SEX = re.compile(r"gioi tinh\W*(?:sex\W*)?(nam|nu)\b")
_TAX_LABEL = re.compile(r"ma so thue|\bmst\b|ma so doanh nghiep|ma so ho kinh doanh")
# A line ending with a tax code's label, or with its start: the rest is on the next line.
_WRAPPED_TAX_LABEL = re.compile(r"\b(?:ma(?: so(?: thue)?)?|mst)\W*$")
_TAX_CODE = re.compile(r"(?<!\d)\d{10}(?:\s?-\s?\d{3})?(?![\d-])")
# OCR sometimes cuts a long number in two ("0661761 13685"): one space inside is allowed,
# unless the digits read as two whole IDs side by side (husband's and wife's columns).
_PERSONAL_ID = re.compile(r"(?<!\d)\d{12}(?!\d)|(?<!\d)(?<!\d )(?:\d ?){11}\d(?! ?\d)")
# A legacy identity card (chứng minh nhân dân, "CMND", "CMTND", "chứng minh thư") named before
# its number; its 9 digits are too common a length to be taken without it.
_CMND_LABEL = re.compile(r"\b(?:cmt?nd|cmt|chung minh (?:thu )?(?:nhan dan|thu))\b")
_CMND = re.compile(r"(?<!\d)(?<!\d )(?:\d ?){8}\d(?! ?\d)")
# How far after its label a number is looked for ("CMND số: …", "Số CMND/CCCD: …").
_AFTER_LABEL = 40
_CARD_CODE = re.compile(
    r"(?P<id>\d{12})\|(?:\d{9})?\|(?P<name>[^|\d]+)\|\d{8}\|[^|]*\|[^|]*\|(?P<issued>\d{8})(?:\||$)"
)
_MRZ_FIRST_LINE = re.compile(r"[I1T]DVNM(\d{9})(\d)(\d{12})<")
# A centred line's middle is this close to the text's (in text widths, dev set: 0.000-0.007);
# a paragraph's indented first line, ragged on the right, is off by 0.008 or more.
# A centred summary wraps onto another line only from a line at least this share of the text
# width; under a shorter one, the next line is the body.
_WRAPPING_SHARE = 0.5
# A title's middle is this close to the page's, in page widths.
_TITLE_CENTRING = 0.04
_TIGHT_CENTRING = 0.008
# Between a header's columns OCR leaves a gap wider than this many word heights; between
# words of one line, 0.4 (median) to 0.57 (95th percentile) on the dev set.
_COLUMN_GAP = 0.6
# Between the columns of a body's particulars (husband | wife on a marriage certificate) OCR
# leaves a gap wider than this many word heights (1.2-3.9 on set 7003); between the words of a
# name, under 0.6.
_PARTICULARS_COLUMN_GAP = 1.0
# Particulars of one person span a few lines after the line that names them.
_PERSON_LINES = 10
# A syllable this frequent (Zipf: 4 is ten in a million words) is a common one.
_COMMON_ZIPF = 4.0
# A Vietnamese name has two to six words (surname, middle names, given name).
_NAME_WORDS = 6


@dataclass(frozen=True)
class NameSource:
    """How `ho_ten` was read, for a dossier to weigh it against the same name on its other
    papers: from capitals (which lose and change their tone marks in OCR), whether OCR was sure
    of its words, and whether it went to review only because a word may have lost its marks."""

    capitals: bool = False
    sure: bool = False
    review_for_marks_only: bool = False


@dataclass(frozen=True)
class Extraction:
    fields: DocumentFields
    review: list[str]  # names of fields read with low OCR confidence or failing a check
    name_source: NameSource = NameSource()


def extract_fields(
    doc_type: str, pages: Sequence[PageContent], today: date | None = None
) -> Extraction:
    """The fields of one document of type `doc_type` printed on `pages`, read on `today`: no
    paper is issued, and nobody born, after it (not checked without it)."""
    document = _Document.read(pages)
    codes = _CodeData.read(code for page in pages for code in page.codes)
    person, name_source = _main_person(document)
    issued = _not_after_today(_issuing_date(doc_type, document), document, today)
    if doc_type == "cccd" and codes.card is not None:
        # The card's own QR code: its holder's name with every mark, and its issue date.
        person, name_source = _Reading(codes.card.holder), NameSource(sure=True)
        issued = _Reading(codes.card.issued)
    number = codes.number or _document_number(document)
    readings = {
        "so_ky_hieu": number,
        "ngay_ban_hanh": issued,
        "co_quan_ban_hanh": _issuer(doc_type, document, number.value),
        "trich_yeu": _summary(doc_type, document),
        "so_dinh_danh": _personal_ids(document, codes.personal_ids, today),
        "so_cmnd": _cmnd_numbers(document),
        "ho_ten": person,
        "ma_so_thue": _tax_codes(document),
    }
    review = [name for name, reading in readings.items() if reading.needs_review]
    values = {name: reading.value for name, reading in readings.items()}
    return Extraction(DocumentFields.model_validate(values), review, name_source)


# --- what was read --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
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


_NOTHING = _Reading()


@dataclass(frozen=True)
class _Span:
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


@dataclass(frozen=True)
class _Header:
    """The two columns at the top of an official paper's first page."""

    left: list[_Span]  # issuer, "Số: …", and what sits under the number
    right: list[_Span]  # motto, place and date


@dataclass
class _Document:
    """A document's lines in reading order, its first page's header, and its body's extent."""

    spans: list[_Span]
    header: _Header
    first_page: PageText | None = None
    margins: tuple[int, int] = (0, 0)  # left and right edge of the first page's body text
    _header_ids: set[int] = field(default_factory=set)

    @classmethod
    def read(cls, pages: Sequence[PageContent]) -> _Document:
        texts = [(i, page.text) for i, page in enumerate(pages) if page.text and page.text.lines]
        if not texts:
            return cls([], _Header([], []))
        first_index, first = texts[0]
        header, header_lines = _header(first_index, first)
        spans = [*header.left, *header.right]
        for index, text in texts:
            for line in text.lines:
                if (index, id(line)) not in header_lines and line.words:
                    spans.append(_Span(index, line.words))
        body = [line for line in first.lines if len(line.words) >= 6]
        margins = (
            (min(line.box.x0 for line in body), max(line.box.x1 for line in body))
            if body
            else (0, first.width)
        )
        return cls(spans, header, first, margins, {id(s) for s in [*header.left, *header.right]})

    def body(self) -> list[_Span]:
        return [s for s in self.spans if id(s) not in self._header_ids]

    @cached_property
    def _body_words(self) -> list[str]:
        return [w for s in self.body() for word in s.words for w in _words_of(word.text)]

    @cached_property
    def pair_spellings(self) -> dict[tuple[str, ...], Counter[tuple[str, ...]]]:
        """How often each pair of adjacent words is written each way, by its folded form."""
        pairs: dict[tuple[str, ...], Counter[tuple[str, ...]]] = {}
        words = [normalise(w.lower()) for w in self._body_words]
        for pair in itertools.pairwise(words):
            pairs.setdefault(tuple(fold(w) for w in pair), Counter())[pair] += 1
        return pairs

    def spellings(self, squeezed: str) -> list[list[str]]:
        """Every run of words in the body whose squeezed form (`_squeezed`) is `squeezed`."""
        words = self._body_words
        runs = []
        for start in range(len(words)):
            letters = ""
            for end in range(start, len(words)):
                letters += _squeezed([words[end]])
                if not squeezed.startswith(letters):
                    break
                if letters == squeezed:
                    runs.append(words[start : end + 1])
                    break
        return runs


def _header(page: int, text: PageText) -> tuple[_Header, set[tuple[int, int]]]:
    """Split the lines at the top of `text` into the header's columns at the motto's left edge.

    The header ends at the first line that runs across that edge (body text) or, once the date
    was seen, at the first line with nothing in the left column (the title)."""
    lines = sorted(text.lines, key=lambda line: line.box.y0)
    top = [line for line in lines if line.box.y0 < text.height / 3]
    motto, found = next(
        (
            (line, found)
            for pattern in (_MOTTO, _MOTTO_SECOND_LINE)
            for line in top
            if (found := pattern.search(_Span(page, line.words).folded))
        ),
        (None, None),
    )
    if motto is None or found is None:
        return _Header([], []), set()
    motto_span = _Span(page, motto.words)
    first = motto_span.word_at(found.start())
    # The motto's first words misread ("GỘNG HÒA XÃ HỘI …") stand close before the words read.
    for _ in range(_MOTTO_WORDS_BEFORE.get(found.group(), 0)):
        if first == 0 or _gap_between(motto.words[first - 1], motto.words[first]):
            break
        first -= 1
    edge = motto.words[first].box.x0
    left: list[_Span] = []
    right: list[_Span] = []
    taken: set[tuple[int, int]] = set()
    dated = False
    last_bottom = motto.box.y0
    for line in lines:
        if line.box.y1 < motto.box.y0 - 3 * motto.box.height:
            continue  # above the header: a form's number ("Mẫu CT01")
        columns = (
            (motto.words[:first], motto.words[first:])
            if line is motto
            else _split_at(line.words, edge, text.width)
        )
        if columns is None:
            break  # a line across both columns: the body has begun
        on_left, on_right = columns
        if dated and on_left and on_right and _is_centred_title(line.words, text.width):
            break  # the title, centred over the edge with a gap between its words at it
        if not on_left and not on_right:
            continue
        far_below = line.box.y0 - last_bottom > 1.5 * _Span(page, line.words).height
        if line.box.y0 > motto.box.y1 and not on_left and (dated or far_below):
            break  # the title
        beside_motto = line.box.y0 < motto.box.y1 + 2 * motto.box.height
        if on_left and not left and not beside_motto:
            break  # no issuer beside the motto: a centred motto, with no left column
        if on_left:
            left.append(_Span(page, on_left))
        if on_right:
            right.append(_Span(page, on_right))
            dated = dated or parse_date(_joined(right)) is not None  # the year may wrap
        taken.add((page, id(line)))
        last_bottom = line.box.y1
    return _Header(left, right), taken


def _is_centred_title(words: Sequence[Word], page_width: int) -> bool:
    """A line all in capitals whose middle (specks aside) is the page's."""
    inked = [w for w in words if any(c.isalnum() for c in w.text)] or list(words)
    letters = [c for w in inked for c in w.text if c.isalpha()]
    middle = (inked[0].box.x0 + inked[-1].box.x1) / 2
    centred = abs(middle - page_width / 2) < _TITLE_CENTRING * page_width
    return centred and len(letters) >= 4 and not any(c.islower() for c in letters)


def _gap_between(a: Word, b: Word, height: float | None = None) -> bool:
    """Whether OCR words `a` and `b` of one line stand in different columns."""
    height = height or statistics.median((a.box.height, b.box.height))
    return b.box.x0 - a.box.x1 > _COLUMN_GAP * height


def _joined(spans: Sequence[_Span]) -> str:
    return " ".join(s.text for s in spans)


def _split_at(
    words: Sequence[Word], edge: int, page_width: int
) -> tuple[tuple[Word, ...], tuple[Word, ...]] | None:
    """The words of a header line left and right of the column edge, or None for a line that
    runs across it. Marks without letters or digits (rules, specks) are dropped. The split is
    the wide gap nearest the edge, as a place and date may be wider than the motto above."""
    content = [w for w in words if any(c.isalnum() for c in w.text)]
    centres = [(w.box.x0 + w.box.x1) / 2 for w in content]
    if all(c < edge for c in centres):
        return tuple(content), ()
    if all(c >= edge for c in centres):
        return (), tuple(content)
    height = statistics.median(w.box.height for w in content)
    gaps = [
        (abs((a.box.x1 + b.box.x0) / 2 - edge), i + 1)
        for i, (a, b) in enumerate(itertools.pairwise(content))
        if _gap_between(a, b, height)
    ]
    near = [gap for gap in gaps if gap[0] < 0.15 * page_width]
    if not near:
        return None
    cut = min(near)[1]
    return tuple(content[:cut]), tuple(content[cut:])


# --- number, date, issuer, summary ----------------------------------------------------------


def _document_number(document: _Document) -> _Reading:
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
        if value or used:
            return _Reading(value, used, failed_check=value is None)
    for span in candidates:
        # A whole dated number alone on its line, its "Số:" garbled ("j 9G? 07/2021/HĐDV").
        if len(span.words) <= _GARBLED_LABEL_WORDS + 1 and _DATED_NUMBER.fullmatch(
            _bar_d(nfc(span.words[-1].text))
        ):
            value, used = _number_after(span.words[-1:])
            if value:
                return _Reading(value, used)
    if any(_NUMBER_LINE.match(span.folded) for span in document.header.left):
        # "Số:" is printed but what follows is no number: handwritten, most likely.
        return _Reading(failed_check=True)
    return _serial(document)


def _words_from(span: _Span, offset: int) -> list[Word]:
    """The words of `span` from character `offset` of its folded text on, the first one cut
    where OCR glued it to the label before ("Số:293")."""
    start = span.word_at(offset)
    words = list(span.words[start:])
    cut = offset - span.word_start(start)
    if words and cut > 0:
        words[0] = dataclasses.replace(words[0], text=nfc(words[0].text)[cut:])
    return words


def _serial(document: _Document) -> _Reading:
    """A land certificate's "Số phát hành: VH 848078": two capitals and six digits."""
    for span in document.spans:
        label = _SERIAL_LABEL.search(span.folded)
        serial = _SERIAL.match(span.text[label.end() :]) if label else None
        if label and serial:
            used = span.words_of(label.end(), label.end() + serial.end())
            return _Reading(f"{serial.group(1)} {serial.group(2)}", used)
    return _NOTHING


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
    restored = "".join(_type_abbreviation(_WITH_D_BAR.get(p, p)) for p in parts)
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


def _issuing_date(doc_type: str, document: _Document) -> _Reading:
    """The date the paper was issued: an ID card's "Date, month, year", a business certificate's
    latest registration, else the header's "<place>, ngày … tháng … năm …", else the first such
    line anywhere ("Hôm nay, ngày …", an application's date above its signature)."""
    if doc_type == "cccd":
        for span in document.spans:
            label = _CARD_ISSUE_DATE.search(span.folded)
            if label:
                # A card's issue date that does not read goes to review.
                return _date_in(span, label.end()) or _Reading(failed_check=True)
    if doc_type == "gcn_dang_ky_doanh_nghiep":
        return _latest_registration(document)
    right = document.header.right
    day = parse_date(_joined(right))
    if day:
        return _Reading(day.isoformat(), tuple(w for s in right for w in _digits(s.words)))
    if any(_PLACE_DATE_LINE.search(span.folded) for span in right):
        # The header's date does not read: a date further down is some other day.
        return _Reading(failed_check=True)
    body = document.body()
    for i, span in enumerate(body):
        place_date = _PLACE_DATE.search(span.folded)
        if place_date:
            found = _date_in(span, place_date.start(), body[i + 1 : i + 2])
            if found:
                return found
    if any(_PLACE_DATE_LINE.search(span.folded) for span in body):
        # The paper is dated, but its day or month does not read: handwritten, most likely.
        return _Reading(failed_check=True)
    return _NOTHING


def _not_after_today(issued: _Reading, document: _Document, today: date | None) -> _Reading:
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
            return _Reading(day.isoformat(), _digits(span.words))
    return _Reading(failed_check=True)


def _latest_registration(document: _Document) -> _Reading:
    """A business certificate is as of its latest registration: "Đăng ký thay đổi lần thứ …:
    ngày …" where the firm has changed, else "Đăng ký lần đầu: ngày …"."""
    found = [
        reading
        for span in document.spans
        if _REGISTRATION.match(span.folded) and (reading := _date_in(span, 0))
    ]
    return max(found, key=lambda reading: str(reading.value), default=_NOTHING)


def _date_in(span: _Span, start: int, following: Sequence[_Span] = ()) -> _Reading | None:
    """The first date in `span` from character `start` of its folded text, read on into the
    `following` lines where its year wrapped."""
    first = span.word_at(start) if span.words else 0
    words = [*span.words[first:], *(w for s in following for w in s.words)]
    day = parse_date(" ".join(w.text for w in words))
    if day is None:
        return None
    return _Reading(day.isoformat(), _digits(words))


def _digits(words: Sequence[Word]) -> tuple[Word, ...]:
    return tuple(w for w in words if any(c.isdigit() for c in w.text))


def _issuer(doc_type: str, document: _Document, number: object) -> _Reading:
    """The issuing body: the header's left column above the number, in sentence case, named
    with its parent where its own line does not say where it is, as it is spelled in the body
    where the body names it too (the header's capitals lose their marks in OCR). Where OCR lost
    a department's own line under its province, the `number` names it ("…/QĐ-STP")."""
    if doc_type == "cccd":
        return _card_issuer(document)
    if doc_type == "gcn_quyen_su_dung_dat":
        return _signing_body(document)
    lines: list[_Span] = []
    for span in document.header.left:
        if _NUMBER_LINE.match(span.folded):
            break
        if _is_noise(span):
            continue
        if lines and span.y0 - lines[-1].y1 > lines[-1].height:
            break  # the title, under a gap, reaching left of the motto's edge
        lines.append(span)
    if not any(_printed_in_capitals(span) for span in lines):
        return _NOTHING  # a stamp or speck above an application's motto, in lower case
    named = _issuer_named(document, lines)
    if named is None:
        return _NOTHING
    department = _department_numbering(number)
    province = fold(str(named.value)).startswith(_PROVINCIAL_COUNCILS)
    if department and province:
        return dataclasses.replace(named, value=f"{department} {_place_of(str(named.value))}")
    return named


def _department_numbering(number: object) -> str | None:
    """The department whose abbreviation a document number carries ("2191/QĐ-STP": "Sở Tư
    pháp"): the initials of its name's words, "và" and dashes left out."""
    if not isinstance(number, str):
        return None
    parts = set(re.split(r"[/-]", number))
    return next((name for name, short in _DEPARTMENT_ABBREVIATIONS.items() if short in parts), None)


def _signing_body(document: _Document) -> _Reading:
    """The body a paper is signed for, above its signer's position ("TM. ỦY BAN NHÂN DÂN" /
    "HUYỆN ĐÔNG ANH" / "KT. CHỦ TỊCH"): the land-use certificate's national form has no header
    block, and names its issuer there. Not found (a seal covering it): for a person to read."""
    spans = document.body()
    for at, span in enumerate(spans):
        acting_for = _SIGNING_FOR.match(span.folded)
        if acting_for is None:
            continue
        lines = [_Span(span.page, span.words[span.word_from(acting_for.end()) :])]
        for following in spans[at + 1 : at + 1 + _SIGNING_BODY_LINES]:
            if (
                following.page != span.page
                or _SIGNER_POSITION.search(following.folded)
                or following.y0 - lines[-1].y1 > lines[-1].height
            ):
                break
            lines.append(following)
        named = _issuer_named(document, lines)
        if named is not None:
            return named
    return _Reading(failed_check=True)


def _issuer_named(document: _Document, lines: Sequence[_Span]) -> _Reading | None:
    """The issuer the capitals of `lines` name, one organisation per block of lines: a long
    name wraps over lines, a unit's place goes on the next."""
    blocks: list[list[str]] = []
    for span in lines:
        words = _header_words(span)
        if not words:
            continue
        if blocks and (
            _completes_an_organisation(blocks[-1], words)
            or _ends_with_a_unit(blocks[-1])
            or not _opens_an_organisation(words)
        ):
            blocks[-1] += words
        else:
            blocks.append(words)
    if not blocks:
        return None
    used = tuple(w for s in lines for w in s.words)
    name = _spelled_as_elsewhere(
        document, _Reading(_as_spelled_in(document, _with_parent(blocks, document)), used)
    )
    return dataclasses.replace(name, value=_province_spelled(str(name.value)))


def _province_spelled(name: str) -> str:
    """`name` with the province or centrally-run city it ends with spelled as it is: OCR loses
    the marks of the header's capitals ("… thành phố Cân Thơ"), and their names are few."""
    folded = fold(name)
    for unit in ("tinh ", "thanh pho "):
        at = folded.rfind(f" {unit}")
        if at < 0:
            continue
        rest_at = at + 1 + len(unit)
        province = province_named(name[rest_at:])
        if province:
            return name[:rest_at] + province
    return name


def _is_noise(span: _Span) -> bool:
    """Whether a header line is a seal or a speck read as letters ("Ác HEU", "Í )"): OCR was
    unsure of every word, and some word is a lone letter or no Vietnamese syllable."""
    if any(w.confidence >= REVIEW_CONFIDENCE for w in span.words):
        return False
    words = _words_of(span.text)
    return not words or any(len(w) == 1 or not is_valid_syllable(w) for w in words)


def _printed_in_capitals(span: _Span) -> bool:
    """Whether a header line is printed in capitals, as an issuer's name is: some word of it is
    two capitals or more."""
    return any(sum(c.isupper() for c in word) >= 2 for word in _header_words(span))


def _header_words(span: _Span) -> list[str]:
    """The words of an issuer line, syllables OCR glued together split ("HIỆPPHÚ"), without a
    lone letter at its end (a speck of the rule under the name read as "l") or a word in lower
    case after capitals."""
    words = [
        part
        for word in span.words
        if _is_wordlike(word)
        for w in _words_of(word.text)
        for part in _glued_syllables(w)
    ]
    if words and len(words[-1]) == 1 and words[-1].isalpha():
        words.pop()
    last_in_lower_case = any(c.islower() for c in words[-1]) if words else False
    if len(words) >= 3 and all(w.isupper() for w in words[:-1]) and last_in_lower_case:
        words.pop()  # a seal's edge read after a name in capitals ("XÃ UY NỖ Tỷ")
    return words


def _glued_syllables(word: str) -> list[str]:
    """`word` as the syllables OCR read as one ("HÀNỘI" -> "HÀ", "NỘI"; "CÔNGANPHƯỜNG" -> "CÔNG",
    "AN", "PHƯỜNG"), where it is no syllable itself but known ones: the fewest, and of those
    the split whose rarest syllable is commonest. Not into a lone letter: "EA" of "EA PHÊ" is a
    word of the Ê Đê language, no "E A"."""
    if not word.isalpha() or is_valid_syllable(word):
        return [word]
    split = _syllable_split(word)
    return list(split[2]) if split else [word]


@functools.lru_cache(maxsize=4096)  # bounded: a watcher reads words for days
def _syllable_split(word: str) -> tuple[int, float, tuple[str, ...]] | None:
    """How `word` splits into known syllables of two letters or more: their count negated (so
    that the best split is the largest), the frequency of the rarest, and the syllables."""
    lexicon = default_lexicon()

    def known(part: str) -> float | None:
        spelled = normalise(part.lower())
        if len(part) < 2 or not is_valid_syllable(spelled) or spelled not in lexicon.known:
            return None
        return lexicon.zipf.get(spelled, 0.0)

    splits: list[tuple[int, float, tuple[str, ...]]] = []
    whole = known(word)
    if whole is not None:
        splits.append((-1, whole, (word,)))
    for at in range(2, len(word) - 1):
        first = known(word[:at])
        if first is None:
            continue
        rest = _syllable_split(word[at:])
        if rest is not None:
            splits.append((rest[0] - 1, min(first, rest[1]), (word[:at], *rest[2])))
    return max(splits) if splits else None


def _ends_with_a_unit(block: Sequence[str]) -> bool:
    """Whether an issuer block ends with a unit word, its place name on the next line
    ("CÔNG AN PHƯỜNG / TRƯỜNG SƠN"). Not a block that opens with a unit and its place: that
    place ends with a word that folds like a unit ("XÃ NGHI PHƯƠNG")."""
    folded = fold(" ".join(block))
    if folded.startswith(tuple(f"{unit} " for unit in _FOLDED_UNITS)):
        return False
    return any(folded == unit or folded.endswith(f" {unit}") for unit in _FOLDED_UNITS)


def _is_wordlike(word: Word) -> bool:
    """Whether an OCR word is mostly letters or digits, rather than a rule or seal read as
    text (".d..đ"); a dotted rule OCR ran on from a word ("MA.......") is not counted."""
    text = word.text.strip(string.punctuation)
    return sum(c.isalnum() for c in text) * 2 > len(text)


def _with_parent(blocks: Sequence[Sequence[str]], document: _Document) -> str:
    """The issuer named by the blocks of a header's left column, top (parent) to bottom (own):
    a unit line completes the organisation above it ("ỦY BAN NHÂN DÂN / XÃ PHƯƠNG ĐỊNH"); a
    section that receives papers acts for its body ("BỘ PHẬN MỘT CỬA"); an office (phòng) is
    named with its parent body ("Phòng Tài chính - Kế hoạch Ủy ban nhân dân quận …"); a
    department (sở) with its parent's place ("Sở Tư pháp tỉnh Nam Định")."""
    names: list[str] = []
    for words in blocks:
        name = _organisation(words)
        if names and fold(name).startswith(_FOLDED_UNITS):
            names[-1] = f"{names[-1]} {name}"
        else:
            names.append(name)
    if len(names) >= 2 and fold(names[-1]).startswith(_SECTIONS):
        names.pop()
    own = _as_named_in_body(document, names[-1])
    if len(names) < 2 or _place_of(own):
        return own
    parent = names[-2]
    if fold(own) == fold(_BUSINESS_REGISTRATION) and fold(parent).startswith(_FOLDED_UNITS):
        return f"{own} {_PLANNING_DEPARTMENT} {parent}"
    if fold(own).startswith("phong "):
        return f"{own} {parent}"
    parent_place = _place_of(parent)
    return f"{own} {parent_place}" if parent_place else own


def _as_named_in_body(document: _Document, name: str) -> str:
    """`name` completed as the body names the same body where OCR lost a line or a word of the
    header: a place alone ("PHƯỜNG LINH TRUNG", the "ỦY BAN NHÂN DÂN" line above it misread)
    takes the organisation the body puts before it; an organisation whose unit word was lost
    ("CÔNG AN HƯNG") takes the unit and the whole place the body writes after it ("Công an
    phường Hưng Lợi xác nhận …"), and so does a place of one word, whose second OCR lost with
    its line ("CÔNG AN PHƯỜNG HIỆP" over "PHÚ"): a place name is its capitalised words."""
    folded = fold(name)
    units = "|".join(_FOLDED_UNITS)
    known = next((o for o in _ORGANISATIONS if folded.startswith(fold(o) + " ")), None)
    rest = folded[len(known) + 1 :] if known else ""
    if folded.startswith(_FOLDED_UNITS):
        organisations = "|".join(re.escape(fold(o)) for o in _ORGANISATIONS)
        pattern = re.compile(rf"(?<!\w)({organisations}) {re.escape(folded)}(?!\w)")
    elif known and re.fullmatch(rf"(?:{units}) [^\W\d_]+", rest):
        # Most places have two words or more; one-word places are rare.
        pattern = re.compile(rf"(?<!\w)({re.escape(fold(known))}) {re.escape(rest)}(?= )")
    elif known and not rest.startswith(_FOLDED_UNITS) and not _place_of(name):
        pattern = re.compile(rf"(?<!\w)({re.escape(fold(known))}) (?:{units}) {re.escape(rest)}")
    else:
        return name
    for span in document.body():
        found = pattern.search(span.folded)
        if found is None:
            continue
        organisation = next(o for o in _ORGANISATIONS if fold(o) == found.group(1))
        words = list(span.words_of(found.end(1) + 1, found.end()))
        for word in span.words[span.word_from(found.end()) :]:
            if not nfc(word.text)[:1].isupper():
                break
            words.append(word)
        place = _place([w for word in words for w in _words_of(nfc(word.text))])
        return f"{organisation} {place}"
    return name


def _as_spelled_in(document: _Document, name: str) -> str:
    """`name` as the body spells it where the body names it: the body's letters are smaller and
    keep their marks, and its words stand apart where OCR glued the header's ("XÃEAPHÊ")."""
    spellings = document.spellings(_squeezed(syllables(name)))
    best = max(spellings, key=_marks_and_words, default=None)
    if best is None or _marks_and_words(best) <= _marks_and_words(syllables(name)):
        return name
    return _organisation(best)


def _marks_and_words(words: Sequence[str]) -> tuple[int, int]:
    marks = sum(unicodedata.combining(c) > 0 for c in unicodedata.normalize("NFD", "".join(words)))
    return marks, len(words)


def _card_issuer(document: _Document) -> _Reading:
    """The department named under "CỤC TRƯỞNG" in an ID card's signature block, a few of its
    letters misread or a speck read as a word among them ("CỤC CANH SÁT và QUẦN LÝ …")."""
    for span in document.spans:
        if "cuctruong" not in _squeezed([span.text]):
            continue  # "CỤC TRƯỞNG", its words glued or not
        near = [
            s
            for s in document.spans
            if s.page == span.page and 0 <= s.y0 - span.y0 < 4 * span.height
        ]
        squeezed = _squeezed([s.text for s in sorted(near, key=lambda s: s.y0)])
        for name in _ORGANISATIONS:
            known = _squeezed([name])
            allowed = len(known) // _LETTERS_PER_EDIT
            if name.startswith("Cục ") and _edits_within(known, squeezed) <= allowed:
                return _Reading(name, span.words)
    return _NOTHING


def _edits_within(needle: str, haystack: str) -> int:
    """The fewest character edits that make `needle` a substring of `haystack`."""
    row = [0] * (len(haystack) + 1)  # matching may start anywhere in the haystack
    for i, letter in enumerate(needle, 1):
        previous, row = row, [i]
        for j, other in enumerate(haystack, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (letter != other)))
    return min(row)


def _words_of(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def _squeezed(words: Sequence[str]) -> str:
    """Folded and without spaces or signs, so that OCR's glued words ("UỶBANNHÂNDÂN") still
    match."""
    return "".join(fold(w) for w in syllables(" ".join(words)))


def _opens_an_organisation(words: Sequence[str]) -> bool:
    """Whether a line of an issuer block names a new organisation or a unit, rather than
    going on with the previous line's name."""
    folded = fold(" ".join(words))
    squeezed = _squeezed(words)
    if folded in _KINDS:
        return False  # a kind alone names no organisation: it ends a place ("HẢI / PHÒNG")
    # A unit word alone is the end of a place name ("XÃ NGHI / PHƯƠNG"), not a new unit.
    return folded.startswith(tuple(f"{unit} " for unit in _FOLDED_UNITS)) or any(
        folded == opener
        or folded.startswith(opener + " ")
        or (" " in opener and squeezed.startswith(opener.replace(" ", "")))  # glued by OCR
        for opener in _ORGANISATION_OPENERS
    )


def _completes_an_organisation(block: Sequence[str], words: Sequence[str]) -> bool:
    """Whether `words` end a known organisation's name that `block` began ("SỞ TÀI NGUYÊN VÀ
    MÔI / TRƯỜNG"), though they look like a name of their own ("Trường …" is a school)."""
    before, after = _squeezed(block), _squeezed([*block, *words])
    return any(
        len(before) < len(known) <= len(after) and after.startswith(known)
        for known in map(_squeezed, map(str.split, _ORGANISATIONS))
    )


def _organisation(words: Sequence[str]) -> str:
    """One organisation of an issuer block in sentence case, "UBND" spelled out, and its "ỦY"
    restored where a seal or speck took it ("BAN NHÂN DÂN")."""
    if fold(words[0]) == "ubnd":
        words = [*_UBND.split(), *words[1:]]
    elif fold(" ".join(words[:3])) == "ban nhan dan":
        words = [_UBND.split()[0], *words]
    if fold(" ".join(words)).startswith(_FOLDED_UNITS):
        return _place(words)
    squeezed = _squeezed(words)
    for known in sorted(_ORGANISATIONS, key=len, reverse=True):
        prefix = _squeezed(known.split())
        if _starts_with_name(squeezed, prefix):
            rest = _after_letters(syllables(" ".join(words)), len(prefix))
            return f"{known} {_place(rest)}" if rest else known
    truncated = _truncated_name(squeezed)
    if truncated:
        return truncated
    head = normalise(words[0].capitalize())
    return " ".join([head, *(normalise(w.lower()) for w in words[1:])])


def _truncated_name(squeezed: str) -> str | None:
    """The known organisation whose name `squeezed` opens and stops short of at a word's end,
    where OCR lost the wrapped last line of a long name ("SỞ TÀI NGUYÊN VÀ MÔI" / "TRƯỜNG"):
    only a long opening that one name alone has."""
    if len(squeezed) < _FUZZY_NAME_LETTERS:
        return None
    opened = [
        known
        for known in _ORGANISATIONS
        if any(squeezed == _squeezed(known.split()[:end]) for end in range(1, len(known.split())))
    ]
    return opened[0] if len(opened) == 1 else None


def _starts_with_name(squeezed: str, name: str) -> bool:
    """Whether `squeezed` opens with the squeezed `name`, one letter of a long name misread."""
    head = squeezed[: len(name)]
    if len(head) < len(name):
        return False
    wrong = sum(a != b for a, b in zip(head, name, strict=True))
    return wrong == 0 or (wrong == 1 and len(name) >= _FUZZY_NAME_LETTERS)


def _after_letters(words: Sequence[str], count: int) -> list[str]:
    """`words` without their first `count` letters (spaces not counted)."""
    rest = list(words)
    while rest and count >= len(rest[0]):
        count -= len(rest.pop(0))
    if rest and count:
        rest[0] = rest[0][count:]
    return rest


def _place(words: Sequence[str]) -> str:
    """'HUYỆN HẢI HẬU' -> 'huyện Hải Hậu'; 'PHƯỜNG 5' -> 'phường 5'."""
    folded = fold(" ".join(words))
    for unit, written in zip(_FOLDED_UNITS, _UNITS, strict=True):
        if folded.startswith(unit + " ") or folded == unit:
            rest = words[len(unit.split()) :]
            return " ".join([written, *(_place_word(w) for w in rest)])
    return " ".join(_place_word(w) for w in words)


def _place_word(word: str) -> str:
    """A word of a place name, capitalised; in capitals, with the tone mark OCR lost restored
    where that is no guess (`_tone_lost`): 'HOĂNG' -> 'Hoằng'."""
    written = normalise(word.capitalize())
    if not word.isupper():
        return written
    restored = _tone_lost(written.lower())
    return restored.capitalize() if restored else written


def _tone_lost(spelled: str) -> str | None:
    """The syllable `spelled` (lower case, without a tone mark) was before OCR lost its tone
    mark: where it is no syllable in use and exactly one syllable in use has the same letters
    and a tone mark ("hoăng": only "hoằng"). None where it is in use, or the mark could be one
    of several ("huyên": "huyền", "huyện")."""
    lexicon = default_lexicon()
    if spelled in lexicon.zipf or split_tone(spelled)[1] is not None:
        return None
    marked = [
        syllable
        for syllable in lexicon.by_fold.get(fold(spelled), ())
        if syllable in lexicon.zipf
        and split_tone(syllable) != (spelled, None)
        and split_tone(syllable)[0] == spelled
    ]
    return marked[0] if len(marked) == 1 else None


def _place_of(name: str) -> str | None:
    """The place an organisation's name ends with: 'Ủy ban nhân dân tỉnh Nam Định' -> 'tỉnh
    Nam Định'."""
    folded = fold(name)
    for unit in _FOLDED_UNITS:
        at = folded.find(f" {unit} ")
        if at >= 0:
            return name[at + 1 :]
    return None


def _summary(doc_type: str, document: _Document) -> _Reading:
    """The summary (trích yếu) without its "Về việc" / "V/v": under the number in the header's
    left column (công văn), or the lines right under the title."""
    if doc_type not in SUMMARISED_TYPES:
        return _NOTHING
    left = document.header.left
    for i, span in enumerate(left):
        if _SUMMARY_PREFIX.match(span.folded):
            rest = itertools.takewhile(lambda s: not _ADDRESSEE.match(s.folded), left[i + 1 :])
            return _spelled_as_elsewhere(document, _summary_of([span, *rest]))
    body = [s for s in document.body() if s.page == document.spans[0].page]
    if not document.header.left:
        # No left column: the header's right one runs on down the centred title and summary.
        right = document.header.right
        motto_end = next(
            (i + 1 for i, span in enumerate(right) if _MOTTO_SECOND_LINE.search(span.folded)), 0
        )
        body = [*right[motto_end:], *body]
    title_at = next((i for i, span in enumerate(body[:6]) if _is_title(span)), None)
    if title_at is None:
        return _NOTHING
    under = list(itertools.dropwhile(_is_title, body[title_at:]))
    if not under or not _opens_a_summary(under, body[title_at], document.margins):
        return _NOTHING
    lines = [under[0]]
    for following, after in itertools.zip_longest(under[1:], under[2:]):
        if not _continues(lines[-1], following, document.margins):
            break
        if after and _opens_a_paragraph(following, after, document.margins):
            break
        lines.append(following)
    return _spelled_as_elsewhere(document, _summary_of(lines))


def _spelled_as_elsewhere(document: _Document, summary: _Reading) -> _Reading:
    """`summary` with each pair of words spelled as the document spells the same pair
    elsewhere, where that spelling is better supported: written more often, or as often and a
    dictionary word where the summary's is not. OCR gets a tone mark wrong once ("chứng
    nhân"), the body repeats the phrase ("chứng nhận"). Pairs, not single words, as one folded
    word is many words ("nhân", "nhận"). A spelling that is no dictionary word must be seen
    twice: once is as likely OCR's slip."""
    if not isinstance(summary.value, str):
        return summary
    spellings = document.pair_spellings
    lexicon = default_lexicon()

    tokens = summary.value.split(" ")
    cores = [_core(token) for token in tokens]
    respelled: set[int] = set()
    for i in range(len(tokens) - 1):
        pair = (cores[i], cores[i + 1])
        if not all(pair):
            continue
        seen = spellings.get(tuple(fold(w) for w in pair), Counter())

        def support(spelling: tuple[str, ...]) -> tuple[int, bool]:
            return seen[spelling], spelling in lexicon.pairs  # noqa: B023

        own = tuple(normalise(w.lower()) for w in pair)
        best = max(sorted(seen), key=support, default=own)
        once_and_no_word = support(best) == (1, False)
        if support(best) <= support(own) or once_and_no_word:
            continue

        if i in respelled and best[0] != own[0]:
            continue  # a word respelled by the pair before stays so
        for j, word in zip((i, i + 1), best, strict=True):
            written = word.capitalize() if cores[j][:1].isupper() else word
            tokens[j] = tokens[j].replace(cores[j], written)
            cores[j] = written
        respelled.add(i + 1)
    return dataclasses.replace(summary, value=" ".join(tokens))


def _core(token: str) -> str:
    """The letters of a token without the signs around it ("đất," -> "đất"); empty where it
    is not one word."""
    found = _words_of(token)
    return found[0] if len(found) == 1 else ""


def _opens_a_summary(under_title: Sequence[_Span], title: _Span, margins: tuple[int, int]) -> bool:
    """Whether the first line under a title is its subject: "Về việc …", or a centred line that
    is not the addressee ("Kính gửi: …"), or any line that the addressee follows within a
    line or two. A subject as wide as the text is still centred on it, and on the title above
    it where the text's margins are uneven."""
    span = under_title[0]
    if _SUMMARY_PREFIX.match(span.folded):
        return True
    if _ADDRESSEE.match(span.folded):
        return False
    if any(_ADDRESSEE.match(s.folded) for s in under_title[1:3]):
        return True
    return (
        _is_centred(span, margins)
        or _centre_offset(span, margins) < _TIGHT_CENTRING
        or _axis_offset(span, title, margins) < _TIGHT_CENTRING
    )


def _axis_offset(span: _Span, above: _Span, margins: tuple[int, int]) -> float:
    """How far the middle of `span`'s letters is from the middle of `above`'s, in text widths:
    a title and its summary's lines share their axis, which on a page with uneven margins is
    not the text's."""
    (x0, x1), (a0, a1) = _inked(span), _inked(above)
    return abs((x0 + x1) / 2 - (a0 + a1) / 2) / max(margins[1] - margins[0], 1)


def _summary_of(lines: Sequence[_Span]) -> _Reading:
    prefix = _SUMMARY_PREFIX.match(lines[0].folded)
    words = [
        *lines[0].words[lines[0].word_from(prefix.end()) if prefix else 0 :],
        *(w for s in lines[1:] for w in s.words),
    ]
    text = normalise(" ".join(nfc(w.text) for w in _without_specks(words))).strip(" .,;:-_")
    text = _SPECK_BEFORE_WORD.sub("", text)
    return _Reading(text, tuple(words)) if text else _NOTHING


def _without_specks(words: Sequence[Word]) -> list[Word]:
    """A summary's words without what OCR made of specks: a full stop glued to a word inside the
    sentence ("xây. dựng": a summary is one sentence), a word with no cased letter or digit
    ("ˆ", "_—_")."""
    kept = [w for w in words if any(c.isdigit() or c.islower() or c.isupper() for c in w.text)]
    for at, (word, following) in enumerate(itertools.pairwise(kept)):
        if word.text.endswith(".") and following.text[:1].islower():
            kept[at] = dataclasses.replace(word, text=word.text[:-1])
    return kept


def _opens_the_body(span: _Span, margins: tuple[int, int]) -> bool:
    """Whether `span` begins what follows a summary: the addressee, the opening of minutes
    ("Hôm nay, …") or a paragraph's indented first line reaching the right margin."""
    if _ADDRESSEE.match(span.folded) or _MINUTES_OPENING.match(span.folded):
        return True
    return _is_indented(span, margins) and span.x1 >= margins[1] - _slack(margins)


def _opens_a_paragraph(span: _Span, after: _Span, margins: tuple[int, int]) -> bool:
    """Whether `span` is a paragraph's indented first line, its right end ragged (nearly
    centred by chance), followed closely by the paragraph's next line: a long line from the
    left margin, justified to the right one or ragged."""
    left, right = margins
    long = after.x1 - after.x0 > _WRAPPING_SHARE * (right - left)
    long_from_margin = long and after.x0 <= left + _slack(margins)
    return _is_indented(span, margins) and long_from_margin and _close_under(span, after)


def _is_indented(span: _Span, margins: tuple[int, int]) -> bool:
    """Whether `span` opens a sentence to the right of the left margin."""
    return span.x0 > margins[0] + _slack(margins) and span.text[:1].isupper()


def _slack(margins: tuple[int, int]) -> float:
    return _AT_MARGIN * (margins[1] - margins[0])


def _close_under(above: _Span, below: _Span) -> bool:
    """Whether `below` is the next line of `above` (their boxes overlap on a skewed page)."""
    return below.y0 - above.y1 < 1.2 * above.height


def _is_title(span: _Span) -> bool:
    """Whether `span` is a line in capitals; words OCR was unsure of (a seal's edge or a speck
    read as "củ") are not counted where sure words remain."""
    letters = [c for c in span.text if c.isalpha()]
    sure = [w for w in span.words if w.confidence >= REVIEW_CONFIDENCE] or span.words
    # Not "c.isupper()": a speck read as a letter without case ("ˆ") is no lower-case letter.
    return len(letters) >= 4 and not any(c.islower() for w in sure for c in w.text)


def _inked(span: _Span) -> tuple[int, int]:
    """Where the letters and digits of `span` start and end: a rule's end or a speck read as
    ":" or "." beside them does not count."""
    words = [w for w in span.words if any(c.isalnum() for c in w.text)] or span.words
    return min(w.box.x0 for w in words), max(w.box.x1 for w in words)


def _centre_offset(span: _Span, margins: tuple[int, int]) -> float:
    """How far the middle of `span`'s letters is from the middle of the text, in text widths."""
    left, right = margins
    x0, x1 = _inked(span)
    return abs((x0 + x1) / 2 - (left + right) / 2) / max(right - left, 1)


def _is_centred(span: _Span, margins: tuple[int, int]) -> bool:
    """Centred and narrower than the text."""
    indented = _inked(span)[0] - margins[0] > 0.06 * (margins[1] - margins[0])
    return _centre_offset(span, margins) < 0.03 and indented


def _continues(previous: _Span, span: _Span, margins: tuple[int, int]) -> bool:
    """Whether `span` is the next line of the centred summary ending with `previous`: close
    under it and centred, on the text or, unless it opens with a capital, on `previous`. A line
    opening with a capital must be centred tightly: the first line of the paragraph under the
    summary, indented and ragged on the right, is nearly centred."""
    if not _close_under(previous, span) or _is_title(span) or _opens_the_body(span, margins):
        return False
    if previous.x1 - previous.x0 < _WRAPPING_SHARE * (margins[1] - margins[0]):
        return False  # a line that short did not wrap: the summary ended with it
    offset = _centre_offset(span, margins)
    if not span.text[:1].isupper():  # a line opening a paragraph may sit on any axis
        offset = min(offset, _axis_offset(span, previous, margins))
    return offset < _TIGHT_CENTRING or (span.text[:1].islower() and offset < 0.03)


# --- people and their numbers ---------------------------------------------------------------


def _main_person(document: _Document) -> tuple[_Reading, NameSource]:
    """The person the paper is about, as the document writes their name best; put up for
    review where a word of it may have lost its marks (`_may_have_lost_marks`). With how the
    name was read: from capitals where its words were and no better spelling was found."""
    first = _first_person(document)
    name = _as_written_elsewhere(document, first)
    capitals = (
        bool(first.words) and name.value == first.value and all(map(_in_capitals, first.words))
    )
    sure = bool(first.words) and not first._unsure
    if isinstance(name.value, str) and any(map(_may_have_lost_marks, name.value.split())):
        return dataclasses.replace(name, failed_check=True), NameSource(capitals, sure, sure)
    return name, NameSource(capitals, sure, False)


def _may_have_lost_marks(word: str) -> bool:
    """Whether a word of a name has no marks, is no syllable in use as written, and the same
    letters with marks are a common one ("Huyen", "Quyet"): capitals lose their marks in OCR,
    and restoring them is a guess a person must make. "Bao", "Van", "Nhung" are in use."""
    spelled = normalise(word.lower())
    lexicon = default_lexicon()
    if spelled != fold(spelled) or spelled in lexicon.zipf:
        return False
    return any(
        lexicon.zipf.get(marked, 0.0) >= _COMMON_ZIPF for marked in lexicon.by_fold.get(spelled, ())
    )


def _first_person(document: _Document) -> _Reading:
    """The first labelled person: a "Họ và tên:"-like label's value (or the next line's, on ID
    cards) or a party's ("Ông: …"), whichever comes first, as owners and parties are listed
    first; else the first "Ông/Bà <Name>" on a line with a personal ID, else the first
    "ông/bà <Name>" in the text."""
    spans = document.body()
    for i, span in enumerate(spans):
        label = _NAME_LABEL.search(span.folded)
        if label and not _NOT_THE_MAIN_PERSON.search(label.group("tail") or ""):
            following = spans[i + 1] if i + 1 < len(spans) else None
            found = _name_after(span, label.end(), following)
            if found is None and following:
                found = _name_after(following, 0)
            if found:
                return found
        party = _PARTY_LABEL.match(span.folded)
        if party:
            found = _name_after(span, party.end())
            if found:
                return found
    for span in spans:  # minutes list those present, the citizens with their IDs
        at = next((i for i, w in enumerate(span.words) if _honorific(w)), None)
        numbered = _PERSONAL_ID.search(span.text) or _CMND_LABEL.search(span.folded)
        if at is not None and at + 1 < len(span.words) and numbered:
            found = _name_after(span, span.word_start(at + 1))
            if found:
                return found
    for at, span in enumerate(spans):
        for i, word in enumerate(span.words):
            if nfc(word.text) not in _HONORIFICS:
                continue
            if i + 1 < len(span.words):
                following = spans[at + 1] if at + 1 < len(spans) else None
                found = _name_after(span, span.word_start(i + 1), following)
            else:  # the name wrapped to the next line
                found = _name_after(spans[at + 1], 0) if at + 1 < len(spans) else None
            if found:
                return found
    return _NOTHING


def _name_after(span: _Span, offset: int, following: _Span | None = None) -> _Reading | None:
    """A person's name opening the words of `span` from `offset`, in title case; a name in
    capitals that fills its column goes on at the column's start on the `following` line."""
    words = list(span.words[span.word_from(offset) :])
    while words and (not any(c.isalpha() for c in words[0].text) or _is_other_honorific(words[0])):
        words.pop(0)  # the label's colon, read as a word of its own, or the "(bà)" of "ông (bà)"
    if words and nfc(words[0].text).lower().rstrip(":") in _HONORIFICS:
        words.pop(0)  # "Người đại diện: Ông …"
    name = _name_words(words)
    if name and following:
        name += _wrapped_name(span, name, following) or _broken_name(span, name, following)
    if not 2 <= len(name) <= _NAME_WORDS:
        return None
    return _name_reading(name)


def _name_words(words: Sequence[Word]) -> list[Word]:
    """The capitalised words that open `words`, up to a label, a stop or the column's end (or
    the first word not in capitals after a name in capitals, where the columns stand close)."""
    name: list[Word] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else None
        raw = nfc(word.text).strip("'\"‘’“”_")
        bare = raw.rstrip(",.;")
        if not bare.isalpha() or not bare[0].isupper() or _opens_a_label(bare, following):
            break
        if name and _across_columns(name[-1], word):
            break
        if len(name) >= 2 and all(map(_in_capitals, name)) and not _in_capitals(word):
            break  # a name in capitals goes on in capitals: this is the next column's label
        name.append(word)
        if bare != raw:
            break
    return name


def _broken_name(span: _Span, name: Sequence[Word], following: _Span) -> list[Word]:
    """The rest of a name in running text that the line broke ("bà Phan Thanh" / "Quyên, số
    CCCD …"): where the name ran to the line's end, the capitalised words opening the next
    line, when a comma or a stop closes them. Without one ("Ủy ban …") they are not taken."""
    if name[-1] is not span.words[-1] or any(map(_in_capitals, name)):
        return []
    if _names_a_person(following):
        return []  # the next person's label ("Họ, chữ đệm, tên người mẹ: …")
    rest = _name_words(following.words)
    closed = bool(rest) and nfc(rest[-1].text).rstrip("'\"‘’“”")[-1:] in ",.;"
    return rest if closed and len(name) + len(rest) <= _NAME_WORDS else []


def _name_reading(name: Sequence[Word]) -> _Reading:
    parts = [normalise(nfc(w.text).strip("'\"‘’“”,.;_").capitalize()) for w in name]
    parts[0] = _SURNAME_OF_FOLDED.get(fold(parts[0]), parts[0])
    return _Reading(" ".join(parts), tuple(name))


def _across_columns(a: Word, b: Word) -> bool:
    """Whether `a` and `b` of one body line stand in different columns of particulars."""
    height = statistics.median((a.box.height, b.box.height))
    return b.box.x0 - a.box.x1 > _PARTICULARS_COLUMN_GAP * height


def _wrapped_name(span: _Span, name: Sequence[Word], following: _Span) -> list[Word]:
    """The rest of `name`, in capitals, that wrapped to the start of its column on the
    `following` line ("Họ, chữ đệm và tên chồng: PHẠM QUỐC" / "VIỆT"): a narrow column of
    particulars wraps long names. Nothing where the name ended inside its column."""
    if not all(_in_capitals(w) for w in name):
        return []
    last = span.words.index(name[-1])
    if last + 1 < len(span.words) and not _across_columns(name[-1], span.words[last + 1]):
        return []  # the name ended at a label or a stop
    column_start = _column_start(span, last)
    height = name[0].box.height
    rest = [w for w in following.words if w.box.x0 >= column_start - height]
    if not rest or abs(rest[0].box.x0 - column_start) > 2 * height:
        return []  # the line does not open the name's column
    wrapped = _name_words(rest)
    if len(name) + len(wrapped) > _NAME_WORDS or not all(_in_capitals(w) for w in wrapped):
        return []
    return wrapped


def _in_capitals(word: Word) -> bool:
    return nfc(word.text).strip("'\"‘’“”,.;_").isupper()


def _columns(words: Sequence[Word]) -> list[list[Word]]:
    """The words of a body line in its columns of particulars, left to right. A speck OCR read
    in the gap between two columns ("__", "-") does not bridge it: it stays with the left one."""
    columns: list[list[Word]] = []
    last_word: Word | None = None  # the last that is no speck
    for word in words:
        speck = not any(c.isalnum() for c in word.text)
        if not columns or (not speck and last_word and _across_columns(last_word, word)):
            columns.append([])
        columns[-1].append(word)
        if not speck:
            last_word = word
    return columns


def _column_around(span: _Span, index: int, margins: tuple[int, int]) -> tuple[float, float]:
    """Where the columns of particulars that hold the same person as word `index` of `span`
    start: from its column's left edge to the next column's, or to the line's end where the
    line has no column after it (the lines of a husband's column are shorter than the wife's
    beside them). A word height of slack, as lines start a little apart. The first column
    reaches the page's edge (a paragraph's first line is indented), unless it starts right of
    the text's middle: the right column, alone on its line."""
    word = span.words[index]
    columns = _columns(span.words)
    at = next(i for i, column in enumerate(columns) if word in column)
    slack = word.box.height
    start = columns[at][0].box.x0
    left = start - slack if at > 0 or start > sum(margins) / 2 else -math.inf
    right = columns[at + 1][0].box.x0 - slack if at + 1 < len(columns) else span.x1 + slack
    return left, right


def _column_start(span: _Span, index: int) -> int:
    """The left edge of the column of particulars holding word `index` of `span`."""
    word = span.words[index]
    return next(column[0].box.x0 for column in _columns(span.words) if word in column)


def _as_written_elsewhere(document: _Document, name: _Reading) -> _Reading:
    """A person's name as the document writes it elsewhere with more marks or more words: the
    signature under an application, a name in running text. Capitals lose their marks in OCR
    and words get glued ("Bùi Mínhyên")."""
    if not isinstance(name.value, str):
        return name
    own = syllables(name.value)
    elsewhere = [
        run
        for run in document.spellings(_squeezed(own))
        if all(w[:1].isupper() for w in run) and not all(w.isupper() for w in run)
    ]
    best = max(elsewhere, key=_marks_and_words, default=None)
    if best is None or _marks_and_words(best) <= _marks_and_words(own):
        return name
    return dataclasses.replace(name, value=" ".join(normalise(w) for w in best))


def _opens_a_label(word: str, following: Word | None) -> bool:
    pair = (fold(word), fold(following.text).strip(":,.") if following else "")
    return pair[0] in _LABEL_WORDS or pair in _LABEL_PAIRS


@dataclass(frozen=True)
class _Particulars:
    """What the lines about one person say of them: birth years and sex, where printed. Two
    years where OCR ran two people's columns together, standing too close."""

    birth_years: tuple[int, ...]
    female: bool | None


def _particulars(
    spans: Sequence[_Span], at: int, column: tuple[float, float], word: int | None = None
) -> _Particulars:
    """Birth year and sex of the person whose lines hold `spans[at]`: from the line naming them
    to the line before the next person, read in the columns of particulars that start within
    `column` (left and right edge): particulars may stand in columns, one person each. Where
    line `at` names people before its `word`, the person is the last of them ("ông A và bà B,
    số định danh …")."""
    start = at
    while start > 0 and at - start < _PERSON_LINES and not _names_a_person(spans[start]):
        start -= 1
    end = at + 1
    while end < len(spans) and end - start < _PERSON_LINES and not _names_a_person(spans[end]):
        end += 1
    left, right = column
    text = " ".join(
        fold(nfc(w.text))
        for s in spans[start:end]
        for words in _columns(s.words)
        if left <= words[0].box.x0 < right
        for w in words
    )
    birth_years = []
    for birth in _BIRTH.finditer(text):
        after = text[birth.end() : birth.end() + 40]
        year = _BIRTH_YEAR.search(after)
        if year:
            birth_years.append(int(re.sub(r"\s", "", year.group(1))))
    sex = _SEX.search(text)
    female = (sex.group(1) == "nu") if sex else None
    if female is None:
        before = [f for i, f in _honorifics(spans[at]) if word is not None and i < word]
        found = before[-1:] or [f for s in spans[start:end] for _, f in _honorifics(s)][:1]
        female = found[0] if found else None
    return _Particulars(tuple(birth_years), female)


def _names_a_person(span: _Span) -> bool:
    return bool(
        _NAME_LABEL.search(span.folded) or _PARTY_LABEL.match(span.folded) or any(_honorifics(span))
    )


def _honorifics(span: _Span) -> Iterator[tuple[int, bool | None]]:
    """Where in `span` honorifics stand before a person's name, and whether each names a woman;
    not those inside a proper name ("đường Hai Bà Trưng", a street): after a capitalised word,
    only after its colon. A form's "ông (bà)" names a person of either sex (None)."""
    for at, word in enumerate(span.words):
        previous = span.words[at - 1] if at else None
        following = span.words[at + 1] if at + 1 < len(span.words) else None
        honorific = _honorific(word)
        inside_a_name = (
            previous is not None
            and nfc(previous.text)[:1].isupper()
            and previous.text[-1:].isalnum()
        )
        if honorific and not inside_a_name:
            yield at, None if _is_other_honorific(following) else _HONORIFICS[honorific]


def _is_other_honorific(word: Word | None) -> bool:
    """Whether `word` is the bracketed or slashed second honorific of "ông (bà)", "ông/ bà"."""
    if word is None:
        return False
    written = nfc(word.text).lower()
    return written[:1] in "(/" and written.strip("()/:,") in _HONORIFICS


def _honorific(word: Word) -> str | None:
    """ "ông" or "bà" where `word` is one, as written at a line's start ("- Ông X") or inside."""
    written = nfc(word.text).lower().rstrip(":,")
    return written if written in _HONORIFICS else None


def _personal_ids(document: _Document, from_codes: Sequence[str], today: date | None) -> _Reading:
    """Every 12-digit personal ID in the text that passes its checks, in order; IDs from QR
    codes first, and OCR readings one or two digits off them dropped as misreads."""
    spans = document.spans
    found: list[str] = list(from_codes)
    words: list[Word] = []
    failed = False
    for i, span in enumerate(spans):
        for match in _PERSONAL_ID.finditer(span.text):
            value = re.sub(r"\s", "", match.group())
            column = _column_around(span, span.word_at(match.start()), document.margins)
            particulars = _particulars(spans, i, column, span.word_at(match.start()))
            if not any(
                personal_id_problem(value, birth_year=year, female=particulars.female, today=today)
                is None
                for year in particulars.birth_years or (None,)
            ):
                failed = True
                continue
            if value in found or any(_differ_slightly(value, q) for q in from_codes):
                continue
            found.append(value)
            words += span.words_of(match.start(), match.end())
    if not found:
        mrz = _id_from_mrz(spans)
        if mrz:
            return _Reading([mrz], (), failed)
    return _Reading(found, tuple(words), failed)


def _cmnd_numbers(document: _Document) -> _Reading:
    """Every legacy 9-digit CMND number after a label naming the card, whose province code
    holds, in order."""
    found: list[str] = []
    words: list[Word] = []
    failed = False
    for span in document.spans:
        for label in _CMND_LABEL.finditer(span.folded):
            after = span.text[label.end() : label.end() + _AFTER_LABEL]
            match = _CMND.search(after)
            if not match:
                continue
            value = re.sub(r"\s", "", match.group())
            if cmnd_problem(value) is not None:
                failed = True
                continue
            if value not in found:
                found.append(value)
                start = label.end() + match.start()
                words += span.words_of(start, label.end() + match.end())
    return _Reading(found, tuple(words), failed)


def _differ_slightly(a: str, b: str) -> bool:
    return len(a) == len(b) and 0 < sum(x != y for x, y in zip(a, b, strict=True)) <= 2


def _id_from_mrz(spans: Sequence[_Span]) -> str | None:
    """The personal ID in an ID card's machine-readable zone, when its check digit holds."""
    for span in spans:
        line = re.sub(r"\s", "", span.text).upper().replace("O", "0")
        match = _MRZ_FIRST_LINE.search(line)
        if match and _mrz_check(match.group(1)) == int(match.group(2)):
            value = match.group(3)
            if personal_id_problem(value) is None:
                return value
    return None


def _mrz_check(text: str) -> int:
    """ICAO 9303 check digit of digits: weights 7, 3, 1 repeating, sum mod 10."""
    return sum(int(c) * (7, 3, 1)[i % 3] for i, c in enumerate(text)) % 10


def _tax_codes(document: _Document) -> _Reading:
    """Tax codes after a "Mã số thuế" / "MST" label whose check digit holds, in order."""
    found: list[str] = []
    words: list[Word] = []
    failed = False
    spans = document.spans
    for at, span in enumerate(spans):
        following = spans[at + 1] if at + 1 < len(spans) else None
        if following and following.page == span.page and _WRAPPED_TAX_LABEL.search(span.folded):
            span = _Span(span.page, span.words + following.words)  # "… mã" / "số thuế 01…"
        for label in _TAX_LABEL.finditer(span.folded):
            after = span.text[len(span.folded[: label.end()]) :][:40]
            match = _TAX_CODE.search(after)
            if not match:
                continue
            value = re.sub(r"\s", "", match.group())
            if not tax_code_valid(value):
                failed = True
                continue
            if value not in found:
                found.append(value)
                words += [w for w in span.words if value[:10] in w.text]
    return _Reading(found, tuple(words), failed)


# --- QR codes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CardCode:
    """The QR code on the front of a chip ID card: "personal ID|old ID|full name|birth date
    (ddmmyyyy)|sex|residence|issue date (ddmmyyyy)"."""

    holder: str
    issued: str  # ISO date

    @classmethod
    def read(cls, payload: str) -> _CardCode | None:
        found = _CARD_CODE.match(payload)
        if found is None or personal_id_problem(found["id"]) is not None:
            return None
        try:
            issued = datetime.strptime(found["issued"], "%d%m%Y").date()
        except ValueError:
            return None
        return cls(nfc(found["name"].strip()), issued.isoformat())


@dataclass(frozen=True)
class _CodeData:
    """What the QR codes of a document say: personal IDs, the paper's number, an ID card's."""

    personal_ids: list[str]
    number: _Reading | None
    card: _CardCode | None

    @classmethod
    def read(cls, payloads: Iterable[str]) -> _CodeData:
        ids: list[str] = []
        number = None
        card = None
        for payload in payloads:
            card = card or _CardCode.read(payload)
            for text in _payload_texts(payload):
                for match in _PERSONAL_ID.findall(text):
                    value = re.sub(r"\s", "", match)
                    if personal_id_problem(value) is None and value not in ids:
                        ids.append(value)
            data = _json_object(payload)
            for key in ("so_ky_hieu", "so_van_ban", "so"):
                written = data.get(key)
                if number is None and isinstance(written, str) and written.strip():
                    number = _Reading(nfc(written.strip()))
        return cls(ids, number, card)


def _json_object(payload: str) -> dict[str, object]:
    try:
        data = json.loads(payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _payload_texts(payload: str) -> Iterator[str]:
    """The strings a payload holds: a JSON object's values, or the payload itself."""
    data = _json_object(payload)
    if not data:
        yield payload
        return
    for value in data.values():
        if isinstance(value, str | int):
            yield str(value)

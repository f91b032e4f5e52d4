"""The people a paper is about and their numbers: the main person's name, the 12-digit personal
IDs and legacy 9-digit CMND numbers it states (checked against the birth year and sex printed
beside them), and tax codes."""

from __future__ import annotations

import dataclasses
import math
import re
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sohoa.ocr.engine import Word
from sohoa.pipeline.correct import default_lexicon
from sohoa.pipeline.extract.layout import Document
from sohoa.pipeline.extract.reading import NOTHING, Reading, Span, marks_and_words, squeeze
from sohoa.pipeline.extract.vocabulary import (
    HONORIFICS,
    LABEL_PAIRS,
    LABEL_WORDS,
    SURNAME_OF_FOLDED,
)
from sohoa.pipeline.identifiers import (
    cmnd_problem,
    personal_id_problem,
    tax_code_valid,
)
from sohoa.pipeline.text import fold, nfc, normalise, syllables

_NAME_LABEL = re.compile(
    r"(?<!ghi ro )(?<!ro )\b(?:ho,? (?:chu \w+,? )?(?:va )?ten|toi ten la|full name)\b"
    r"(?P<tail>[^:]{0,30}):?"
)
_NOT_THE_MAIN_PERSON = re.compile(r"nguoi (?:me|cha|vo|chong)|chu ho|nguoi ky|ghi ro")
_PARTY_LABEL = re.compile(
    r"^[\W_]{0,3}(?:\d+\.\s*)?(?:(?:ong|ba)|nguoi dai dien(?: theo phap luat)?)\s*:"
)
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
PERSONAL_ID = re.compile(r"(?<!\d)\d{12}(?!\d)|(?<!\d)(?<!\d )(?:\d ?){11}\d(?! ?\d)")
# A legacy identity card (chứng minh nhân dân, "CMND", "CMTND", "chứng minh thư") named before
# its number; its 9 digits are too common a length to be taken without it.
_CMND_LABEL = re.compile(r"\b(?:cmt?nd|cmt|chung minh (?:thu )?(?:nhan dan|thu))\b")
_CMND = re.compile(r"(?<!\d)(?<!\d )(?:\d ?){8}\d(?! ?\d)")
# How far after its label a number is looked for ("CMND số: …", "Số CMND/CCCD: …").
_AFTER_LABEL = 40
_MRZ_FIRST_LINE = re.compile(r"[I1T]DVNM(\d{9})(\d)(\d{12})<")
# Between the columns of a body's particulars (husband | wife on a marriage certificate) OCR
# leaves a gap wider than this many word heights (1.2-3.9 on generated papers); between the
# words of a name, under 0.6.
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


def main_person(document: Document) -> tuple[Reading, NameSource]:
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


def _first_person(document: Document) -> Reading:
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
        numbered = PERSONAL_ID.search(span.text) or _CMND_LABEL.search(span.folded)
        if at is not None and at + 1 < len(span.words) and numbered:
            found = _name_after(span, span.word_start(at + 1))
            if found:
                return found
    for at, span in enumerate(spans):
        for i, word in enumerate(span.words):
            if nfc(word.text) not in HONORIFICS:
                continue
            if i + 1 < len(span.words):
                following = spans[at + 1] if at + 1 < len(spans) else None
                found = _name_after(span, span.word_start(i + 1), following)
            else:  # the name wrapped to the next line
                found = _name_after(spans[at + 1], 0) if at + 1 < len(spans) else None
            if found:
                return found
    return NOTHING


def _name_after(span: Span, offset: int, following: Span | None = None) -> Reading | None:
    """A person's name opening the words of `span` from `offset`, in title case; a name in
    capitals that fills its column goes on at the column's start on the `following` line."""
    words = list(span.words[span.word_from(offset) :])
    while words and (not any(c.isalpha() for c in words[0].text) or _is_other_honorific(words[0])):
        words.pop(0)  # the label's colon, read as a word of its own, or the "(bà)" of "ông (bà)"
    if words and nfc(words[0].text).lower().rstrip(":") in HONORIFICS:
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


def _broken_name(span: Span, name: Sequence[Word], following: Span) -> list[Word]:
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


def _name_reading(name: Sequence[Word]) -> Reading:
    parts = [normalise(nfc(w.text).strip("'\"‘’“”,.;_").capitalize()) for w in name]
    parts[0] = SURNAME_OF_FOLDED.get(fold(parts[0]), parts[0])
    return Reading(" ".join(parts), tuple(name))


def _across_columns(a: Word, b: Word) -> bool:
    """Whether `a` and `b` of one body line stand in different columns of particulars."""
    height = statistics.median((a.box.height, b.box.height))
    return b.box.x0 - a.box.x1 > _PARTICULARS_COLUMN_GAP * height


def _wrapped_name(span: Span, name: Sequence[Word], following: Span) -> list[Word]:
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


def _column_around(span: Span, index: int, margins: tuple[int, int]) -> tuple[float, float]:
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


def _column_start(span: Span, index: int) -> int:
    """The left edge of the column of particulars holding word `index` of `span`."""
    word = span.words[index]
    return next(column[0].box.x0 for column in _columns(span.words) if word in column)


def _as_written_elsewhere(document: Document, name: Reading) -> Reading:
    """A person's name as the document writes it elsewhere with more marks or more words: the
    signature under an application, a name in running text. Capitals lose their marks in OCR
    and words get glued ("Bùi Mínhyên")."""
    if not isinstance(name.value, str):
        return name
    own = syllables(name.value)
    elsewhere = [
        run
        for run in document.spellings(squeeze(own))
        if all(w[:1].isupper() for w in run) and not all(w.isupper() for w in run)
    ]
    best = max(elsewhere, key=marks_and_words, default=None)
    if best is None or marks_and_words(best) <= marks_and_words(own):
        return name
    return dataclasses.replace(name, value=" ".join(normalise(w) for w in best))


def _opens_a_label(word: str, following: Word | None) -> bool:
    pair = (fold(word), fold(following.text).strip(":,.") if following else "")
    return pair[0] in LABEL_WORDS or pair in LABEL_PAIRS


@dataclass(frozen=True)
class _Particulars:
    """What the lines about one person say of them: birth years and sex, where printed. Two
    years where OCR ran two people's columns together, standing too close."""

    birth_years: tuple[int, ...]
    female: bool | None


def _particulars(
    spans: Sequence[Span], at: int, column: tuple[float, float], word: int | None = None
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


def _names_a_person(span: Span) -> bool:
    return bool(
        _NAME_LABEL.search(span.folded) or _PARTY_LABEL.match(span.folded) or any(_honorifics(span))
    )


def _honorifics(span: Span) -> Iterator[tuple[int, bool | None]]:
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
            yield at, None if _is_other_honorific(following) else HONORIFICS[honorific]


def _is_other_honorific(word: Word | None) -> bool:
    """Whether `word` is the bracketed or slashed second honorific of "ông (bà)", "ông/ bà"."""
    if word is None:
        return False
    written = nfc(word.text).lower()
    return written[:1] in "(/" and written.strip("()/:,") in HONORIFICS


def _honorific(word: Word) -> str | None:
    """ "ông" or "bà" where `word` is one, as written at a line's start ("- Ông X") or inside."""
    written = nfc(word.text).lower().rstrip(":,")
    return written if written in HONORIFICS else None


def read_personal_ids(document: Document, from_codes: Sequence[str], today: date | None) -> Reading:
    """Every 12-digit personal ID in the text that passes its checks, in order; IDs from QR
    codes first, and OCR readings one or two digits off them dropped as misreads."""
    spans = document.spans
    found: list[str] = list(from_codes)
    words: list[Word] = []
    failed = False
    for i, span in enumerate(spans):
        for match in PERSONAL_ID.finditer(span.text):
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
            return Reading([mrz], (), failed)
    return Reading(found, tuple(words), failed)


def cmnd_numbers(document: Document) -> Reading:
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
    return Reading(found, tuple(words), failed)


def _differ_slightly(a: str, b: str) -> bool:
    return len(a) == len(b) and 0 < sum(x != y for x, y in zip(a, b, strict=True)) <= 2


def _id_from_mrz(spans: Sequence[Span]) -> str | None:
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


def tax_codes(document: Document) -> Reading:
    """Tax codes after a "Mã số thuế" / "MST" label whose check digit holds, in order."""
    found: list[str] = []
    words: list[Word] = []
    failed = False
    spans = document.spans
    for at, span in enumerate(spans):
        following = spans[at + 1] if at + 1 < len(spans) else None
        if following and following.page == span.page and _WRAPPED_TAX_LABEL.search(span.folded):
            span = Span(span.page, span.words + following.words)  # "… mã" / "số thuế 01…"
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
    return Reading(found, tuple(words), failed)

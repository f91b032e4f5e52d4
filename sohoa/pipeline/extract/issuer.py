"""The issuing body (cơ quan ban hành): the header's left column above the number, named with
its parent where its own line does not say where it is, spelled as the body spells it; an ID
card's department, or the body a certificate is signed for."""

from __future__ import annotations

import dataclasses
import functools
import re
import string
from collections.abc import Sequence

from sohoa.ocr.engine import Word
from sohoa.pipeline.correct import default_lexicon, is_valid_syllable
from sohoa.pipeline.extract.layout import Document
from sohoa.pipeline.extract.number import NUMBER_LINE
from sohoa.pipeline.extract.reading import (
    NOTHING,
    REVIEW_CONFIDENCE,
    Reading,
    Span,
    marks_and_words,
    squeeze,
    words_in,
)
from sohoa.pipeline.extract.summary import spelled_as_elsewhere
from sohoa.pipeline.extract.vocabulary import (
    BUSINESS_REGISTRATION,
    DEPARTMENT_ABBREVIATIONS,
    FOLDED_UNITS,
    KINDS,
    ORGANISATION_OPENERS,
    ORGANISATIONS,
    PLACED,
    PLANNING_DEPARTMENT,
    PROVINCIAL_COUNCILS,
    SECTIONS,
    UBND,
    UNITS,
    is_urgency_mark,
    rules_for,
)
from sohoa.pipeline.places import province_named
from sohoa.pipeline.text import fold, nfc, normalise, split_tone, syllables

# OCR misreads a letter of a long known name ("TỶ BAN NHÂN DÂN"); a name this long or longer
# (in letters) still matches with one letter wrong.
_FUZZY_NAME_LETTERS = 10
# A known name read in a noisy place (an ID card's signature block) may have one letter in this
# many wrong, missing or added.
_LETTERS_PER_EDIT = 10
# "TM." (thay mặt): signed on behalf of the body named after it; the signer's position follows
# on its own line ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC"). A body's name wraps over at most
# two more lines.
_SIGNING_FOR = re.compile(r"^\W{0,3}t\s?m\s?[.,:]?\s+")
# The position, even half read under a seal ("Ủ TỊCH").
_SIGNER_POSITION = re.compile(
    r"^\W{0,3}(?:kt|tl|tuq|q)\W|\btich\b|\bgiam doc\b|^\W{0,3}(?:pho |thu )?truong\b"
)
_SIGNING_BODY_LINES = 2
# The most words a place's name has ("Thừa Thiên Huế", "Phan Rang - Tháp Chàm": four).
_PLACE_WORDS = 4


def read_issuer(doc_type: str, document: Document, number: object) -> Reading:
    """The issuing body: the header's left column above the number, in sentence case, named
    with its parent where its own line does not say where it is, as it is spelled in the body
    where the body names it too (the header's capitals lose their marks in OCR). Where OCR lost
    a department's own line under its province, the `number` names it ("…/QĐ-STP")."""
    rules = rules_for(doc_type)
    if rules.issuer == "card":
        return _card_issuer(document)
    if rules.issuer == "signing_body":
        return _signing_body(document)
    lines = _issuer_lines(document)
    if not lines:
        return NOTHING
    named = _issuer_named(document, lines)
    if named is None:
        return NOTHING
    department = _department_numbering(number)
    province = fold(str(named.value)).startswith(PROVINCIAL_COUNCILS)
    if department and province:
        named = dataclasses.replace(named, value=f"{department} {_place_of(str(named.value))}")
    return named if is_known_organisation(str(named.value)) else _unknown(named)


def is_known_organisation(name: str) -> bool:
    """Whether `name` is an organisation the vocabulary knows, alone ("Bộ Công Thương"), with
    its place ("Ủy ban nhân dân phường Thạch Thang") or its parent ("Phòng Tư pháp Ủy ban nhân
    dân quận 3"); or a place alone, as a header names a commune's committee. Anything else is
    a name read from capitals that OCR may have misread, or a body the vocabulary lacks."""
    folded = fold(name)
    if not folded:
        return False
    if _is_place(name):
        return True
    for known in ORGANISATIONS:
        head = fold(known)
        if folded == head:
            return known not in PLACED
        if folded.startswith(head + " "):
            rest = name[len(head) + 1 :]
            if _is_place(rest) or is_known_organisation(rest):
                return True
    return False


def _is_place(name: str) -> bool:
    """Whether `name` is an administrative unit and its place name: "tỉnh Quảng Ngãi",
    "phường 5", "tỉnh Bà Rịa - Vũng Tàu": each word of the place capitalised or a number, and
    no more than `_PLACE_WORDS` of them (more is a place with a section's name run on: "phường
    Phúc Xá Bộ Phận Một Cửa")."""
    folded = fold(name)
    unit = next((u for u in FOLDED_UNITS if folded.startswith(u + " ")), None)
    if unit is None:
        return False
    place = [w for w in name.split()[len(unit.split()) :] if w not in ("-", "–")]
    return 0 < len(place) <= _PLACE_WORDS and all(w[:1].isupper() or w.isdigit() for w in place)


def _unknown(reading: Reading) -> Reading:
    """An issuer that is no known organisation: kept for the clerk, flagged for review."""
    return dataclasses.replace(reading, failed_check=True)


def read_parent_body(doc_type: str, document: Document) -> Reading:
    """The issuer's parent body (cơ quan chủ quản), where the header names one above it
    ("UBND TỈNH QUẢNG NGÃI" over "SỞ TƯ PHÁP"), as it is spelled in the body where the body
    names it too."""
    if rules_for(doc_type).issuer != "header":
        return NOTHING
    lines = _issuer_lines(document)
    names = _names(_blocks(lines))
    if len(names) < 2:
        return NOTHING
    used = tuple(w for s in lines for w in s.words)
    parent = spelled_as_elsewhere(document, Reading(_as_spelled_in(document, names[-2]), used))
    return dataclasses.replace(parent, value=_province_spelled(str(parent.value)))


def _issuer_lines(document: Document) -> list[Span]:
    """The lines of the header's left column above the number that name the issuer, seals and
    specks left out; none where they are not in capitals (a stamp or speck above an
    application's motto, in lower case)."""
    lines: list[Span] = []
    for span in document.header.left:
        if NUMBER_LINE.match(span.folded):
            break
        if _is_noise(span) or is_urgency_mark(span.folded):
            continue
        if lines and span.y0 - lines[-1].y1 > lines[-1].height:
            break  # the title, under a gap, reaching left of the motto's edge
        lines.append(span)
    return lines if any(_printed_in_capitals(span) for span in lines) else []


def _department_numbering(number: object) -> str | None:
    """The department whose abbreviation a document number carries ("2191/QĐ-STP": "Sở Tư
    pháp"): the initials of its name's words, "và" and dashes left out."""
    if not isinstance(number, str):
        return None
    parts = set(re.split(r"[/-]", number))
    return next((name for name, short in DEPARTMENT_ABBREVIATIONS.items() if short in parts), None)


def _signing_body(document: Document) -> Reading:
    """The body a paper is signed for, above its signer's position ("TM. ỦY BAN NHÂN DÂN" /
    "HUYỆN ĐÔNG ANH" / "KT. CHỦ TỊCH"): the land-use certificate's national form has no header
    block, and names its issuer there. Not found (a seal covering it): for a person to read."""
    spans = document.body()
    for at, span in enumerate(spans):
        acting_for = _SIGNING_FOR.match(span.folded)
        if acting_for is None:
            continue
        lines = [Span(span.page, span.words[span.word_from(acting_for.end()) :])]
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
    return Reading(failed_check=True)


def _issuer_named(document: Document, lines: Sequence[Span]) -> Reading | None:
    """The issuer the capitals of `lines` name."""
    blocks = _blocks(lines)
    if not blocks:
        return None
    used = tuple(w for s in lines for w in s.words)
    name = spelled_as_elsewhere(
        document, Reading(_as_spelled_in(document, _with_parent(blocks, document)), used)
    )
    return dataclasses.replace(name, value=_province_spelled(str(name.value)))


def _blocks(lines: Sequence[Span]) -> list[list[str]]:
    """The words of issuer lines, one organisation per block of lines: a long name wraps over
    lines, a unit's place goes on the next."""
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
    return blocks


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


def _is_noise(span: Span) -> bool:
    """Whether a header line is a seal or a speck read as letters ("Ác HEU", "Í )"): OCR was
    unsure of every word, and some word is a lone letter or no Vietnamese syllable."""
    if any(w.confidence >= REVIEW_CONFIDENCE for w in span.words):
        return False
    words = words_in(span.text)
    return not words or any(len(w) == 1 or not is_valid_syllable(w) for w in words)


def _printed_in_capitals(span: Span) -> bool:
    """Whether a header line is printed in capitals, as an issuer's name is: some word of it is
    two capitals or more."""
    return any(sum(c.isupper() for c in word) >= 2 for word in _header_words(span))


def _header_words(span: Span) -> list[str]:
    """The words of an issuer line, syllables OCR glued together split ("HIỆPPHÚ"), without a
    lone letter at its end (a speck of the rule under the name read as "l") or a word in lower
    case after capitals."""
    words = [
        part
        for word in span.words
        if _is_wordlike(word)
        for w in words_in(word.text)
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
    if folded.startswith(tuple(f"{unit} " for unit in FOLDED_UNITS)):
        return False
    return any(folded == unit or folded.endswith(f" {unit}") for unit in FOLDED_UNITS)


def _is_wordlike(word: Word) -> bool:
    """Whether an OCR word is mostly letters or digits, rather than a rule or seal read as
    text (".d..đ"); a dotted rule OCR ran on from a word ("MA.......") is not counted."""
    text = word.text.strip(string.punctuation)
    return sum(c.isalnum() for c in text) * 2 > len(text)


def _with_parent(blocks: Sequence[Sequence[str]], document: Document) -> str:
    """The issuer named by the blocks of a header's left column, top (parent) to bottom (own):
    a unit line completes the organisation above it ("ỦY BAN NHÂN DÂN / XÃ PHƯƠNG ĐỊNH"); a
    section that receives papers acts for its body ("BỘ PHẬN MỘT CỬA"); an office (phòng) is
    named with its parent body ("Phòng Tài chính - Kế hoạch Ủy ban nhân dân quận …"); a
    department (sở) with its parent's place ("Sở Tư pháp tỉnh Nam Định")."""
    names = _names(blocks)
    own = _as_named_in_body(document, names[-1])
    if len(names) < 2 or _place_of(own):
        return own
    parent = names[-2]
    if fold(own) == fold(BUSINESS_REGISTRATION) and fold(parent).startswith(FOLDED_UNITS):
        return f"{own} {PLANNING_DEPARTMENT} {parent}"
    if fold(own).startswith("phong "):
        return f"{own} {parent}"
    # A known body in a province's or district's header takes its parent's place ("Sở Tư
    # pháp tỉnh Nam Định"); a body the vocabulary does not know ("Ban Chỉ đạo 138") is named as
    # its line names it: it may be no body the place owns, and is checked by a person anyway.
    parent_place = _place_of(parent)
    known = any(fold(own) == fold(name) for name in ORGANISATIONS)
    return f"{own} {parent_place}" if parent_place and known else own


def _names(blocks: Sequence[Sequence[str]]) -> list[str]:
    """The organisations the blocks of a header's left column name, top (parent) to bottom
    (own): a unit line completes the organisation above it ("ỦY BAN NHÂN DÂN / XÃ PHƯƠNG
    ĐỊNH"); a section that receives papers ("BỘ PHẬN MỘT CỬA") acts for its body."""
    names: list[str] = []
    for words in blocks:
        name = _organisation(words)
        if names and fold(name).startswith(FOLDED_UNITS):
            names[-1] = f"{names[-1]} {name}"
        else:
            names.append(name)
    if len(names) >= 2 and fold(names[-1]).startswith(SECTIONS):
        names.pop()
    return names


def _as_named_in_body(document: Document, name: str) -> str:
    """`name` completed as the body names the same body where OCR lost a line or a word of the
    header: a place alone ("PHƯỜNG LINH TRUNG", the "ỦY BAN NHÂN DÂN" line above it misread)
    takes the organisation the body puts before it; an organisation whose unit word was lost
    ("CÔNG AN HƯNG") takes the unit and the whole place the body writes after it ("Công an
    phường Hưng Lợi xác nhận …"), and so does a place of one word, whose second OCR lost with
    its line ("CÔNG AN PHƯỜNG HIỆP" over "PHÚ"): a place name is its capitalised words."""
    folded = fold(name)
    units = "|".join(FOLDED_UNITS)
    known = next((o for o in ORGANISATIONS if folded.startswith(fold(o) + " ")), None)
    rest = folded[len(known) + 1 :] if known else ""
    if folded.startswith(FOLDED_UNITS):
        organisations = "|".join(re.escape(fold(o)) for o in ORGANISATIONS)
        pattern = re.compile(rf"(?<!\w)({organisations}) {re.escape(folded)}(?!\w)")
    elif known and re.fullmatch(rf"(?:{units}) [^\W\d_]+", rest):
        # Most places have two words or more; one-word places are rare.
        pattern = re.compile(rf"(?<!\w)({re.escape(fold(known))}) {re.escape(rest)}(?= )")
    elif known and not rest.startswith(FOLDED_UNITS) and not _place_of(name):
        pattern = re.compile(rf"(?<!\w)({re.escape(fold(known))}) (?:{units}) {re.escape(rest)}")
    else:
        return name
    for span in document.body():
        found = pattern.search(span.folded)
        if found is None:
            continue
        organisation = next(o for o in ORGANISATIONS if fold(o) == found.group(1))
        words = list(span.words_of(found.end(1) + 1, found.end()))
        for word in span.words[span.word_from(found.end()) :]:
            if not nfc(word.text)[:1].isupper():
                break
            words.append(word)
        place = _place([w for word in words for w in words_in(nfc(word.text))])
        return f"{organisation} {place}"
    return name


def _as_spelled_in(document: Document, name: str) -> str:
    """`name` as the body spells it where the body names it: the body's letters are smaller and
    keep their marks, and its words stand apart where OCR glued the header's ("XÃEAPHÊ")."""
    spellings = document.spellings(squeeze(syllables(name)))
    best = max(spellings, key=marks_and_words, default=None)
    if best is None or marks_and_words(best) <= marks_and_words(syllables(name)):
        return name
    return _organisation(best)


def _card_issuer(document: Document) -> Reading:
    """The department named under "CỤC TRƯỞNG" in an ID card's signature block, a few of its
    letters misread or a speck read as a word among them ("CỤC CANH SÁT và QUẦN LÝ …")."""
    for span in document.spans:
        if "cuctruong" not in squeeze([span.text]):
            continue  # "CỤC TRƯỞNG", its words glued or not
        near = [
            s
            for s in document.spans
            if s.page == span.page and 0 <= s.y0 - span.y0 < 4 * span.height
        ]
        squeezed = squeeze([s.text for s in sorted(near, key=lambda s: s.y0)])
        for name in ORGANISATIONS:
            known = squeeze([name])
            allowed = len(known) // _LETTERS_PER_EDIT
            if name.startswith("Cục ") and _edits_within(known, squeezed) <= allowed:
                return Reading(name, span.words)
    return NOTHING


def _edits_within(needle: str, haystack: str) -> int:
    """The fewest character edits that make `needle` a substring of `haystack`."""
    row = [0] * (len(haystack) + 1)  # matching may start anywhere in the haystack
    for i, letter in enumerate(needle, 1):
        previous, row = row, [i]
        for j, other in enumerate(haystack, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (letter != other)))
    return min(row)


def _opens_an_organisation(words: Sequence[str]) -> bool:
    """Whether a line of an issuer block names a new organisation or a unit, rather than
    going on with the previous line's name."""
    folded = fold(" ".join(words))
    squeezed = squeeze(words)
    if folded in KINDS:
        return False  # a kind alone names no organisation: it ends a place ("HẢI / PHÒNG")
    # A unit word alone is the end of a place name ("XÃ NGHI / PHƯƠNG"), not a new unit.
    return folded.startswith(tuple(f"{unit} " for unit in FOLDED_UNITS)) or any(
        folded == opener
        or folded.startswith(opener + " ")
        or (" " in opener and squeezed.startswith(opener.replace(" ", "")))  # glued by OCR
        for opener in ORGANISATION_OPENERS
    )


def _completes_an_organisation(block: Sequence[str], words: Sequence[str]) -> bool:
    """Whether `words` end a known organisation's name that `block` began ("SỞ TÀI NGUYÊN VÀ
    MÔI / TRƯỜNG"), though they look like a name of their own ("Trường …" is a school)."""
    before, after = squeeze(block), squeeze([*block, *words])
    return any(
        len(before) < len(known) <= len(after) and after.startswith(known)
        for known in map(squeeze, map(str.split, ORGANISATIONS))
    )


def _organisation(words: Sequence[str]) -> str:
    """One organisation of an issuer block in sentence case, "UBND" spelled out, and its "ỦY"
    restored where a seal or speck took it ("BAN NHÂN DÂN")."""
    if fold(words[0]) == "ubnd":
        words = [*UBND.split(), *words[1:]]
    elif fold(" ".join(words[:3])) == "ban nhan dan":
        words = [UBND.split()[0], *words]
    if fold(" ".join(words)).startswith(FOLDED_UNITS):
        return _place(words)
    squeezed = squeeze(words)
    for known in sorted(ORGANISATIONS, key=len, reverse=True):
        prefix = squeeze(known.split())
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
        for known in ORGANISATIONS
        if any(squeezed == squeeze(known.split()[:end]) for end in range(1, len(known.split())))
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
    for unit, written in zip(FOLDED_UNITS, UNITS, strict=True):
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
    for unit in FOLDED_UNITS:
        at = folded.find(f" {unit} ")
        if at >= 0:
            return name[at + 1 :]
    return None

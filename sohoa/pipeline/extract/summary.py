"""The summary (trích yếu): under the number in the header's left column ("V/v …"), or the
centred lines right under the title, spelled as the document spells the same words elsewhere."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter
from collections.abc import Sequence

from sohoa.ocr.engine import Word
from sohoa.pipeline.correct import default_lexicon
from sohoa.pipeline.extract.layout import (
    MOTTO_SECOND_LINE,
    TIGHT_CENTRING,
    Document,
    centre_offset,
    close_under,
    inked_extent,
    is_centred,
    is_title,
    margin_slack,
)
from sohoa.pipeline.extract.reading import NOTHING, Reading, Span, words_in
from sohoa.pipeline.extract.vocabulary import is_urgency_mark, rules_for
from sohoa.pipeline.text import fold, nfc, normalise

# "V/v" loses its second v to OCR now and then ("V/ thực hiện …"), "Về" gains a letter ("vev")
# or is read as "và".
_SUMMARY_PREFIX = re.compile(
    r"^[\W_]{0,3}(?:(?:ve[a-z]?|va) ?viec|v\s*[/.]?\s*[vw]\b|v\s*/)\s*:?\s*"
)
# A speck OCR read as a stop glued to the front of a word inside a line ("hồ sơ :đăng ký"):
# no word opens with one.
_SPECK_BEFORE_WORD = re.compile(r"(?<=\s)[.:;,]+(?=[^\W\d_])")
# "Kính gửi:", its second word misread now and then ("Kính Hữi:"): "Kính" and a short word
# before a colon.
_ADDRESSEE = re.compile(r"^\W{0,3}kinh\s*(?:gui|\w{2,4}\s*:)")
# The opening of minutes' first paragraph, which may stand centred under their subject.
_MINUTES_OPENING = re.compile(r"^[\W_]{0,3}hom nay\b")
# A centred summary wraps onto another line only from a line at least this share of the text
# width; under a shorter one, the next line is the body.
_WRAPPING_SHARE = 0.5
# The lines of one centred summary share their axis within this share of the text's width.
_AXIS_SLACK = 0.03
# A summary word OCR read less surely than this is likely misread ("hoàn căm" for "hoàn cảnh",
# at 64), unless the document writes the same word elsewhere and OCR was sure of it there
# (a place name read poorly once in the summary, well in the body). Printed words read right
# are read at 85-97 on scans and generated papers alike.
SUMMARY_WORD_CONFIDENCE = 70.0
_SURE_ELSEWHERE = 90.0


def read_summary(doc_type: str, document: Document) -> Reading:
    """The summary (trích yếu) without its "Về việc" / "V/v": under the number in the header's
    left column (công văn), or the lines right under the title."""
    if not rules_for(doc_type).summary:
        return NOTHING
    left = document.header.left
    for i, span in enumerate(left):
        if _SUMMARY_PREFIX.match(span.folded):
            rest = itertools.takewhile(
                lambda s: not (_ADDRESSEE.match(s.folded) or is_urgency_mark(s.folded)),
                left[i + 1 :],
            )
            return _checked(document, spelled_as_elsewhere(document, _summary_of([span, *rest])))
    body = [s for s in document.body() if s.page == document.spans[0].page]
    if not document.header.left:
        # No left column: the header's right one runs on down the centred title and summary.
        right = document.header.right
        motto_end = next(
            (i + 1 for i, span in enumerate(right) if MOTTO_SECOND_LINE.search(span.folded)), 0
        )
        body = [*right[motto_end:], *body]
    title_at = next((i for i, span in enumerate(body[:6]) if is_title(span)), None)
    if title_at is None:
        return NOTHING
    under = list(itertools.dropwhile(is_title, body[title_at:]))
    if not under or not _opens_a_summary(under, body[title_at], document.margins):
        return NOTHING
    lines = [under[0]]
    for following, after in itertools.zip_longest(under[1:], under[2:]):
        if not (
            _continues(lines[-1], following, document.margins)
            or _closes_before_the_addressee(lines[-1], following, after, document.margins)
        ):
            break
        if after and _opens_a_paragraph(following, after, document.margins):
            break
        lines.append(following)
    return _checked(document, spelled_as_elsewhere(document, _summary_of(lines)))


def _checked(document: Document, summary: Reading) -> Reading:
    """`summary`, for review where a word of it is likely misread: OCR was unsure of it and
    sure of it nowhere else in the document, or the document writes a pair of its words with
    the same letters and other marks elsewhere ("kéo đài" in the summary, "kéo dài" in the
    body): one of the two is misread, and a clerk tells which at a glance."""
    if not isinstance(summary.value, str):
        return summary
    own = {id(w) for w in summary.words}
    sure = {
        _spelled(w.text)
        for span in document.spans
        for w in span.words
        if id(w) not in own and w.confidence >= _SURE_ELSEWHERE
    }
    unsure = any(
        w.confidence < SUMMARY_WORD_CONFIDENCE and _spelled(w.text) not in sure
        for w in summary.words
        if any(c.isalpha() for c in w.text)
    )
    cores = [normalise(_core(token).lower()) for token in summary.value.split(" ")]
    spelled_otherwise = any(_spelled_otherwise(document, cores, i) for i in range(len(cores)))
    if unsure or spelled_otherwise:
        return dataclasses.replace(summary, failed_check=True)
    return summary


def _spelled_otherwise(document: Document, cores: Sequence[str], at: int) -> bool:
    """Whether the document writes the word at `at` of a summary otherwise beside the same
    neighbour (same letters, other marks: "kéo đài" in the summary, "kéo dài" in the body),
    where the summary's spelling makes no dictionary word with either neighbour ("di sản"
    does, so the body's "đi sản" is the misread one)."""
    pairs = [
        (cores[i], cores[i + 1], i + 1 == at)
        for i in (at - 1, at)
        if 0 <= i < len(cores) - 1 and cores[i] and cores[i + 1]
    ]
    if any((a, b) in default_lexicon().pairs for a, b, _ in pairs):
        return False
    for a, b, second in pairs:
        seen = document.pair_spellings.get((fold(a), fold(b)), Counter())
        if any(other[1 if second else 0] != cores[at] for other in seen):
            return True
    return False


def _spelled(text: str) -> str:
    return normalise(nfc(text).lower().strip(".,;:()\"'"))


def spelled_as_elsewhere(document: Document, summary: Reading) -> Reading:
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
    found = words_in(token)
    return found[0] if len(found) == 1 else ""


def _closes_before_the_addressee(
    previous: Span, span: Span, after: Span | None, margins: tuple[int, int]
) -> bool:
    """Whether `span` is the last line of a centred summary whose first line was short: close
    under `previous`, on its axis, with the addressee ("Kính gửi: …") right under it."""
    return (
        after is not None
        and bool(_ADDRESSEE.match(after.folded))
        and close_under(previous, span)
        and not is_title(span)
        and _axis_offset(span, previous, margins) < _AXIS_SLACK
    )


def _opens_a_summary(under_title: Sequence[Span], title: Span, margins: tuple[int, int]) -> bool:
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
        is_centred(span, margins)
        or centre_offset(span, margins) < TIGHT_CENTRING
        or _axis_offset(span, title, margins) < TIGHT_CENTRING
    )


def _axis_offset(span: Span, above: Span, margins: tuple[int, int]) -> float:
    """How far the middle of `span`'s letters is from the middle of `above`'s, in text widths:
    a title and its summary's lines share their axis, which on a page with uneven margins is
    not the text's."""
    (x0, x1), (a0, a1) = inked_extent(span), inked_extent(above)
    return abs((x0 + x1) / 2 - (a0 + a1) / 2) / max(margins[1] - margins[0], 1)


def _summary_of(lines: Sequence[Span]) -> Reading:
    prefix = _SUMMARY_PREFIX.match(lines[0].folded)
    words = [
        *lines[0].words[lines[0].word_from(prefix.end()) if prefix else 0 :],
        *(w for s in lines[1:] for w in s.words),
    ]
    text = normalise(" ".join(nfc(w.text) for w in _without_specks(words))).strip(" .,;:-_")
    text = _SPECK_BEFORE_WORD.sub("", text)
    return Reading(text, tuple(words)) if text else NOTHING


def _without_specks(words: Sequence[Word]) -> list[Word]:
    """A summary's words without what OCR made of specks: a full stop glued to a word inside the
    sentence ("xây. dựng": a summary is one sentence), a word with no cased letter or digit
    ("ˆ", "_—_"), but for a dash between two words ("Bến Thành - Suối Tiên")."""
    kept = [
        w
        for at, w in enumerate(words)
        if any(c.isdigit() or c.islower() or c.isupper() for c in w.text)
        or (w.text in ("-", "–") and 0 < at < len(words) - 1)
    ]
    for at, (word, following) in enumerate(itertools.pairwise(kept)):
        if word.text.endswith(".") and following.text[:1].islower():
            kept[at] = dataclasses.replace(word, text=word.text[:-1])
    return kept


def _opens_the_body(span: Span, margins: tuple[int, int]) -> bool:
    """Whether `span` begins what follows a summary: the addressee, the opening of minutes
    ("Hôm nay, …") or a paragraph's indented first line reaching the right margin."""
    if _ADDRESSEE.match(span.folded) or _MINUTES_OPENING.match(span.folded):
        return True
    return _is_indented(span, margins) and span.x1 >= margins[1] - margin_slack(margins)


def _opens_a_paragraph(span: Span, after: Span, margins: tuple[int, int]) -> bool:
    """Whether `span` is a paragraph's indented first line, its right end ragged (nearly
    centred by chance), followed closely by the paragraph's next line: a long line from the
    left margin, justified to the right one or ragged."""
    left, right = margins
    long = after.x1 - after.x0 > _WRAPPING_SHARE * (right - left)
    long_from_margin = long and after.x0 <= left + margin_slack(margins)
    return _is_indented(span, margins) and long_from_margin and close_under(span, after)


def _is_indented(span: Span, margins: tuple[int, int]) -> bool:
    """Whether `span` opens a sentence to the right of the left margin."""
    return span.x0 > margins[0] + margin_slack(margins) and span.text[:1].isupper()


def _continues(previous: Span, span: Span, margins: tuple[int, int]) -> bool:
    """Whether `span` is the next line of the centred summary ending with `previous`: close
    under it and centred, on the text or, unless it opens with a capital, on `previous`. A line
    opening with a capital must be centred tightly: the first line of the paragraph under the
    summary, indented and ragged on the right, is nearly centred."""
    if not close_under(previous, span) or is_title(span) or _opens_the_body(span, margins):
        return False
    if previous.x1 - previous.x0 < _WRAPPING_SHARE * (margins[1] - margins[0]):
        return False  # a line that short did not wrap: the summary ended with it
    offset = centre_offset(span, margins)
    if not span.text[:1].isupper():  # a line opening a paragraph may sit on any axis
        offset = min(offset, _axis_offset(span, previous, margins))
    return offset < TIGHT_CENTRING or (span.text[:1].islower() and offset < 0.03)

"""Where a document's lines sit: reading order, the two columns of an official paper's header
(split at the motto's left edge), the body's margins, and what is centred or a title."""

from __future__ import annotations

import dataclasses
import itertools
import re
import statistics
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.extract.reading import REVIEW_CONFIDENCE, Span, joined_text, squeeze, words_in
from sohoa.pipeline.identifiers import (
    parse_date,
)
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.text import fold, normalise

# The header's place and date, however what follows "ngày" reads ("Hà Nội, ngàyJ©…"): a
# handwritten day or a "ĐẾN" receipt stamp over it.
DATE_LINE = re.compile(r",[\s_]*ngay")
_MOTTO = re.compile(r"cong hoa|chu nghia viet|xa hoi chu")
_MOTTO_WORDS_BEFORE = {"cong hoa": 0, "xa hoi chu": 2, "chu nghia viet": 4}
# The motto's second line, which stands for it where OCR lost the first ("ĐIỀN Độc lập - …").
MOTTO_SECOND_LINE = re.compile(r"doc lap\W+tu do")
_DASHES = ("-", "–")
# A digital signature's box (folded): the line naming the signer or the time of signing, and
# the labels of the lines beside it, within this many lines.
_SIGNATURE_ANCHOR = re.compile(r"^\W{0,3}(?:ky boi|nguoi ky|thoi gian ky|ngay ky)\s*:")
_SIGNATURE_LABEL = re.compile(r"^\W{0,3}(?:co quan|email|chuc vu|to chuc|don vi)\s*:")
_SIGNATURE_BOX_LINES = 4
# A paragraph's first line is indented and reaches the right margin; a centred line that
# reaches it reaches the left margin too. Both within this share of the text's width.
_AT_MARGIN = 0.02
# A title's middle is this close to the page's, in page widths.
_TITLE_CENTRING = 0.04
# A centred line's middle is this close to the text's (in text widths, 0.000-0.007 measured);
# a paragraph's indented first line, ragged on the right, is off by 0.008 or more.
TIGHT_CENTRING = 0.008
# Between a header's columns OCR leaves a gap wider than this many word heights; between
# words of one line, 0.4 (median) to 0.57 (95th percentile) on generated papers.
_COLUMN_GAP = 0.6


@dataclass(frozen=True)
class _Header:
    """The two columns at the top of an official paper's first page."""

    left: list[Span]  # issuer, "Số: …", and what sits under the number
    right: list[Span]  # motto, place and date


@dataclass
class Document:
    """A document's lines in reading order, its first page's header, and its body's extent."""

    spans: list[Span]
    header: _Header
    first_page: PageText | None = None
    margins: tuple[int, int] = (0, 0)  # left and right edge of the first page's body text
    _header_ids: set[int] = field(default_factory=set)
    # The boxes of the first page's digit words whose ink looks written by hand.
    handwritten: frozenset[Box] = frozenset()

    @classmethod
    def read(cls, pages: Sequence[PageContent]) -> Document:
        texts = [
            (i, without_signature_box(page.text))
            for i, page in enumerate(pages)
            if page.text and page.text.lines
        ]
        if not texts:
            return cls([], _Header([], []))
        first_index, first = texts[0]
        header, header_lines = _header(first_index, first)
        spans = [*header.left, *header.right]
        for index, text in texts:
            for line in text.lines:
                if (index, id(line)) not in header_lines and line.words:
                    spans.append(Span(index, line.words))
        body = [line for line in first.lines if len(line.words) >= 6]
        margins = (
            (min(line.box.x0 for line in body), max(line.box.x1 for line in body))
            if body
            else (0, first.width)
        )
        header_ids = {id(s) for s in [*header.left, *header.right]}
        handwritten = frozenset(pages[first_index].handwritten)
        return cls(spans, header, first, margins, header_ids, handwritten)

    def written_by_hand(self, word: Word) -> bool:
        """Whether a word of the first page looks written by hand (`sohoa.pipeline.ink`)."""
        return word.box in self.handwritten

    def body(self) -> list[Span]:
        return [s for s in self.spans if id(s) not in self._header_ids]

    @cached_property
    def _body_words(self) -> list[str]:
        return [w for s in self.body() for word in s.words for w in words_in(word.text)]

    @cached_property
    def pair_spellings(self) -> dict[tuple[str, ...], Counter[tuple[str, ...]]]:
        """How often each pair of adjacent words is written each way, by its folded form."""
        pairs: dict[tuple[str, ...], Counter[tuple[str, ...]]] = {}
        words = [normalise(w.lower()) for w in self._body_words]
        for pair in itertools.pairwise(words):
            pairs.setdefault(tuple(fold(w) for w in pair), Counter())[pair] += 1
        return pairs

    def spellings(self, squeezed: str) -> list[list[str]]:
        """Every run of words in the body whose squeezed form (`squeeze`) is `squeezed`."""
        words = self._body_words
        runs = []
        for start in range(len(words)):
            letters = ""
            for end in range(start, len(words)):
                letters += squeeze([words[end]])
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
            for pattern in (_MOTTO, MOTTO_SECOND_LINE)
            for line in top
            if (found := pattern.search(Span(page, line.words).folded))
        ),
        (None, None),
    )
    if motto is None or found is None:
        return _Header([], []), set()
    motto_span = Span(page, motto.words)
    first = motto_span.word_at(found.start())
    # The motto's first words misread ("GỘNG HÒA XÃ HỘI …") stand close before the words read.
    for _ in range(_MOTTO_WORDS_BEFORE.get(found.group(), 0)):
        if first == 0 or _gap_between(motto.words[first - 1], motto.words[first]):
            break
        first -= 1
    edge = motto.words[first].box.x0
    left: list[Span] = []
    right: list[Span] = []
    taken: set[tuple[int, int]] = set()
    dated = False
    undated_line = False
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
        far_below = line.box.y0 - last_bottom > 1.5 * Span(page, line.words).height
        # A date line whose day does not read (written by hand) is the date line all the same:
        # a centred title under it ends the header.
        titled = undated_line and _is_centred_title(line.words, text.width)
        if line.box.y0 > motto.box.y1 and not on_left and (dated or far_below or titled):
            break  # the title
        beside_motto = line.box.y0 < motto.box.y1 + 2 * motto.box.height
        if on_left and not left and not beside_motto:
            break  # no issuer beside the motto: a centred motto, with no left column
        if on_left:
            left.append(Span(page, on_left))
        if on_right:
            right.append(Span(page, on_right))
            dated = dated or parse_date(joined_text(right)) is not None  # the year may wrap
            undated_line = undated_line or bool(DATE_LINE.search(right[-1].folded))
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


def without_signature_box(text: PageText) -> PageText:
    """`text` without the box a digital signature prints on the page ("Ký bởi: …", "Cơ quan:
    …", "Thời gian ký: 07/02/2025 07:56:24"): over the header it would read as the issuer, the
    summary or the issuing date. A line is the box's from a word that opens one of its labels,
    at the line's start or after a column gap, to the next column gap or the line's end; "Cơ
    quan:", "Email:" and the like only near a line that names the signer or the time of
    signing."""
    anchors = [
        i for i, line in enumerate(text.lines) if _box_from(line, _SIGNATURE_ANCHOR) is not None
    ]
    if not anchors:
        return text
    lines = []
    for i, line in enumerate(text.lines):
        at = _box_from(line, _SIGNATURE_ANCHOR)
        if at is None and any(abs(i - a) <= _SIGNATURE_BOX_LINES for a in anchors):
            at = _box_from(line, _SIGNATURE_LABEL)
        if at is None:
            lines.append(line)
            continue
        words = line.words
        end = next(
            (j for j in range(at + 1, len(words)) if _gap_between(words[j - 1], words[j])),
            len(words),
        )
        kept = (*words[:at], *words[end:])
        if kept:
            box = Box(
                min(w.box.x0 for w in kept), line.box.y0, max(w.box.x1 for w in kept), line.box.y1
            )
            lines.append(dataclasses.replace(line, box=box, words=kept))
    return dataclasses.replace(text, lines=tuple(lines))


def _box_from(line: Line, label: re.Pattern[str]) -> int | None:
    """The word of `line` where a signature box's `label` opens, at the line's start or after
    a column gap."""
    words = line.words
    for at, word in enumerate(words):
        if at > 0 and not _gap_between(words[at - 1], word):
            continue
        if label.match(fold(" ".join(w.text for w in words[at:]))):
            return at
    return None


def _gap_between(a: Word, b: Word, height: float | None = None) -> bool:
    """Whether OCR words `a` and `b` of one line stand in different columns."""
    height = height or statistics.median((a.box.height, b.box.height))
    return b.box.x0 - a.box.x1 > _COLUMN_GAP * height


def _split_at(
    words: Sequence[Word], edge: int, page_width: int
) -> tuple[tuple[Word, ...], tuple[Word, ...]] | None:
    """The words of a header line left and right of the column edge, or None for a line that
    runs across it. Marks without letters or digits (rules, specks) are dropped, but for a dash
    between two words ("Bến Thành - Suối Tiên" in a summary). The split is the wide gap nearest
    the edge, as a place and date may be wider than the motto above."""
    content = [
        w
        for at, w in enumerate(words)
        if any(c.isalnum() for c in w.text) or _joins_two_words(words, at)
    ]
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


def _joins_two_words(words: Sequence[Word], at: int) -> bool:
    """Whether the word at `at` is a dash between two words of letters ("Thành - Suối")."""
    if words[at].text not in _DASHES or not 0 < at < len(words) - 1:
        return False
    return all(words[i].text.strip(string.punctuation).isalpha() for i in (at - 1, at + 1))


def margin_slack(margins: tuple[int, int]) -> float:
    return _AT_MARGIN * (margins[1] - margins[0])


def close_under(above: Span, below: Span) -> bool:
    """Whether `below` is the next line of `above` (their boxes overlap on a skewed page)."""
    return below.y0 - above.y1 < 1.2 * above.height


def is_title(span: Span) -> bool:
    """Whether `span` is a line in capitals; words OCR was unsure of (a seal's edge or a speck
    read as "củ") are not counted where sure words remain."""
    letters = [c for c in span.text if c.isalpha()]
    sure = [w for w in span.words if w.confidence >= REVIEW_CONFIDENCE] or span.words
    # Not "c.isupper()": a speck read as a letter without case ("ˆ") is no lower-case letter.
    return len(letters) >= 4 and not any(c.islower() for w in sure for c in w.text)


def inked_extent(span: Span) -> tuple[int, int]:
    """Where the letters and digits of `span` start and end: a rule's end or a speck read as
    ":" or "." beside them does not count."""
    words = [w for w in span.words if any(c.isalnum() for c in w.text)] or span.words
    return min(w.box.x0 for w in words), max(w.box.x1 for w in words)


def centre_offset(span: Span, margins: tuple[int, int]) -> float:
    """How far the middle of `span`'s letters is from the middle of the text, in text widths."""
    left, right = margins
    x0, x1 = inked_extent(span)
    return abs((x0 + x1) / 2 - (left + right) / 2) / max(right - left, 1)


def is_centred(span: Span, margins: tuple[int, int]) -> bool:
    """Centred and narrower than the text."""
    indented = inked_extent(span)[0] - margins[0] > 0.06 * (margins[1] - margins[0])
    return centre_offset(span, margins) < 0.03 and indented

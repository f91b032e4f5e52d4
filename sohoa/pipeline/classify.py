"""Which type of the taxonomy a document is: title and number rules combined with a learned
model.

Evidence comes from the first page that is not blank:
- its title region (the lines in the top 40 % of the page, where the type title sits under the
  issuer and motto block), cut into segments at column gaps, since OCR joins the issuer and
  motto columns into one line. A title is a segment in capitals that starts with one of the
  taxonomy's title phrases, compared folded and with a few character edits allowed (OCR drops
  and swaps tone marks, glues and splits words). The topmost title wins, so a body that quotes
  another type's title ("GIẤY CHỨNG NHẬN" inside a quyết định) cannot outvote it;
- the type abbreviation of the document's own number, on the "Số: …" line of the title region
  ("729/QĐ-TTg" says quyết định, "391-TTr/VTCCB" tờ trình; see abbreviation.py), a "V/v" line,
  the taxonomy's cues;
- the words of the first two pages.

All of it becomes tokens (folded syllables and syllable pairs, prefixed by where they were seen,
plus one token per rule that fired) for a linear model trained by `python -m
bench.train_classifier` on generated and clerk-corrected pages. The model's probabilities are
calibrated (temperature scaling on held-out generated documents). A title found decides the type
(title-region rules beat body mentions) unless the model confidently says otherwise, with the
larger of the model's probability and the precision the title rules earned on held-out
documents. The generator makes only some types (the citizen papers and the commonest official
ones); a title of a type the model was not trained on (the rest of Decree 30/2020, the legal
normative documents, one an agency just added to the taxonomy) decides by itself: rules first,
the model as a fallback.

The number's abbreviation is then weighed as independent evidence (`weigh_number`): where it
agrees, confidence rises; where it disagrees with the title or the model, the document goes to
review; where no title was found, it names the type. Below REVIEW_THRESHOLD, or when title and
model disagree, the document is `other` with `needs_review`, never a silent guess. A copy block
("SAO Y BẢN CHÍNH", a number "…/SY-…") gives the copy's form; the type stays its original's.

The model is a versioned artefact of plain arrays (.npz) and JSON metadata, loaded at run time;
nothing is unpickled.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import mmh3
import numpy as np

from sohoa.ocr.engine import PageText, Word
from sohoa.pipeline.abbreviation import NumberEvidence, number_on_line, read_number
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.taxonomy import OTHER, Taxonomy, load_taxonomy
from sohoa.pipeline.text import fold, syllables

TITLE_REGION = 0.4  # fraction of the page height, from the top, where the type title sits
COLUMN_GAP = 2.0  # a gap between words wider than this many line heights separates columns
TITLE_SEGMENTS = 3  # a title wrapped over at most this many segments is still matched
UPPER_SHARE = 0.6  # share of capitals among a title's letters (body text is sentence case)
BODY_PAGES = 2  # pages whose words the model reads
REVIEW_THRESHOLD = 0.6  # below this calibrated probability the document is `other`, for review
# How often the type abbreviation of a document's number names the document's type, taken for
# the chance that it is right when weighed against the title and the model. All 25 documents of
# the real scans in issue 17 agreed; 0.95 leaves room for a misread abbreviation.
NUMBER_RELIABILITY = 0.95
MODEL_FORMAT = 1  # what the artefact's arrays mean; bump when tokens or arrays change
MODEL_DIR = Path(__file__).parent / "data"
TRAINING_COMMAND = "python -m bench.train_classifier"
# The number after "Số:" is often handwritten and misread, so after the label any word will do.
_NUMBER = re.compile(r"(?:\bso\s*:?\s*\S*|\b\d+)\s*/\s*(?:\d{4}\s*/\s*)?([a-z]+)\s*-\s*[a-z]")
# "V/v" ("về việc"), whose second v OCR sometimes drops.
_SUBJECT_LINE = re.compile(r"(?:^|\s)v\s*/\s*v?\s")


@dataclass(frozen=True)
class Classification:
    type: str  # a taxonomy code; "other" when unsure
    confidence: float  # calibrated probability of `type`, 0..1
    needs_review: bool
    # A copy's form (a taxonomy copy_form code); `type` is then the type of what it copies.
    copy_form: str | None = None


class ModelError(RuntimeError):
    """The classifier's artefact is missing or does not fit this code or taxonomy."""


# --- title region and rules ----------------------------------------------------------------------


def title_region(page: PageText) -> list[str]:
    """The top of the page as segments (runs of words with no column gap), top to bottom."""
    top = [line for line in page.lines if line.box.y0 < TITLE_REGION * page.height]
    return [segment for line in top for segment in _segments(line.words, line.box.height)]


def _segments(words: Sequence[Word], line_height: int) -> list[str]:
    segments: list[list[str]] = []
    previous_end: int | None = None
    for word in words:
        if previous_end is None or word.box.x0 - previous_end > COLUMN_GAP * max(line_height, 1):
            segments.append([])
        segments[-1].append(word.text)
        previous_end = word.box.x1
    return [" ".join(segment) for segment in segments]


@dataclass(frozen=True)
class TitleMatch:
    code: str
    phrase: str
    edits: int  # character edits between the phrase and what the page says


@dataclass(frozen=True)
class _Phrase:
    code: str
    phrase: str
    key: str  # folded, without spaces: OCR glues and splits words
    alone: bool  # the title is its line: "PHƯỜNG AN KHÁNH" (an issuer) is no "PHƯƠNG ÁN"

    @property
    def allowed_edits(self) -> int:
        return len(self.key) // 8  # short titles ("ĐƠN", "TỜ KHAI") must match exactly


@functools.cache
def _title_phrases(taxonomy: Taxonomy) -> tuple[_Phrase, ...]:
    return tuple(
        _Phrase(t.code, title, "".join(syllables(fold(title))), t.title_alone)
        for t in taxonomy.types
        for title in t.titles
    )


def find_title(segments: Sequence[str], taxonomy: Taxonomy) -> TitleMatch | None:
    """The topmost segment in capitals that starts with a title phrase (or, for a type whose
    title stands alone, is one); of the phrases it matches, the one with fewest edits, then the
    longest ("CĂN CƯỚC CÔNG DÂN" over "CĂN CƯỚC")."""
    phrases = _title_phrases(taxonomy)
    for start in range(len(segments)):
        if not _mostly_capitals(segments[start]):
            continue
        held = [syllables(fold(s)) for s in segments[start : start + TITLE_SEGMENTS]]
        words = [w for segment in held for w in segment]
        candidate = "".join(words)
        word_ends = set(np.cumsum([len(w) for w in words]).tolist())
        segment_ends = set(np.cumsum([sum(map(len, s)) for s in held]).tolist())
        matches = []
        for phrase in phrases:
            if not candidate.startswith(phrase.key[:1]):
                continue
            ends = segment_ends if phrase.alone else word_ends
            edits = _prefix_edits(phrase.key, candidate, ends, phrase.allowed_edits)
            if edits is not None:
                matches.append((edits, -len(phrase.key), phrase))
        if matches:
            edits, _, phrase = min(matches, key=lambda m: (m[0], m[1]))
            return TitleMatch(phrase.code, phrase.phrase, edits)
    return None


def letter_without_title(segments: Sequence[str], taxonomy: Taxonomy) -> TitleMatch | None:
    """The `untitled_letter` type, when the title region has a number without a type
    abbreviation and a "V/v" subject line but no title."""
    letter = next((t for t in taxonomy.types if t.untitled_letter), None)
    if letter is None:
        return None
    region = fold(" ".join(segments))
    if "rule:number_without_type" in _number_tokens(region, taxonomy) and _SUBJECT_LINE.search(
        region
    ):
        return TitleMatch(letter.code, "V/v", 0)
    return None


def number_evidence(segments: Sequence[str], taxonomy: Taxonomy) -> NumberEvidence:
    """What the document's own number says: the first "Số: …" segment of the title region (a
    number quoted in the body, "Căn cứ Nghị định số 39/2022/NĐ-CP", is another document's)."""
    number = next((n for s in segments if (n := number_on_line(s)) is not None), None)
    return read_number(number, taxonomy)


@functools.cache
def _copy_marks(taxonomy: Taxonomy) -> tuple[tuple[tuple[str, ...], str], ...]:
    """(folded words of a mark, copy form), longest first."""
    marks = [
        (tuple(syllables(fold(mark))), form.code)
        for form in taxonomy.copy_forms
        for mark in form.marks
    ]
    return tuple(sorted(marks, key=lambda m: -len(m[0])))


def find_copy_form(pages: Sequence[PageText], taxonomy: Taxonomy) -> str | None:
    """The form of copy a copy block on any page names: a segment in capitals that opens with
    a copy mark ("SAO Y BẢN CHÍNH", "TRÍCH SAO"), where the copying body put it (top right of
    page 1 for an electronic copy's signature, under the original's text for a paper one)."""
    marks = _copy_marks(taxonomy)
    for page in pages:
        for line in page.lines:
            for segment in _segments(line.words, line.box.height):
                if not _mostly_capitals(segment):
                    continue
                words = tuple(syllables(fold(segment)))
                found = next((code for mark, code in marks if words[: len(mark)] == mark), None)
                if found:
                    return found
    return None


def _mostly_capitals(segment: str) -> bool:
    letters = [c for c in " ".join(segment.split()[:4]) if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= UPPER_SHARE * len(letters)


def _prefix_edits(key: str, candidate: str, ends: set[int], allowed: int) -> int | None:
    """Fewest edits turning `key` into a prefix of `candidate` that ends where a word ends;
    None when more than `allowed` are needed."""
    text = candidate[: len(key) + allowed]
    row = list(range(len(text) + 1))  # edits of key[:0] against text[:j]
    for i, k in enumerate(key, start=1):
        previous, row = row, [i] + [0] * len(text)
        for j, c in enumerate(text, start=1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (k != c))
        if min(row) > allowed:
            return None
    best = [row[j] for j in range(len(text) + 1) if j in ends and row[j] <= allowed]
    return min(best) if best else None


# --- tokens --------------------------------------------------------------------------------------


def _content_pages(pages: Sequence[PageContent]) -> list[PageText]:
    return [p.text for p in pages if not p.blank and p.text is not None and p.text.words]


def document_tokens(pages: Sequence[PageContent], taxonomy: Taxonomy) -> list[str]:
    """What the model reads of a document: folded syllables and syllable pairs of the title
    region ("t:") and of the first pages ("b:"), and one token per rule that fired."""
    content = _content_pages(pages)
    if not content:
        return []
    region = title_region(content[0])
    body = "\n".join(page.plain_text() for page in content[:BODY_PAGES])
    tokens = _ngrams("t:", " ".join(region)) + _ngrams("b:", body)
    title = find_title(region, taxonomy)
    if title is None:
        tokens.append("rule:no_title")
    else:
        tokens.append(f"rule:title={title.code}")
        if title.edits == 0:
            tokens.append(f"rule:exact_title={title.code}")
    tokens += _number_tokens(fold(" ".join(region)), taxonomy)
    tokens += _cue_tokens(body, taxonomy)
    return tokens


def _ngrams(prefix: str, text: str) -> list[str]:
    words = [re.sub(r"\d", "0", w) for w in syllables(fold(text))]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return [prefix + w for w in words + pairs]


def _number_tokens(region: str, taxonomy: Taxonomy) -> list[str]:
    by_abbreviation: dict[str, str] = {}
    for t in taxonomy.types:  # folded, "HĐ" and "HD" meet: the type listed first keeps it
        for a in t.number_abbreviations:
            by_abbreviation.setdefault(fold(a), t.code)
    tokens = []
    for abbreviation in _NUMBER.findall(region):
        code = by_abbreviation.get(abbreviation)
        tokens.append(f"rule:number={code}" if code else "rule:number_without_type")
    if _SUBJECT_LINE.search(region):
        tokens.append("rule:subject_line")
    return tokens


def _cue_tokens(body: str, taxonomy: Taxonomy) -> list[str]:
    folded = f" {' '.join(syllables(fold(body)))} "
    return [
        f"rule:cue={t.code}"
        for t in taxonomy.types
        for cue in t.cues
        if f" {' '.join(syllables(fold(cue)))} " in folded
    ]


# --- the learned model ---------------------------------------------------------------------------


def hashed_features(tokens: Iterable[str], n_features: int) -> dict[int, int]:
    """Token counts by hashed column: unsigned MurmurHash3 (32 bits) of the token's UTF-8, as
    scikit-learn's HashingVectorizer and `murmurhash3_32(positive=True)` compute it. The model is
    trained with scikit-learn (`bench.train_classifier`), but classifying does not import it: its
    import takes 0.6 s at every start."""
    return dict(Counter(mmh3.hash(t, signed=False) % n_features for t in tokens))


@dataclass(frozen=True)
class ClassifierModel:
    """A linear model over TF-IDF weighted hashed tokens, with a calibration temperature."""

    classes: tuple[str, ...]
    idf: np.ndarray  # (n_features,)
    columns: np.ndarray  # the hashed columns that carry weight, sorted
    coef: np.ndarray  # (len(classes), len(columns))
    intercept: np.ndarray  # (len(classes),)
    temperature: float
    title_rule_precision: float  # how often a title rule was right on held-out documents
    metadata: dict[str, object]

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def probabilities(self, tokens: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities of `classes`."""
        counts = hashed_features(tokens, self.n_features)
        position = np.searchsorted(self.columns, list(counts))
        scores = self.intercept.astype(np.float64).copy()
        if counts:
            hashed = np.fromiter(counts, dtype=np.int64)
            weights = (1.0 + np.log(np.fromiter(counts.values(), float))) * self.idf[hashed]
            weights /= np.linalg.norm(weights)
            position = np.minimum(position, len(self.columns) - 1)
            known = self.columns[position] == hashed
            scores += self.coef[:, position[known]] @ weights[known]
        scores /= self.temperature
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            model_arrays_path(folder),
            idf=self.idf.astype(np.float32),
            columns=self.columns.astype(np.int64),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
        )
        metadata = {
            **self.metadata,
            "format": MODEL_FORMAT,
            "classes": list(self.classes),
            "temperature": self.temperature,
            "title_rule_precision": self.title_rule_precision,
        }
        text = json.dumps(metadata, ensure_ascii=False, indent=1)
        _metadata_path(folder).write_text(text + "\n", encoding="utf-8")


def model_arrays_path(folder: Path) -> Path:
    return folder / f"classifier-v{MODEL_FORMAT}.npz"


def _metadata_path(folder: Path) -> Path:
    return folder / f"classifier-v{MODEL_FORMAT}.json"


@functools.cache
def load_model(folder: Path = MODEL_DIR) -> ClassifierModel:
    """The trained classifier in `folder`, checked against this code and the taxonomy."""
    retrain = f"train it with `{TRAINING_COMMAND}`"
    try:
        metadata = json.loads(_metadata_path(folder).read_text(encoding="utf-8"))
        arrays = np.load(model_arrays_path(folder), allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ModelError(f"no usable classifier model in {folder} ({error}); {retrain}") from error
    if metadata.get("format") != MODEL_FORMAT:
        raise ModelError(
            f"the classifier model in {folder} has format {metadata.get('format')}, this code "
            f"reads format {MODEL_FORMAT}; {retrain}"
        )
    classes = tuple(metadata["classes"])
    unknown = set(classes) - set(load_taxonomy().codes)
    if unknown:
        raise ModelError(f"the classifier knows types not in the taxonomy: {sorted(unknown)}")
    model = ClassifierModel(
        classes=classes,
        idf=arrays["idf"],
        columns=arrays["columns"],
        coef=arrays["coef"],
        intercept=arrays["intercept"],
        temperature=float(metadata["temperature"]),
        title_rule_precision=float(metadata["title_rule_precision"]),
        metadata=metadata,
    )
    if model.coef.shape != (len(classes), len(model.columns)) or model.intercept.shape != (
        len(classes),
    ):
        raise ModelError(f"the classifier model in {folder} is inconsistent; {retrain}")
    return model


# --- the decision --------------------------------------------------------------------------------


def classify_document(
    pages: Sequence[PageContent],
    *,
    taxonomy: Taxonomy | None = None,
    model: ClassifierModel | None = None,
) -> Classification:
    """The type of the document made of `pages` (in order; blank pages are skipped)."""
    taxonomy = taxonomy or load_taxonomy()
    model = model or load_model()
    content = _content_pages(pages)
    if not content:
        return Classification(OTHER, 0.0, needs_review=True)
    region = title_region(content[0])
    title = find_title(region, taxonomy) or letter_without_title(region, taxonomy)
    number = number_evidence(region, taxonomy)
    copy_form = number.copy_form or find_copy_form(content, taxonomy)
    if title is not None and title.code not in model.classes:
        confidence = model.title_rule_precision
        found = Classification(title.code, confidence, confidence < REVIEW_THRESHOLD)
    else:
        found = _title_and_model(
            title, model, model.probabilities(document_tokens(pages, taxonomy))
        )
    weighed = weigh_number(found, number.type, title.code if title else None, model)
    return dataclasses.replace(weighed, copy_form=copy_form)


def _title_and_model(
    title: TitleMatch | None, model: ClassifierModel, probabilities: np.ndarray
) -> Classification:
    best = int(np.argmax(probabilities))
    if title is not None:
        titled = float(probabilities[model.classes.index(title.code)])
        if best == model.classes.index(title.code) or probabilities[best] < REVIEW_THRESHOLD:
            # The title decides; the model either agrees or has no confident objection.
            confidence = max(titled, model.title_rule_precision)
            return Classification(title.code, confidence, confidence < REVIEW_THRESHOLD)
    confidence = float(probabilities[best])
    if title is not None or confidence < REVIEW_THRESHOLD:
        # Unsure, or the title and a confident model disagree: the probability that the model's
        # best guess is wrong.
        return Classification(OTHER, 1.0 - confidence, needs_review=True)
    code = model.classes[best]
    return Classification(code, confidence, needs_review=code == OTHER)


def weigh_number(
    found: Classification, number_type: str | None, title: str | None, model: ClassifierModel
) -> Classification:
    """`found` (from the title, code `title`, and the model) weighed against the type that the
    number's abbreviation names, taken as independent evidence right NUMBER_RELIABILITY of the
    time.

    They agree: only the chance that both are wrong is left. They disagree: the document goes to
    review, with the type more likely right, the two chances weighed against each other (the
    model's probabilities say nothing of a type it was not trained on, so against such a type
    only a title counts). No type found, and no title against it: the number decides."""
    if number_type is None or number_type == OTHER:
        return found
    if found.type == number_type:
        # Two readings of one page are never quite independent: no certainty from them.
        confidence = min(1.0 - (1.0 - found.confidence) * (1.0 - NUMBER_RELIABILITY), 0.999)
        return Classification(number_type, confidence, confidence < REVIEW_THRESHOLD)
    if found.type == OTHER:
        if title is None:
            return Classification(number_type, NUMBER_RELIABILITY, needs_review=False)
        # Title and model disagreed; the number sides with one of them.
        return Classification(title if title == number_type else OTHER, NUMBER_RELIABILITY, True)
    if title is None and number_type not in model.classes:
        return Classification(number_type, 0.5, needs_review=True)
    found_right = found.confidence * (1.0 - NUMBER_RELIABILITY)
    number_right = (1.0 - found.confidence) * NUMBER_RELIABILITY
    if number_right > found_right:
        return Classification(number_type, number_right / (found_right + number_right), True)
    return Classification(found.type, found_right / (found_right + number_right), True)

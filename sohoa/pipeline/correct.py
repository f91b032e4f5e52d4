"""OCR correction for Vietnamese: repair the tone and vowel marks Tesseract gets wrong.

On real scans most of the `vie` model's errors are marks, stacked ones above all (ố read as ô,
ể as ề): the letters are right, the marks are not. Vietnamese syllables form a closed set, so a
syllable the engine returns can be checked, and its repairs are the syllables with the same
letters (the same `fold`) and other marks. Among those, a syllable lexicon with frequencies and
the two-syllable words of a dictionary (does "phòng chống" exist? "phòng chông"?) choose.

Only what looks like a Vietnamese syllable is touched: numbers, abbreviations (QĐ, UBND), MRZ
lines and English words have no syllable with their letters, so no repair to offer. Words in
capitals and capitalised words (names, headings) are repaired only when they are impossible
syllables, never on frequency alone: a rare name must not become a frequent word.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import re
import unicodedata
from dataclasses import dataclass, replace
from importlib import resources

from sohoa.ocr.engine import PageText, Word
from sohoa.pipeline.text import TONE_MARKS, fold, nfc, normalise, split_tone

# Tone marks by name. A syllable ending in a stop (-c -ch -p -t) takes only sắc or nặng.
SAC = "\u0301"
NANG = "\u0323"
_STOP_CODAS = ("c", "ch", "p", "t")


def _spelled(listing: str) -> frozenset[str]:
    return frozenset(listing.split())


_ONSETS = _spelled("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x")
# Rhymes (medial + nucleus + coda) as written, without tone.
_PLAIN_RHYMES = _spelled(
    """
    a ac ach ai am an ang anh ao ap at au ay ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây e ec em en eng eo ep et ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu y
    o oc oi om on ong op ot ooc oong ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
    u ua uc ui um un ung up ut uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưm ưn ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
    """
)
# Rhymes with the rounding glide written o (before a ă e) or u (before y ê â ơ).
_GLIDE_RHYMES = _spelled(
    """
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oe oen oeo oet
    uy uya uych uyn uynh uyp uyt uyu uyên uyêt uê uêch uênh uơ uân uâng uât uây
    """
)
# Without an onset, "iê" is written "yê": "yêu", "yên".
_ONSETLESS_RHYMES = _spelled("yêm yên yêng yêt yêu")
# After q the glide is the u of "qu": "qua" is q + oa, "quyết" is q + uyêt.
_QU_RHYMES = frozenset(
    [r[1:] for r in _GLIDE_RHYMES if r[0] == "o"]
    + [r[1:] for r in _GLIDE_RHYMES if r[0] == "u"]
    + ["i", "it", "au", "ăp", "ên", "êt", "ôc"]
)
_FRONT_VOWELS = ("i", "y", "e", "ê")

_LETTERS = re.compile(r"[^\W\d_]+")
# Tesseract sometimes reads Đ as the Icelandic eth, which looks the same.
_ETH = str.maketrans({"Ð": "Đ", "ð": "đ"})

# How much a repair must be worth, in Zipf units of frequency (log10 per billion words).
_PAIR_WEIGHT = 2.0  # a neighbour forms a dictionary word with the syllable
_MARK_EDIT_COST = 1.5  # each mark changed (tone, quality, d/đ)
_UNKNOWN_ZIPF = 0.0  # a syllable missing from the frequency list


def is_valid_syllable(syllable: str) -> bool:
    """Whether `syllable` (any case) is a possible Vietnamese syllable: a known onset and rhyme
    that may stand together under the spelling rules (k/c, gh/g, ngh/ng before i e ê; q only as
    qu), with a tone the rhyme allows (sắc or nặng after a stop)."""
    lower = nfc(syllable).lower()
    if sum(c in TONE_MARKS for c in unicodedata.normalize("NFD", lower)) > 1:
        return False
    bare, tone = split_tone(lower)
    rhymes = [rhyme for onset, rhyme in _parses(bare) if _onset_takes(onset, rhyme)]
    if not rhymes:
        return False
    return tone in (SAC, NANG) or not all(rhyme.endswith(_STOP_CODAS) for rhyme in rhymes)


def _parses(bare: str) -> list[tuple[str, str]]:
    parses = [("", bare)]
    parses += [(onset, bare[len(onset) :]) for onset in _ONSETS if bare.startswith(onset)]
    return [(onset, rhyme) for onset, rhyme in parses if rhyme]


def _onset_takes(onset: str, rhyme: str) -> bool:
    if onset == "qu":
        return rhyme in _QU_RHYMES
    if onset == "":
        if rhyme.startswith("iê"):
            return False  # written "yê"
        return rhyme in _PLAIN_RHYMES or rhyme in _GLIDE_RHYMES or rhyme in _ONSETLESS_RHYMES
    if rhyme not in _PLAIN_RHYMES and rhyme not in _GLIDE_RHYMES:
        return False
    front = rhyme.startswith(_FRONT_VOWELS)
    if onset in ("k", "gh", "ngh"):
        return front
    if onset == "c":
        return not front and rhyme not in _GLIDE_RHYMES  # "qu" is written instead
    if onset in ("g", "ng"):
        # "gì", "giếng": g before i is the onset gi merged with the vowel i.
        return not front or (onset == "g" and rhyme.startswith("i"))
    if onset == "gi":
        return not rhyme.startswith(("i", "y"))
    return True


@dataclass(frozen=True)
class Lexicon:
    """Syllables with their Zipf frequency, and the adjacent syllable pairs of dictionary
    words. Syllables are lower case with the tone in its agreed place (`normalise`)."""

    zipf: dict[str, float]
    pairs: frozenset[tuple[str, str]]
    known: frozenset[str]  # every syllable of either source
    by_fold: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, zipf: dict[str, float], words: list[str]) -> Lexicon:
        pairs: set[tuple[str, str]] = set()
        known = set(zipf)
        for word in words:
            parts = word.split()
            known.update(parts)
            pairs.update(itertools.pairwise(parts))
        by_fold: dict[str, list[str]] = {}
        for syllable in sorted(known):
            by_fold.setdefault(fold(syllable), []).append(syllable)
        return cls(
            zipf=zipf,
            pairs=frozenset(pairs),
            known=frozenset(known),
            by_fold={key: tuple(value) for key, value in by_fold.items()},
        )


@functools.cache
def default_lexicon() -> Lexicon:
    data = resources.files("sohoa.pipeline") / "data"
    zipf = {}
    with gzip.open(data.joinpath("vi_syllables.tsv.gz").open("rb"), "rt") as lines:
        for line in lines:
            syllable, value = line.split("\t")
            zipf[syllable] = float(value)
    with gzip.open(data.joinpath("vi_words.txt.gz").open("rb"), "rt") as lines:
        words = [line.strip() for line in lines]
    return Lexicon.build(zipf, words)


def mark_edits(a: str, b: str) -> int:
    """Marks that differ between two syllables with the same letters: tone, vowel quality, đ."""
    bare_a, tone_a = split_tone(a)
    bare_b, tone_b = split_tone(b)
    return int(tone_a != tone_b) + sum(x != y for x, y in zip(bare_a, bare_b, strict=False))


def best_syllable(syllable: str, before: str | None, after: str | None, lexicon: Lexicon) -> str:
    """The most likely reading of a lower-case `syllable` between the syllables spoken next to
    it (None where a line ends or punctuation parts them), among those with the same letters.
    Returned with its tone in the agreed place.

    An impossible or unknown syllable becomes its best-scoring repair. A known one stays unless
    a repair forms a dictionary word with a neighbour where it forms none: frequency alone must
    not turn a rare word ("cằm", "nêu") into a frequent one ("cầm", "nếu")."""
    seen = normalise(syllable)
    candidates = set(lexicon.by_fold.get(fold(seen), ()))
    if is_valid_syllable(seen):
        candidates.add(seen)
    if not candidates:
        return seen

    def pairs(candidate: str) -> int:
        return ((before, candidate) in lexicon.pairs) + ((candidate, after) in lexicon.pairs)

    def score(candidate: str) -> float:
        return (
            lexicon.zipf.get(candidate, _UNKNOWN_ZIPF)
            + _PAIR_WEIGHT * pairs(candidate)
            - _MARK_EDIT_COST * mark_edits(seen, candidate)
        )

    if seen in lexicon.known:
        candidates = {seen} | {c for c in candidates if pairs(c) > pairs(seen)}
    return max(sorted(candidates), key=score)


def correct_line(texts: list[str], lexicon: Lexicon) -> list[str]:
    """The words of one OCR line with their syllables repaired; other words as they came."""
    links = [_spoken_pair(left, right) for left, right in itertools.pairwise(texts)]
    bonded = [pair is not None and pair in lexicon.pairs for pair in links]
    corrected = []
    for i, text in enumerate(texts):
        core = _syllable_core(text)
        if core is None:
            corrected.append(text)
            continue
        # A neighbour already forming a word on its other side is no context: in "hiệu lực
        # kể từ", "lực" belongs to "hiệu lực", so "lực kế" must not turn "kể" into "kế".
        before = after = None
        if i > 0 and (link := links[i - 1]) and not (i > 1 and bonded[i - 2]):
            before = link[0]
        if i < len(links) and (link := links[i]) and not (i + 1 < len(links) and bonded[i + 1]):
            # A capital after a lower-case word starts a name: "bà Lê" is no "ba lê".
            after = link[1] if not (core.islower() and texts[i + 1][0].isupper()) else None
        corrected.append(text.replace(core, _repair(core, before, after, lexicon)))
    return corrected


def _spoken_pair(left: str, right: str) -> tuple[str, str] | None:
    """The two syllables that meet between two words, lower case, if nothing parts them: a
    comma or a full stop between two syllables means they do not form a word."""
    if not (left[-1].isalpha() and right[0].isalpha()):
        return None
    return (
        normalise(_LETTERS.findall(left)[-1]).lower(),
        normalise(_LETTERS.findall(right)[0]).lower(),
    )


def _syllable_core(text: str) -> str | None:
    """The one run of letters in a word written like a syllable (lower case, capitalised or in
    capitals; punctuation around it allowed), or None for anything else."""
    runs = _LETTERS.findall(text)
    if len(runs) != 1 or any(c.isdigit() for c in text):
        return None
    core: str = runs[0]
    if core.islower() or core.isupper() or (core[0].isupper() and core[1:].islower()):
        return core
    return None


def _repair(core: str, before: str | None, after: str | None, lexicon: Lexicon) -> str:
    unified = core.translate(_ETH)
    lower = unified.lower()
    if not core.islower() and (core.isascii() or is_valid_syllable(lower)):
        return unified  # names and headings; without any mark, romanised on purpose
    best = best_syllable(lower, before, after, lexicon)
    if best == normalise(lower):
        return unified
    if core.isupper() and len(core) > 1:
        return best.upper()
    if core[0].isupper():
        return best[0].upper() + best[1:]
    return best


def correct_page(text: PageText) -> PageText:
    """The page with every line's syllables repaired; words, boxes and confidences kept."""
    lexicon = default_lexicon()
    lines = []
    for line in text.lines:
        texts = correct_line([word.text for word in line.words], lexicon)
        words = tuple(
            word if word.text == new else Word(new, word.box, word.confidence)
            for word, new in zip(line.words, texts, strict=True)
        )
        lines.append(replace(line, words=words) if words != line.words else line)
    return replace(text, lines=tuple(lines))

"""Accuracy report: digitise a generated sample set, or the labelled real scans, with the
`sohoa` CLI and score the output.

    python -m bench.accuracy [--seed 9001] [--count 6] [--set DIR | --real-dev [DIR]]
                             [--keep DIR] [--data-dir DIR] [--json]

Besides text, split, type and field accuracy it reports silent errors (types and fields wrong
and not flagged for review: the worst outcome) and how well the type confidence is calibrated
(expected calibration error, with the reliability table). The real scans (bench/real_dev.py)
have reference texts for their single-page files only and no labelled skew.

Text is scored from the text layer of the produced PDFs (what a reader of the archive gets),
page by page against the generator's truth.json; the rest from the manifest. It is a report:
missed targets do not change the exit status, only failures to run do (exit 1), including a
dossier the CLI could not digitise, since the figures would then leave it out. It digitises
into a fresh data dir unless given one: dossiers an earlier run committed would come back as
they were.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.metrics import (
    character_error_rate,
    folded_word_recall,
    normalise_whitespace,
    word_accuracy,
    word_recall,
    words,
)
from bench.real_dev import labelled_files, real_dev_folder
from sohoa.config import Settings
from sohoa.flows.cataloguing import page_originals
from sohoa.flows.keys import reading_key
from sohoa.pipeline.calibration import ReliabilityBin, expected_calibration_error, reliability
from sohoa.pipeline.correct import correct_page
from sohoa.pipeline.pdfa import validate
from sohoa.pipeline.recognise import PageReading
from sohoa.pipeline.text import fold, normalise
from sohoa.storage.objects import ObjectStore

DEFAULT_SEED = 9001  # never used for tuning: keep it that way
SOHOA_EXIT_PARTIAL = 4  # some inputs quarantined: a manifest is still written
LANGUAGE = "vie"  # for every engine in the benchmarks; sohoa gets it as SOHOA_OCR_LANG

stderr = Console(stderr=True)
AUTO = Path("(found)")  # --real-dev without a folder: real_dev_folder() finds it


@dataclass(frozen=True)
class Target:
    label: str
    threshold: float
    at_most: bool = False  # the figure must not exceed the threshold (an error rate)

    def met(self, value: float) -> bool:
        return value <= self.threshold if self.at_most else value >= self.threshold


TARGETS = {
    "orientation_accuracy": Target("orientation = 100 %", 1.0),
    "blank_accuracy": Target("blank ≥ 98 %", 0.98),
    "word_recall": Target("word recall ≥ 0.98", 0.98),
    "pdfa_valid_share": Target("every PDF valid", 1.0),
    "documents_recovered": Target("split exact ≥ 95 %", 0.95),
    "type_accuracy": Target("type ≥ 97 %", 0.97),
    "field_accuracy": Target("fields ≥ 95 %", 0.95),
    "so_dinh_danh_accuracy": Target("IDs ≥ 98 %", 0.98),
    # A wrong value without a review flag is the worst outcome (issue 17).
    "type_silent_error_rate": Target("silent types = 0", 0.0, at_most=True),
    "field_silent_error_rate": Target("silent fields ≤ 1 %", 0.01, at_most=True),
}
FIELD_TARGETS = {"so_dinh_danh": "so_dinh_danh_accuracy"}
FIELDS = (
    "so_ky_hieu",
    "ngay_ban_hanh",
    "co_quan_ban_hanh",
    "trich_yeu",
    "so_dinh_danh",
    "ho_ten",
    "ma_so_thue",
)


@dataclass
class PageScore:
    """One truth page compared with what sohoa made of it."""

    dossier_id: str
    source: str
    truth_blank: bool
    separator: bool  # a separator sheet: a code and a few words, in no document
    found_blank: bool
    rotation_correct: bool
    skew_error: float | None  # absolute degrees; None for blank pages
    skew_error_sign_flipped: float | None  # the same with sohoa's sign reversed
    split_correct: bool  # sohoa put it in a document with exactly the right pages
    # Text scores, for non-blank truth pages only.
    cer: float | None = None
    word_recall: float | None = None
    folded_word_recall: float | None = None
    word_accuracy: float | None = None
    # OCR's text as stored, and after tone-mark repair: word accuracy with and without marks.
    ocr_word_accuracy: float | None = None
    corrected_word_accuracy: float | None = None
    ocr_folded_word_accuracy: float | None = None
    corrected_folded_word_accuracy: float | None = None
    reference_chars: int = 0
    reference_words: int = 0


@dataclass
class DossierScore:
    dossier_id: str
    pages: list[PageScore] = field(default_factory=list)
    documents_in_truth: int = 0
    documents_recovered: int = 0  # same non-blank pages as a truth document
    # Each truth document's type, and the type sohoa gave the document holding its first page.
    types: list[tuple[str, str]] = field(default_factory=list)
    # The same documents: sohoa's confidence in the type, and whether it flagged it for review.
    type_confidences: list[float] = field(default_factory=list)
    types_flagged: list[bool] = field(default_factory=list)
    # Field name -> one flag per document where truth or sohoa has a value: exactly equal?
    fields: dict[str, list[bool]] = field(default_factory=dict)
    # The same comparisons: a value given, wrong, and not flagged for review (a silent error)?
    silent_fields: dict[str, list[bool]] = field(default_factory=dict)
    # The same comparisons: flagged for review (a right value flagged costs a clerk seconds)?
    flagged_fields: dict[str, list[bool]] = field(default_factory=dict)
    review_flags: int = 0
    pdfs: int = 0
    pdfs_valid: int = 0
    seconds: float = 0.0  # wall time of the CLI, in the JSON figures
    problems: list[str] = field(default_factory=list)


@dataclass
class Summary:
    dossiers: int
    dossiers_failed: int
    pages: int
    text_pages: int
    reference_pages: int  # pages whose text is scored: real scans have few reference texts
    cer: float | None
    word_recall: float | None
    folded_word_recall: float | None
    word_accuracy: float | None
    ocr_word_accuracy: float | None
    corrected_word_accuracy: float | None
    ocr_folded_word_accuracy: float | None
    corrected_folded_word_accuracy: float | None
    orientation_accuracy: float | None
    blank_accuracy: float | None
    skew_mean_abs_error: float | None
    skew_mean_abs_error_sign_flipped: float | None
    split_page_accuracy: float | None
    documents_recovered: float | None
    type_accuracy: float | None
    type_macro_f1: float | None
    field_accuracy: float | None
    so_dinh_danh_accuracy: float | None
    field_accuracies: dict[str, float | None]
    documents_flagged_for_review: float | None
    # Wrong and not flagged for review: of the truth documents' types, and of the field
    # comparisons (a value given that is wrong; a null is never a silent error).
    type_silent_error_rate: float | None
    field_silent_error_rate: float | None
    field_silent_errors: dict[str, int]
    # Of the same comparisons, those flagged for review: what the silent rate costs clerks.
    field_flag_rate: float | None
    # Does a type confidence of p come true p of the time?
    type_calibration_error: float | None
    type_reliability: list[ReliabilityBin]
    pdfs: int
    pdfa_valid_share: float | None


# --- running the generator and the CLI ------------------------------------------------------


def generate_set(seed: int, count: int, out: Path) -> Path:
    command = [sys.executable, "-m", "samples.generate", "--seed", str(seed)]
    command += ["--count", str(count), "--out", str(out)]
    stderr.print(f"generating {count} dossiers with seed {seed} into {out}")
    subprocess.run(command, check=True)
    return out


def dossier_folders(sample_set: Path) -> list[Path]:
    folders = sorted(path.parent for path in sample_set.glob("*/truth.json"))
    if not folders:
        raise SystemExit(f"no dossier folders with a truth.json under {sample_set}")
    return folders


@contextmanager
def sohoa_environment(sohoa: str, data_dir: Path | None) -> Iterator[dict[str, str]]:
    """The environment for every sohoa run: SOHOA_DATA_DIR set to the given folder, or to a
    fresh one whose background services are stopped and which is removed at the end. A data
    dir an earlier run left would hand back its committed dossiers as they were."""
    base = {**os.environ, "SOHOA_OCR_LANG": LANGUAGE}
    if data_dir is not None:
        yield {**base, "SOHOA_DATA_DIR": str(data_dir)}
        return
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-data-") as tmp:
        env = {**base, "SOHOA_DATA_DIR": tmp}
        try:
            yield env
        finally:
            for service in ("worker", "storage", "prefect"):
                subprocess.run([sohoa, service, "stop"], env=env, capture_output=True)


def sohoa_executable() -> str:
    """The CLI of the venv this runs in, else the one on PATH."""
    beside_python = Path(sys.executable).with_name("sohoa")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("sohoa")
    if found is None:
        raise SystemExit("the sohoa CLI is not installed: pip install -e . in the venv")
    return found


@dataclass
class DigitiseRun:
    manifest: dict[str, Any] | None
    out: Path
    seconds: float
    problem: str | None


def digitise(
    sohoa: str, env: dict[str, str], inputs: Sequence[Path], dossier_id: str, out: Path
) -> DigitiseRun:
    command = [sohoa, "digitise", *map(str, inputs), "--dossier-id", dossier_id]
    command += ["--out", str(out), "--json"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    manifest_path = out / "manifest.json"
    if result.returncode not in (0, SOHOA_EXIT_PARTIAL) or not manifest_path.exists():
        tail = result.stderr.strip().splitlines()[-5:]
        problem = f"sohoa digitise exited {result.returncode}: " + " | ".join(tail)
        return DigitiseRun(None, out, seconds, problem)
    return DigitiseRun(json.loads(manifest_path.read_text()), out, seconds, None)


def pdf_page_texts(pdf: Path) -> list[str]:
    """The text layer of each page, as poppler's pdftotext reads it (pages end with a form feed)."""
    output = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = output.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


# --- scoring --------------------------------------------------------------------------------


def same_rotation(a: int, b: int) -> bool:
    return (a - b) % 360 == 0


def non_blank_pages(pages: Sequence[int], truth_pages: Sequence[dict[str, Any]]) -> frozenset[int]:
    return frozenset(page for page in pages if not truth_pages[page]["blank"])


def hypothesis_texts(manifest: dict[str, Any], out: Path, score: DossierScore) -> dict[int, str]:
    """Manifest page index -> text layer of that page in its document's PDF.

    Blank pages are left out of the PDFs, so a document's PDF holds its non-blank pages in order.
    Also validates each PDF as PDF/A-2b, while it is at hand.
    """
    texts: dict[int, str] = {}
    blank = {page["index"] for page in manifest["pages"] if page["blank"]}
    for document in manifest["documents"]:
        pdf = out / f"{document['id']}.pdf"
        if not pdf.exists():
            score.problems.append(f"missing {pdf.name}")
            continue
        score.pdfs += 1
        report = validate(pdf)
        if report.passed:
            score.pdfs_valid += 1
        else:
            score.problems.append(f"{pdf.name}: {report.summary(limit=3)}")
        in_pdf = [page for page in document["pages"] if page not in blank]
        page_texts = pdf_page_texts(pdf)
        if len(page_texts) != len(in_pdf):
            score.problems.append(
                f"{pdf.name} has {len(page_texts)} pages, the manifest says {len(in_pdf)}"
            )
        texts.update(zip(in_pdf, page_texts, strict=False))
    return texts


def reading_texts(store: ObjectStore, manifest: dict[str, Any]) -> dict[int, tuple[str, str]]:
    """Manifest page index -> (the page's text as OCR read it, that text after tone-mark
    repair), from the page readings sohoa stored."""
    settings = Settings()
    sha256_of = {source["name"]: source["sha256"] for source in manifest["sources"]}
    # Pages of quarantined sources have no reading; the rest are traced to their original.
    readable = [p for p in manifest["pages"] if p["source"].rpartition("#")[0] in sha256_of]
    originals = page_originals([p["source"] for p in readable], sha256_of)
    texts = {}
    for page, (sha256, number) in zip(readable, originals, strict=True):
        if page["blank"]:
            continue
        key = reading_key(sha256, number, settings.ocr_lang)
        read = PageReading.from_json(store.get_bytes(key)).text
        if read is not None:
            texts[page["index"]] = (read.plain_text(), correct_page(read).plain_text())
    return texts


def _split_correct(
    truth_page: dict[str, Any],
    found_document: frozenset[int] | None,
    truth_documents: Sequence[frozenset[int]],
) -> bool:
    """A page is split right when it is in a document with exactly the right pages, or, a
    separator sheet, in none."""
    if truth_page["blank"]:
        return False
    if truth_page["document"] is None:
        return found_document is None
    return found_document == truth_documents[truth_page["document"]]


def folded_word_accuracy(reference: str, hypothesis: str) -> float:
    return word_accuracy(fold(reference), fold(hypothesis))


def score_dossier(
    truth: dict[str, Any], run: DigitiseRun, store: ObjectStore | None = None
) -> DossierScore:
    score = DossierScore(truth["dossier_id"], seconds=run.seconds)
    if run.manifest is None:
        score.problems.append(run.problem or "no manifest")
        return score
    manifest = run.manifest
    truth_pages = truth["pages"]
    found_by_source = {page["source"]: page for page in manifest["pages"]}
    missing = [page["source"] for page in truth_pages if page["source"] not in found_by_source]
    if missing:
        score.problems.append(f"pages not in the manifest: {', '.join(missing)}")
        return score
    # Matched by source ("scan.pdf#3"), not by position: the manifest's order is not trusted.
    manifest_index = {
        page_index: found_by_source[page["source"]]["index"]
        for page_index, page in enumerate(truth_pages)
    }

    # Documents compared by their non-blank truth pages: where blank pages go is not judged.
    truth_index_of = {manifest: truth for truth, manifest in manifest_index.items()}
    found_documents = [
        non_blank_pages(
            [truth_index_of[p] for p in document["pages"] if p in truth_index_of], truth_pages
        )
        for document in manifest["documents"]
    ]
    found_document_of_page = {page: pages for pages in found_documents for page in pages}
    truth_documents = [non_blank_pages(doc["pages"], truth_pages) for doc in truth["documents"]]
    score.documents_in_truth = len(truth_documents)
    for truth_document, pages in zip(truth["documents"], truth_documents, strict=True):
        score.documents_recovered += pages in found_documents
        holding = [i for i, found in enumerate(found_documents) if pages and min(pages) in found]
        found_document = manifest["documents"][holding[0]] if holding else None
        score.types.append(
            (truth_document["type"], found_document["type"] if found_document else "(none)")
        )
        review = set(found_document.get("review", [])) if found_document else set()
        score.type_confidences.append(found_document["type_confidence"] if found_document else 0)
        # A document the split lost is no silent error of its type: its pages are reported.
        score.types_flagged.append(found_document is None or "type" in review)
        found_fields = found_document["fields"] if found_document else {}
        # Only the fields the truth labels: real scans' labels leave names and IDs out.
        for name in (name for name in FIELDS if name in truth_document["fields"]):
            expected, got = truth_document["fields"][name], found_fields.get(name)
            if expected or got:
                right = same_field(expected, got)
                score.fields.setdefault(name, []).append(right)
                silent = bool(got) and not right and name not in review
                score.silent_fields.setdefault(name, []).append(silent)
                score.flagged_fields.setdefault(name, []).append(name in review)
    score.review_flags = sum(bool(d.get("needs_review")) for d in manifest["documents"])

    texts = hypothesis_texts(manifest, run.out, score)
    read = reading_texts(store, manifest) if store is not None else {}
    for page_index, truth_page in enumerate(truth_pages):
        found = found_by_source[truth_page["source"]]
        blank = truth_page["blank"]
        # Real pages' labels carry no skew; a page without reference text scores no text.
        skew = None if blank else truth_page.get("skew")
        page = PageScore(
            dossier_id=score.dossier_id,
            source=truth_page["source"],
            truth_blank=blank,
            separator=bool(truth_page.get("separator")),
            found_blank=found["blank"],
            rotation_correct=same_rotation(found["rotation"], truth_page["rotation"]),
            skew_error=None if skew is None else abs(found["skew"] - skew),
            skew_error_sign_flipped=None if skew is None else abs(found["skew"] + skew),
            split_correct=_split_correct(
                truth_page, found_document_of_page.get(page_index), truth_documents
            ),
        )
        # Separator sheets are in no document, so no PDF: their text is not scored.
        if not blank and not truth_page.get("separator") and truth_page.get("text") is not None:
            # A non-blank page that sohoa called blank is not in any PDF: it scores as empty.
            hypothesis = texts.get(manifest_index[page_index], "")
            reference = truth_page["text"]
            page.cer = character_error_rate(reference, hypothesis)
            page.word_recall = word_recall(reference, hypothesis)
            page.folded_word_recall = folded_word_recall(reference, hypothesis)
            page.word_accuracy = word_accuracy(reference, hypothesis)
            if manifest_index[page_index] in read:
                ocr, corrected = read[manifest_index[page_index]]
                page.ocr_word_accuracy = word_accuracy(reference, ocr)
                page.corrected_word_accuracy = word_accuracy(reference, corrected)
                page.ocr_folded_word_accuracy = folded_word_accuracy(reference, ocr)
                page.corrected_folded_word_accuracy = folded_word_accuracy(reference, corrected)
            page.reference_chars = len(normalise_whitespace(reference))
            page.reference_words = len(words(reference))
        score.pages.append(page)
    return score


def same_field(expected: Any, got: Any) -> bool:
    """Exact match of the stored forms (NFC, one tone placement: "Thuỷ" is "Thủy"), spaces
    aside; lists compare as sets."""
    if isinstance(expected, list) or isinstance(got, list):
        return {normalise(v) for v in expected or []} == {normalise(v) for v in got or []}
    if expected is None or got is None:
        return False
    return normalise_whitespace(normalise(str(expected))) == normalise_whitespace(
        normalise(str(got))
    )


def macro_f1(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Mean over the truth types of each type's F1 (predicted types absent from truth count
    only as false positives of nothing, i.e. they lower recall)."""
    types = sorted({truth for truth, _ in pairs})
    if not types:
        return None
    scores = []
    for kind in types:
        hits = sum(1 for truth, found in pairs if truth == found == kind)
        predicted = sum(1 for _, found in pairs if found == kind)
        actual = sum(1 for truth, _ in pairs if truth == kind)
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual
        scores.append(2 * precision * recall / (precision + recall) if hits else 0.0)
    return sum(scores) / len(scores)


def weighted_mean(values: Sequence[float | None], weights: Sequence[int]) -> float | None:
    """Mean of the present values, each counted by its weight (pooled over all pages)."""
    pairs = [
        (value, weight)
        for value, weight in zip(values, weights, strict=True)
        if value is not None and weight > 0
    ]
    total = sum(weight for _, weight in pairs)
    return sum(value * weight for value, weight in pairs) / total if total else None


def share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def mean(values: Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


def summarise(scores: Sequence[DossierScore]) -> Summary:
    pages = [page for score in scores for page in score.pages]
    text_pages = [page for page in pages if not page.truth_blank]
    chars = [page.reference_chars for page in text_pages]
    word_counts = [page.reference_words for page in text_pages]
    documents = sum(score.documents_in_truth for score in scores)
    recovered = sum(score.documents_recovered for score in scores)
    pdfs = sum(score.pdfs for score in scores)
    types = [pair for score in scores for pair in score.types]
    fields = {
        name: [flag for score in scores for flag in score.fields.get(name, [])] for name in FIELDS
    }
    found_documents = sum(score.pdfs for score in scores)
    confidences = [c for score in scores for c in score.type_confidences]
    types_right = [truth == found for truth, found in types]
    types_flagged = [flag for score in scores for flag in score.types_flagged]
    silent = {
        name: [flag for score in scores for flag in score.silent_fields.get(name, [])]
        for name in FIELDS
    }
    return Summary(
        dossiers=len(scores),
        dossiers_failed=sum(not score.pages for score in scores),
        pages=len(pages),
        text_pages=len(text_pages),
        reference_pages=sum(page.cer is not None for page in text_pages),
        # Pooled: total character edits / total reference characters, and likewise for words.
        cer=weighted_mean([page.cer for page in text_pages], chars),
        word_recall=weighted_mean([page.word_recall for page in text_pages], word_counts),
        folded_word_recall=weighted_mean(
            [page.folded_word_recall for page in text_pages], word_counts
        ),
        word_accuracy=weighted_mean([page.word_accuracy for page in text_pages], word_counts),
        **{
            name: weighted_mean([getattr(page, name) for page in text_pages], word_counts)
            for name in (
                "ocr_word_accuracy",
                "corrected_word_accuracy",
                "ocr_folded_word_accuracy",
                "corrected_folded_word_accuracy",
            )
        },
        # Orientation is judged on pages with content: a blank page has no upright.
        # Orientation is judged on pages with text: a separator sheet's few words and code
        # show no upright, and it goes into no PDF.
        orientation_accuracy=share(
            [page.rotation_correct for page in text_pages if not page.separator]
        ),
        blank_accuracy=share([page.truth_blank == page.found_blank for page in pages]),
        skew_mean_abs_error=mean([page.skew_error for page in text_pages]),
        skew_mean_abs_error_sign_flipped=mean(
            [page.skew_error_sign_flipped for page in text_pages]
        ),
        split_page_accuracy=share([page.split_correct for page in text_pages]),
        documents_recovered=recovered / documents if documents else None,
        type_accuracy=share([truth == found for truth, found in types]),
        type_macro_f1=macro_f1(types),
        field_accuracy=share([flag for flags in fields.values() for flag in flags]),
        so_dinh_danh_accuracy=share(fields["so_dinh_danh"]),
        field_accuracies={name: share(flags) for name, flags in fields.items()},
        documents_flagged_for_review=(
            sum(score.review_flags for score in scores) / found_documents
            if found_documents
            else None
        ),
        type_silent_error_rate=share(
            [
                not right and not flagged
                for right, flagged in zip(types_right, types_flagged, strict=True)
            ]
        ),
        field_silent_error_rate=share([flag for flags in silent.values() for flag in flags]),
        field_silent_errors={name: sum(flags) for name, flags in silent.items()},
        field_flag_rate=share(
            [flag for score in scores for flags in score.flagged_fields.values() for flag in flags]
        ),
        type_calibration_error=expected_calibration_error(confidences, types_right),
        type_reliability=reliability(confidences, types_right),
        pdfs=pdfs,
        pdfa_valid_share=sum(score.pdfs_valid for score in scores) / pdfs if pdfs else None,
    )


# --- reporting ------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def whole_percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def verdict(name: str, summary: Summary) -> str:
    value = getattr(summary, name)
    if value is None:
        return "[yellow]not measured[/]"
    return "[green]met[/]" if TARGETS[name].met(value) else "[red]missed[/]"


def print_report(scores: Sequence[DossierScore], summary: Summary, console: Console) -> None:
    # Short headers: the table must fit 80 columns when the report is piped to a file.
    per_dossier = Table(title="Per dossier", caption="docs: documents split exactly")
    per_dossier.add_column("dossier", no_wrap=True)
    for column in ("pages", "CER", "recall", "folded", "orient", "blank", "docs", "PDF/A"):
        per_dossier.add_column(column, justify="right", min_width=len(column))
    for score in scores:
        one = summarise([score])
        per_dossier.add_row(
            score.dossier_id,
            str(one.pages),
            f"{one.cer:.3f}" if one.cer is not None else "—",
            f"{one.word_recall:.3f}" if one.word_recall is not None else "—",
            f"{one.folded_word_recall:.3f}" if one.folded_word_recall is not None else "—",
            whole_percent(one.orientation_accuracy),
            whole_percent(one.blank_accuracy),
            f"{score.documents_recovered}/{score.documents_in_truth}",
            f"{score.pdfs_valid}/{score.pdfs}",
        )
    console.print(per_dossier)

    overall = Table(
        title=f"Accuracy over {summary.pages} pages ({summary.text_pages} with text, "
        f"{summary.reference_pages} with a reference text)"
    )
    overall.add_column("measure")
    overall.add_column("value", justify="right")
    overall.add_column("target")
    overall.add_column("")
    rows = [
        ("character error rate", ratio(summary.cer), None),
        ("word recall", ratio(summary.word_recall), "word_recall"),
        ("word recall, diacritics folded", ratio(summary.folded_word_recall), None),
        ("word accuracy (aligned)", ratio(summary.word_accuracy), None),
        (
            "  OCR → after tone repair",
            f"{ratio(summary.ocr_word_accuracy)} → {ratio(summary.corrected_word_accuracy)}",
            None,
        ),
        (
            "  same, diacritics folded",
            f"{ratio(summary.ocr_folded_word_accuracy)} → "
            f"{ratio(summary.corrected_folded_word_accuracy)}",
            None,
        ),
        ("orientation accuracy", percent(summary.orientation_accuracy), "orientation_accuracy"),
        ("blank-page accuracy", percent(summary.blank_accuracy), "blank_accuracy"),
        ("skew mean abs. error (°)", ratio(summary.skew_mean_abs_error), None),
        ("pages in a correctly split document", percent(summary.split_page_accuracy), None),
        ("documents split exactly", percent(summary.documents_recovered), "documents_recovered"),
        ("document type accuracy", percent(summary.type_accuracy), "type_accuracy"),
        ("document type macro-F1", ratio(summary.type_macro_f1), None),
        ("fields exactly right", percent(summary.field_accuracy), "field_accuracy"),
        *(
            (f"  {name}", percent(value), FIELD_TARGETS.get(name))
            for name, value in summary.field_accuracies.items()
        ),
        ("documents flagged for review", percent(summary.documents_flagged_for_review), None),
        (
            "types wrong, not flagged",
            percent(summary.type_silent_error_rate),
            "type_silent_error_rate",
        ),
        (
            "fields wrong, not flagged",
            percent(summary.field_silent_error_rate),
            "field_silent_error_rate",
        ),
        *(
            (f"  {name}", str(count), None)
            for name, count in summary.field_silent_errors.items()
            if count
        ),
        ("fields flagged for review", percent(summary.field_flag_rate), None),
        ("type calibration error (ECE)", ratio(summary.type_calibration_error), None),
        (
            f"PDF/A-2b valid ({summary.pdfs} PDFs)",
            percent(summary.pdfa_valid_share),
            "pdfa_valid_share",
        ),
    ]
    for label, value, target in rows:
        if target is None:
            overall.add_row(label, value, "", "")
        else:
            overall.add_row(label, value, TARGETS[target].label, verdict(target, summary))
    console.print(overall)
    if summary.type_reliability:
        bins = Table(title="Type confidence: how sure, how often right")
        for column in ("confidence", "documents", "mean confidence", "right"):
            bins.add_column(column, justify="right")
        for b in summary.type_reliability:
            span = f"{b.low:.1f}–{b.high:.1f}"
            bins.add_row(span, str(b.count), ratio(b.mean_confidence), ratio(b.accuracy))
        console.print(bins)

    flipped, straight = summary.skew_mean_abs_error_sign_flipped, summary.skew_mean_abs_error
    if flipped is not None and straight is not None and flipped < straight / 2:
        console.print(
            f"[yellow]skew error is {flipped:.2f}° with the sign reversed: the manifest and "
            "truth.json may use opposite skew signs[/]"
        )
    imperfect = [
        page
        for score in scores
        for page in score.pages
        if page.word_recall is not None and page.word_recall < 1
    ]
    worst = sorted(imperfect, key=lambda page: page.word_recall or 0.0)[:3]
    for page in worst:
        console.print(
            f"weakest page: {page.dossier_id} {page.source}: recall {ratio(page.word_recall)}, "
            f"CER {ratio(page.cer)}"
        )
    for score in scores:
        for problem in score.problems:
            console.print(f"[red]{score.dossier_id}: {problem}[/]")


# --- command line ---------------------------------------------------------------------------


@contextmanager
def work_dir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="sohoa-accuracy-") as tmp:
        yield Path(tmp)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--count", type=int, default=6, help="dossiers to generate")
    parser.add_argument("--set", type=Path, help="score this existing sample set instead")
    parser.add_argument(
        "--real-dev",
        nargs="?",
        const=AUTO,
        type=Path,
        help="score the labelled real scans instead (default: SOHOA_REAL_DEV, ../shared/real-dev)",
    )
    parser.add_argument("--keep", type=Path, help="keep the set and sohoa's output here")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--data-dir", type=Path, help="SOHOA_DATA_DIR to digitise into (default: a fresh one)"
    )
    return parser.parse_args(argv)


def dossiers(args: argparse.Namespace, work: Path) -> Iterator[tuple[dict[str, Any], list[Path]]]:
    """Each dossier's truth and input files: the labelled real scans, a set given, or a set
    generated now."""
    if args.real_dev is not None:
        folder = real_dev_folder() if args.real_dev == AUTO else args.real_dev
        if folder is None:
            raise SystemExit("no labelled real scans: set SOHOA_REAL_DEV to their folder")
        for labelled in labelled_files(folder):
            yield labelled.truth, [labelled.path]
        return
    sample_set = args.set or generate_set(args.seed, args.count, work / "set")
    for folder in dossier_folders(sample_set):
        truth = json.loads((folder / "truth.json").read_text())
        yield truth, [folder / name for name in truth["files"]]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sohoa = sohoa_executable()
    with sohoa_environment(sohoa, args.data_dir) as env, work_dir(args.keep) as work:
        # Where the CLI stores: its data dir, its language.
        settings = Settings(data_dir=Path(env["SOHOA_DATA_DIR"]), ocr_lang=LANGUAGE)
        store = ObjectStore.from_settings(settings)
        scores = []
        for truth, inputs in dossiers(args, work):
            dossier_id = truth["dossier_id"]
            stderr.print(f"digitising {dossier_id} ({len(truth['pages'])} pages)")
            run = digitise(sohoa, env, inputs, dossier_id, work / "out" / dossier_id)
            scores.append(score_dossier(truth, run, store))
    summary = summarise(scores)
    if args.json:
        figures = {"summary": asdict(summary), "dossiers": [asdict(score) for score in scores]}
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print_report(scores, summary, Console())
    return 1 if summary.dossiers_failed else 0


if __name__ == "__main__":
    sys.exit(main())

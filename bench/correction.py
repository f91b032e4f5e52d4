"""Before/after report for the Vietnamese OCR correction step (`sohoa.pipeline.correct`).

    python -m bench.correction [--scans DIR] [--cache DIR] [--dev PAGES_JSONL]

Scores OCR text before and after `correct_page` on two sets:
- a dev cache of generated pages already read by OCR: one JSON line per page with
  {"truth_page": {"text": ...}, "reading": <PageReading JSON>} (seed 9001 is never used here:
  it is the held-out set of `bench.accuracy`);
- real scans `4_1.jpg` and `4_2.jpg` against their reference texts `4_1_gt.txt`, `4_2_gt.txt`,
  read once with Tesseract and cached, so that runs after the first take seconds.

Word accuracy and recall "with marks" are what correction can change: it never changes letters,
so the folded figures (without marks) stay as they were and are shown as the ceiling.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.metrics import (
    character_error_rate,
    fold,
    folded_word_recall,
    word_accuracy,
    word_recall,
)
from sohoa.ocr.engine import PageText
from sohoa.pipeline.correct import correct_page
from sohoa.pipeline.recognise import PageReading

DEFAULT_SCANS = Path(__file__).resolve().parents[2] / "shared" / "real-scans"
DEFAULT_CACHE = Path("/tmp/sohoa-bench-correction")
REAL_SCANS = ("4_1", "4_2")


@dataclass(frozen=True)
class Scores:
    word_accuracy: float
    folded_word_accuracy: float
    word_recall: float
    folded_word_recall: float
    cer: float

    @classmethod
    def of(cls, pairs: list[tuple[str, str]]) -> Scores:
        """Mean scores over (reference, hypothesis) pages."""
        count = len(pairs)
        return cls(
            word_accuracy=sum(word_accuracy(r, h) for r, h in pairs) / count,
            folded_word_accuracy=sum(word_accuracy(fold(r), fold(h)) for r, h in pairs) / count,
            word_recall=sum(word_recall(r, h) for r, h in pairs) / count,
            folded_word_recall=sum(folded_word_recall(r, h) for r, h in pairs) / count,
            cer=sum(character_error_rate(r, h) for r, h in pairs) / count,
        )


def dev_pages(path: Path) -> Iterator[tuple[str, PageText]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            reading = PageReading.from_json(json.dumps(row["reading"]).encode())
            if reading.text is not None:
                yield row["truth_page"]["text"], reading.text


def real_scan_pages(scans: Path, cache: Path) -> Iterator[tuple[str, PageText]]:
    for name in REAL_SCANS:
        reading = _cached_reading(scans / f"{name}.jpg", cache / f"{name}.reading.json")
        if reading.text is not None:
            yield (scans / f"{name}_gt.txt").read_text(encoding="utf-8"), reading.text


def _cached_reading(image: Path, cached: Path) -> PageReading:
    if cached.exists():
        return PageReading.from_json(cached.read_bytes())
    # Imported here: only a run without a cache needs Tesseract.
    from sohoa.ocr.tesseract import TesseractEngine
    from sohoa.pipeline.dossier import admit
    from sohoa.pipeline.ingest import iter_pages
    from sohoa.pipeline.recognise import read_page

    with admit([image]) as (sources, rejected):
        if rejected:
            raise SystemExit(f"{image}: {rejected[0].record.reason}")
        reading = read_page(next(iter_pages(sources[0])), TesseractEngine("vie"))
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(reading.to_json())
    return reading


def compare(pages: list[tuple[str, PageText]]) -> tuple[Scores, Scores, int]:
    """Scores before and after correction, and how many words correction changed."""
    before = [(truth, text.plain_text()) for truth, text in pages]
    corrected = [correct_page(text) for _, text in pages]
    after = [(truth, text.plain_text()) for (truth, _), text in zip(pages, corrected, strict=True)]
    changed = sum(
        old.text != new.text
        for (_, text), fixed in zip(pages, corrected, strict=True)
        for old, new in zip(text.words, fixed.words, strict=True)
    )
    return Scores.of(before), Scores.of(after), changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, help="also score a cache of OCR'd generated pages")
    parser.add_argument("--scans", type=Path, default=DEFAULT_SCANS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()

    sets = {"real scans 4_1 + 4_2": list(real_scan_pages(args.scans, args.cache))}
    if args.dev is not None:
        sets[f"dev ({args.dev.parent.name})"] = list(dev_pages(args.dev))
    table = Table(title="OCR correction: before → after (mean per page)")
    for column in (
        "set",
        "pages",
        "words changed",
        "word acc.",
        "word recall",
        "CER",
        "word acc. folded",
        "recall folded",
    ):
        table.add_column(column, justify="right")
    for label, pages in sets.items():
        before, after, changed = compare(pages)
        table.add_row(
            label,
            str(len(pages)),
            str(changed),
            f"{before.word_accuracy:.4f} → {after.word_accuracy:.4f}",
            f"{before.word_recall:.4f} → {after.word_recall:.4f}",
            f"{before.cer:.4f} → {after.cer:.4f}",
            f"{before.folded_word_accuracy:.4f} → {after.folded_word_accuracy:.4f}",
            f"{before.folded_word_recall:.4f} → {after.folded_word_recall:.4f}",
        )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()

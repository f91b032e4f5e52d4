"""Soak benchmark: a backlog of generated dossiers through `sohoa backlog`, beside plain
tesseract on the same pages.

    python -m bench.soak [--dossiers 200] [--pages 1-4] [--workers N] [--seed 31]
                         [--data-dir DIR] [--keep DIR]

Generates `--dossiers` dossiers (PDFs at 300 dpi, degraded like real scans, `--pages` pages
each), lays them out as a backlog folder (one sub-folder per dossier, its scanned files only),
then, in one run on the same machine:

(a) plain `tesseract IMG OUT -l vie pdf`, N processes at once, over every page image of the
    backlog (extracted byte for byte with pdfimages beforehand, not timed): the floor;
(b) `sohoa backlog FOLDER --workers N` with its background services (S3, Prefect) already
    started, timed as a whole, its process tree's resident memory (the CLI, which runs the
    flow, and its tesseract processes) sampled every second.

Memory is flat when the peak of the last quarter of the run is no more than 1.2 times the peak
of the second quarter (the first holds start-up). Every run generates dossiers with fresh seeds
unless --seed is given, and uses a fresh data dir unless --data-dir is: a re-run on content
already stored would skip OCR and fake the figures.
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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

from bench.accuracy import LANGUAGE, SOHOA_EXIT_PARTIAL, sohoa_environment, sohoa_executable
from bench.throughput import (
    SCAN_DPI,
    SOHOA_TO_TESSERACT_TARGET,
    plain_tesseract,
    tree_rss,
)
from samples.generate import generate_set

SAMPLE_SECONDS = 1.0
FLAT_MEMORY_ALLOWED = 1.2

stderr = Console(stderr=True)


@dataclass(frozen=True)
class Backlog:
    folder: Path
    dossiers: int
    pages: int
    images: list[Path]  # every page's scan image, for the baseline


@dataclass(frozen=True)
class SoakRun:
    seconds: float
    exit_code: int
    outcomes: list[dict[str, object]]
    rss: list[tuple[float, int]]  # (seconds since start, bytes)


def make_backlog(work: Path, dossiers: int, pages: tuple[int, int], seed: int) -> Backlog:
    generated = work / "generated"
    stderr.print(f"generating {dossiers} dossiers of {pages[0]}-{pages[1]} pages, seed {seed}")
    folders = generate_set(seed, generated, dossiers, pages=pages, fmt="pdf", dpi=SCAN_DPI)
    backlog = work / "backlog"
    images_dir = work / "images"
    images: list[Path] = []
    page_count = 0
    for folder in folders:
        truth = json.loads((folder / "truth.json").read_text())
        target = backlog / folder.name
        target.mkdir(parents=True)
        for name in truth["files"]:
            os.link(folder / name, target / name)
            prefix = images_dir / folder.name / Path(name).stem
            prefix.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["pdfimages", "-j", "-png", "-p", str(target / name), str(prefix)], check=True
            )
        page_count += len(truth["pages"])
        images += sorted((images_dir / folder.name).iterdir())
    return Backlog(backlog, len(folders), page_count, images)


def run_backlog(sohoa: str, env: dict[str, str], backlog: Backlog, workers: int) -> SoakRun:
    command = [sohoa, "backlog", str(backlog.folder), "--workers", str(workers), "--json"]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        process = psutil.Process(child.pid)
        samples: list[tuple[float, int]] = []
        while child.poll() is None:
            try:
                samples.append((time.perf_counter() - started, tree_rss(process)))
            except psutil.NoSuchProcess:
                break
            time.sleep(SAMPLE_SECONDS)
        code = child.wait()
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if code not in (0, SOHOA_EXIT_PARTIAL):
            raise RuntimeError(f"sohoa backlog exited {code}:\n{err.read()[-2000:]}")
        outcomes = json.loads(out.read())
    return SoakRun(seconds, code, outcomes, samples)


def quarter_peaks(samples: list[tuple[float, int]], seconds: float) -> list[int]:
    """The peak RSS of each quarter of the run."""
    peaks = [0, 0, 0, 0]
    for at, rss in samples:
        quarter = min(3, int(4 * at / seconds))
        peaks[quarter] = max(peaks[quarter], rss)
    return peaks


def report(backlog: Backlog, run: SoakRun, tesseract_s: float, workers: int) -> Table:
    table = Table(
        title=f"Soak: {backlog.dossiers} dossiers, {backlog.pages} pages, "
        f"{workers} workers, {os.cpu_count()} cores"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    sohoa_rate = backlog.pages / run.seconds
    tesseract_rate = backlog.pages / tesseract_s
    ratio = sohoa_rate / tesseract_rate
    peaks = quarter_peaks(run.rss, run.seconds)
    growth = peaks[3] / max(peaks[1], 1)
    results: dict[str, int] = {}
    for outcome in run.outcomes:
        key = f"{outcome['result']} {outcome.get('status') or ''}".strip()
        results[key] = results.get(key, 0) + 1
    rows = [
        ("plain tesseract, pages/s", f"{tesseract_rate:.2f} ({tesseract_s:.0f} s)"),
        ("sohoa backlog, pages/s", f"{sohoa_rate:.2f} ({run.seconds:.0f} s)"),
        ("sohoa ÷ tesseract", f"{ratio:.2f} (target ≥ {SOHOA_TO_TESSERACT_TARGET})"),
        ("peak RSS by quarter of the run, MiB", " / ".join(f"{p / 2**20:.0f}" for p in peaks)),
        ("last quarter ÷ second quarter", f"{growth:.2f} (flat: ≤ {FLAT_MEMORY_ALLOWED})"),
        ("dossiers by outcome", ", ".join(f"{k}: {v}" for k, v in sorted(results.items()))),
        ("exit code", str(run.exit_code)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    for outcome in run.outcomes:
        if outcome["result"] == "failed":
            table.add_row(f"failed: {outcome['name']}", str(outcome.get("error")))
    return table


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--pages", default="1-4", help="pages per dossier, LOW-HIGH")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=None, help="default: from the clock")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="keep the backlog folder here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    low, _, high = args.pages.partition("-")
    pages = (int(low), int(high or low))
    seed = args.seed if args.seed is not None else int(time.time()) % 100_000 + 100_000
    sohoa = sohoa_executable()
    with (
        sohoa_environment(sohoa, args.data_dir) as env,
        tempfile.TemporaryDirectory(prefix="sohoa-soak-") as tmp,
    ):
        work = Path(tmp)
        backlog = make_backlog(work, args.dossiers, pages, seed)
        stderr.print(f"plain tesseract on {backlog.pages} pages, {args.workers} at a time")
        tesseract_s = plain_tesseract(backlog.images, work / "tesseract", args.workers)
        for service in ("storage", "prefect"):
            subprocess.run([sohoa, service, "start"], env=env, capture_output=True)
        stderr.print(f"sohoa backlog, {args.workers} workers")
        run = run_backlog(sohoa, {**env, "SOHOA_OCR_LANG": LANGUAGE}, backlog, args.workers)
        if args.keep is not None:
            shutil.copytree(backlog.folder, args.keep, copy_function=shutil.copy)
    Console().print(report(backlog, run, tesseract_s, args.workers))
    return 0


if __name__ == "__main__":
    sys.exit(main())

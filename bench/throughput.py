"""Throughput benchmark: sohoa end to end beside plain tesseract and OCRmyPDF, in one run.

    python -m bench.throughput [--pages 20] [--workers N] [--skip-ocrmypdf] [--memory-pages 200]
                               [--ocrmypdf PATH] [--data-dir DIR] [--seed N]

(a) plain `tesseract IMG OUT -l vie pdf`, N processes at once, over the dossier's page images
    (pre-extracted at native resolution, not timed): the floor for searchable output with the
    same engine; (b) `sohoa digitise` on the same dossier, wall time of the CLI; (c) OCRmyPDF
    with --rotate-pages --deskew --output-type pdfa where installed; (d) the fixed cost of one
    `sohoa digitise` of a 1-page dossier beyond its OCR time, median of 3 after a warm-up;
    (e) peak RSS of the sohoa CLI and of its worker with its tesseract processes (not the S3
        and Prefect servers, which serve every dossier) for a --pages and a --memory-pages
        dossier.

All sohoa runs share one data dir, so its background services (S3, Prefect) are warm as in
real use; every dossier is generated with its own seed, so no run re-digitises content that
an earlier run stored (re-digitising the same input skips OCR and would fake the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil
from rich.console import Console
from rich.table import Table

from bench.accuracy import LANGUAGE, SOHOA_EXIT_PARTIAL, sohoa_environment, sohoa_executable

RSS_SAMPLE_SECONDS = 0.2
FIXED_COST_RUNS = 3
SCAN_DPI = 300  # fixed, so figures from different runs compare
MEMORY_GROWTH_ALLOWED = 1.5  # peak RSS for --memory-pages over the peak for --pages
FIXED_COST_TARGET_SECONDS = 2.0
SOHOA_TO_TESSERACT_TARGET = 0.85

stderr = Console(stderr=True)


@dataclass(frozen=True)
class Dossier:
    """A generated dossier: one scanned PDF, one scan image per page."""

    dossier_id: str
    pdf: Path
    pages: int
    blank_pages: int


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_rss_bytes: int


@dataclass
class Bench:
    """What every step needs: where to put things and how to run sohoa."""

    work: Path
    sohoa: str
    sohoa_env: dict[str, str]
    run_stamp: str
    next_seed: int

    def generate(self, name: str, pages: int, *, clean: bool = False) -> Dossier:
        """A fresh dossier of exactly `pages` pages, with a seed no other dossier here used."""
        seed, self.next_seed = self.next_seed, self.next_seed + 1
        out = self.work / "sets" / name
        command = [sys.executable, "-m", "samples.generate", "--seed", str(seed), "--count", "1"]
        command += ["--pages", str(pages), "--format", "pdf", "--dpi", str(SCAN_DPI)]
        command += ["--out", str(out), *(["--clean"] if clean else [])]
        stderr.print(f"generating {name}: {pages} pages, seed {seed}")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        (truth_path,) = out.glob("*/truth.json")
        truth = json.loads(truth_path.read_text())
        (pdf_name,) = truth["files"]
        return Dossier(
            dossier_id=f"bench-{self.run_stamp}-{name}",
            pdf=truth_path.parent / pdf_name,
            pages=len(truth["pages"]),
            blank_pages=sum(page["blank"] for page in truth["pages"]),
        )

    def digitise(self, dossier: Dossier) -> Timed:
        """Wall time and peak RSS of one `sohoa digitise` of the dossier."""
        command = [self.sohoa, "digitise", str(dossier.pdf)]
        command += ["--dossier-id", dossier.dossier_id, "--json"]
        log = self.work / "logs" / f"{dossier.dossier_id}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        data_dir = Path(self.sohoa_env["SOHOA_DATA_DIR"])
        with log.open("w") as log_file:
            returncode, timed = run_sampling_rss(
                command, self.sohoa_env, log_file, lambda: worker_processes(data_dir)
            )
        if returncode not in (0, SOHOA_EXIT_PARTIAL):
            tail = "\n".join(log.read_text().splitlines()[-10:])
            raise RuntimeError(
                f"sohoa digitise exited {returncode} on {dossier.dossier_id}:\n{tail}"
            )
        return timed


# --- measuring ------------------------------------------------------------------------------


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue  # exited between listing and reading
    return total


def worker_processes(data_dir: Path) -> list[psutil.Process]:
    """sohoa's workers for `data_dir`: the CLI hands them the pages, so their memory (and
    their tesseract processes') is the dossier's."""
    workers = []
    for state in data_dir.glob("workers/*/server.json"):
        try:
            workers.append(psutil.Process(json.loads(state.read_text())["pid"]))
        except (OSError, ValueError, KeyError, psutil.NoSuchProcess):
            continue  # stopped or stale
    return workers


def ocr_rss(worker: psutil.Process) -> int:
    """Resident memory of a worker and its tesseract processes, in bytes. The worker is also
    the parent of the S3 and Prefect servers it started; they serve every dossier and are left
    out, as they are when the CLI started them."""
    total = 0
    for member in [worker, *worker.children(recursive=True)]:
        try:
            if member is worker or member.name() == "tesseract":
                total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def run_sampling_rss(
    command: Sequence[str],
    env: dict[str, str],
    log_file: IO[str],
    also: Callable[[], list[psutil.Process]],
) -> tuple[int, Timed]:
    """Run a command, sampling every RSS_SAMPLE_SECONDS the RSS of its process tree and of the
    process trees `also` names (the worker doing the command's work)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    process = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            peak = max(peak, tree_rss(process) + sum(ocr_rss(w) for w in also()))
        except psutil.NoSuchProcess:
            break  # the CLI itself exited during sampling
        time.sleep(RSS_SAMPLE_SECONDS)
    returncode = child.wait()
    return returncode, Timed(time.perf_counter() - started, peak)


def timed_run(command: Sequence[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


# --- the baselines --------------------------------------------------------------------------


def extract_page_images(dossier: Dossier, into: Path) -> list[Path]:
    """The scan image of each page, in page order, exactly as embedded (not part of any timing).

    pdfimages copies JPEG pages out byte for byte and writes the others as PNG, so tesseract
    reads the same pixels at the same resolution as sohoa does.
    """
    into.mkdir(parents=True, exist_ok=True)
    # -p puts the page number in each name: <prefix>-<page>-<image>.<ext>
    subprocess.run(
        ["pdfimages", "-j", "-png", "-p", str(dossier.pdf), str(into / "img")], check=True
    )
    images = sorted(into.glob("img-*"), key=lambda image: int(image.name.split("-")[1]))
    if len(images) != dossier.pages:
        raise RuntimeError(f"{dossier.pdf} has {len(images)} images for {dossier.pages} pages")
    return images


def single_threaded_env() -> dict[str, str]:
    """One core per tesseract process, as sohoa runs it: parallelism comes from processes."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def plain_tesseract(images: Sequence[Path], out: Path, workers: int) -> float:
    """Wall time of `tesseract IMG OUT -l LANG pdf` over all images, `workers` at once."""
    out.mkdir(parents=True, exist_ok=True)
    env = single_threaded_env()

    def ocr(indexed: tuple[int, Path]) -> None:
        index, image = indexed
        base = out / f"page-{index:04d}"
        timed_run(["tesseract", str(image), str(base), "-l", LANGUAGE, "pdf"], env)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(ocr, enumerate(images)))
    return time.perf_counter() - started


# Without Ghostscript, OCRmyPDF can still write PDF/A-2b with pikepdf and validate it.
OCRMYPDF_WITHOUT_GHOSTSCRIPT = "ocrmypdf ran without Ghostscript: --pdfa-backend internal"


def have_ghostscript() -> bool:
    return shutil.which("gs") is not None


def ocrmypdf_time(ocrmypdf: str, dossier: Dossier, out: Path, workers: int) -> float:
    """Wall time of OCRmyPDF making a PDF/A of the dossier."""
    command = [ocrmypdf, "--rotate-pages", "--deskew", "--output-type", "pdfa"]
    command += ["-l", LANGUAGE, "--jobs", str(workers)]
    if not have_ghostscript():
        command += ["--pdfa-backend", "internal"]
    return timed_run([*command, str(dossier.pdf), str(out)])


def fixed_cost(bench: Bench) -> list[float]:
    """sohoa's wall time on a 1-page dossier minus one plain tesseract call on that page."""
    costs = []
    for run in range(FIXED_COST_RUNS):
        dossier = bench.generate(f"one-page-{run}", 1, clean=True)
        if dossier.blank_pages:
            stderr.print(
                f"[yellow]{dossier.dossier_id} is blank: its OCR time is not comparable[/]"
            )
        (image,) = extract_page_images(dossier, bench.work / "images" / dossier.dossier_id)
        ocr_seconds = timed_run(
            ["tesseract", str(image), str(bench.work / "one-page"), "-l", LANGUAGE, "pdf"],
            single_threaded_env(),
        )
        costs.append(bench.digitise(dossier).seconds - ocr_seconds)
    return costs


# --- reporting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    pages: int
    workers: int
    tesseract_seconds: float
    sohoa: Timed
    ocrmypdf_seconds: float | None
    ocrmypdf_note: str  # why there is no OCRmyPDF figure, or how it ran
    fixed_costs: list[float]
    memory_pages: int
    memory: Timed


def print_report(results: Results, console: Console) -> None:
    sohoa_seconds = results.sohoa.seconds
    speeds = Table(
        title=f"Throughput on the same {results.pages} pages, "
        f"{results.workers} workers on {os.cpu_count()} cores",
        caption=results.ocrmypdf_note or None,
    )
    for column in ("run", "seconds", "pages/s", "sohoa speed ÷ this"):
        speeds.add_column(column, justify="left" if column == "run" else "right")
    runs = [
        ("tesseract -l vie pdf (floor)", results.tesseract_seconds),
        ("sohoa digitise (end to end)", sohoa_seconds),
        ("ocrmypdf (rotate, deskew, PDF/A)", results.ocrmypdf_seconds),
    ]
    for label, seconds in runs:
        if seconds is None:
            speeds.add_row(label, "—", "—", "—")
        else:
            pages_per_second = results.pages / seconds
            speeds.add_row(
                label, f"{seconds:.1f}", f"{pages_per_second:.2f}", f"{seconds / sohoa_seconds:.2f}"
            )
    console.print(speeds)

    ratio = results.tesseract_seconds / sohoa_seconds  # = sohoa pages/s ÷ tesseract pages/s
    fixed = statistics.median(results.fixed_costs)
    memory_growth = results.memory.peak_rss_bytes / results.sohoa.peak_rss_bytes
    checks = Table(title="Targets")
    for column in ("measure", "value", "target", ""):
        checks.add_column(column)
    checks.add_row(
        "sohoa ÷ tesseract pages/s",
        f"{ratio:.2f}",
        f"≥ {SOHOA_TO_TESSERACT_TARGET}",
        met(ratio >= SOHOA_TO_TESSERACT_TARGET),
    )
    checks.add_row(
        f"fixed cost, median of {FIXED_COST_RUNS}",
        f"{fixed:.2f} s",
        f"≤ {FIXED_COST_TARGET_SECONDS} s",
        met(fixed <= FIXED_COST_TARGET_SECONDS),
    )
    checks.add_row(
        f"peak RSS, {results.pages} → {results.memory_pages} pages",
        f"{megabytes(results.sohoa.peak_rss_bytes)} → {megabytes(results.memory.peak_rss_bytes)}",
        f"≤ {MEMORY_GROWTH_ALLOWED}×",
        met(memory_growth <= MEMORY_GROWTH_ALLOWED),
    )
    console.print(checks)
    costs = ", ".join(f"{cost:.2f}" for cost in results.fixed_costs)
    console.print(
        f"fixed cost: wall time of `sohoa digitise` on a 1-page dossier minus one plain "
        f"tesseract call on its page, after a warm-up; runs: {costs} s"
    )


def met(ok: bool) -> str:
    return "[green]met[/]" if ok else "[red]missed[/]"


def megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"


# --- command line ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.add_argument("--pages", type=int, default=20, help="pages of the timed dossier")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-ocrmypdf", action="store_true")
    parser.add_argument("--ocrmypdf", default=shutil.which("ocrmypdf"), help="its executable")
    parser.add_argument("--memory-pages", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, help="SOHOA_DATA_DIR (default: a fresh one)")
    parser.add_argument(
        "--seed", type=int, default=int(time.time()), help="first generator seed (default: now)"
    )
    return parser.parse_args(argv)


def measure(bench: Bench, args: argparse.Namespace) -> Results:
    stderr.print("warm-up: starting sohoa's background services with a 1-page dossier")
    bench.digitise(bench.generate("warm-up", 1, clean=True))

    dossier = bench.generate("timed", args.pages)
    images = extract_page_images(dossier, bench.work / "images" / "timed")
    stderr.print(f"(a) plain tesseract on {len(images)} page images")
    tesseract_seconds = plain_tesseract(images, bench.work / "tesseract", args.workers)
    stderr.print("(b) sohoa digitise")
    sohoa_run = bench.digitise(dossier)

    ocrmypdf_seconds, ocrmypdf_note = None, "ocrmypdf: not installed (see --ocrmypdf)"
    if args.skip_ocrmypdf:
        ocrmypdf_note = "ocrmypdf: skipped"
    elif args.ocrmypdf:
        stderr.print("(c) ocrmypdf")
        ocrmypdf_seconds = ocrmypdf_time(
            args.ocrmypdf, dossier, bench.work / "ocrmypdf.pdf", args.workers
        )
        ocrmypdf_note = "" if have_ghostscript() else OCRMYPDF_WITHOUT_GHOSTSCRIPT

    stderr.print("(d) fixed cost on 1-page dossiers")
    fixed_costs = fixed_cost(bench)
    stderr.print(f"(e) peak memory on {args.memory_pages} pages")
    memory = bench.digitise(bench.generate("memory", args.memory_pages))
    return Results(
        pages=len(images),
        workers=args.workers,
        tesseract_seconds=tesseract_seconds,
        sohoa=sohoa_run,
        ocrmypdf_seconds=ocrmypdf_seconds,
        ocrmypdf_note=ocrmypdf_note,
        fixed_costs=fixed_costs,
        memory_pages=args.memory_pages,
        memory=memory,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sohoa = sohoa_executable()
    with (
        sohoa_environment(sohoa, args.data_dir) as sohoa_env,
        tempfile.TemporaryDirectory(prefix="sohoa-bench-") as work,
    ):
        bench = Bench(
            work=Path(work),
            sohoa=sohoa,
            sohoa_env=sohoa_env,
            run_stamp=time.strftime("%Y%m%d-%H%M%S"),
            next_seed=args.seed,
        )
        results = measure(bench, args)
    print_report(results, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())

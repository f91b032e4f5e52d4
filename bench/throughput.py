"""Throughput benchmark: sohoa end to end beside plain tesseract, per input form, in one run.

    python -m bench.throughput [--pages 6] [--workers 2] [--forms tiff-grey,png-rgb,…]
                               [--skip-ocrmypdf] [--memory-pages 200] [--ocrmypdf PATH]
                               [--data-dir DIR] [--seed N]

The pages of one generated dossier (300 dpi scans) are written in each input form: TIFF grey
(one multi-page 8-bit LZW file), TIFF G4 (one multi-page bilevel file, a strip a page as
scanners write them), PNG RGB (a folder), JPEG (a folder of RGB JPEGs) and PDF of JPEG pages
(those JPEGs, byte for byte). For each form, side by side in one run:

(a) plain `tesseract PAGE - -l vie`, N processes at once, each on one page of the form in the
    same encoding (a one-page TIFF, the PNG, the JPEG): the floor for reading the same pages
    with the same engine; (b) `sohoa digitise` of the form's input, wall time of the CLI, with
    N OCR workers. Beside the wall times, the CPU seconds of both (tesseract's processes; the
    sohoa CLI and its worker with everything the worker started): on a shared machine the CPU
    ratio moves less than the wall-time ratio.

Then (c) OCRmyPDF with --rotate-pages --deskew --output-type pdfa on the PDF form where
installed; (d) the fixed cost of one `sohoa digitise` of a 1-page dossier beyond its OCR time,
median of 3 after a warm-up; (e) peak RSS of the sohoa CLI and of its worker with its
tesseract processes (not the S3 and Prefect servers, which serve every dossier) for the PDF
form and for a --memory-pages dossier (0 leaves it out).

All sohoa runs share one data dir, so its background services (S3, Prefect) are warm as in
real use; every form's file differs from every other's, and every dossier is generated with its
own seed, so no run re-digitises content that an earlier run stored (re-digitising the same
input skips OCR and would fake the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
from typing import IO, Any

import pikepdf
import psutil
from PIL import Image
from rich.console import Console
from rich.table import Table

from bench.accuracy import LANGUAGE, SOHOA_EXIT_PARTIAL, sohoa_environment, sohoa_executable

RSS_SAMPLE_SECONDS = 0.2
FIXED_COST_RUNS = 3
SCAN_DPI = 300  # fixed, so figures from different runs compare
MEMORY_GROWTH_ALLOWED = 1.5  # peak RSS for --memory-pages over the peak for --pages
FIXED_COST_TARGET_SECONDS = 2.0
SOHOA_TO_TESSERACT_TARGET = 1.0
FORMS = ("tiff-grey", "tiff-g4", "png-rgb", "jpeg", "pdf-jpeg")
JPEG_QUALITY = 90

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
    # CPU seconds of the CLI and of the worker with everything it started (tesseract readers,
    # S3 and Prefect servers): on a shared machine a steadier measure than the wall time
    cpu_seconds: float = 0.0


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

    def digitise(self, source: Path, dossier_id: str) -> Timed:
        """Wall time and peak RSS of one `sohoa digitise` of `source` (a file or folder)."""
        command = [self.sohoa, "digitise", str(source), "--dossier-id", dossier_id, "--json"]
        log = self.work / "logs" / f"{dossier_id}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        data_dir = Path(self.sohoa_env["SOHOA_DATA_DIR"])
        with log.open("w") as log_file:
            returncode, timed = run_sampling_rss(
                command, self.sohoa_env, log_file, lambda: worker_processes(data_dir)
            )
        if returncode not in (0, SOHOA_EXIT_PARTIAL):
            tail = "\n".join(log.read_text().splitlines()[-10:])
            raise RuntimeError(f"sohoa digitise exited {returncode} on {dossier_id}:\n{tail}")
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
    started, cpu_before = time.perf_counter(), children_cpu() + tree_cpu(also())
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
    seconds = time.perf_counter() - started
    cpu = children_cpu() + tree_cpu(also()) - cpu_before
    return returncode, Timed(seconds, peak, cpu)


def children_cpu() -> float:
    """CPU seconds of this process's children that have been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(processes: list[psutil.Process]) -> float:
    """CPU seconds of processes and all their descendants."""
    total = 0.0
    for process in processes:
        try:
            members = [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for member in members:
            try:
                times = member.cpu_times()
            except psutil.NoSuchProcess:
                continue  # exited between listing and reading
            total += times.user + times.system
    return total


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


def tesseract_command(image: Path) -> list[str]:
    """Plain tesseract reading one page to text on stdout."""
    return ["tesseract", str(image), "-", "-l", LANGUAGE]


def plain_tesseract(images: Sequence[Path], workers: int) -> Timed:
    """Wall and CPU time of plain tesseract over all images, `workers` at once."""
    env = single_threaded_env()
    started, cpu_before = time.perf_counter(), children_cpu()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda image: timed_run(tesseract_command(image), env), images))
    return Timed(time.perf_counter() - started, 0, children_cpu() - cpu_before)


# --- the input forms ------------------------------------------------------------------------


@dataclass(frozen=True)
class FormInput:
    """One input form of the timed pages: what sohoa is given, and one file a page in the same
    encoding for plain tesseract."""

    form: str
    source: Path  # a file or a folder
    pages: list[Path]


def write_forms(images: Sequence[Path], into: Path, forms: Sequence[str]) -> list[FormInput]:
    """The pages in each of `forms` (not part of any timing)."""
    written: dict[str, FormInput] = {}
    for form in FORMS:  # the PDF of JPEG pages is made of the JPEG form's files
        if form not in forms and not (form == "jpeg" and "pdf-jpeg" in forms):
            continue
        folder = into / form
        folder.mkdir(parents=True)
        if form == "pdf-jpeg":
            pdf = folder / "scan.pdf"
            jpeg_pdf(written["jpeg"].pages, pdf)
            written[form] = FormInput(form, pdf, written["jpeg"].pages)
            continue
        pages = []
        for number, image in enumerate(images, start=1):
            with Image.open(image) as opened:
                page = in_form(opened, form)
            pages.append(folder / f"page-{number:03d}.{FORM_SUFFIX[form]}")
            save_in_form(page, pages[-1], form)
        source = folder
        if form.startswith("tiff"):
            source = folder.parent / f"{form}.tif"
            frames = [Image.open(page) for page in pages]
            save_in_form(frames[0], source, form, append=frames[1:])
            for frame in frames:
                frame.close()
        written[form] = FormInput(form, source, pages)
    return [written[form] for form in forms]


FORM_SUFFIX = {"tiff-grey": "tif", "tiff-g4": "tif", "png-rgb": "png", "jpeg": "jpg"}


def in_form(image: Image.Image, form: str) -> Image.Image:
    if form == "tiff-grey":
        return image.convert("L")
    if form == "tiff-g4":
        return image.convert("L").convert("1", dither=Image.Dither.NONE)
    return image.convert("RGB")


def save_in_form(
    image: Image.Image, path: Path, form: str, append: Sequence[Image.Image] = ()
) -> None:
    options: dict[str, Any] = {"dpi": (SCAN_DPI, SCAN_DPI)}
    if form == "tiff-grey":
        options["compression"] = "tiff_lzw"
    elif form == "tiff-g4":
        # One strip a page, as scanners write them (Pillow's default is 64 kB strips).
        options |= {"compression": "group4", "strip_size": 1 << 30}
    elif form == "jpeg":
        options["quality"] = JPEG_QUALITY
    if append:
        options |= {"save_all": True, "append_images": list(append)}
    image.save(path, **options)


def jpeg_pdf(jpegs: Sequence[Path], path: Path) -> None:
    """A PDF whose pages are the JPEG files as they are, each page the image's size at its dpi."""
    pdf = pikepdf.new()
    for jpeg in jpegs:
        with Image.open(jpeg) as image:
            width, height, mode = image.width, image.height, image.mode
        stream = pikepdf.Stream(pdf, jpeg.read_bytes())
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        stream.Width, stream.Height, stream.BitsPerComponent = width, height, 8
        stream.ColorSpace = pikepdf.Name.DeviceRGB if mode == "RGB" else pikepdf.Name.DeviceGray
        stream.Filter = pikepdf.Name.DCTDecode
        size = (width * 72 / SCAN_DPI, height * 72 / SCAN_DPI)
        page = pdf.add_blank_page(page_size=size)
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=stream))
        page.Contents = pdf.make_stream(f"q {size[0]} 0 0 {size[1]} 0 0 cm /Im0 Do Q".encode())
    pdf.save(path)


# Without Ghostscript, OCRmyPDF can still write PDF/A-2b with pikepdf and validate it.
OCRMYPDF_WITHOUT_GHOSTSCRIPT = "ocrmypdf ran without Ghostscript: --pdfa-backend internal"


def have_ghostscript() -> bool:
    return shutil.which("gs") is not None


def ocrmypdf_time(ocrmypdf: str, pdf: Path, out: Path, workers: int) -> float:
    """Wall time of OCRmyPDF making a PDF/A of the dossier."""
    command = [ocrmypdf, "--rotate-pages", "--deskew", "--output-type", "pdfa"]
    command += ["-l", LANGUAGE, "--jobs", str(workers)]
    if not have_ghostscript():
        command += ["--pdfa-backend", "internal"]
    return timed_run([*command, str(pdf), str(out)])


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
        ocr_seconds = timed_run(tesseract_command(image), single_threaded_env())
        costs.append(bench.digitise(dossier.pdf, dossier.dossier_id).seconds - ocr_seconds)
    return costs


# --- reporting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormResult:
    form: str
    pages: int
    tesseract: Timed
    sohoa: Timed

    @property
    def ratio(self) -> float:
        """sohoa pages/s ÷ plain tesseract pages/s."""
        return self.tesseract.seconds / self.sohoa.seconds

    @property
    def cpu_ratio(self) -> float:
        """Plain tesseract's CPU seconds ÷ sohoa's, for the same pages."""
        return self.tesseract.cpu_seconds / self.sohoa.cpu_seconds


@dataclass(frozen=True)
class Results:
    workers: int
    forms: list[FormResult]
    ocrmypdf_seconds: float | None
    ocrmypdf_note: str  # why there is no OCRmyPDF figure, or how it ran
    fixed_costs: list[float]
    memory_pages: int
    memory: Timed | None


def print_report(results: Results, console: Console) -> None:
    speeds = Table(
        title=f"Pages/s per input form, {results.workers} at once on {os.cpu_count()} cores",
        caption=results.ocrmypdf_note or None,
    )
    columns = ("form", "pages", "tesseract s", "tesseract p/s", "sohoa s", "sohoa p/s")
    columns += ("sohoa ÷ tesseract", "", "CPU s tess. / sohoa", "CPU ratio")
    for column in columns:
        speeds.add_column(column, justify="left" if column == "form" else "right")
    for form in results.forms:
        speeds.add_row(
            form.form,
            str(form.pages),
            f"{form.tesseract.seconds:.1f}",
            f"{form.pages / form.tesseract.seconds:.2f}",
            f"{form.sohoa.seconds:.1f}",
            f"{form.pages / form.sohoa.seconds:.2f}",
            f"{form.ratio:.2f}",
            met(form.ratio >= SOHOA_TO_TESSERACT_TARGET),
            f"{form.tesseract.cpu_seconds:.1f} / {form.sohoa.cpu_seconds:.1f}",
            f"{form.cpu_ratio:.2f}",
        )
    pdf_form = next((f for f in results.forms if f.form == "pdf-jpeg"), None)
    if results.ocrmypdf_seconds is not None and pdf_form is not None:
        speeds.add_row(
            "ocrmypdf (pdf-jpeg)",
            str(pdf_form.pages),
            "",
            "",
            f"{results.ocrmypdf_seconds:.1f}",
            f"{pdf_form.pages / results.ocrmypdf_seconds:.2f}",
            "",
            "",
            "",
            "",
        )
    console.print(speeds)

    fixed = statistics.median(results.fixed_costs)
    checks = Table(title="Targets")
    for column in ("measure", "value", "target", ""):
        checks.add_column(column)
    worst = min(results.forms, key=lambda f: f.ratio)
    checks.add_row(
        "sohoa ÷ tesseract pages/s, lowest form",
        f"{worst.ratio:.2f} ({worst.form})",
        f"≥ {SOHOA_TO_TESSERACT_TARGET}",
        met(worst.ratio >= SOHOA_TO_TESSERACT_TARGET),
    )
    checks.add_row(
        f"fixed cost, median of {FIXED_COST_RUNS}",
        f"{fixed:.2f} s",
        f"≤ {FIXED_COST_TARGET_SECONDS} s",
        met(fixed <= FIXED_COST_TARGET_SECONDS),
    )
    if results.memory is not None and pdf_form is not None:
        growth = results.memory.peak_rss_bytes / pdf_form.sohoa.peak_rss_bytes
        checks.add_row(
            f"peak RSS, {pdf_form.pages} → {results.memory_pages} pages",
            f"{megabytes(pdf_form.sohoa.peak_rss_bytes)} → "
            f"{megabytes(results.memory.peak_rss_bytes)}",
            f"≤ {MEMORY_GROWTH_ALLOWED}×",
            met(growth <= MEMORY_GROWTH_ALLOWED),
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
    parser = argparse.ArgumentParser(
        prog="python -m bench.throughput",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--pages", type=int, default=6, help="pages of each form (default 6)")
    parser.add_argument("--workers", type=int, default=2, help="at once, for both (default 2)")
    parser.add_argument(
        "--forms",
        type=lambda text: text.split(","),
        default=list(FORMS),
        help=f"comma-separated, of {', '.join(FORMS)} (default: all)",
    )
    parser.add_argument("--skip-ocrmypdf", action="store_true")
    parser.add_argument("--ocrmypdf", default=shutil.which("ocrmypdf"), help="its executable")
    parser.add_argument("--memory-pages", type=int, default=200, help="0 leaves (e) out")
    parser.add_argument("--data-dir", type=Path, help="SOHOA_DATA_DIR (default: a fresh one)")
    parser.add_argument(
        "--seed", type=int, default=int(time.time()), help="first generator seed (default: now)"
    )
    args = parser.parse_args(argv)
    if unknown := set(args.forms) - set(FORMS):
        parser.error(f"unknown forms: {', '.join(sorted(unknown))}")
    return args


def measure(bench: Bench, args: argparse.Namespace) -> Results:
    stderr.print("warm-up: starting sohoa's background services with a 1-page dossier")
    warm_up = bench.generate("warm-up", 1, clean=True)
    bench.digitise(warm_up.pdf, warm_up.dossier_id)

    dossier = bench.generate("timed", args.pages)
    images = extract_page_images(dossier, bench.work / "images" / "timed")
    forms = write_forms(images, bench.work / "forms", args.forms)
    results = []
    for form in forms:
        stderr.print(f"{form.form}: (a) plain tesseract on {len(form.pages)} pages")
        tesseract = plain_tesseract(form.pages, args.workers)
        stderr.print(f"{form.form}: (b) sohoa digitise")
        sohoa_run = bench.digitise(form.source, f"{dossier.dossier_id}-{form.form}")
        results.append(FormResult(form.form, len(form.pages), tesseract, sohoa_run))

    ocrmypdf_seconds, ocrmypdf_note = None, "ocrmypdf: not installed (see --ocrmypdf)"
    pdf_form = next((f for f in forms if f.form == "pdf-jpeg"), None)
    if args.skip_ocrmypdf or pdf_form is None:
        ocrmypdf_note = "ocrmypdf: skipped"
    elif args.ocrmypdf:
        stderr.print("(c) ocrmypdf")
        ocrmypdf_seconds = ocrmypdf_time(
            args.ocrmypdf, pdf_form.source, bench.work / "ocrmypdf.pdf", args.workers
        )
        ocrmypdf_note = "" if have_ghostscript() else OCRMYPDF_WITHOUT_GHOSTSCRIPT

    stderr.print("(d) fixed cost on 1-page dossiers")
    fixed_costs = fixed_cost(bench)
    memory = None
    if args.memory_pages:
        stderr.print(f"(e) peak memory on {args.memory_pages} pages")
        big = bench.generate("memory", args.memory_pages)
        memory = bench.digitise(big.pdf, big.dossier_id)
    return Results(
        workers=args.workers,
        forms=results,
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
            # sohoa's OCR workers, as many as plain tesseract's processes
            sohoa_env={**sohoa_env, "SOHOA_WORKERS": str(args.workers)},
            run_stamp=time.strftime("%Y%m%d-%H%M%S"),
            next_seed=args.seed,
        )
        results = measure(bench, args)
    print_report(results, Console(width=120))
    return 0


if __name__ == "__main__":
    sys.exit(main())

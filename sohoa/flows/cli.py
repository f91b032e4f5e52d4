"""The `sohoa` command line.

Exit codes (shared/design.md): 0 done; 1 bad usage; 2 input problem (nothing usable);
3 missing dependency; 4 partial (some inputs quarantined); 5 storage unreachable.
Logs and progress go to stderr; `--json` output alone goes to stdout.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from sohoa.config import Settings
from sohoa.flows import sign_cli

if TYPE_CHECKING:
    from sohoa.flows.worker import Job, WorkerFailure
    from sohoa.pipeline.indicators import Indicators
    from sohoa.pipeline.model import Manifest
    from sohoa.storage.catalogue import Catalogue, CatalogueDocument, SearchHit

EXIT_DONE, EXIT_USAGE, EXIT_INPUT, EXIT_DEPENDENCY, EXIT_PARTIAL, EXIT_STORAGE = 0, 1, 2, 3, 4, 5
_STATUS_EXIT = {"done": EXIT_DONE, "partial": EXIT_PARTIAL, "failed": EXIT_INPUT}

app = typer.Typer(
    help="Digitise Vietnamese administrative dossiers into searchable PDF/A in object storage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
storage_app = typer.Typer(help="The embedded S3 server (used when no SOHOA_S3_ENDPOINT is set).")
prefect_app = typer.Typer(help="The local Prefect server that records sohoa's flow runs.")
worker_app = typer.Typer(help="The background worker that runs sohoa's flows for its commands.")
app.add_typer(storage_app, name="storage")
app.add_typer(prefect_app, name="prefect")
app.add_typer(worker_app, name="worker")
app.command(name="sign")(sign_cli.sign)

err = Console(stderr=True)


class Failure(Exception):
    """A failure with a message for the user and the exit code that goes with it."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        raise Failure(f"invalid configuration: {e}", EXIT_USAGE) from e


@app.command()
def digitise(
    paths: Annotated[list[Path], typer.Argument(help="PDF, TIFF, JPEG or PNG files, or folders")],
    dossier_id: Annotated[
        str | None, typer.Option(help="Dossier id (letters, digits, . _ -); default from content")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write the document PDFs and the manifest here")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest on stdout")] = False,
) -> None:
    """Digitise PATHS as one dossier: OCR, PDF/A documents, stored with a manifest."""
    from sohoa.flows import worker
    from sohoa.pipeline.model import Manifest

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise Failure(f"no such file or folder: {', '.join(missing)}", EXIT_USAGE)
    if dossier_id is not None:
        _check_dossier_id(dossier_id)
    settings = _settings()
    sign_cli.check_at_start(settings)
    job = worker.Job(
        paths=[str(p.resolve()) for p in paths],
        dossier_id=dossier_id,
        out=str(out.resolve()) if out is not None else None,
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("Reading pages", total=None)

        def show(event: dict[str, Any]) -> None:
            if event["event"] == "pages_total":
                bar.update(task, total=event["count"])
            elif event["event"] == "page_done":
                bar.advance(task)

        manifest = Manifest.model_validate(_run_on_worker(settings, job, show))
    if as_json:
        sys.stdout.write(manifest.model_dump_json(indent=2) + "\n")
    else:
        _print_summary(manifest, out)
    raise typer.Exit(_STATUS_EXIT[manifest.status])


@app.command()
def backlog(
    folder: Annotated[Path, typer.Argument(help="Each sub-folder, or file, of it is a dossier")],
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Pages read at once (OCR processes); default one per core"),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Dossiers per flow run (Prefect)")] = 100,
    dask: Annotated[
        bool, typer.Option("--dask", help="Run dossiers on a local Dask cluster of processes")
    ] = False,
    dask_address: Annotated[
        str | None, typer.Option(help="Run dossiers on this Dask scheduler (tcp://host:8786)")
    ] = None,
    pool: Annotated[
        str | None,
        typer.Option(
            help="Submit each batch as a flow run to this Prefect work pool and wait for its "
            "workers (`prefect worker start --pool NAME`; each reads with its own cores)"
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each dossier's outcome as JSON on stdout")
    ] = False,
) -> None:
    """Digitise every dossier in FOLDER. Resumable: run it again after a stop or a crash and it
    finishes what is left; dossiers already committed are skipped."""
    if not folder.is_dir():
        raise Failure(f"not a folder: {folder}", EXIT_USAGE)
    if pool is not None and (dask or dask_address is not None):
        raise Failure("--pool runs batches on the pool's workers: no --dask with it", EXIT_USAGE)
    settings = _settings()
    # With a pool, the workers' machines read the pages, not this one.
    _prepare_to_digitise(settings, reads_pages=pool is None)
    from sohoa.flows.backlog import DossierOutcome, find_dossiers, listening, run_backlog

    dossiers = find_dossiers(folder)
    if not dossiers:
        raise Failure(f"{folder} holds no dossiers (no files or sub-folders)", EXIT_INPUT)
    err.print(f"{len(dossiers)} dossier(s) in {folder}")
    columns = (
        SpinnerColumn(),
        TextColumn("Dossiers"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[pages]} pages, {task.fields[rate]} pages/s"),
        TimeRemainingColumn(),
    )
    started = time.monotonic()
    outcomes: list[DossierOutcome] = []
    with Progress(*columns, console=err) as bar:
        task = bar.add_task("", total=len(dossiers), pages=0, rate="–")

        def show(outcome: DossierOutcome) -> None:
            outcomes.append(outcome)
            pages = sum(o.pages for o in outcomes if o.result == "digitised")
            rate = pages / max(time.monotonic() - started, 1e-6)
            bar.update(task, advance=1, pages=pages, rate=f"{rate:.2f}")
            if outcome.result == "failed":
                bar.console.print(f"[red]failed[/red] {outcome.name}: {outcome.error}")

        if pool is not None:
            from sohoa.flows.pool import run_on_pool

            def submitted(runs: int) -> None:
                bar.console.print(
                    f"{runs} flow run(s) submitted to work pool {pool}; its workers "
                    f"(`prefect worker start --pool {pool}`) run them"
                )

            run_on_pool(
                dossiers, pool=pool, batch_size=batch_size, listener=show, on_submitted=submitted
            )
        else:
            with listening(show):
                run_backlog(
                    dossiers,
                    workers=workers or settings.concurrency,
                    batch_size=batch_size,
                    dask_address=dask_address,
                    dask_local=dask,
                )
    if as_json:
        sys.stdout.write(_json_list([o.model_dump(mode="json") for o in outcomes]) + "\n")
    else:
        _print_backlog_summary(outcomes, time.monotonic() - started)
    incomplete = any(o.result == "failed" or o.status != "done" for o in outcomes)
    raise typer.Exit(EXIT_PARTIAL if incomplete else EXIT_DONE)


def _prepare_to_digitise(settings: Settings, *, reads_pages: bool) -> None:
    """Fail early, with the exit code that says why, rather than on every dossier; then point
    this process at Prefect (before anything imports it) and clear what killed runs left."""
    from sohoa.flows import prefect_server, workdir
    from sohoa.ocr.tesseract import TesseractMissing, check_installed
    from sohoa.storage.objects import ObjectStore

    sign_cli.check_at_start(settings)
    if reads_pages:
        try:
            check_installed(settings.ocr_lang)
        except TesseractMissing as e:
            raise Failure(str(e), EXIT_DEPENDENCY) from e
    with _storage_failures():
        ObjectStore.from_settings(settings).ensure_bucket()
    prefect_server.connect(settings)
    workdir.remove_abandoned(settings)


def _print_backlog_summary(outcomes: list[Any], seconds: float) -> None:
    from sohoa.flows.backlog import summary_table

    table = Table("Backlog", "")
    for row in summary_table(outcomes):
        table.add_row(row["measure"], str(row["value"]))
    pages = sum(o.pages for o in outcomes if o.result == "digitised")
    table.add_row("pages/s (pages digitised now ÷ time)", f"{pages / max(seconds, 1e-6):.2f}")
    Console(soft_wrap=True).print(table)


@app.command()
def watch(
    incoming: Annotated[
        Path | None,
        typer.Option(help="Also watch this folder: each file or sub-folder of it is a dossier"),
    ] = None,
    done: Annotated[
        Path | None, typer.Option(help="Where the folder's digitised dossiers go [DIR.done]")
    ] = None,
    failed: Annotated[
        Path | None,
        typer.Option(help="Where its dossiers with nothing usable go, with why [DIR.failed]"),
    ] = None,
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between sweeps")] = 10.0,
    settle: Annotated[
        float, typer.Option(min=0.0, help="Seconds a dossier must stay unchanged to be taken")
    ] = 5.0,
    lease: Annotated[
        float,
        typer.Option(
            min=1.0,
            help="Seconds a claim lasts unless renewed: a watcher that dies frees its dossiers "
            "this long after",
        ),
    ] = 120.0,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Pages read at once (OCR processes); default one per core"),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Sweep once, then exit")] = False,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help="Serve the sweep as a Prefect deployment, one run every interval"
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each dossier taken as a JSON line on stdout")
    ] = False,
) -> None:
    """Digitise dossiers as they arrive in the bucket's incoming/ prefix (and --incoming DIR),
    each once even with several watchers, then move them out of incoming."""
    if once and serve:
        raise Failure("--once and --serve do not go together", EXIT_USAGE)
    if incoming is not None and not incoming.is_dir():
        raise Failure(f"not a folder: {incoming}", EXIT_USAGE)
    settings = _settings()
    _prepare_to_digitise(settings, reads_pages=True)
    from sohoa.flows import incoming as sweeps

    options = sweeps.Watch(
        incoming=str(incoming.resolve()) if incoming else None,
        done=str(done.resolve()) if done else None,
        failed=str(failed.resolve()) if failed else None,
        settle_s=settle,
        lease_s=lease,
        workers=workers,
    )
    where = f"incoming/ in bucket {settings.s3_bucket}" + (f" and {incoming}" if incoming else "")
    if serve:
        err.print(
            f"Serving flow sweep-incoming as deployment {sweeps.DEPLOYMENT_NAME}: a sweep of "
            f"{where} every {interval:g} s, never two at once. Ctrl+C stops",
            soft_wrap=True,
        )
        sweeps.serve(options, interval)
        return
    if not once:
        err.print(f"Watching {where} every {interval:g} s. Ctrl+C stops", soft_wrap=True)
    outcomes: list[Any] = []

    def show(outcome: Any) -> None:
        outcomes.append(outcome)
        if as_json:
            sys.stdout.write(outcome.model_dump_json() + "\n")
            sys.stdout.flush()
        style = "red" if outcome.result == "error" else None
        err.print(sweeps.describe(outcome), style=style, markup=False, soft_wrap=True)

    stop = _stop_on_signals()
    with sweeps.listening(show), sweeps.stoppable(stop):
        while not stop.is_set():
            try:
                with _storage_failures():
                    sweeps.sweep(options)
            except Failure as e:
                if once:
                    raise
                err.print(f"[red]error:[/red] {e} Trying again in {interval:g} s.")
            if once:
                break
            stop.wait(interval)
    if once and not outcomes:
        err.print("Nothing settled in incoming")
    incomplete = any(o.result == "error" or o.status != "done" for o in outcomes)
    raise typer.Exit(EXIT_PARTIAL if incomplete else EXIT_DONE)


def _stop_on_signals() -> threading.Event:
    """An event set by the first Ctrl+C (or SIGTERM): the watcher finishes the dossier in hand,
    then stops. A second one stops it at once, leaving that dossier in incoming.

    Not a KeyboardInterrupt at the first: one raised inside a Prefect flow run may be lost, and
    the watcher would go on sweeping."""
    stop = threading.Event()

    def handle(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        err.print("Stopping after the dossier in hand (Ctrl+C again stops at once)")

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


def _run_on_worker(
    settings: Settings, job: Job, show: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    from sohoa.flows import worker

    for attempt in range(2):
        if not worker.is_running(settings):
            err.print("Starting sohoa's background worker (first use only, a few seconds)…")
        socket_path = worker.ensure_running(settings)
        try:
            return worker.submit(socket_path, job, show)
        except worker.WorkerFailure as e:
            if e.kind == "restart" and attempt == 0:
                # Its Prefect server was restarted: the next worker uses the new one.
                worker.stop(settings)
                continue
            raise _failure(e, settings) from e
    raise AssertionError("a restarted worker asked for a restart again")


def _failure(e: WorkerFailure, settings: Settings) -> Failure:
    from sohoa.flows.worker import workers_dir

    if e.kind == "storage":
        return Failure(
            f"object storage unreachable: {e}. Check SOHOA_S3_ENDPOINT and the credentials, "
            "or run `sohoa storage status` for the embedded server.",
            EXIT_STORAGE,
        )
    if e.kind == "dependency":
        return Failure(str(e), EXIT_DEPENDENCY)
    return Failure(f"{e} (details in the worker's log under {workers_dir(settings)})", EXIT_USAGE)


def _print_summary(manifest: Manifest, out: Path | None) -> None:
    pages = manifest.pages
    blank = sum(p.blank for p in pages)
    reused = sum(d.reuse_of is not None for d in manifest.documents)
    console = Console(soft_wrap=True)
    console.print(
        f"[bold]{manifest.dossier_id}[/bold]: {manifest.status} — {len(pages)} pages "
        f"({blank} blank), {len(manifest.documents)} document(s), "
        f"{reused} of {len(manifest.documents)} documents already on file"
    )
    for document in manifest.documents:
        line = f"  {document.id}  {document.type}  pages {document.pages}  {document.pdf.key}"
        if document.reuse_of:
            line += f"  already on file as {document.reuse_of} ({document.reuse_reason})"
        console.print(line)
    for q in manifest.quarantined:
        console.print(f"  [red]quarantined[/red] {q.source}: {q.reason}")
    if out is not None:
        console.print(f"Local copies in {out}")


@storage_app.command("start")
def storage_start() -> None:
    """Start the embedded S3 server (it also starts by itself when needed)."""
    from sohoa.storage import embedded

    endpoint = embedded.ensure_running(_settings())
    err.print(f"Embedded S3 server running at {endpoint.url}")


@storage_app.command("stop")
def storage_stop() -> None:
    """Stop the embedded S3 server."""
    from sohoa.storage import embedded

    stopped = embedded.stop(_settings())
    err.print("Embedded S3 server stopped" if stopped else "Embedded S3 server was not running")


@storage_app.command("status")
def storage_status() -> None:
    """Say whether the embedded S3 server runs, and where."""
    from sohoa.storage import embedded

    settings = _settings()
    if not settings.embedded_storage:
        err.print(f"Using the configured endpoint {settings.s3_endpoint}")
        return
    state = embedded.status(settings)
    if state is None:
        err.print("Embedded S3 server: not running (it starts by itself when needed)")
    else:
        endpoint = embedded.ensure_running(settings)
        err.print(
            f"Embedded S3 server: running at {endpoint.url} (pid {state.pid}), "
            f"data in {embedded.s3_dir(settings)}, bucket {settings.s3_bucket}"
        )


@prefect_app.command("start")
def prefect_start() -> None:
    """Start the local Prefect server (it also starts by itself when needed)."""
    from sohoa.flows import prefect_server

    err.print(f"Prefect server running at {prefect_server.ensure_running(_settings())}")


@prefect_app.command("stop")
def prefect_stop() -> None:
    """Stop the local Prefect server."""
    from sohoa.flows import prefect_server

    stopped = prefect_server.stop(_settings())
    err.print("Prefect server stopped" if stopped else "Prefect server was not running")


@prefect_app.command("status")
def prefect_status() -> None:
    """Say whether the local Prefect server runs, and where."""
    from sohoa.flows import prefect_server

    state = prefect_server.status(_settings())
    if state is None:
        err.print("Prefect server: not running (it starts by itself when needed)")
    else:
        err.print(f"Prefect server: running at {prefect_server.api_url(state)} (pid {state.pid})")


@worker_app.command("status")
def worker_status() -> None:
    """Say whether a worker runs for the current configuration."""
    from sohoa.flows import worker

    running = worker.is_running(_settings())
    err.print(
        "sohoa worker: running" if running else "sohoa worker: not running (starts when needed)"
    )


@worker_app.command("stop")
def worker_stop() -> None:
    """Stop the workers of this data dir (they also stop by themselves after 30 idle minutes)."""
    from sohoa.flows import worker

    err.print(f"Stopped {worker.stop_all(_settings())} worker(s)")


# --- Finding past results ---------------------------------------------------------------------

_PERSON_ID = re.compile(r"\d{12}")


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help='Words, "a phrase", a document number or a 12-digit ID')
    ] = "",
    type_: Annotated[
        str | None, typer.Option("--type", help="Only this document type (its code)")
    ] = None,
    person: Annotated[
        str | None, typer.Option(help="Only papers about this 12-digit personal ID")
    ] = None,
    issuer: Annotated[
        str | None, typer.Option(help="Only papers whose issuing body's name contains this")
    ] = None,
    date_from: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="Issued on or after (YYYY-MM-DD)"),
    ] = None,
    date_to: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Issued on or before (YYYY-MM-DD)"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many results")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
) -> None:
    """Search digitised documents; marks optional. With only --person: all of their papers,
    newest first."""
    from sohoa.pipeline.taxonomy import load_taxonomy
    from sohoa.storage.catalogue import SearchFilters

    if person is not None and not _PERSON_ID.fullmatch(person):
        raise Failure(f"--person {person!r} is not a 12-digit personal ID", EXIT_USAGE)
    codes = load_taxonomy().codes
    if type_ is not None and type_ not in codes:
        raise Failure(
            f"--type {type_!r} is not a type code; one of: {', '.join(codes)}", EXIT_USAGE
        )
    filters = SearchFilters(
        type=type_,
        person_id=person,
        issuer=issuer,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    if not query.strip() and filters == SearchFilters():
        raise Failure("give a QUERY, or a filter such as --person ID", EXIT_USAGE)
    with _catalogue() as catalogue:
        hits = catalogue.search(query, filters, limit)
    if as_json:
        sys.stdout.write(_json_list([hit.model_dump(mode="json") for hit in hits]) + "\n")
    elif not hits:
        err.print("No documents match.")
    else:
        Console(soft_wrap=False).print(_hits_table(hits))


@app.command()
def show(
    document_id: Annotated[str, typer.Argument(help="A document id, as search lists it")],
    pdf: Annotated[Path | None, typer.Option(help="Write the document's PDF/A here")] = None,
    as_text: Annotated[
        bool, typer.Option("--text", help="Print the document's text (a form feed between pages)")
    ] = False,
) -> None:
    """Show a document's type and fields; fetch its PDF or text from storage."""
    from sohoa.storage.objects import ObjectStore

    settings = _settings()
    with _catalogue() as catalogue:
        document = catalogue.document(document_id)
    if document is None:
        raise Failure(
            f"no document {document_id!r} in the catalogue (if it was digitised, "
            "`sohoa reindex` rebuilds the catalogue from storage)",
            EXIT_INPUT,
        )
    if not as_text:
        Console(soft_wrap=True).print(_document_table(document))
    if pdf is None and not as_text:
        return
    with _storage_failures():
        store = ObjectStore.from_settings(settings)
        if as_text:
            sys.stdout.write(store.get_bytes(document.text_key).decode())
        if pdf is not None:
            store.download_file(document.pdf_key, pdf)
            err.print(f"PDF written to {pdf}")


@app.command()
def reindex() -> None:
    """Rebuild the catalogue from the manifests in object storage (the source of truth)."""
    from sohoa.flows import cataloguing
    from sohoa.storage.objects import ObjectStore

    settings = _settings()
    documents = 0
    with _storage_failures(), _catalogue() as catalogue:
        store = ObjectStore.from_settings(settings)
        columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn())
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("Cataloguing dossiers", total=None)

            def counted(manifest: Manifest) -> None:
                nonlocal documents
                documents += len(manifest.documents)
                bar.advance(task)

            dossiers = cataloguing.reindex(store, catalogue, counted)
    err.print(f"Catalogue rebuilt: {dossiers} dossier(s), {documents} document(s)")


@app.command()
def report(
    date_from: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="Dossiers made searchable on or after"),
    ] = None,
    date_to: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Dossiers made searchable on or before"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON")] = False,
) -> None:
    """Digitisation indicators of a period (UTC days of the manifests, both included): dossiers,
    pages, documents, review and reuse shares, pages per second, failures, arrival delay."""
    from sohoa.pipeline import indicators

    first_day = date_from.date() if date_from else None
    last_day = date_to.date() if date_to else None
    if first_day and last_day and first_day > last_day:
        raise Failure(f"--from {first_day} is after --to {last_day}", EXIT_USAGE)
    with _catalogue() as catalogue:
        facts = catalogue.dossier_facts(first_day, last_day)
        uncounted = catalogue.dossiers_without_facts()
    if uncounted:
        err.print(
            f"[yellow]{uncounted} dossier(s) in the catalogue are not counted: catalogued by an "
            "older sohoa. Run `sohoa reindex` to count them.[/yellow]"
        )
    figures = indicators.summarise(facts, indicators.Period(first_day=first_day, last_day=last_day))
    if as_json:
        sys.stdout.write(json.dumps(figures.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        console = Console(soft_wrap=False)
        for table in _indicator_tables(figures):
            console.print(table)


def _indicator_tables(figures: Indicators) -> list[Table]:
    def share(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    def seconds(value: float | None) -> str:
        return "–" if value is None else _duration(value)

    period = figures.period
    title = f"Digitisation {period.first_day or 'from the start'} to {period.last_day or 'today'}"
    overview = Table("Indicator", "Value", title=title)
    dossiers, pages, documents = figures.dossiers, figures.pages, figures.documents
    speed, delay = figures.throughput, figures.arrival_to_searchable
    for name, value in (
        ("Dossiers", f"{dossiers.total:,}"),
        (
            "  done / partial / failed",
            f"{dossiers.done:,} / {dossiers.partial:,} / {dossiers.failed:,}",
        ),
        ("Pages", f"{pages.total:,}"),
        ("  blank", f"{pages.blank:,}"),
        ("  OCR failed", f"{pages.ocr_failed:,}"),
        ("Documents", f"{documents.total:,}"),
        (
            "  flagged for review",
            f"{documents.needs_review:,} ({share(documents.needs_review_share)})",
        ),
        ("  already on file (reused)", f"{documents.reused:,} ({share(documents.reused_share)})"),
        (
            "Pages per second",
            "–" if speed.pages_per_second is None else f"{speed.pages_per_second:.2f}",
        ),
        ("  pages timed / busy time", f"{speed.pages:,} / {_duration(speed.busy_seconds)}"),
        (
            "Arrival to searchable p50 / p95",
            f"{seconds(delay.p50_seconds)} / {seconds(delay.p95_seconds)}",
        ),
        ("  dossiers with an arrival time", f"{delay.dossiers:,}"),
        ("Failures", f"{figures.failures.total:,}"),
    ):
        overview.add_row(name, value)
    types = Table("Document type", "Documents", title="Documents by type")
    for code, count in documents.by_type.items():
        types.add_row(code, f"{count:,}")
    failures = Table("Reason", "Files or pages", title="Failures by reason")
    for reason, count in figures.failures.by_reason.items():
        failures.add_row(reason.replace("_", " ").replace("ocr", "OCR"), f"{count:,}")
    return [overview, types, failures] if documents.by_type else [overview, failures]


def _duration(seconds: float) -> str:
    """Seconds as a clerk reads them: "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h"."""
    whole = round(seconds)
    for unit, size, smaller, smaller_size in (
        ("d", 86_400, "h", 3_600),
        ("h", 3_600, "min", 60),
        ("min", 60, "s", 1),
    ):
        if whole >= size:
            return f"{whole // size} {unit} {whole % size // smaller_size} {smaller}"
    return f"{whole} s"


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; other than loopback, anyone who can reach it")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 8000,
) -> None:
    """Serve the clerks' search page and JSON API; every request needs the data dir's token."""
    import uvicorn

    from sohoa.storage.objects import ObjectStore
    from sohoa.web.app import create_app
    from sohoa.web.auth import load_or_create_token, token_path

    settings = _settings()
    token, created = load_or_create_token(settings.data_dir)
    with _storage_failures(), _catalogue() as catalogue:
        store = ObjectStore.from_settings(settings)
        web_app = create_app(catalogue, store, token)
        shown_host = f"[{host}]" if ":" in host else host
        # Unwrapped, so that the token can be copied whole.
        if created:
            # The only time the token is shown; it stays in the data dir for later.
            err.print(
                f"Access token (kept in {token_path(settings.data_dir)}): {token}", soft_wrap=True
            )
        else:
            err.print(f"Access token: in {token_path(settings.data_dir)}", soft_wrap=True)
        err.print(f"Serving http://{shown_host}:{port}/ — Ctrl+C stops", soft_wrap=True)
        # No access log: a `?token=` link would write the token into it.
        uvicorn.run(web_app, host=host, port=port, access_log=False, log_level="warning")


@contextmanager
def _catalogue() -> Iterator[Catalogue]:
    from sohoa.storage.catalogue import Catalogue, CatalogueError

    try:
        catalogue = Catalogue.from_settings(_settings())
        try:
            yield catalogue
        finally:
            catalogue.close()
    except CatalogueError as e:
        raise Failure(f"{e}. Check SOHOA_CATALOGUE_URL.", EXIT_STORAGE) from e


@contextmanager
def _storage_failures() -> Iterator[None]:
    from sohoa.storage.objects import ObjectNotFound, StorageError

    try:
        yield
    except ObjectNotFound as e:
        raise Failure(
            f"not in object storage: {e} (run `sohoa reindex` if the catalogue is stale)",
            EXIT_INPUT,
        ) from e
    except StorageError as e:
        raise Failure(
            f"object storage failed: {e}. Check SOHOA_S3_ENDPOINT and the credentials, "
            "or run `sohoa storage status` for the embedded server.",
            EXIT_STORAGE,
        ) from e


def _json_list(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=2)


def _hits_table(hits: list[SearchHit]) -> Table:
    table = Table()
    for heading in ("Document", "Type", "Number", "Date", "Person"):
        table.add_column(heading, overflow="fold")
    table.add_column("Match", ratio=1)
    table.add_column("Page", justify="right")
    for hit in hits:
        document = hit.document
        snippet = Text(hit.snippet or "")
        for start, end in hit.highlights:
            snippet.stylize("bold yellow", start, end)
        table.add_row(
            document.id,
            document.type,
            document.so_ky_hieu or "",
            document.ngay_ban_hanh.isoformat() if document.ngay_ban_hanh else "",
            _person(document),
            snippet,
            str(hit.page) if hit.page is not None else "",
        )
    return table


def _person(document: CatalogueDocument) -> str:
    return "\n".join(filter(None, [document.ho_ten, *document.person_ids]))


def _document_table(document: CatalogueDocument) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    review = ", ".join(document.review) if document.needs_review else "no"
    rows = [
        ("document", document.id),
        ("dossier", document.dossier_id),
        ("type", f"{document.type} (confidence {document.type_confidence:.2f})"),
        ("needs review", review or "yes"),
        ("số ký hiệu", document.so_ky_hieu),
        ("ngày ban hành", document.ngay_ban_hanh.isoformat() if document.ngay_ban_hanh else None),
        ("cơ quan ban hành", document.co_quan_ban_hanh),
        ("trích yếu", document.trich_yeu),
        ("họ tên", document.ho_ten),
        ("số định danh", ", ".join(document.person_ids)),
        ("pages", str(document.page_count)),
        (
            "already on file as",
            f"{document.reuse_of} ({document.reuse_reason})" if document.reuse_of else None,
        ),
        ("pdf", f"{document.pdf_key} (sha256 {document.pdf_sha256})"),
        *sign_cli.signature_rows(document),
        ("digitised", document.created),
    ]
    for name, value in rows:
        table.add_row(Text(name, style="bold"), Text(value or "—"))
    return table


def _check_dossier_id(dossier_id: str) -> None:
    from sohoa.storage.objects import safe_key_part

    try:
        safe_key_part(dossier_id)
    except ValueError as e:
        raise Failure(
            f"invalid --dossier-id {dossier_id!r}: use letters, digits, '.', '_' and '-'",
            EXIT_USAGE,
        ) from e


def main() -> None:
    """Console entry point: runs the app and turns failures into the documented exit codes."""
    from sohoa.daemon import DaemonError

    try:
        code = app(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("Interrupted")
        code = 130
    except click.exceptions.UsageError as e:
        e.show(file=sys.stderr)
        code = EXIT_USAGE
    except Failure as e:
        err.print(f"[red]error:[/red] {e}")
        code = e.code
    except DaemonError as e:
        err.print(f"[red]error:[/red] a background server did not start: {e}")
        code = EXIT_STORAGE
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()

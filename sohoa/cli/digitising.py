"""Digitising: one dossier now (`digitise`), a backlog of them (`backlog`), and dossiers as
they arrive (`watch`)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)

from sohoa.cli import render
from sohoa.cli.common import app, err, load_settings
from sohoa.errors import ExitCode, InputProblem, UsageError
from sohoa.flows.preparing import check_signer

_STATUS_EXIT = {"done": ExitCode.DONE, "partial": ExitCode.PARTIAL, "failed": ExitCode.INPUT}


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
    from sohoa.storage.objects import ObjectStore

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if dossier_id is not None:
        _check_dossier_id(dossier_id)
    settings = load_settings()
    check_signer(settings)
    # Before the worker (and its Prefect server) start: a dead store is reported in seconds.
    ObjectStore.from_settings(settings).ensure_bucket()
    job = worker.Job(
        # Not resolved here: a link named is followed once, keeping its name (`inputs`).
        paths=[str(p.absolute()) for p in paths],
        dossier_id=dossier_id,
        out=str(out.resolve()) if out is not None else None,
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )

    def starting() -> None:
        err.print("Starting sohoa's background worker (first use only, a few seconds)…")

    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("Reading pages", total=None)

        def show(event: dict[str, Any]) -> None:
            if event["event"] == "pages_total":
                bar.update(task, total=event["count"])
            elif event["event"] == "page_done":
                bar.advance(task)

        manifest = Manifest.model_validate(worker.run(settings, job, show, starting))
    if as_json:
        sys.stdout.write(manifest.model_dump_json(indent=2) + "\n")
    else:
        render.print_summary(manifest, out)
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
        raise UsageError(f"not a folder: {folder}")
    if pool is not None and (dask or dask_address is not None):
        raise UsageError("--pool runs batches on the pool's workers: no --dask with it")
    settings = load_settings()
    from sohoa.flows.preparing import prepare_to_digitise

    # With a pool, the workers' machines read the pages, not this one.
    prepare_to_digitise(settings, reads_pages=pool is None)
    from sohoa.flows.backlog import DossierOutcome, find_dossiers, listening, run_backlog

    dossiers = find_dossiers(folder)
    if not dossiers:
        raise InputProblem(f"{folder} holds no dossiers (no files or sub-folders)")
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
        sys.stdout.write(render.json_list([o.model_dump(mode="json") for o in outcomes]) + "\n")
    else:
        render.print_backlog_summary(outcomes, time.monotonic() - started)
    incomplete = any(o.result == "failed" or o.status != "done" for o in outcomes)
    raise typer.Exit(ExitCode.PARTIAL if incomplete else ExitCode.DONE)


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
        raise UsageError("--once and --serve do not go together")
    if incoming is not None and not incoming.is_dir():
        raise UsageError(f"not a folder: {incoming}")
    settings = load_settings()
    from sohoa.flows.preparing import prepare_to_digitise

    prepare_to_digitise(settings, reads_pages=True)
    from sohoa.flows import incoming as sweeps
    from sohoa.flows import watching
    from sohoa.storage.objects import StorageError

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

    def retrying(error: StorageError) -> None:
        message = f"{error.clerk_message}. Trying again in {interval:g} s."
        err.print(f"[red]error:[/red] {message}", highlight=False)

    stop = watching.stop_on_signals(
        lambda: err.print("Stopping after the dossier in hand (Ctrl+C again stops at once)")
    )
    watching.watch(options, interval=interval, once=once, stop=stop, show=show, on_error=retrying)
    if once and not outcomes:
        err.print("Nothing settled in incoming")
    incomplete = any(o.result == "error" or o.status != "done" for o in outcomes)
    raise typer.Exit(ExitCode.PARTIAL if incomplete else ExitCode.DONE)


def _check_dossier_id(dossier_id: str) -> None:
    from sohoa.storage.objects import safe_key_part

    try:
        safe_key_part(dossier_id)
    except ValueError as e:
        raise UsageError(
            f"invalid --dossier-id {dossier_id!r}: use letters, digits, '.', '_' and '-'"
        ) from e

"""Backlogs: many dossiers digitised by one flow run per batch, a bounded number at a time.

Import this module only after `prefect_server.configure_client_env` (it imports Prefect).

Each dossier is one `digitise-dossier` task of the batch's flow run (its documents are nested
`store-document` tasks, see `sohoa.flows.digitise`), given only the paths of its files and
returning a small `DossierOutcome`: no image or PDF ever crosses a task boundary. What makes a
backlog resumable is the same as for one dossier: a dossier whose committed manifest covers its
files is not digitised again, page readings are kept in storage as they are made, and the
manifest is committed last, so killing a batch at any moment loses only work in progress and
shows nothing half done.

Dossiers run on the flow's task runner: threads in this process by default (every dossier the
process reads shares `workers` OCR slots), or a Dask cluster, one dossier per Dask worker
thread, each reading its pages one at a time.
"""

from __future__ import annotations

import stat
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from prefect import flow, task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from pydantic import BaseModel, Field

from sohoa.errors import failure_reason
from sohoa.flows import progress, runs
from sohoa.flows.digitise import STORAGE_RETRIES, digitise
from sohoa.pipeline.dossier import folder_dossier_id
from sohoa.pipeline.inputs import entries, shown
from sohoa.pipeline.model import DossierStatus, Manifest, QuarantineRecord

# The Prefect UI's progress artefact is updated at most this often: a backlog of small
# dossiers would otherwise write to the server after every one.
PROGRESS_EVERY_S = 5.0

DossierResult = Literal["digitised", "on_file", "failed"]


class DossierInput(BaseModel):
    """One dossier of a backlog: its name in the backlog folder (for people), its files, and
    whether it is a folder (whose name may be its id)."""

    name: str
    paths: list[str]
    folder: bool = False

    @property
    def dossier_id(self) -> str | None:
        """The folder's name when it is a dossier id; None: an id derived from content."""
        return folder_dossier_id(self.name) if self.folder else None


class DossierOutcome(BaseModel):
    """What became of one dossier of a batch: small facts only."""

    name: str
    result: DossierResult  # digitised now, already on file (committed before), or failed
    dossier_id: str | None = None
    status: DossierStatus | None = None
    pages: int = 0
    documents: dict[str, int] = Field(default_factory=dict)  # by type
    review: int = 0  # documents flagged for review
    reused: int = 0  # documents that are papers already on file
    quarantined: list[QuarantineRecord] = Field(default_factory=list)
    replaced: str | None = None  # an earlier manifest made from other files, replaced and kept
    error: str | None = None

    @classmethod
    def of(cls, name: str, manifest: Manifest, fresh: bool) -> DossierOutcome:
        return cls(
            name=name,
            result="digitised" if fresh else "on_file",
            dossier_id=manifest.dossier_id,
            status=manifest.status,
            pages=len(manifest.pages),
            documents=dict(Counter(d.type for d in manifest.documents)),
            review=sum(d.needs_review for d in manifest.documents),
            reused=sum(d.reuse_of is not None for d in manifest.documents),
            quarantined=manifest.quarantined,
            replaced=manifest.replaces.note if fresh and manifest.replaces else None,
        )


def find_dossiers(folder: Path) -> list[DossierInput]:
    """Each sub-folder, and each file, of `folder` is a dossier; hidden names are skipped.
    The folder named is resolved once; its entries are taken as they are (a link among them is
    a one-file dossier that is refused, never followed)."""
    return [
        DossierInput(name=shown(path.name), paths=[str(path)], folder=stat.S_ISDIR(status.st_mode))
        for path, status in entries(folder.resolve())
    ]


def batches(dossiers: list[DossierInput], size: int) -> Iterator[list[DossierInput]]:
    for start in range(0, len(dossiers), size):
        yield dossiers[start : start + size]


# --- Reporting outcomes as they come ----------------------------------------------------------

OutcomeListener = Callable[[DossierOutcome], None]
_listener: ContextVar[OutcomeListener | None] = ContextVar("sohoa_batch_listener", default=None)


def listening(listener: OutcomeListener) -> AbstractContextManager[None]:
    """Have `listener` told of each dossier as the batch flows run in this context finish it."""
    return progress.scoped(_listener, listener)


def current_listener() -> OutcomeListener | None:
    # The flow reads the listener through this function, not the ContextVar itself: on Dask,
    # the flow's function travels in the tasks' context, pickled with the globals it uses,
    # and a ContextVar cannot be pickled.
    return _listener.get()


# --- The flow ---------------------------------------------------------------------------------


@task(name="digitise-dossier", **STORAGE_RETRIES)
def digitise_in_batch(dossier: DossierInput, workers: int | None) -> DossierOutcome:
    """One dossier of a batch, its pages read `workers` at a time (None: as configured); started
    again while the object store is away."""
    digitised = digitise(
        dossier.paths,
        dossier.dossier_id,
        workers=workers,
        source_name=dossier.name,
        follow_named_links=False,
    )
    return DossierOutcome.of(dossier.name, digitised.manifest, digitised.fresh)


@flow(
    name="digitise-batch",
    log_prints=False,
    validate_parameters=False,
    on_running=[runs.record_owner],
)
def digitise_batch(
    dossiers: list[DossierInput], workers: int | None = None
) -> list[DossierOutcome]:
    """Digitise `dossiers`, as many at a time as the task runner runs, each `workers` pages at a
    time (None: the configured concurrency of the machine that runs it); a dossier that fails
    is reported with the reason and the others go on. Leaves a progress artefact and a summary
    table artefact on the flow run."""
    # A flow run of a deployment (`sohoa backlog --pool`) gets its parameters as JSON.
    dossiers = [DossierInput.model_validate(d) for d in dossiers]
    futures = {digitise_in_batch.submit(dossier, workers): dossier for dossier in dossiers}
    progress_id = create_progress_artifact(
        0.0, description=f"Dossiers of this batch digitised, of {len(dossiers)}"
    )
    assert isinstance(progress_id, UUID)  # called from a synchronous flow
    outcomes: list[DossierOutcome] = []
    listener = current_listener()
    last_update = time.monotonic()
    for future in as_completed(list(futures)):
        outcome = _outcome(future, futures[future])
        outcomes.append(outcome)
        if listener is not None:
            listener(outcome)
        if time.monotonic() - last_update >= PROGRESS_EVERY_S or len(outcomes) == len(futures):
            _update_progress(progress_id, len(outcomes), len(futures))
            last_update = time.monotonic()
    create_table_artifact(
        summary_table(outcomes),
        key="backlog-batch-summary",
        description=f"Batch of {len(dossiers)} dossiers: what became of them",
    )
    return outcomes


def _outcome(future: PrefectFuture[DossierOutcome], dossier: DossierInput) -> DossierOutcome:
    try:
        return future.result()
    except Exception as e:
        return DossierOutcome(name=dossier.name, result="failed", error=failure_reason(e))


def _update_progress(artifact_id: UUID, done: int, total: int) -> None:
    update_progress_artifact(artifact_id, 100.0 * done / total)


def summary_table(outcomes: list[DossierOutcome]) -> list[dict[str, Any]]:
    """The batch in figures, one row per measure, as the summary artefact shows it."""
    committed = Counter(o.status for o in outcomes if o.result == "digitised")
    types: Counter[str] = Counter()
    for o in outcomes:
        types.update(o.documents)
    reasons = Counter(
        f"{_quarantined_file(o, q)}: {q.reason}" for o in outcomes for q in o.quarantined
    )
    errors = Counter(f"{o.name}: {o.error}" for o in outcomes if o.error)
    replaced = Counter(f"{o.name}: {o.replaced}" for o in outcomes if o.replaced)
    rows: list[tuple[str, object]] = [
        ("dossiers", len(outcomes)),
        ("digitised now, done", committed["done"]),
        ("digitised now, partial (some files or pages quarantined)", committed["partial"]),
        ("digitised now, nothing usable (all files quarantined)", committed["failed"]),
        ("already on file", sum(o.result == "on_file" for o in outcomes)),
        ("not digitised (a re-run retries them)", sum(o.result == "failed" for o in outcomes)),
        ("pages", sum(o.pages for o in outcomes)),
        ("documents", sum(types.values())),
        *((f"documents: {code}", count) for code, count in sorted(types.items())),
        ("documents flagged for review", sum(o.review for o in outcomes)),
        ("documents already on file (reused)", sum(o.reused for o in outcomes)),
        *((f"quarantined: {reason}", count) for reason, count in sorted(reasons.items())),
        *((f"not digitised: {error}", count) for error, count in sorted(errors.items())),
        ("manifests replaced, made from other files (kept)", sum(replaced.values())),
        *((f"replaced: {note}", count) for note, count in sorted(replaced.items())),
    ]
    return [{"measure": measure, "value": value} for measure, value in rows]


def _quarantined_file(outcome: DossierOutcome, record: QuarantineRecord) -> str:
    """A quarantined file as a clerk finds it in the backlog folder, with its dossier's id when
    that is not the folder's name: "ho-so-7/scan.pdf", "Hồ sơ bà Lan/scan.pdf (hs-…)"."""
    where = record.source if record.source == outcome.name else f"{outcome.name}/{record.source}"
    if outcome.dossier_id in (None, outcome.name):
        return where
    return f"{where} ({outcome.dossier_id})"


def task_runner(concurrent: int, dask_address: str | None, dask_local: bool) -> TaskRunner[Any]:
    """Threads here, `concurrent` dossiers at a time; or a Dask cluster: a LocalCluster of
    `concurrent` single-threaded processes, or the scheduler at `dask_address`."""
    if dask_address is None and not dask_local:
        return ThreadPoolTaskRunner(max_workers=concurrent)
    from prefect_dask import DaskTaskRunner

    if dask_address is not None:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": concurrent,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )


def run_backlog(
    dossiers: list[DossierInput],
    *,
    workers: int,
    batch_size: int,
    dask_address: str | None = None,
    dask_local: bool = False,
) -> list[DossierOutcome]:
    """Digitise `dossiers`, one flow run per batch of `batch_size`, with `workers` OCR
    processes at a time (threads here, or Dask workers)."""
    on_dask = dask_address is not None or dask_local
    # Threads: one dossier more than OCR slots, so that one dossier's assembly and storing
    # overlaps the others' OCR. Dask: one dossier per worker thread, its pages one at a time.
    runner_size, page_workers = (workers, 1) if on_dask else (workers + 1, workers)
    outcomes: list[DossierOutcome] = []
    for batch in batches(dossiers, batch_size):
        runner = task_runner(runner_size, dask_address, dask_local)
        outcomes += digitise_batch.with_options(task_runner=runner)(batch, page_workers)
    return outcomes

"""The `sweep-incoming` Prefect flow: every settled arrival in incoming digitised once, then out.

Import this module only after `prefect_server.configure_client_env` (it imports Prefect).

One sweep lists the bucket's ``incoming/`` prefix (and an incoming folder, if given), and takes
each arrival that has settled, oldest first, one at a time (each dossier already reads its pages
on every OCR slot): claim it (:mod:`sohoa.flows.claims`), check it is still as listed, digitise
it with its arrival time as ``received`` (:func:`sohoa.flows.digitise.digitise`: manifest
committed, then catalogued), move it out of incoming (:mod:`sohoa.flows.arrivals`), release the
claim. An arrival that fails (the store away, an error) is released and left in incoming for the
next sweep. Each arrival is a `digitise-arrival` task of the sweep's flow run.

`sohoa watch` runs a sweep every interval in the foreground, or serves this flow as a Prefect
deployment on an interval with a concurrency limit of one (:func:`serve`), so that sweeps never
overlap; several watchers, on one machine or many, may sweep the same incoming at once.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import (
    ConcurrencyLimitConfig,
    ConcurrencyLimitStrategy,
    StateType,
)
from prefect.client.schemas.sorting import FlowRunSort
from prefect.runner import Runner
from prefect.types.entrypoint import EntrypointType
from pydantic import BaseModel, Field

from sohoa.config import Settings
from sohoa.errors import failure_reason
from sohoa.flows import progress, runs, workdir
from sohoa.flows.arrivals import (
    INCOMING_PREFIX,
    Arrival,
    Destinations,
    Where,
    bucket_arrivals,
    folder_arrivals,
    forget_failures,
    look_again,
    move_failed,
    move_out,
    note_failure,
    stage,
)
from sohoa.flows.claims import try_claim, utc_now, watcher_id
from sohoa.flows.digitise import digitise_retried
from sohoa.flows.workdir import WorkDirFull
from sohoa.pipeline.inputs import shown
from sohoa.pipeline.model import DossierStatus, QuarantineRecord
from sohoa.storage.catalogue import CatalogueError
from sohoa.storage.objects import ObjectStore, StorageError, is_transient

DEPLOYMENT_NAME = "sohoa-watch"
DEFAULT_INTERVAL_S = 10.0
DEFAULT_SETTLE_S = 5.0
DEFAULT_LEASE_S = 120.0
# An arrival that fails the same way this many sweeps in a row goes to failed, with the reason.
FAILURES_BEFORE_FAILED = 2

ArrivalResult = Literal["digitised", "on_file", "error"]


class Watch(BaseModel):
    """What a watcher watches and how: the sweep's parameters."""

    incoming: str | None = None  # an incoming folder, besides the bucket's incoming/ prefix
    done: str | None = None  # where the folder's digitised arrivals go (default DIR.done)
    failed: str | None = None  # where those with nothing usable go (default DIR.failed)
    settle_s: float = DEFAULT_SETTLE_S
    lease_s: float = DEFAULT_LEASE_S
    workers: int | None = None

    def destinations(self) -> Destinations | None:
        if self.incoming is None:
            return None
        return Destinations.beside(
            Path(self.incoming),
            Path(self.done) if self.done else None,
            Path(self.failed) if self.failed else None,
        )


class ArrivalOutcome(BaseModel):
    """What became of one arrival a watcher took."""

    arrival: str  # where it was: `incoming/<name>` in the bucket, or its path
    where: Where
    # digitised now, already on file, or failed (left in incoming, or moved to failed once it
    # failed the same way again)
    result: ArrivalResult
    watcher: str
    received: str  # ISO 8601 UTC: when it arrived (its newest change)
    dossier_id: str | None = None
    status: DossierStatus | None = None
    pages: int = 0
    documents: int = 0
    searchable: str | None = None  # ISO 8601 UTC: when it was catalogued
    delay_s: float | None = None  # from arrival to searchable
    quarantined: list[QuarantineRecord] = Field(default_factory=list)
    moved: str | None = None  # what became of it in incoming, for people
    error: str | None = None


@functools.cache
def this_watcher() -> str:
    return watcher_id()


def find_arrivals(store: ObjectStore, watch: Watch) -> list[Arrival]:
    """Everything in incoming now, oldest first."""
    found = bucket_arrivals(store.list_objects(INCOMING_PREFIX))
    if watch.incoming is not None:
        found += folder_arrivals(Path(watch.incoming))
    return sorted(found, key=lambda a: (a.modified, a.identity))


def settled_arrivals(store: ObjectStore, watch: Watch, now: datetime) -> list[Arrival]:
    return [a for a in find_arrivals(store, watch) if a.settled(now, watch.settle_s)]


# --- Reporting outcomes as they come ----------------------------------------------------------

OutcomeListener = Callable[[ArrivalOutcome], None]
_listener: ContextVar[OutcomeListener | None] = ContextVar("sohoa_watch_listener", default=None)


def listening(listener: OutcomeListener) -> AbstractContextManager[None]:
    """Have `listener` told of each arrival as the sweeps run in this context finish it."""
    return progress.scoped(_listener, listener)


_stopping: ContextVar[threading.Event | None] = ContextVar("sohoa_watch_stop", default=None)


def stoppable(stop: threading.Event) -> AbstractContextManager[None]:
    """Have the sweeps run in this context stop before their next arrival once `stop` is set."""
    return progress.scoped(_stopping, stop)


def stop_requested() -> bool:
    stop = _stopping.get()
    return stop is not None and stop.is_set()


def current_listener() -> OutcomeListener:
    """Who is told of each arrival taken: the caller's listener, else a line on stderr (a served
    sweep). A function of the module, so that the flow refers to the context variable only
    through it: a served flow is pickled by value into its process, and a context variable
    cannot be."""
    return _listener.get() or _print


def describe(outcome: ArrivalOutcome) -> str:
    """One line for people: what became of the arrival, and how long it took to be found."""
    if outcome.result == "error" and outcome.moved is not None:
        return (
            f"{outcome.arrival}: not digitised, failed the same way again: {outcome.error}; "
            f"{outcome.moved}"
        )
    if outcome.result == "error":
        return f"{outcome.arrival}: not digitised, left in incoming: {outcome.error}"
    if outcome.status == "failed":
        reasons = "; ".join(f"{q.source}: {q.reason}" for q in outcome.quarantined)
        return (
            f"{outcome.arrival}: nothing usable ({reasons}), recorded as {outcome.dossier_id}; "
            f"{outcome.moved}"
        )
    done = "digitised" if outcome.result == "digitised" else "already on file"
    quarantined = f", {len(outcome.quarantined)} quarantined" if outcome.quarantined else ""
    return (
        f"{outcome.arrival}: {done} as {outcome.dossier_id} ({outcome.status}, "
        f"{outcome.pages} page(s), {outcome.documents} document(s){quarantined}); searchable "
        f"{outcome.delay_s:.0f} s after it arrived; {outcome.moved}"
    )


# --- The flow ---------------------------------------------------------------------------------


@task(name="digitise-arrival", cache_policy=NO_CACHE)
def digitise_arrival(
    store: ObjectStore, settings: Settings, arrival: Arrival, watch: Watch
) -> ArrivalOutcome | None:
    """Claim, digitise and move out one arrival; None when another watcher has it, or it
    changed or left since it was listed."""
    watcher = this_watcher()
    claim = None
    try:
        claim = try_claim(store, arrival.identity, watcher, watch.lease_s)
        if claim is None:
            return None
        # Listed before the claim: another watcher may have finished it meanwhile (then it
        # has left incoming), or the scanner added to it (then it waits to settle again).
        now = look_again(store, arrival)
        if now is None or now.fingerprint != arrival.fingerprint:
            return None
        with workdir.dossier_dir(settings) as work:
            paths = stage(store, arrival, work)
            digitised = digitise_retried(
                paths,
                workers=watch.workers,
                received=arrival.received,
                follow_named_links=False,
            )
        searchable = utc_now()
        manifest = digitised.manifest
        if claim.held:
            moved = move_out(store, arrival, manifest, watch.destinations())
            forget_failures(store, arrival)
        else:
            moved = "left in incoming: its claim ran out meanwhile (another watcher may have it)"
        return ArrivalOutcome(
            arrival=shown(arrival.locator),
            where=arrival.where,
            result="digitised" if digitised.fresh else "on_file",
            watcher=watcher,
            received=arrival.received,
            dossier_id=manifest.dossier_id,
            status=manifest.status,
            pages=len(manifest.pages),
            documents=len(manifest.documents),
            searchable=searchable.isoformat(timespec="seconds"),
            delay_s=round((searchable - arrival.modified).total_seconds(), 3),
            quarantined=manifest.quarantined,
            moved=moved,
        )
    except Exception as e:
        error = failure_reason(e)
        moved = None
        if claim is not None and claim.held and _the_arrivals_fault(e):
            moved = _give_up_when_failed_again(store, arrival, error, watch)
        return ArrivalOutcome(
            arrival=shown(arrival.locator),
            where=arrival.where,
            result="error",
            watcher=watcher,
            received=arrival.received,
            moved=moved,
            error=error,
        )
    finally:
        if claim is not None:
            claim.release()


def _the_arrivals_fault(error: BaseException) -> bool:
    """True when `error` comes from the arrival itself, not from where it is digitised (the
    store, the catalogue or the work folder away or full: every arrival would fail so)."""
    return not (
        isinstance(error, StorageError | WorkDirFull | CatalogueError) or is_transient(error)
    )


def _give_up_when_failed_again(
    store: ObjectStore, arrival: Arrival, error: str, watch: Watch
) -> str | None:
    """Move the arrival to failed, with the error, once it has failed the same way
    `FAILURES_BEFORE_FAILED` sweeps in a row; None while it stays in incoming to be tried again."""
    try:
        times = note_failure(store, arrival, error)
        if times < FAILURES_BEFORE_FAILED:
            return None
        moved = move_failed(store, arrival, error, times, watch.destinations())
        forget_failures(store, arrival)
        return moved
    except StorageError:
        return None  # the store went away meanwhile: the next sweep tries it again


@flow(
    name="sweep-incoming",
    log_prints=False,
    validate_parameters=False,
    on_running=[runs.record_owner],
)
def sweep_incoming(
    incoming: str | None = None,
    done: str | None = None,
    failed: str | None = None,
    settle_s: float = DEFAULT_SETTLE_S,
    lease_s: float = DEFAULT_LEASE_S,
    workers: int | None = None,
) -> list[dict[str, Any]]:
    """Digitise every settled arrival in the bucket's incoming/ prefix (and the folder
    `incoming`, if given) that no other watcher holds, and move it out of incoming. Leaves a
    table artefact of what became of each."""
    watch = Watch(
        incoming=incoming,
        done=done,
        failed=failed,
        settle_s=settle_s,
        lease_s=lease_s,
        workers=workers,
    )
    settings = Settings()
    store = ObjectStore.from_settings(settings)
    store.ensure_bucket()
    listener = current_listener()
    outcomes = []
    for arrival in settled_arrivals(store, watch, utc_now()):
        if stop_requested():
            break
        outcome = digitise_arrival(store, settings, arrival, watch)
        if outcome is not None:
            outcomes.append(outcome)
            listener(outcome)
    if outcomes:
        create_table_artifact(
            [_row(o) for o in outcomes],
            key="incoming-sweep",
            description=f"{len(outcomes)} arrival(s) taken by watcher {this_watcher()}",
        )
    return [o.model_dump(mode="json") for o in outcomes]


def _print(outcome: ArrivalOutcome) -> None:
    print(describe(outcome), file=sys.stderr, flush=True)


def _row(outcome: ArrivalOutcome) -> dict[str, Any]:
    return outcome.model_dump(
        include={"arrival", "result", "dossier_id", "status", "pages", "delay_s", "error"}
    )


# --- Running sweeps ---------------------------------------------------------------------------


def sweep(watch: Watch) -> list[ArrivalOutcome]:
    """One sweep, in a flow run when something in incoming has settled (an idle watcher
    leaves no empty flow run behind every interval)."""
    store = ObjectStore.from_settings(Settings())
    if not settled_arrivals(store, watch, utc_now()):
        return []
    found = sweep_incoming(**watch.model_dump())
    return [ArrivalOutcome.model_validate(o) for o in found]


def serve(watch: Watch, interval_s: float) -> None:
    """Serve `sweep-incoming` as the `sohoa-watch` deployment, a run every `interval_s`
    seconds, until interrupted. At most one run at a time, across every process serving it:
    a run that falls due while one is still going is cancelled, not queued."""
    # The runner looks for due runs this often (Prefect's default: every 10 s).
    polling_s = min(interval_s, 10.0)
    runner = Runner(name=DEPLOYMENT_NAME, pause_on_shutdown=True, limit=1, query_seconds=polling_s)
    deployment_id = runner.add_flow(
        sweep_incoming,
        name=DEPLOYMENT_NAME,
        interval=interval_s,
        parameters=watch.model_dump(),
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    assert isinstance(deployment_id, UUID)  # called outside an event loop
    keeper = threading.Thread(
        target=_keep_a_run_due,
        args=(deployment_id, interval_s),
        name="sohoa-watch-schedule",
        daemon=True,
    )
    keeper.start()
    asyncio.run(runner.start())


def _keep_a_run_due(deployment_id: UUID, interval_s: float) -> None:
    """Create the deployment's next run whenever it has none scheduled or going.

    The deployment's interval schedule is normally turned into runs by the Prefect server's
    scheduler service; Prefect 3.8.8's fails on every attempt with SQLAlchemy 2.1 ("Can't
    evaluate bulk DML statement", in `_insert_scheduled_flow_runs`), so the served deployment
    would never run. Where the scheduler works, its runs are there in advance and this adds none.
    """
    states = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]
    due = FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=states)),
    )
    with get_client(sync_client=True) as client:
        while True:
            try:
                if not client.read_flow_runs(
                    flow_run_filter=due, sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=1
                ):
                    client.create_flow_run_from_deployment(deployment_id)
            except Exception as e:  # the server restarting: try again next time
                print(f"could not schedule a sweep: {e}", file=sys.stderr, flush=True)
            time.sleep(interval_s)

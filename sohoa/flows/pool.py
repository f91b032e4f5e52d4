"""Backlogs on several machines: each batch a flow run of a deployment on a Prefect work pool.

Import this module only after `prefect_server.configure_client_env` (it imports Prefect).

`sohoa backlog DIR --pool NAME` creates the process-type work pool NAME and the deployment
``digitise-batch/backlog-NAME`` if they are missing, submits one flow run per batch and waits
for them. Workers started with ``prefect worker start --pool NAME`` on any machine pull the
runs: each runs its batch in a fresh Python process with the installed `sohoa` (the
deployment's entrypoint is a module path, :data:`ENTRYPOINT`, so no code is copied around),
its own ``SOHOA_*`` settings (the same object store and catalogue everywhere) and its own core
count (``SOHOA_WORKERS``, or one per core).

How outcomes come back: the batch flow's result (its list of small `DossierOutcome`) is
persisted by Prefect into the object store the dossiers go to, under ``prefect-results/``,
through :class:`ObjectStoreResults`, a storage block that holds no credentials: each process
reaches the store with its own ``SOHOA_S3_*`` settings. The submitting command reads each
finished run's result from there, so a worker on any machine can report to it, and the
summary says exactly what it says for a backlog run here. A run that failed or crashed has no
result: its dossiers are reported as not digitised, with the run's state, and a re-run of the
backlog retries them (what the run did commit is then found on file).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any, ClassVar
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.sorting import FlowRunSort
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.filesystems import WritableFileSystem
from prefect.flows import Flow
from prefect.states import State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.callables import parameter_schema
from pydantic import TypeAdapter

from sohoa import __version__
from sohoa.config import Settings
from sohoa.flows import runs, workdir
from sohoa.flows.backlog import (
    DossierInput,
    DossierOutcome,
    OutcomeListener,
    batches,
    digitise_batch,
)
from sohoa.storage.objects import ObjectStore

ENTRYPOINT = "sohoa.flows.pool.pool_batch"
RESULTS_BLOCK = "backlog-results"
RESULTS_PREFIX = "prefect-results"
POLL_S = 2.0
_READ_AT_ONCE = 200  # flow runs asked about in one request


class ObjectStoreResults(WritableFileSystem):
    """Prefect result storage in sohoa's object store, under `prefix`. It holds no
    credentials: every process reads and writes with its own ``SOHOA_S3_*`` settings."""

    _block_type_name: ClassVar[str | None] = "sohoa object store"
    _block_type_slug: ClassVar[str | None] = "sohoa-object-store"
    _description: ClassVar[str | None] = (
        "Flow run results kept in sohoa's object store (SOHOA_S3_* of each process)."
    )

    prefix: str = RESULTS_PREFIX

    def _store(self) -> ObjectStore:
        return ObjectStore.from_settings(Settings())

    def _read(self, path: str) -> bytes:
        return self._store().get_bytes(f"{self.prefix}/{path}")

    def _write(self, path: str, content: bytes) -> None:
        self._store().put_bytes(f"{self.prefix}/{path}", content, "application/json")

    async def read_path(self, path: str) -> bytes:
        return await asyncio.to_thread(self._read, path)

    async def write_path(self, path: str, content: bytes) -> None:
        await asyncio.to_thread(self._write, path, content)


def _remove_abandoned_work(flow: Flow[Any, Any], flow_run: FlowRun, state: State[Any]) -> None:
    """Each batch runs in a fresh process: remove the work folders that runs killed on this
    machine left behind (page PDFs of dossiers never committed)."""
    workdir.remove_abandoned(Settings())


# What a worker runs: the batch flow on threads of the worker's machine, one dossier more than
# its OCR slots (as `run_backlog` does here), its result kept in the object store. Built when a
# worker's flow-run process imports this module, so the settings are the worker's own.
_threads: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=Settings().concurrency + 1)
pool_batch = digitise_batch.with_options(
    task_runner=_threads,
    on_running=[runs.record_owner, _remove_abandoned_work],
    persist_result=True,
    result_storage=f"{ObjectStoreResults._block_type_slug}/{RESULTS_BLOCK}",
    result_serializer="json",
)


def deployment_name(pool: str) -> str:
    return f"backlog-{pool}"


def ensure_deployment(client: SyncPrefectClient, pool: str) -> UUID:
    """The deployment of the batch flow on work pool `pool` (a process pool, created if it is
    missing), and the result storage its runs write to; both brought up to date."""
    from prefect.workers.process import ProcessWorker

    ObjectStoreResults().save(RESULTS_BLOCK, overwrite=True)
    try:
        client.read_work_pool(pool)
    except ObjectNotFound:
        template = ProcessWorker.get_default_base_job_template()
        with suppress(ObjectAlreadyExists):  # another `sohoa backlog --pool` made it meanwhile
            client.create_work_pool(
                WorkPoolCreate(name=pool, type="process", base_job_template=template)
            )
    flow_id = client.create_flow_from_name(pool_batch.name)
    return client.create_deployment(
        flow_id=flow_id,
        name=deployment_name(pool),
        version=__version__,
        work_pool_name=pool,
        entrypoint=ENTRYPOINT,
        parameter_openapi_schema=parameter_schema(pool_batch).model_dump_for_openapi(),
        enforce_parameter_schema=False,
        # Nothing to fetch: the code is the installed sohoa. Without a pull step, Prefect would
        # copy the worker's working directory into a temporary one for every run.
        pull_steps=[{"prefect.deployments.steps.set_working_directory": {"directory": "."}}],
        description="A batch of a sohoa backlog, submitted by `sohoa backlog --pool`.",
    )


def run_on_pool(
    dossiers: list[DossierInput],
    *,
    pool: str,
    batch_size: int,
    listener: OutcomeListener | None = None,
    on_submitted: Callable[[int], None] | None = None,
) -> list[DossierOutcome]:
    """Digitise `dossiers` on the workers of work pool `pool`, one flow run per batch of
    `batch_size`; wait for every run and return the outcomes, telling `listener` of each
    batch's as its run finishes and `on_submitted` how many runs were submitted."""
    with get_client(sync_client=True) as client:
        deployment_id = ensure_deployment(client, pool)
        runs: dict[UUID, list[DossierInput]] = {}
        for batch in batches(dossiers, batch_size):
            # Workers read with their own core count: no `workers` parameter.
            parameters = {"dossiers": [d.model_dump() for d in batch]}
            run = client.create_flow_run_from_deployment(deployment_id, parameters=parameters)
            runs[run.id] = batch
        if on_submitted is not None:
            on_submitted(len(runs))
        outcomes: list[DossierOutcome] = []
        for run in _finished_runs(client, set(runs)):
            batch_outcomes = batch_outcomes_of(run, runs[run.id])
            outcomes += batch_outcomes
            if listener is not None:
                for outcome in batch_outcomes:
                    listener(outcome)
    return outcomes


def _finished_runs(client: SyncPrefectClient, pending: set[UUID]) -> Iterator[FlowRun]:
    """Each of the flow runs `pending` once it is in a final state, as they finish."""
    while pending:
        ids = sorted(pending)
        for start in range(0, len(ids), _READ_AT_ONCE):
            chunk = ids[start : start + _READ_AT_ONCE]
            flow_runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=chunk)),
                sort=FlowRunSort.ID_DESC,  # the sync client sends no default
                limit=len(chunk),
            )
            for run in flow_runs:
                if run.state is not None and run.state.is_final():
                    pending.discard(run.id)
                    yield run
        if pending:
            time.sleep(POLL_S)


_OUTCOMES: TypeAdapter[list[DossierOutcome]] = TypeAdapter(list[DossierOutcome])


def batch_outcomes_of(run: FlowRun, batch: list[DossierInput]) -> list[DossierOutcome]:
    """What became of the dossiers of a finished flow run: its persisted result; or, for a
    run without one, each dossier not digitised, with the reason."""
    assert run.state is not None
    if run.state.is_completed():
        try:
            return _OUTCOMES.validate_python(run.state.result(), from_attributes=True)
        except Exception as e:
            reason = f"its result could not be read from the object store ({e})"
    else:
        message = f": {run.state.message}" if run.state.message else ""
        reason = f"{run.state.name}{message}"
    error = f"flow run {run.name} ({run.id}) {reason}; a re-run of the backlog retries it"
    return [DossierOutcome(name=d.name, result="failed", error=error) for d in batch]


def results_keys(store: ObjectStore) -> list[str]:
    """The flow-run results kept in the object store."""
    return list(store.list_keys(f"{RESULTS_PREFIX}/"))

"""Dossiers handed in through the HTTP API: kept in object storage until digitised, then run
on the same warm worker as `sohoa digitise`.

An upload is stored before it is answered: its files under ``api/uploads/<dossier id>/files/``,
then ``request.json`` (written last: a request is queued only once all its files are stored).
A runner thread of `sohoa serve` (:class:`UploadRunner`) takes each queued request, claims it
(:mod:`sohoa.flows.claims`, so two servers on one bucket never digitise it twice), copies its
files to a work folder and submits them to the worker as a `worker.Job` with the dossier's id;
``result.json`` then records how it ended. A server stopped part-way finds its requests in
storage again when it starts: nothing accepted is lost.

A dossier's status: ``queued`` (its request waits), ``running`` (claimed), then the manifest's
``done | partial | failed``, or ``failed`` with an error when the worker could not digitise it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from sohoa.config import Settings
from sohoa.flows import workdir
from sohoa.flows.arrivals import key_name, local_name
from sohoa.flows.claims import Lease, lease_key, try_claim, utc_now, watcher_id
from sohoa.flows.keys import manifest_key
from sohoa.pipeline.model import Manifest
from sohoa.storage.objects import ObjectNotFound, ObjectStore, StorageError

UPLOADS_PREFIX = "api/uploads/"
IDEMPOTENCY_PREFIX = "api/idempotency/"
REQUEST_NAME = "request.json"
RESULT_NAME = "result.json"
LEASE_S = 60.0  # renewed while held: a server that died frees its dossier this long after

DossierState = Literal["queued", "running", "done", "partial", "failed"]


class UploadedFile(BaseModel):
    name: str  # as the client named it: how the manifest names the source
    key: str
    sha256: str
    bytes: int


class UploadRequest(BaseModel):
    dossier_id: str
    files: list[UploadedFile]
    received: str  # ISO 8601 UTC
    token: str  # the name of the token that uploaded it

    def same_files(self, other: UploadRequest) -> bool:
        return sorted((f.name, f.sha256) for f in self.files) == sorted(
            (f.name, f.sha256) for f in other.files
        )


class IdempotencyRecord(BaseModel):
    dossier_id: str


class UploadResult(BaseModel):
    status: Literal["done", "partial", "failed"]
    finished: str
    error: str | None = None


class DossierStatus(BaseModel):
    dossier_id: str
    status: DossierState
    error: str | None = None
    manifest: Manifest | None = None


def request_key(dossier_id: str) -> str:
    return f"{UPLOADS_PREFIX}{dossier_id}/{REQUEST_NAME}"


def result_key(dossier_id: str) -> str:
    return f"{UPLOADS_PREFIX}{dossier_id}/{RESULT_NAME}"


def file_key(dossier_id: str, index: int, name: str) -> str:
    return f"{UPLOADS_PREFIX}{dossier_id}/files/{index:03d}-{key_name(name)}"


def idempotency_key(token: str, key: str) -> str:
    """Where a client's Idempotency-Key is kept: hashed, and per token, so that two clients'
    keys never meet."""
    digest = hashlib.sha256(f"{token}\n{key}".encode()).hexdigest()
    return f"{IDEMPOTENCY_PREFIX}{digest}.json"


def derived_dossier_id(hashes: list[str]) -> str:
    """An upload's id when the client gives none: from its files' contents, as `sohoa
    digitise` derives one, so the same files uploaded again are the same dossier."""
    return "hs-" + hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()[:12]


def _identity(dossier_id: str) -> str:
    return f"api:{dossier_id}"


def find_request(store: ObjectStore, dossier_id: str) -> UploadRequest | None:
    try:
        return UploadRequest.model_validate_json(store.get_bytes(request_key(dossier_id)))
    except ObjectNotFound:
        return None


def queue(store: ObjectStore, request: UploadRequest) -> None:
    """Queue a request whose files are stored: an earlier result of the id is forgotten first,
    so the dossier reads as queued from the moment the request is there."""
    store.delete(result_key(request.dossier_id))
    store.put_bytes(
        request_key(request.dossier_id), request.model_dump_json().encode(), "application/json"
    )


def dossier_status(store: ObjectStore, dossier_id: str) -> DossierStatus | None:
    """Where the dossier stands; None when sohoa knows no such dossier. A dossier digitised
    by the CLI, a backlog or a watcher has a status too: its manifest's."""
    manifest = _manifest(store, dossier_id)
    request = find_request(store, dossier_id)
    if request is None:
        if manifest is None:
            return None
        return DossierStatus(dossier_id=dossier_id, status=manifest.status, manifest=manifest)
    try:
        result = UploadResult.model_validate_json(store.get_bytes(result_key(dossier_id)))
    except ObjectNotFound:
        result = None
    if result is not None:
        return DossierStatus(
            dossier_id=dossier_id, status=result.status, error=result.error, manifest=manifest
        )
    return DossierStatus(
        dossier_id=dossier_id, status="running" if _claimed(store, dossier_id) else "queued"
    )


def _manifest(store: ObjectStore, dossier_id: str) -> Manifest | None:
    try:
        return Manifest.model_validate_json(store.get_bytes(manifest_key(dossier_id)))
    except ObjectNotFound:
        return None


def _claimed(store: ObjectStore, dossier_id: str) -> bool:
    try:
        lease = Lease.parse(store.get_bytes(lease_key(_identity(dossier_id)), verify=False))
    except ObjectNotFound:
        return False
    return lease is not None and not lease.expired(utc_now())


def pending(store: ObjectStore) -> list[UploadRequest]:
    """The requests not yet digitised, oldest first."""
    found = []
    for key in store.list_keys(UPLOADS_PREFIX):
        if not key.endswith(f"/{REQUEST_NAME}"):
            continue
        dossier_id = key.removeprefix(UPLOADS_PREFIX).removesuffix(f"/{REQUEST_NAME}")
        if store.exists(result_key(dossier_id)):
            continue
        try:
            request = find_request(store, dossier_id)
        except (ValidationError, StorageError):
            continue
        if request is not None:
            found.append(request)
    return sorted(found, key=lambda r: (r.received, r.dossier_id))


# --- Digitising them --------------------------------------------------------------------------

Submit = Callable[[Settings, list[str], str], dict[str, Any]]
FailureListener = Callable[[str, str], None]


def submit_to_worker(settings: Settings, paths: list[str], dossier_id: str) -> dict[str, Any]:
    """The files digitised as one dossier on the warm worker, as `sohoa digitise` does; its
    manifest."""
    from sohoa.flows import worker

    job = worker.Job(paths=paths, dossier_id=dossier_id, out=None)
    for attempt in range(2):
        socket_path = worker.ensure_running(settings)
        try:
            return worker.submit(socket_path, job, lambda _event: None)
        except worker.WorkerFailure as e:
            if e.kind == "restart" and attempt == 0:
                worker.stop(settings)  # its Prefect server was restarted: a fresh worker
                continue
            raise
    raise AssertionError("a restarted worker asked for a restart again")


def digitise_request(
    store: ObjectStore,
    settings: Settings,
    request: UploadRequest,
    submit: Submit = submit_to_worker,
) -> UploadResult:
    """Digitise one request's files as its dossier and record how it ended."""
    with workdir.dossier_dir(settings) as work:
        paths: list[str] = []
        for file in request.files:
            target = work / f"{len(paths):03d}" / local_name(Path(file.name).name)
            target.parent.mkdir()
            store.download_file(file.key, target)
            paths.append(str(target))
        manifest = Manifest.model_validate(submit(settings, paths, request.dossier_id))
    result = UploadResult(status=manifest.status, finished=utc_now().isoformat())
    _record(store, request.dossier_id, result)
    # Committed: the originals are kept under originals/ (or quarantine/) by their hash now,
    # and the request, which remembers the files' names and hashes, stays.
    for file in request.files:
        store.delete(file.key)
    return result


def _record(store: ObjectStore, dossier_id: str, result: UploadResult) -> None:
    store.put_bytes(result_key(dossier_id), result.model_dump_json().encode(), "application/json")


class UploadRunner:
    """Digitises the queued uploads, one at a time, in a thread of the server process."""

    def __init__(
        self,
        store: ObjectStore,
        settings: Settings,
        *,
        interval_s: float = 2.0,
        submit: Submit = submit_to_worker,
        on_failure: FailureListener | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.interval_s = interval_s
        self.submit = submit
        self.on_failure = on_failure
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watcher = watcher_id()

    def run_pending(self) -> int:
        """Digitise what is queued now; how many dossiers were taken."""
        taken = 0
        for request in pending(self.store):
            if self._stop.is_set():
                break
            claim = try_claim(self.store, _identity(request.dossier_id), self._watcher, LEASE_S)
            if claim is None:
                continue
            taken += 1
            try:
                if not self.store.exists(result_key(request.dossier_id)):
                    self._digitise(request)
            finally:
                claim.release()
        return taken

    def _digitise(self, request: UploadRequest) -> None:
        from sohoa.flows.worker import WorkerFailure

        try:
            digitise_request(self.store, self.settings, request, self.submit)
        except (StorageError, workdir.WorkDirFull):
            return  # the store or the disk away: still queued, tried again next time
        except WorkerFailure as e:
            if e.kind in ("storage", "dependency"):
                return  # as above: nothing wrong with the dossier itself
            self._failed(request, str(e))
        except Exception as e:
            self._failed(request, f"{type(e).__name__}: {e}")

    def _failed(self, request: UploadRequest, error: str) -> None:
        _record(
            self.store,
            request.dossier_id,
            UploadResult(status="failed", finished=utc_now().isoformat(), error=error),
        )
        if self.on_failure is not None:
            self.on_failure(request.dossier_id, error)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with suppress(StorageError):  # the store away: the next round tries again
                self.run_pending()
            self.wake.wait(self.interval_s)
            self.wake.clear()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sohoa-uploads", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

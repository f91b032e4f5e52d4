"""The warm worker: a background process that runs sohoa's flows for the CLI.

Starting Python, importing Prefect, pikepdf's validator and the storage client costs about two
seconds, more than the OCR of a page. The worker pays it once: it keeps everything loaded and
runs one dossier at a time for the `sohoa` commands that connect to it, streaming progress back.

There is one worker per data dir and configuration: it is started with the caller's
environment, so a command with another endpoint or bucket never runs under someone else's
settings. It listens on a Unix socket in a folder only the user can open, and exits by itself
after half an hour without work.

Protocol: the client sends one JSON line (`Job`); the worker answers with JSON lines, each an
event: ``{"event": "pages_total", "count": N}``, ``{"event": "page_done"}``, then either
``{"event": "done", "manifest": {...}}`` or
``{"event": "failed", "kind": K, "message": M, "exit_code": C}`` where K is one of
`FailureKind`, M the clerk's message and C the `ExitCode` that goes with it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

import sohoa
from sohoa.config import Settings
from sohoa.daemon import Daemon, DaemonState, Launch
from sohoa.errors import ExitCode, SohoaError, failure_reason

# "error": a SohoaError, with its own exit code; "internal": anything else, a bug (its traceback
# is in the worker's log); "killed": the worker went away mid-job; "restart": its Prefect server
# changed, so the next worker must be a new one.
FailureKind = Literal["error", "internal", "killed", "restart"]

IDLE_EXIT_S = 1800.0
READY_TIMEOUT_S = 120.0  # the first start may also start the Prefect server
SOCKET_NAME = "worker.sock"


@dataclass(frozen=True)
class Job:
    paths: list[str]  # absolute
    dossier_id: str | None
    out: str | None  # absolute; also write the documents and the manifest here


class WorkerFailure(SohoaError):
    """A job the worker did not finish; the exit code is the one of the error it met, or
    `ExitCode.WORKER` when it failed for its own reasons or was killed."""

    def __init__(self, kind: FailureKind, message: str, exit_code: int = ExitCode.WORKER) -> None:
        super().__init__(message)
        self.kind = kind
        self.exit_code = ExitCode(exit_code)


# --- Client side ------------------------------------------------------------------------------


def configuration_fingerprint(settings: Settings) -> str:
    """Tells configurations, and installed versions of sohoa's code and data, apart without
    keeping secrets anywhere: a worker started before an upgrade is never handed new work."""
    values = {
        name: value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        for name, value in settings
    }
    values["code"] = _code_identity()
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


@functools.cache
def _code_identity() -> str:
    package = Path(sohoa.__file__).parent
    files = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    stamps = [f"{p.relative_to(package)}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in files]
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()


def workers_dir(settings: Settings) -> Path:
    return settings.data_dir / "workers"


def _daemon(settings: Settings) -> Daemon:
    folder = workers_dir(settings) / configuration_fingerprint(settings)
    return Daemon("the sohoa worker", folder)


def ensure_running(settings: Settings) -> Path:
    """The worker's socket, the worker started first if needed."""
    daemon = _daemon(settings)
    socket_path = daemon.folder / SOCKET_NAME

    def launch() -> Launch:
        socket_path.unlink(missing_ok=True)
        argv = [sys.executable, "-m", "sohoa.flows.worker", str(socket_path)]
        return Launch(argv, dict(os.environ), {})

    def probe(state: DaemonState) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe_socket:
            probe_socket.connect(str(socket_path))

    daemon.ensure_running(launch, probe, READY_TIMEOUT_S)
    return socket_path


def is_running(settings: Settings) -> bool:
    return _daemon(settings).status() is not None


def stop(settings: Settings) -> bool:
    """Stop the worker of this configuration; False if it was not running."""
    return _daemon(settings).stop()


def stop_all(settings: Settings) -> int:
    """Stop every worker of the data dir, whatever its configuration; how many were running."""
    folders = sorted(workers_dir(settings).glob("*/")) if workers_dir(settings).is_dir() else []
    return sum(Daemon("the sohoa worker", folder).stop() for folder in folders)


def run(
    settings: Settings,
    job: Job,
    on_event: Callable[[dict[str, Any]], None],
    on_starting: Callable[[], None],
) -> dict[str, Any]:
    """Run `job` on the worker of `settings`, started first if needed (`on_starting` is told);
    returns the manifest, raises WorkerFailure."""
    for attempt in range(2):
        if not is_running(settings):
            on_starting()
        socket_path = ensure_running(settings)
        try:
            manifest: dict[str, Any] = submit(socket_path, job, on_event)
            return manifest
        except WorkerFailure as e:
            if e.kind == "restart" and attempt == 0:
                # Its Prefect server was restarted: the next worker uses the new one.
                stop(settings)
                continue
            if e.kind in ("internal", "killed"):
                where = f"details in the worker's log under {workers_dir(settings)}"
                raise WorkerFailure(e.kind, f"{e} ({where})", e.exit_code) from e
            raise
    raise AssertionError("a restarted worker asked for a restart again")


def submit(socket_path: Path, job: Job, on_event: Callable[[dict[str, Any]], None]) -> Any:
    """Run `job` on the worker; returns the manifest, raises WorkerFailure."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(str(socket_path))
            connection.sendall(json.dumps(asdict(job)).encode() + b"\n")
            for event in _events(connection):
                if event["event"] == "done":
                    return event["manifest"]
                if event["event"] == "failed":
                    raise WorkerFailure(event["kind"], event["message"], event["exit_code"])
                on_event(event)
    except OSError as e:
        raise WorkerFailure("killed", f"lost the connection to the worker ({e})") from e
    raise WorkerFailure(
        "killed", "the background worker stopped before it finished: was it killed?"
    )


def _events(connection: socket.socket) -> Iterator[dict[str, Any]]:
    with connection.makefile("rb") as stream:
        for line in stream:
            yield json.loads(line)


# --- Worker side ------------------------------------------------------------------------------


class _EventStream:
    """Sends a job's progress to its client."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection

    def send(self, event: dict[str, Any]) -> None:
        self.connection.sendall(json.dumps(event, ensure_ascii=False).encode() + b"\n")

    def pages_total(self, count: int) -> None:
        self.send({"event": "pages_total", "count": count})

    def page_done(self) -> None:
        self.send({"event": "page_done"})


def serve(socket_path: Path) -> None:
    """The worker's life: get its services ready, load the flow, then run jobs until idle."""
    from sohoa.flows import prefect_server, workdir

    settings = Settings()
    api_url = prefect_server.connect(settings)
    workdir.remove_abandoned(settings)
    from sohoa.flows import runs

    runs.mark_crashed()

    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from sohoa.flows.digitise import run_job, start_readers

    threading.Thread(target=start_readers, args=(settings,), daemon=True).start()

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path))
    os.chmod(socket_path, 0o600)
    listener.listen()
    listener.settimeout(IDLE_EXIT_S)
    # The flow-run heartbeat makes every flow run wait up to a second for its thread at the
    # end; a clerk waiting for one dossier has no use for it.
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        while True:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                break
            with connection:
                with connection.makefile("rb") as stream:
                    request = stream.readline()
                if not request:
                    continue  # a readiness probe, or a client that gave up before asking
                events = _EventStream(connection)
                if prefect_server.ensure_running(settings) != api_url:
                    # Prefect reads its server's address once; a new server needs a new worker.
                    events.send(
                        {"event": "failed", "kind": "restart", "message": "restart", "exit_code": 0}
                    )
                    break
                _serve_one(request, events, run_job)
    listener.close()
    socket_path.unlink(missing_ok=True)


def _serve_one(
    request: bytes, events: _EventStream, run_job: Callable[..., dict[str, Any]]
) -> None:
    try:
        job = Job(**json.loads(request))
        manifest = run_job(job.paths, job.dossier_id, job.out, events)
    except BrokenPipeError:
        return  # the client went away (Ctrl+C); what was committed stays committed
    except SohoaError as e:
        failed = {"kind": "error", "message": e.clerk_message, "exit_code": int(e.exit_code)}
        events.send({"event": "failed", **failed})
        return
    except Exception as e:
        traceback.print_exc()  # into the worker's log
        failed = {"kind": "internal", "message": failure_reason(e), "exit_code": ExitCode.WORKER}
        events.send({"event": "failed", **failed})
        return
    events.send({"event": "done", "manifest": manifest})


if __name__ == "__main__":
    serve(Path(sys.argv[1]))

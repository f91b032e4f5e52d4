"""`sohoa backlog` beyond one process: on a Dask cluster (a LocalCluster of processes, and a
scheduler started apart as in production), through a Prefect work pool pulled by two
`prefect worker` processes sharing one object store and one PostgreSQL catalogue, and with the
Prefect server keeping its database in PostgreSQL.

Every service these tests start listens on 127.0.0.1 and is stopped by a fixture."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from sohoa.flows import prefect_server
from sohoa.flows.keys import DOSSIERS_PREFIX, MANIFEST_NAME
from sohoa.pipeline.model import Manifest
from sohoa.storage.objects import ObjectStore
from tests import prefect_api
from tests.conftest import make_settings
from tests.pages import save_jpeg, text_page
from tests.postgres import postgres_url  # noqa: F401 (the fixture of the PostgreSQL runs)

SOHOA = [sys.executable, "-m", "sohoa.cli"]
BIN = Path(sys.executable).parent


# --- Helpers ----------------------------------------------------------------------------------


def _backlog_folder(folder: Path, names: list[str]) -> Path:
    """One-page dossiers, a folder each, told apart by their text."""
    folder.mkdir(exist_ok=True)
    for name in names:
        dossier = folder / name
        dossier.mkdir()
        lines = [f"Hồ sơ {name} của ông Nguyễn Văn Hưởng", "Độc lập - Tự do - Hạnh phúc"]
        save_jpeg(text_page(dpi=150, lines=lines), dossier / "trang-1.jpg", dpi=150)
    return folder


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a process on "a machine" of the cluster: nothing of the caller's
    SOHOA_* or PREFECT_* settings, one OCR process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    return {**env, "SOHOA_DATA_DIR": str(data_dir), "SOHOA_WORKERS": "1", **extra}


def _sohoa(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SOHOA, *map(str, args)], capture_output=True, text=True, env=env, timeout=600
    )


def _backlog(env: dict[str, str], *args: str | Path) -> list[dict[str, Any]]:
    done = _sohoa(env, "backlog", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _manifests(data_dir: Path) -> list[Manifest]:
    store = ObjectStore.from_settings(make_settings(data_dir))
    return [
        Manifest.model_validate_json(store.get_bytes(key))
        for key in store.list_keys(DOSSIERS_PREFIX)
        if key.endswith(f"/{MANIFEST_NAME}")
    ]


def _completed_task_runs(data_dir: Path, api_url: str, name: str) -> int:
    """How many task runs named `name`-… the data dir's Prefect server saw complete."""
    body = {"task_runs": {"name": {"like_": name}, "state": {"type": {"any_": ["COMPLETED"]}}}}
    auth = prefect_server.auth_string(make_settings(data_dir))
    return int(prefect_api.call(api_url, auth, "/task_runs/count", body))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s"
        time.sleep(0.5)


class Processes:
    """Background processes started by a test, each in its own session, logs in files; all
    stopped (their whole process group) when the test ends."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Path:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv,
                env={**env, "PYTHONUNBUFFERED": "1"},  # its log read while it runs
                cwd=self.logs,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        return log

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    logs = tmp_path / "logs"
    logs.mkdir()
    started = Processes(logs)
    yield started
    started.stop_all()


def _results(outcomes: list[dict[str, Any]]) -> dict[str, str]:
    """Each dossier's result (digitised now, on file, failed) and status, by name."""
    return {o["name"]: f"{o['result']} {o['status']}" for o in outcomes}


def _each_committed_once(outcomes: list[dict[str, Any]], data_dir: Path, api_url: str) -> None:
    """Every dossier of the backlog has its manifest in storage, digitised once, not twice by
    two workers or two runs: each of its documents was stored by one task run."""
    manifests = _manifests(data_dir)
    assert sorted(m.dossier_id for m in manifests) == sorted(o["dossier_id"] for o in outcomes)
    documents = sum(len(m.documents) for m in manifests)
    assert _completed_task_runs(data_dir, api_url, "store-document") == documents


# --- Dask -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_backlog_runs_on_a_local_dask_cluster_and_on_a_dask_scheduler(
    tmp_path: Path, data_dir: Path, processes: Processes
) -> None:
    env = _env(data_dir)
    api_url = prefect_server.ensure_running(make_settings(data_dir))
    folder = _backlog_folder(tmp_path / "backlog", ["ho-so-1", "ho-so-2"])

    # --dask: a LocalCluster of two single-threaded processes.
    outcomes = _backlog(env, folder, "--dask", "--workers", "2")

    assert _results(outcomes) == {"ho-so-1": "digitised done", "ho-so-2": "digitised done"}
    _each_committed_once(outcomes, data_dir, api_url)

    # --dask-address: a scheduler and its workers started apart, as on a cluster; the workers
    # get the same SOHOA_* settings as the command (here: the same data dir).
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dashboard = ["--dashboard-address", "127.0.0.1:0"]
    processes.start(
        "scheduler",
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), *dashboard],
        env,
    )
    dask_worker = [str(BIN / "dask"), "worker", address, "--host", "127.0.0.1"]
    log = processes.start(
        "dask-worker", [*dask_worker, "--nthreads", "1", "--nworkers", "1", *dashboard], env
    )
    _wait_for(lambda: "Registered to" in log.read_text(), "the Dask worker registered")
    _backlog_folder(folder, ["ho-so-3", "ho-so-4"])

    outcomes = _backlog(env, folder, "--dask-address", address)

    assert _results(outcomes) == {
        "ho-so-1": "on_file done",
        "ho-so-2": "on_file done",
        "ho-so-3": "digitised done",
        "ho-so-4": "digitised done",
    }
    _each_committed_once(outcomes, data_dir, api_url)


# --- A work pool ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_backlog_through_a_work_pool_is_shared_by_two_prefect_workers(
    tmp_path: Path,
    data_dir: Path,
    processes: Processes,
    postgres_url: str,  # noqa: F811
) -> None:
    # One Prefect server, one object store, one PostgreSQL catalogue; the command uses the
    # server it is given (SOHOA_PREFECT_API_URL) and starts none.
    api_url = prefect_server.ensure_running(make_settings(data_dir))
    shared = {"SOHOA_CATALOGUE_URL": postgres_url}
    # The server's basic auth, as an administrator hands it to the machines of a pool.
    auth = prefect_server.auth_string(make_settings(data_dir))
    shared = {**shared, "PREFECT_API_AUTH_STRING": auth}
    worker_env = _env(data_dir, **shared, PREFECT_API_URL=api_url, PREFECT_WORKER_QUERY_SECONDS="1")
    start_worker = [str(BIN / "prefect"), "worker", "start", "--pool", "scanners", "--limit", "1"]
    logs = [
        processes.start(name, [*start_worker, "--name", name], worker_env)
        for name in ("worker-a", "worker-b")
    ]
    for log in logs:
        _wait_for(lambda log=log: "started!" in log.read_text(), f"{log.stem} started")
    names = ["ho-so-1", "ho-so-2", "ho-so-3"]
    folder = _backlog_folder(tmp_path / "backlog", names)

    # A batch per dossier, so that both workers get some.
    outcomes = _backlog(
        _env(data_dir, **shared, SOHOA_PREFECT_API_URL=api_url),
        folder,
        "--pool",
        "scanners",
        "--batch-size",
        "1",
    )

    assert _results(outcomes) == dict.fromkeys(names, "digitised done")
    _each_committed_once(outcomes, data_dir, api_url)
    # A worker runs each flow run in a process of its own, whose log joins the worker's.
    finished = re.compile(r"Flow run '([\w-]+)' - Finished in state Completed\(\)")
    ran = [set(finished.findall(log.read_text())) for log in logs]
    assert all(ran), "each worker ran at least one batch"
    assert len(ran[0] | ran[1]) == 3 and not ran[0] & ran[1]


# --- The Prefect server on PostgreSQL ---------------------------------------------------------


@pytest.mark.slow
def test_sohoa_s_prefect_server_keeps_its_runs_in_postgresql(
    tmp_path: Path,
    data_dir: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    import psycopg

    server_url = postgres_url.rsplit("/", 1)[0]
    database = "prefect_runs"
    with psycopg.connect(server_url.replace("+psycopg", "") + "/postgres", autocommit=True) as db:
        db.execute(f"CREATE DATABASE {database}")
    password = urlsplit(postgres_url).password
    assert password
    env = _env(
        data_dir,
        SOHOA_PREFECT_DATABASE_URL=f"{server_url.replace('+psycopg', '+asyncpg')}/{database}",
    )
    folder = _backlog_folder(tmp_path / "backlog", ["ho-so-1"])

    done = _sohoa(env, "backlog", folder, "--json")

    assert done.returncode == 0, done.stderr
    assert [o["result"] for o in json.loads(done.stdout)] == ["digitised"]
    with psycopg.connect(f"{server_url.replace('+psycopg', '')}/{database}") as db:
        row = db.execute(
            "SELECT count(*) FROM flow_run JOIN flow ON flow.id = flow_run.flow_id "
            "WHERE flow.name = 'digitise-batch' AND flow_run.state_type = 'COMPLETED'"
        ).fetchone()
    assert row == (1,)
    prefect_files = data_dir / "prefect"
    assert not list(prefect_files.glob("*.db")), "no SQLite database beside it"
    # The password is in no output, log or state file.
    for text in (
        done.stdout,
        done.stderr,
        *(p.read_text() for p in prefect_files.glob("server.*")),
    ):
        assert password not in text


# --- A Prefect server of one's own ------------------------------------------------------------


def test_a_configured_prefect_server_is_used_and_none_is_started(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", prefect_api_url="http://prefect.example:4200/api/")

    assert prefect_server.ensure_running(settings) == "http://prefect.example:4200/api"
    assert prefect_server.status(settings) is None


def test_a_configured_prefect_server_that_does_not_answer_is_reported(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/api"
    settings = make_settings(tmp_path / "data", prefect_api_url=url)

    with pytest.raises(prefect_server.PrefectUnreachable, match="SOHOA_PREFECT_API_URL"):
        prefect_server.connect(settings)
    assert os.environ.get("PREFECT_API_URL") != url

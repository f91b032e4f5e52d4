"""A flow run left RUNNING by a killed process is marked crashed the next time sohoa starts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sohoa.flows import prefect_server
from sohoa.flows.runs import _owner_is_gone, _start_time, owner_of_this_process
from tests import prefect_api
from tests.conftest import make_settings
from tests.pages import save_jpeg, text_page

SOHOA = [sys.executable, "-m", "sohoa.cli"]


def test_the_owner_of_a_run_is_gone_when_its_process_is() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    owner = f"sohoa:{socket.gethostname()}:{child.pid}:{_start_time(child.pid)}"
    try:
        assert not _owner_is_gone(owner)
    finally:
        child.kill()
        child.wait()

    assert _owner_is_gone(owner)


def test_a_recycled_pid_is_not_the_owner() -> None:
    assert not _owner_is_gone(owner_of_this_process())
    assert _owner_is_gone(f"sohoa:{socket.gethostname()}:{os.getpid()}:1")


def test_runs_of_other_hosts_and_other_tools_are_left_alone() -> None:
    host = socket.gethostname()
    assert not _owner_is_gone(f"sohoa:{host}-elsewhere:1:1")
    assert not _owner_is_gone("4242")  # a Prefect worker's own record
    assert not _owner_is_gone(f"other:{host}:999999:1")


def flow_runs(data_dir: Path, api_url: str, state: str | None = None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {}
    if state is not None:
        body = {"flow_runs": {"state": {"type": {"any_": [state]}}}}
    auth = prefect_server.auth_string(make_settings(data_dir))
    return prefect_api.call(api_url, auth, "/flow_runs/filter", body)  # type: ignore[no-any-return]


@pytest.mark.slow
def test_a_killed_worker_s_run_is_marked_crashed_by_the_next_command(
    tmp_path: Path, data_dir: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env.update(SOHOA_DATA_DIR=str(data_dir), SOHOA_WORKERS="1")
    pages = [
        save_jpeg(text_page(lines=[f"Trang {n} của hồ sơ", f"Số {n}{n}{n}/QĐ-UBND"]), path)
        for n, path in enumerate((tmp_path / f"trang-{n}.jpg" for n in range(8)), 1)
    ]
    first = subprocess.Popen(
        [*SOHOA, "digitise", *map(str, pages), "--dossier-id", "hs-killed"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        api_url = prefect_server.ensure_running(make_settings(data_dir))
        deadline = time.monotonic() + 180
        running: list[dict[str, Any]] = []
        while not running and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.2)
            running = [
                run
                for run in flow_runs(data_dir, api_url, "RUNNING")
                if (run["infrastructure_pid"] or "").startswith("sohoa:")
            ]
        assert running, "the dossier's flow run never showed as running"
        (run,) = running
        worker_pid = int(run["infrastructure_pid"].split(":")[2])

        os.kill(worker_pid, signal.SIGKILL)  # mid-dossier
        first.communicate(timeout=60)
    finally:
        first.kill()
        first.wait()
    time.sleep(1)
    [left] = [r for r in flow_runs(data_dir, api_url) if r["id"] == run["id"]]
    assert left["state_type"] == "RUNNING"  # nothing else would ever change it

    again = subprocess.run(
        [*SOHOA, "digitise", str(pages[0]), "--dossier-id", "hs-next"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert again.returncode == 0, again.stderr
    by_id = {r["id"]: r for r in flow_runs(data_dir, api_url)}
    assert by_id[run["id"]]["state_type"] == "CRASHED"
    assert "killed" in by_id[run["id"]]["state"]["message"]
    others = [r for r in by_id.values() if r["id"] != run["id"]]
    assert [r["state_type"] for r in others] == ["COMPLETED"]  # the new run is not touched

"""sohoa.daemon with a tiny real server (python -m http.server): start, reuse, stop, stale."""

from __future__ import annotations

import gc
import json
import os
import socket
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.daemon import (
    AlreadyRunning,
    Daemon,
    DaemonError,
    DaemonState,
    Launch,
    free_loopback_ports,
    port_is_free,
)


def http_server_launch(folder: Path) -> Launch:
    (port,) = free_loopback_ports(1)
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    return Launch([*argv, "--directory", str(folder)], dict(os.environ), {"http": port})


def connect(port: int) -> None:
    socket.create_connection(("127.0.0.1", port), timeout=1).close()


def http_probe(state: DaemonState) -> None:
    connect(state.ports["http"])


def failing_probe(state: DaemonState) -> None:
    raise ConnectionRefusedError("never ready")


def pid_is_alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes() != b""  # a zombie's is empty
    except FileNotFoundError:
        return False


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    running = Daemon("the test server", tmp_path / "server")
    yield running
    running.stop(grace=2.0)


def test_start_writes_state_and_serves(daemon: Daemon) -> None:
    state = daemon.ensure_running(lambda: http_server_launch(daemon.folder), http_probe, 10)

    assert daemon.status() == state
    assert json.loads(daemon.state_path.read_text())["pid"] == state.pid
    assert not port_is_free(state.ports["http"])
    http_probe(state)
    assert daemon.log_path.exists()


def test_ensure_running_reuses_the_running_server(daemon: Daemon) -> None:
    first = daemon.ensure_running(lambda: http_server_launch(daemon.folder), http_probe, 10)

    def must_not_launch() -> Launch:
        raise AssertionError("a second server was started")

    assert daemon.ensure_running(must_not_launch, http_probe, 10) == first
    with pytest.raises(AlreadyRunning):
        daemon.start(must_not_launch, http_probe, 10)


def test_concurrent_starts_share_one_server(daemon: Daemon) -> None:
    launches: list[Launch] = []
    states: list[DaemonState] = []

    def launch() -> Launch:
        launches.append(http_server_launch(daemon.folder))
        return launches[-1]

    def start() -> None:
        states.append(daemon.ensure_running(launch, http_probe, 10))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(launches) == 1
    assert len({state.pid for state in states}) == 1


def test_stop_ends_the_process(daemon: Daemon) -> None:
    state = daemon.ensure_running(lambda: http_server_launch(daemon.folder), http_probe, 10)

    assert daemon.stop(grace=2.0)

    assert daemon.status() is None
    assert not pid_is_alive(state.pid)
    assert not daemon.state_path.exists()
    assert not daemon.stop()


def test_stop_kills_a_server_that_ignores_sigterm(daemon: Daemon) -> None:
    (port,) = free_loopback_ports(1)
    stubborn = (
        "import signal, socket, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen(); time.sleep(60)"
    )
    launch = Launch([sys.executable, "-c", stubborn], dict(os.environ), {"tcp": port})
    state = daemon.ensure_running(lambda: launch, lambda _: connect(port), 10)

    started = time.monotonic()
    assert daemon.stop(grace=0.5)

    assert time.monotonic() - started < 5
    assert not pid_is_alive(state.pid)


def test_stale_state_reads_as_not_running(daemon: Daemon) -> None:
    daemon.folder.mkdir(parents=True)
    # Our own pid: alive, but not running the recorded command (as after pid reuse).
    for pid in (os.getpid(), 2**22 + 1):
        stale = {"pid": pid, "argv": ["weed", "mini"], "ports": {}, "started_at": 0.0}
        daemon.state_path.write_text(json.dumps(stale))
        assert daemon.status() is None

    state = daemon.ensure_running(lambda: http_server_launch(daemon.folder), http_probe, 10)
    assert state.pid not in (os.getpid(), 2**22 + 1)


def test_a_server_that_exits_fails_fast_with_its_log(daemon: Daemon) -> None:
    crash = [sys.executable, "-c", "import sys; print('cannot bind: boom'); sys.exit(3)"]
    launch = Launch(crash, dict(os.environ), {})

    started = time.monotonic()
    with pytest.raises(DaemonError, match=r"(?s)exited with code 3.*cannot bind: boom"):
        daemon.ensure_running(lambda: launch, http_probe, 30)

    assert time.monotonic() - started < 10
    assert daemon.status() is None


def test_a_server_never_ready_is_stopped_and_reported(daemon: Daemon) -> None:
    launch = http_server_launch(daemon.folder)

    with pytest.raises(DaemonError, match=r"not ready after 1 s.*never ready"):
        daemon.ensure_running(lambda: launch, failing_probe, 1)

    assert daemon.status() is None
    assert port_is_free(launch.ports["http"])


def test_free_loopback_ports_are_distinct_and_free() -> None:
    ports = free_loopback_ports(5)

    assert len(set(ports)) == 5
    assert all(port_is_free(port) for port in ports)


def test_a_started_server_raises_no_resource_warning_in_its_parent(daemon: Daemon) -> None:
    # pikepdf's PDF/A validator records the warnings raised while it parses content as
    # problems: a warning from a collected Popen object must never be able to fail a document.
    daemon.ensure_running(lambda: http_server_launch(daemon.folder), http_probe, 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []

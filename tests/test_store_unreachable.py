"""A store that is not there, or that is there and never answers, is reported within 15 s with
what to check."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.daemon import free_loopback_ports
from sohoa.storage.objects import ObjectStore, StorageUnavailable, is_transient
from tests.pages import save_jpeg, text_page

REPORTED_WITHIN_S = 15.0
EXIT_STORAGE = 5


@pytest.fixture
def frozen_store() -> Iterator[str]:
    """``host:port`` of a server that accepts every connection and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


@pytest.fixture
def closed_port() -> str:
    (port,) = free_loopback_ports(1)  # nothing listens there
    return f"127.0.0.1:{port}"


def test_a_frozen_store_is_reported_as_frozen_within_seconds(frozen_store: str) -> None:
    store = ObjectStore(frozen_store, "key", "secret", "sohoa", secure=False)

    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="did not answer within") as raised:
        store.ensure_bucket()

    assert time.monotonic() - started < REPORTED_WITHIN_S
    assert frozen_store in str(raised.value)
    assert is_transient(raised.value)  # a batch still retries it later


def test_a_closed_port_is_reported_as_refused_at_once(closed_port: str) -> None:
    store = ObjectStore(closed_port, "key", "secret", "sohoa", secure=False)

    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="connection was refused") as raised:
        store.ensure_bucket()

    assert time.monotonic() - started < REPORTED_WITHIN_S
    assert closed_port in str(raised.value) and "SOHOA_S3_ENDPOINT" in str(raised.value)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("store", "says"),
    [("frozen_store", "did not answer within"), ("closed_port", "connection was refused")],
)
def test_digitise_against_a_dead_store_exits_5_within_15_s_saying_what_to_check(
    store: str, says: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    endpoint = request.getfixturevalue(store)
    page = save_jpeg(text_page(lines=["Giấy khai sinh"]), tmp_path / "page.jpg")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env.update(
        SOHOA_DATA_DIR=str(tmp_path / "data"),
        SOHOA_S3_ENDPOINT=endpoint,
        SOHOA_S3_ACCESS_KEY="key",
        SOHOA_S3_SECRET_KEY="secret",
    )

    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "sohoa.cli", "digitise", str(page)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert time.monotonic() - started < REPORTED_WITHIN_S, done.stderr
    assert done.returncode == EXIT_STORAGE, done.stderr
    assert says in done.stderr and endpoint in done.stderr
    assert "Traceback" not in done.stderr

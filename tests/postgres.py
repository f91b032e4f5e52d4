"""A real PostgreSQL server for tests: Debian's binaries (installed by `make install`), a fresh
cluster in a temporary folder, listening on 127.0.0.1 only, on a free port, with a password.

PostgreSQL refuses to run as root, so under root (CI) the cluster belongs to the `postgres`
user that Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

BINARIES = "/usr/lib/postgresql/*/bin"
USER = "sohoa"
DATABASE = "sohoa"


def _binaries() -> Path:
    found = sorted(Path("/").glob(BINARIES.lstrip("/")), key=lambda p: int(p.parent.name))
    if not found or not (found[-1] / "initdb").exists():
        pytest.fail(
            f"PostgreSQL's server binaries are not under {BINARIES}: run `make install`, "
            "which installs Debian's postgresql package",
            pytrace=False,
        )
    return found[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"{command[0]} failed: {done.stderr or done.stdout}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The SQLAlchemy URL of an empty database on a server started for this test session."""
    bin_dir = _binaries()
    base = Path(tempfile.mkdtemp(prefix="sohoa-pg-"))
    data = base / "data"
    password = secrets.token_urlsafe(16)
    password_file = base / "password"
    password_file.write_text(password)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (base, password_file):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    _run(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''"
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log")]
    _run(_as_server_user([*pg_ctl, "-o", options, "-w", "start"]))
    try:
        url = f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{port}/postgres"
        _run(
            [
                str(bin_dir / "psql"),
                url.replace("+psycopg", ""),
                "-c",
                f"CREATE DATABASE {DATABASE}",
            ]
        )
        yield url.removesuffix("/postgres") + f"/{DATABASE}"
    finally:
        _run(_as_server_user([*pg_ctl, "-m", "immediate", "stop"]))
        shutil.rmtree(base, ignore_errors=True)

"""Background server processes run the `sohoa` way.

A daemon lives in one folder, which holds its state file (``server.json``: pid, command, ports,
start time), its log (``server.log``, the previous run's kept as ``server.log.1``) and a lock
file. The lock serialises "is it running? if not, start it" across `sohoa` processes, so two
commands started at once share one server instead of starting two.

A state file is trusted only while its pid is alive *and* runs the recorded command line; a
crashed server or a recycled pid leaves a stale file, which reads as "not running". Linux only
(``/proc``), like the rest of `sohoa`.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from sohoa.errors import ExitCode, SohoaError
from sohoa.private import FILE_MODE, UMASK, private_dir

LOOPBACK = "127.0.0.1"
LOG_TAIL_LINES = 30

# Servers started by this process. A Popen object collected while its process still runs emits
# a ResourceWarning; code that turns warnings into errors (pikepdf's PDF/A validator does, while
# it parses content) would then fail on something unrelated whenever the collector ran. Holding
# them until this process exits keeps that from happening.
_started: list[subprocess.Popen[bytes]] = []


class DaemonError(SohoaError, RuntimeError):
    """A background server failed to start or to become ready."""

    exit_code = ExitCode.STORAGE
    what = "a background server did not start"


class AlreadyRunning(DaemonError):
    """``start`` was asked for a server that already runs."""

    def __init__(self, name: str, state: DaemonState) -> None:
        super().__init__(f"{name} already runs (pid {state.pid})")
        self.state = state


@dataclass(frozen=True)
class Launch:
    """How to start a server: its command, its environment and the ports it will listen on."""

    argv: list[str]
    env: dict[str, str]
    ports: dict[str, int]


@dataclass(frozen=True)
class DaemonState:
    """What the state file records about a running server."""

    pid: int
    argv: list[str]
    ports: dict[str, int]
    started_at: float  # seconds since the epoch


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_loopback_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that the kernel says are free right now.

    All sockets stay bound until every port is picked, so the ports differ from each other;
    another program may still take one before the server binds it (rare; the start then fails
    and says why in the log).
    """
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Daemon:
    """One background server, identified by the folder that holds its files."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.state_path = folder / "server.json"
        self.log_path = folder / "server.log"
        self.lock_path = folder / "server.lock"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's lock: other `sohoa` processes wait here until it is released."""
        private_dir(self.folder)
        # Python opens files non-inheritable, so a server started under the lock never holds it.
        with _open_private(self.lock_path, os.O_APPEND) as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def status(self) -> DaemonState | None:
        """The running server's state, or None when it is not running (or the file is stale)."""
        try:
            raw = json.loads(self.state_path.read_text())
            state = DaemonState(**raw)
        except (FileNotFoundError, ValueError, TypeError):
            return None
        return state if _runs(state.pid, state.argv) else None

    def ensure_running(
        self, launch: Callable[[], Launch], probe: Callable[[DaemonState], None], timeout: float
    ) -> DaemonState:
        """The running server, started first if needed.

        ``launch`` is called only when a server must be started (it picks ports, so it should
        run under the lock); ``probe`` raises until the server answers.
        """
        with self.locked():
            return self.status() or self._start(launch(), probe, timeout)

    def start(
        self, launch: Callable[[], Launch], probe: Callable[[DaemonState], None], timeout: float
    ) -> DaemonState:
        """Start the server; ``AlreadyRunning`` if it runs."""
        with self.locked():
            running = self.status()
            if running is not None:
                raise AlreadyRunning(self.name, running)
            return self._start(launch(), probe, timeout)

    def stop(self, grace: float = 15.0) -> bool:
        """Stop the server: SIGTERM, then SIGKILL after ``grace`` seconds. False if not running."""
        with self.locked():
            state = self.status()
            if state is None:
                self.state_path.unlink(missing_ok=True)
                return False
            _terminate(state, grace)
            self.state_path.unlink(missing_ok=True)
            return True

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _start(
        self, launch: Launch, probe: Callable[[DaemonState], None], timeout: float
    ) -> DaemonState:
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
        with _open_private(self.log_path, os.O_TRUNC) as log:
            # A new session: the server outlives this process and ignores its terminal's Ctrl+C.
            process = subprocess.Popen(
                launch.argv,
                env=launch.env,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=UMASK,  # what the server writes is private (its database, its sockets)
            )
        state = DaemonState(process.pid, launch.argv, launch.ports, time.time())
        try:
            self._wait_until_ready(process, state, probe, timeout)
        except BaseException:
            _terminate(state, grace=5.0)
            process.wait()
            raise
        _started.append(process)
        _write_atomically(self.state_path, json.dumps(asdict(state), indent=2))
        return state

    def _wait_until_ready(
        self,
        process: subprocess.Popen[bytes],
        state: DaemonState,
        probe: Callable[[DaemonState], None],
        timeout: float,
    ) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            exit_code = process.poll()
            if exit_code is not None:
                raise DaemonError(
                    f"{self.name} exited with code {exit_code} while starting; "
                    f"its log ({self.log_path}) ends with:\n{self.log_tail()}"
                )
            try:
                probe(state)
                return
            except Exception as error:  # the probe raises whatever "not ready yet" looks like
                last_error = error
            time.sleep(0.1)
        raise DaemonError(
            f"{self.name} was not ready after {timeout:.0f} s (last check: {last_error!r}); "
            f"its log ({self.log_path}) ends with:\n{self.log_tail()}"
        )


def _runs(pid: int, argv: Sequence[str]) -> bool:
    """True when ``pid`` is alive and runs ``argv`` (a recycled pid runs something else)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    # A zombie (exited, not yet reaped) has an empty command line: not running.
    return cmdline.split(b"\0")[:-1] == [os.fsencode(arg) for arg in argv]


def _terminate(state: DaemonState, grace: float) -> None:
    _signal(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _runs(state.pid, state.argv):
        if time.monotonic() > deadline:
            _signal(state.pid, signal.SIGKILL)
            break
        time.sleep(0.1)
    _reap(state.pid)


def _signal(pid: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError):  # already gone
        os.kill(pid, signum)


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child, so no zombie lingers."""
    with suppress(ChildProcessError):  # not our child: whoever its parent is reaps it
        os.waitpid(pid, 0)


def _open_private(path: Path, flags: int) -> IO[bytes]:
    """``path`` opened for writing, created with mode 0600."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | flags, FILE_MODE), "wb")


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    with _open_private(partial, os.O_TRUNC) as file:
        file.write(text.encode())
    partial.replace(path)

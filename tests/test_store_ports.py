"""Every socket the embedded store opens refuses whoever lacks its secrets.

Keep this test when SeaweedFS is upgraded: it finds the sockets by asking the kernel what weed's
processes listen on, not from weed's flags, so a port that a new version opens is probed too.

Every TCP port demands a client certificate (mutual TLS) before it says anything; behind it,
S3 still demands the key pair and the volume server a JWT that only weed signs.
"""

from __future__ import annotations

import os
import socket
import ssl
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import urllib3
from urllib3.exceptions import HTTPError

from sohoa.config import Settings
from sohoa.storage import embedded
from sohoa.storage.objects import ObjectStore, fail_fast_http_client

pytestmark = pytest.mark.slow

SECRET = b"Nguyen Van Huong, CCCD 036089001234"
KEY = "dossiers/hs-ports/manifest.json"
# The HTTP/2 client preface and an empty SETTINGS frame: what a gRPC client sends first.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000")
ORIGIN = "http://attacker.example"
# What a plain HTTP request gets from a port that speaks TLS only: 400 ("Client sent an HTTP
# request to an HTTPS server", Go's answer before any handler runs), or the connection closed.
NOT_TLS = frozenset({400, None})
# Past the certificate: 401/403: no or wrong credentials; 400: a request malformed for that
# API, refused before anything is read or written; 404/405: no such API on this port.
REFUSED = frozenset({400, 401, 403, 404, 405})


@dataclass(frozen=True)
class Answer:
    method: str
    path: str
    status: int | None  # None: the connection was closed with no HTTP answer
    allow_origin: str | None
    body: bytes


@pytest.fixture(scope="module")
def stored(s3_settings: Settings, s3_store: ObjectStore) -> ObjectStore:
    s3_store.put_bytes(KEY, SECRET, "application/json")
    return s3_store


@pytest.fixture(scope="module")
def weed(s3_settings: Settings, stored: ObjectStore) -> list[psutil.Process]:
    state = embedded.status(s3_settings)
    assert state is not None
    process = psutil.Process(state.pid)
    processes = [process, *process.children(recursive=True)]
    # weed's parts come up one after another, the admin server last, after S3 already answers:
    # wait for all of them, so that none is missed.
    deadline = time.monotonic() + 30
    while not set(state.ports.values()) <= {port for _, port in listening_tcp(processes)}:
        assert time.monotonic() < deadline, f"weed did not open all of {state.ports}"
        time.sleep(0.2)
    return processes


@pytest.fixture(scope="module")
def certified(s3_settings: Settings) -> urllib3.PoolManager:
    """A client holding weed's client certificate (but no key pair and no JWT)."""
    endpoint = embedded.ensure_running(s3_settings)
    assert endpoint.client_certificate is not None
    return fail_fast_http_client(5.0, endpoint.client_certificate)


def listening_tcp(processes: list[psutil.Process]) -> list[tuple[str, int]]:
    return sorted(
        {
            (c.laddr.ip, c.laddr.port)
            for p in processes
            for c in p.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        }
    )


def listening_unix(processes: list[psutil.Process]) -> list[Path]:
    return sorted(
        {
            Path(c.laddr)
            for p in processes
            for c in p.net_connections(kind="unix")
            if c.status == psutil.CONN_NONE and c.laddr and not c.laddr.startswith("\0")
        }
    )


def unauthenticated_requests(
    port: int, bucket: str, http: urllib3.PoolManager | None = None
) -> list[Answer]:
    """What a client without the key pair or a JWT (or a web page, by its Origin) gets for
    reads, writes and deletes of a stored object, on each API SeaweedFS serves: filer paths,
    master and volume paths, S3 paths. Plain HTTP unless ``http`` holds a client certificate."""
    scheme = "http" if http is None else "https"
    http = http or urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=5), retries=False)
    requests = [
        ("GET", "/"),  # the master's status page, the filer's root, S3's bucket list
        ("GET", f"/buckets/{bucket}/{KEY}"),  # the filer's path to the object
        ("GET", f"/buckets/{bucket}/?pretty=y"),  # a filer listing
        ("GET", f"/{bucket}/{KEY}"),  # S3's path to it
        ("GET", "/dir/assign"),  # the master hands out write tokens here
        ("GET", "/dir/lookup?volumeId=1"),
        ("GET", "/1,01637037d6"),  # a volume server's blob by file id
        ("PUT", f"/buckets/{bucket}/{KEY}"),
        ("PUT", f"/{bucket}/{KEY}"),
        ("POST", "/1,01637037d6"),
        ("DELETE", f"/buckets/{bucket}/?recursive=true"),
        ("DELETE", f"/{bucket}/{KEY}"),
        ("DELETE", "/1,01637037d6"),
    ]
    answers = []
    for method, path in requests:
        try:
            response = http.request(
                method,
                f"{scheme}://127.0.0.1:{port}{path}",
                body=b"overwritten" if method in ("PUT", "POST") else None,
                headers={"Origin": ORIGIN},
                retries=False,
            )
        except HTTPError:
            answers.append(Answer(method, path, None, None, b""))
            continue
        answers.append(
            Answer(
                method,
                path,
                response.status,
                response.headers.get("Access-Control-Allow-Origin"),
                response.data,
            )
        )
    return answers


def answer_without_certificate(port: int) -> bytes | str:
    """What a TLS client with no client certificate gets after its first bytes (an HTTP/2
    preface, as gRPC and browsers send): bytes it was sent, or the error."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2", "http/1.1"])
    try:
        with context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5)) as tls:
            tls.sendall(H2_PREFACE)
            return tls.recv(1024)
    except (ssl.SSLError, ConnectionError) as e:
        return str(e)


def plain_h2_answer(address: tuple[str, int] | str) -> bytes:
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as raw:
        raw.settimeout(5)
        raw.connect(address)
        raw.sendall(H2_PREFACE)
        try:
            return raw.recv(1024)
        except (TimeoutError, ConnectionError):
            return b""


def is_h2_settings(answer: bytes) -> bool:
    """True when ``answer`` starts with an HTTP/2 SETTINGS frame: an HTTP/2 server answering."""
    return len(answer) >= 9 and answer[3] == 0x04


def tcp_ports(weed: list[psutil.Process]) -> list[int]:
    return [port for _, port in listening_tcp(weed)]


def test_every_tcp_socket_is_bound_to_loopback(weed: list[psutil.Process]) -> None:
    sockets = listening_tcp(weed)

    assert sockets, "weed listens on nothing?"
    assert {ip for ip, _ in sockets} == {"127.0.0.1"}, sockets


def test_every_tcp_port_refuses_a_client_without_the_certificate(
    s3_settings: Settings, weed: list[psutil.Process], stored: ObjectStore
) -> None:
    state = embedded.status(s3_settings)
    assert state is not None
    ports = tcp_ports(weed)

    # master, volume, filer, S3 and admin each serve HTTP and gRPC
    assert set(state.ports.values()) <= set(ports), (state.ports, ports)
    for port in ports:
        answer = answer_without_certificate(port)
        assert isinstance(answer, str), f"port {port} answered {answer!r} with no certificate"
        assert "CERTIFICATE_REQUIRED" in answer or "certificate" in answer.lower(), answer
        assert not is_h2_settings(plain_h2_answer(("127.0.0.1", port))), port


def test_plain_http_gets_nothing_but_a_refusal_on_any_port(
    weed: list[psutil.Process], stored: ObjectStore
) -> None:
    for port in tcp_ports(weed):
        for answer in unauthenticated_requests(port, stored.bucket):
            where = f"port {port}: {answer.method} {answer.path} -> {answer.status}"
            assert answer.status in NOT_TLS, where  # the master's status page included
            assert SECRET not in answer.body and KEY.encode() not in answer.body, where


def test_no_port_answers_with_a_cross_origin_allowance(
    weed: list[psutil.Process], stored: ObjectStore
) -> None:
    for port in tcp_ports(weed):
        for answer in unauthenticated_requests(port, stored.bucket):
            assert answer.allow_origin is None, (
                f"port {port}: {answer.method} {answer.path} -> {answer.status} "
                f"with Access-Control-Allow-Origin {answer.allow_origin}"
            )


def test_behind_the_certificate_s3_and_the_volume_server_still_demand_credentials(
    s3_settings: Settings, stored: ObjectStore, certified: urllib3.PoolManager
) -> None:
    state = embedded.status(s3_settings)
    assert state is not None

    for port in (state.ports["s3"], state.ports["volume"]):
        for answer in unauthenticated_requests(port, stored.bucket, certified):
            where = f"port {port}: {answer.method} {answer.path} -> {answer.status}"
            assert answer.status in REFUSED, where
            assert SECRET not in answer.body, where


def test_the_object_survives_the_attempts(
    stored: ObjectStore, weed: list[psutil.Process], certified: urllib3.PoolManager
) -> None:
    for port in tcp_ports(weed):
        unauthenticated_requests(port, stored.bucket)
        unauthenticated_requests(port, stored.bucket, certified)

    assert stored.get_bytes(KEY) == SECRET


def test_unix_sockets_are_reachable_by_their_owner_only(weed: list[psutil.Process]) -> None:
    sockets = listening_unix(weed)

    assert sockets  # weed's local sockets, in our folder and in /tmp
    for path in sockets:
        folder, own = path.parent.stat(), path.stat()
        private_folder = folder.st_uid == os.getuid() and stat.S_IMODE(folder.st_mode) == 0o700
        # Connecting to a Unix socket takes write permission on it.
        private_socket = own.st_uid == os.getuid() and not stat.S_IMODE(own.st_mode) & 0o022
        assert private_folder or private_socket, f"{path} mode {stat.S_IMODE(own.st_mode):o}"
        if path.parent == Path("/tmp"):  # weed's gRPC sockets, mutual TLS like their ports
            assert not is_h2_settings(plain_h2_answer(str(path))), path

"""Every socket the embedded store opens refuses whoever lacks its secrets.

Keep this test when SeaweedFS is upgraded: it finds the sockets by asking the kernel what weed's
processes listen on, not from weed's flags, so a port that a new version opens is probed too.
"""

from __future__ import annotations

import os
import socket
import ssl
import stat
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import urllib3

from sohoa.config import Settings
from sohoa.storage import embedded
from sohoa.storage.objects import ObjectStore

pytestmark = pytest.mark.slow

SECRET = b"Nguyen Van Huong, CCCD 036089001234"
KEY = "dossiers/hs-ports/manifest.json"
# The HTTP/2 client preface and an empty SETTINGS frame: what a gRPC client sends first.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000")
ORIGIN = "http://attacker.example"
# 401/403: no or wrong credentials; 400: a request malformed for that API, refused before
# anything is read or written; 404/405: no such API on this port (switched off).
REFUSED = frozenset({400, 401, 403, 404, 405})


@dataclass(frozen=True)
class Answer:
    method: str
    path: str
    status: int
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
    return [process, *process.children(recursive=True)]


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


def unauthenticated_requests(port: int, bucket: str) -> list[Answer]:
    """What an anonymous client (or a web page, by its Origin) gets for reads, writes and
    deletes of a stored object, on each API SeaweedFS serves: filer paths, master and volume
    paths, S3 paths."""
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=5), retries=False)
    requests = [
        ("GET", "/"),
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
        response = http.request(
            method,
            f"http://127.0.0.1:{port}{path}",
            body=b"overwritten" if method in ("PUT", "POST") else None,
            headers={"Origin": ORIGIN},
        )
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


def speaks_tls(port: int) -> bool:
    """True when the port starts a TLS handshake (weed's gRPC ports, with mutual TLS)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5)):
            return True
    except ssl.SSLError as e:
        return "WRONG_VERSION_NUMBER" not in str(e) and "record layer failure" not in str(e)
    except ConnectionError:
        return True  # closed at the handshake: not plain HTTP either


def grpc_answer_without_certificate(port: int) -> bytes | str:
    """What a gRPC client with no client certificate gets: bytes it was sent, or the error."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
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


def test_every_tcp_socket_is_bound_to_loopback(weed: list[psutil.Process]) -> None:
    sockets = listening_tcp(weed)

    assert sockets, "weed listens on nothing?"
    assert {ip for ip, _ in sockets} == {"127.0.0.1"}, sockets


def test_grpc_ports_refuse_a_client_without_the_certificate(
    weed: list[psutil.Process], stored: ObjectStore
) -> None:
    tls_ports = [port for _, port in listening_tcp(weed) if speaks_tls(port)]

    # master, volume, filer, S3 and admin each serve gRPC
    assert len(tls_ports) >= 5, tls_ports
    for port in tls_ports:
        answer = grpc_answer_without_certificate(port)
        assert isinstance(answer, str), f"port {port} answered {answer!r} with no certificate"
        assert "CERTIFICATE_REQUIRED" in answer or "certificate" in answer.lower(), answer
        assert not is_h2_settings(plain_h2_answer(("127.0.0.1", port))), port


def test_http_ports_refuse_unauthenticated_reads_writes_and_deletes(
    s3_settings: Settings, weed: list[psutil.Process], stored: ObjectStore
) -> None:
    state = embedded.status(s3_settings)
    assert state is not None
    http_ports = [port for _, port in listening_tcp(weed) if not speaks_tls(port)]
    assert state.ports["s3"] in http_ports and state.ports["volume"] in http_ports

    for port in http_ports:
        for answer in unauthenticated_requests(port, stored.bucket):
            where = f"port {port}: {answer.method} {answer.path} -> {answer.status}"
            assert SECRET not in answer.body, where
            if answer.status < 300:  # a refusal may echo the path it was asked for
                assert KEY.encode() not in answer.body, where
            if port == state.ports["master"] and (answer.method, answer.path) == ("GET", "/"):
                # The master's status page (volume counts and sizes) has no switch in weed; it
                # holds no object's name or content (checked above).
                assert answer.status == 200, where
                continue
            assert answer.status in REFUSED, where


def test_no_port_lets_a_web_page_read_an_answer(
    weed: list[psutil.Process], stored: ObjectStore
) -> None:
    for _, port in listening_tcp(weed):
        if speaks_tls(port):
            continue
        for answer in unauthenticated_requests(port, stored.bucket):
            if answer.status in REFUSED:
                # weed hard-codes `*` on the volume server's and S3's refusals: a page learns
                # only that it was refused.
                continue
            assert answer.allow_origin in (None, ""), (
                f"port {port}: {answer.method} {answer.path} -> {answer.status} "
                f"with Access-Control-Allow-Origin {answer.allow_origin}"
            )


def test_the_object_survives_the_attempts(stored: ObjectStore, weed: list[psutil.Process]) -> None:
    for _, port in listening_tcp(weed):
        if not speaks_tls(port):
            unauthenticated_requests(port, stored.bucket)

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

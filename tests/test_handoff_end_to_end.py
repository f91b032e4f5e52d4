"""The hand-off end to end, through real parts: `sohoa serve` on 127.0.0.1 (uvicorn, its
upload runner and event dispatcher), the warm worker with real Tesseract and a real Prefect
flow, the embedded SeaweedFS, a webhook receiver process, and the `sohoa` commands."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bagit
import httpx
import pytest

from sohoa.pipeline.text import fold
from tests.pages import save_jpeg, text_page
from tests.test_events import Receiver, free_port

pytestmark = pytest.mark.slow

SOHOA = [sys.executable, "-m", "sohoa.cli"]
SECRET = "the-receivers-own-secret-0123456789"
PAGES = [
    ["ĐƠN ĐĂNG KÝ HỘ KINH DOANH", "Họ và tên: Trần Thị Mai", "Địa chỉ: xã Phương Định"],
    ["GIẤY XÁC NHẬN CƯ TRÚ", "Ông Lê Văn Bình", "thường trú tại thôn Hòa Bình"],
]


class Sohoa:
    def __init__(self, data_dir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
        self.env = {**env, "SOHOA_DATA_DIR": str(data_dir), "SOHOA_WEBHOOK_BACKOFF_S": "0.2"}

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*SOHOA, *args], capture_output=True, text=True, env=self.env, timeout=300
        )

    def token(self, name: str, role: str) -> str:
        done = self.run("tokens", "add", name, "--role", role)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()[-1]


@pytest.fixture
def sohoa(data_dir: Path) -> Sohoa:
    return Sohoa(data_dir)


@contextmanager
def serving(sohoa: Sohoa) -> Iterator[str]:
    """`sohoa serve` on a free port of 127.0.0.1, until the block ends; its URL."""
    port = free_port()
    process = subprocess.Popen(
        [*SOHOA, "serve", "--port", str(port)], env=sohoa.env, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def server(sohoa: Sohoa) -> Iterator[str]:
    with serving(sohoa) as url:
        yield url


def wait_for(check: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {seconds} s")


def test_a_dossier_handed_in_comes_back_signed_fetched_audited_and_archived(
    sohoa: Sohoa, server: str, tmp_path: Path
) -> None:
    receiver = Receiver(tmp_path)
    receiver.start()
    try:
        secret = tmp_path / "secret"
        secret.write_text(SECRET)
        added = sohoa.run("webhooks", "add", receiver.url, "--secret-file", str(secret))
        assert added.returncode == 0, added.stderr
        submit = sohoa.token("one-stop-shop", "submit")
        read = sohoa.token("portal", "read")
        files = [
            save_jpeg(text_page(lines=lines), tmp_path / f"page-{n}.jpg")
            for n, lines in enumerate(PAGES, 1)
        ]

        def upload(token: str) -> httpx.Response:
            parts = [("files", (f.name, f.read_bytes(), "image/jpeg")) for f in files]
            return httpx.post(
                f"{server}/api/v1/dossiers",
                files=parts,
                data={"dossier_id": "hs-api-e2e"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )

        assert upload(read).status_code == 403
        accepted = upload(submit)
        assert accepted.status_code == 202
        assert accepted.json() == {"dossier_id": "hs-api-e2e", "status": "queued"}

        # The event arrives, signed with the webhook's secret.
        (record,) = wait_for(receiver.received, 400)
        headers = {k.lower(): v for k, v in record["headers"].items()}
        expected = hmac.new(SECRET.encode(), record["body"].encode(), hashlib.sha256).hexdigest()
        assert headers["x-sohoa-signature"] == f"sha256={expected}"
        event = json.loads(record["body"])
        assert headers["x-sohoa-event-id"] == event["event_id"]
        assert (event["event"], event["dossier_id"]) == ("dossier.completed", "hs-api-e2e")

        # The status has the manifest; the submit token may read it.
        status = httpx.get(
            f"{server}/api/v1/dossiers/hs-api-e2e",
            headers={"Authorization": f"Bearer {submit}"},
        ).json()
        assert status["status"] == "done"
        manifest = status["manifest"]
        assert [d["id"] for d in manifest["documents"]] == [d["id"] for d in event["documents"]]
        assert [s["name"] for s in manifest["sources"]] == ["page-1.jpg", "page-2.jpg"]

        # The results, fetched with a read token: page k of the text says what page k said.
        reader = {"Authorization": f"Bearer {read}"}
        texts = []
        for document in manifest["documents"]:
            answer = httpx.get(f"{server}/api/v1/documents/{document['id']}/text", headers=reader)
            assert answer.status_code == 200
            texts += answer.text.split("\f")
            pdf = httpx.get(f"{server}/api/v1/documents/{document['id']}/pdf", headers=reader)
            assert pdf.content.startswith(b"%PDF")
        assert len(texts) == 2
        for text, lines in zip(texts, PAGES, strict=True):
            assert fold(lines[0]) in fold(text)

        # Every read is in the audit log, under the reading token's name.
        audit = json.loads(sohoa.run("audit", "--json").stdout)
        reads = [(e["token"], e["action"]) for e in audit if e["token"] == "portal"]
        assert reads == [("portal", "text"), ("portal", "pdf")] * len(manifest["documents"])

        # A revoked token is refused.
        assert sohoa.run("tokens", "revoke", "portal").returncode == 0
        refused = httpx.get(
            f"{server}/api/v1/documents/{event['documents'][0]['id']}", headers=reader
        )
        assert refused.status_code == 401

        # The export validates.
        exported = sohoa.run("export", "hs-api-e2e", "--to", str(tmp_path / "archive"))
        assert exported.returncode == 0, exported.stderr
        bag = bagit.Bag(str(tmp_path / "archive" / "hs-api-e2e"))
        bag.validate()
        assert sorted(p for p in bag.payload_files() if p.endswith(".pdf")) == sorted(
            f"data/documents/{d['id']}.pdf" for d in manifest["documents"]
        )

        # Everything committed since today, again: the same payload and manifests.
        today = time.strftime("%Y-%m-%d", time.gmtime())
        again = sohoa.run("export", "--since", today, "--to", str(tmp_path / "again"))
        assert again.returncode == 0, again.stderr
        for name in ("manifest-sha256.txt", "data/metadata.json", "data/manifest.json"):
            first = (tmp_path / "archive" / "hs-api-e2e" / name).read_bytes()
            assert (tmp_path / "again" / "hs-api-e2e" / name).read_bytes() == first
    finally:
        receiver.stop()


def test_a_dossier_accepted_before_a_restart_is_digitised_by_the_next_server(
    sohoa: Sohoa, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from sohoa.storage.catalogue import Catalogue
    from sohoa.storage.objects import ObjectStore
    from sohoa.web.app import create_app
    from tests.conftest import make_settings

    # Accepted by a server that stops before digitising anything (no runner at all).
    monkeypatch.setenv("SOHOA_DATA_DIR", str(data_dir))
    settings = make_settings(data_dir)
    store = ObjectStore.from_settings(settings)
    catalogue = Catalogue.from_settings(settings)
    submit = sohoa.token("one-stop-shop", "submit")
    page = save_jpeg(text_page(lines=PAGES[0]), tmp_path / "page.jpg")
    with TestClient(create_app(catalogue, store, "the-first-servers-page-token")) as first:
        accepted = first.post(
            "/api/v1/dossiers",
            files=[("files", ("page.jpg", page.read_bytes(), "image/jpeg"))],
            data={"dossier_id": "hs-restart"},
            headers={"Authorization": f"Bearer {submit}"},
        )
    catalogue.close()
    assert accepted.status_code == 202

    # The next server finds it in storage and digitises it.
    with serving(sohoa) as url:

        def finished() -> Any:
            answer = httpx.get(
                f"{url}/api/v1/dossiers/hs-restart", headers={"Authorization": f"Bearer {submit}"}
            ).json()
            return answer if answer["status"] not in ("queued", "running") else None

        status = wait_for(finished, 400)
    assert status["status"] == "done"
    assert [s["name"] for s in status["manifest"]["sources"]] == ["page.jpg"]

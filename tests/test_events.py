"""Completion events: recorded once per manifest in the outbox, delivered signed to a real
receiver process on 127.0.0.1, and every one still delivered after the receiver was down."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sohoa.flows.events import DeliverySettings, Outbox, completion
from sohoa.storage.catalogue import Catalogue
from tests.handoff_db import own_catalogue  # noqa: F401  (one of its own per test)
from tests.postgres import postgres_url  # noqa: F401  (the slow runs' PostgreSQL)
from tests.test_catalogue import document, manifest

SECRET = "a-secret-of-the-receiver-0123456789"
FAST = DeliverySettings(backoff_s=0.05, max_backoff_s=0.2, timeout_s=2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Receiver:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "received.jsonl"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        argv = [
            sys.executable,
            str(Path(__file__).with_name("receiver.py")),
            str(self.port),
            str(self.log),
        ]
        self.process = subprocess.Popen(argv)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the receiver did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait()
            self.process = None

    def received(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    started = Receiver(tmp_path)
    yield started
    started.stop()


def committed(dossier_id: str, status: str = "done") -> Any:
    made = manifest(dossier_id, document(f"{dossier_id}-doc", "quyet_dinh"))
    return made.model_copy(update={"status": status})


def verified(record: dict[str, Any]) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in record["headers"].items()}
    expected = hmac.new(SECRET.encode(), record["body"].encode(), hashlib.sha256).hexdigest()
    assert headers["x-sohoa-signature"] == f"sha256={expected}"
    body: dict[str, Any] = json.loads(record["body"])
    assert headers["x-sohoa-event-id"] == body["event_id"]
    assert headers["x-sohoa-event"] == body["event"]
    return body


def test_a_manifest_gives_one_event_however_often_it_is_recorded(catalogue: Catalogue) -> None:
    outbox = Outbox(catalogue)
    outbox.add_webhook("http://127.0.0.1:9/hook", SECRET)
    event_id, event_type, body = completion(committed("hs-1"))
    assert outbox.record(event_id, event_type, body)
    assert not outbox.record(event_id, event_type, body)
    assert outbox.pending() == 1


def test_the_event_says_the_dossier_its_status_documents_and_manifest(catalogue: Catalogue) -> None:
    _, event_type, body = completion(committed("hs-2", "partial"))
    assert event_type == "dossier.completed"
    assert body["dossier_id"] == "hs-2" and body["status"] == "partial"
    assert body["documents"] == [{"id": "hs-2-doc", "type": "quyet_dinh"}]
    assert body["manifest_key"] == "dossiers/hs-2/manifest.json"
    assert completion(committed("hs-3", "failed"))[1] == "dossier.failed"


def test_a_webhook_gets_only_the_events_it_asked_for(catalogue: Catalogue) -> None:
    outbox = Outbox(catalogue)
    outbox.add_webhook("http://127.0.0.1:9/failures", SECRET, ["dossier.failed"])
    outbox.record(*completion(committed("hs-ok")))
    assert outbox.pending() == 0
    outbox.record(*completion(committed("hs-bad", "failed")))
    assert outbox.pending() == 1


def test_events_are_delivered_signed(catalogue: Catalogue, receiver: Receiver) -> None:
    receiver.start()
    outbox = Outbox(catalogue)
    outbox.add_webhook(receiver.url, SECRET)
    event_id, event_type, body = completion(committed("hs-4"))
    outbox.record(event_id, event_type, body)
    with httpx.Client() as client:
        assert outbox.deliver_due(client, FAST) == 1
    (record,) = receiver.received()
    assert verified(record) == body and body["event_id"] == event_id


def test_a_receiver_down_gets_every_event_once_it_is_back(
    catalogue: Catalogue, receiver: Receiver
) -> None:
    outbox = Outbox(catalogue)
    outbox.add_webhook(receiver.url, SECRET)
    recorded = [completion(committed(f"hs-down-{n}")) for n in range(3)]
    for event in recorded:
        outbox.record(*event)
    with httpx.Client() as client:
        for _ in range(4):  # down: every attempt fails, and is tried again later
            assert outbox.deliver_due(client, FAST) == 0
            time.sleep(0.25)
        assert outbox.pending() == 3
        receiver.start()
        deadline = time.monotonic() + 10
        while outbox.pending() and time.monotonic() < deadline:
            outbox.deliver_due(client, FAST)
            time.sleep(0.05)
    ids = sorted(verified(r)["event_id"] for r in receiver.received())
    assert ids == sorted(event_id for event_id, _, _ in recorded)


def test_an_upload_that_could_not_be_digitised_is_a_failed_event_with_the_reason(
    catalogue: Catalogue, receiver: Receiver
) -> None:
    from sohoa.flows.events import dossier_not_digitised

    receiver.start()
    Outbox(catalogue).add_webhook(receiver.url, SECRET, ["dossier.failed"])
    dossier_not_digitised(catalogue, "hs-broken", "ValueError: something inside broke")
    with httpx.Client() as client:
        assert Outbox(catalogue).deliver_due(client, FAST) == 1
    body = verified(receiver.received()[0])
    assert (body["event"], body["dossier_id"], body["status"]) == (
        "dossier.failed",
        "hs-broken",
        "failed",
    )
    assert body["error"] == "ValueError: something inside broke" and body["documents"] == []

"""Uploads kept in object storage until digitised: a runner started later (a server started
again) finds and digitises them; how each ended is recorded. The worker is stood in for by
a function here (`test_handoff_end_to_end` runs the real one); the store is the session's
real embedded S3 server."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from sohoa.config import Settings
from sohoa.flows import uploads
from sohoa.flows.keys import manifest_key
from sohoa.flows.worker import WorkerFailure
from sohoa.storage.objects import ObjectStore
from tests.conftest import make_settings
from tests.test_catalogue import manifest


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


def queued(store: ObjectStore, files: dict[str, bytes]) -> str:
    dossier_id = f"hs-up-{secrets.token_hex(3)}"
    request = uploads.UploadRequest(
        dossier_id=dossier_id,
        files=[
            uploads.UploadedFile(
                name=name, key=uploads.file_key(dossier_id, i, name), sha256="", bytes=len(data)
            )
            for i, (name, data) in enumerate(files.items())
        ],
        received="2026-01-01T00:00:00+00:00",
        token="shop",
    )
    for file, data in zip(request.files, files.values(), strict=True):
        store.put_bytes(file.key, data, "application/octet-stream")
    uploads.queue(store, request)
    return dossier_id


def test_a_runner_started_later_digitises_what_was_queued_before(
    s3_store: ObjectStore, settings: Settings
) -> None:
    dossier_id = queued(s3_store, {"đơn.jpg": b"page one", "b.jpg": b"page two"})
    assert uploads.dossier_status(s3_store, dossier_id).status == "queued"  # type: ignore[union-attr]
    seen: dict[str, list[tuple[str, bytes]]] = {}  # the session's bucket holds others' too

    def worker(_settings: Settings, paths: list[str], given_id: str) -> dict[str, Any]:
        seen[given_id] = [(Path(p).name, Path(p).read_bytes()) for p in paths]
        done = manifest(given_id)
        s3_store.put_bytes(
            manifest_key(given_id), done.model_dump_json().encode(), "application/json"
        )
        return done.model_dump(mode="json")

    assert uploads.UploadRunner(s3_store, settings, submit=worker).run_pending() >= 1
    assert seen[dossier_id] == [("đơn.jpg", b"page one"), ("b.jpg", b"page two")]
    status = uploads.dossier_status(s3_store, dossier_id)
    assert status is not None and status.status == "done" and status.manifest is not None
    assert dossier_id not in [r.dossier_id for r in uploads.pending(s3_store)]
    request = uploads.find_request(s3_store, dossier_id)
    assert request is not None and not any(s3_store.exists(f.key) for f in request.files)


def test_a_dossier_the_worker_cannot_digitise_is_failed_with_the_reason(
    s3_store: ObjectStore, settings: Settings
) -> None:
    dossier_id = queued(s3_store, {"a.pdf": b"x"})
    told: list[tuple[str, str]] = []

    def broken(_settings: Settings, _paths: list[str], _id: str) -> dict[str, Any]:
        raise WorkerFailure("internal", "ValueError: something inside broke")

    runner = uploads.UploadRunner(
        s3_store, settings, submit=broken, on_failure=lambda d, e: told.append((d, e))
    )
    runner.run_pending()
    status = uploads.dossier_status(s3_store, dossier_id)
    assert status is not None and status.status == "failed"
    assert status.error is not None and "something inside broke" in status.error
    assert (dossier_id, status.error) in told


def test_the_store_or_worker_away_leaves_the_dossier_queued(
    s3_store: ObjectStore, settings: Settings
) -> None:
    dossier_id = queued(s3_store, {"a.pdf": b"x"})

    def away(_settings: Settings, _paths: list[str], _id: str) -> dict[str, Any]:
        raise WorkerFailure("storage", "object storage unreachable")

    uploads.UploadRunner(s3_store, settings, submit=away).run_pending()
    assert uploads.dossier_status(s3_store, dossier_id).status == "queued"  # type: ignore[union-attr]

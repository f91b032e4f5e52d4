"""The HTTP API under /api/v1: tokens with roles, uploads stored and queued before the 202,
size limits, idempotency, and the audit log of reads. Uploads go to the session's real
embedded S3 server; digitising them is `test_handoff_end_to_end`'s."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sohoa.flows import uploads
from sohoa.storage.audit import AuditLog
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectStore
from sohoa.storage.tokens import TokenStore
from sohoa.web.api import Limits, mount_api
from sohoa.web.app import create_app
from tests.test_web import NO_STORAGE, PERSON, TOKEN, filled_catalogue


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    return filled_catalogue(tmp_path / "catalogue.sqlite")


@pytest.fixture(autouse=True)
def work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "data"))


def client(catalogue: Catalogue, store: ObjectStore, token: str, **limits: int) -> TestClient:
    app = create_app(catalogue, store, TOKEN)
    if limits:  # a second API in front, with these limits, answers first
        app = mount_api(app, catalogue, store, TokenStore(catalogue), Limits(**limits))
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def upload(api: TestClient, files: dict[str, bytes], **form: str) -> object:
    parts = [("files", (name, data, "application/pdf")) for name, data in files.items()]
    return api.post("/api/v1/dossiers", files=parts, data=form)


def test_a_read_token_cannot_upload(catalogue: Catalogue) -> None:
    reader = TokenStore(catalogue).add("portal", "read")
    answer = upload(client(catalogue, NO_STORAGE, reader), {"a.pdf": b"%PDF-1.4"})
    assert answer.status_code == 403  # type: ignore[attr-defined]


def test_a_submit_token_cannot_read_documents(catalogue: Catalogue) -> None:
    submitter = TokenStore(catalogue).add("shop", "submit")
    assert (
        client(catalogue, NO_STORAGE, submitter).get("/api/v1/documents/decision").status_code
        == 403
    )


def test_a_revoked_or_unknown_token_gets_401(catalogue: Catalogue) -> None:
    tokens = TokenStore(catalogue)
    reader = tokens.add("portal", "read")
    api = client(catalogue, NO_STORAGE, reader)
    assert api.get("/api/v1/documents/decision").status_code == 200
    tokens.revoke("portal")
    assert api.get("/api/v1/documents/decision").status_code == 401
    assert client(catalogue, NO_STORAGE, "guess").get("/api/v1/search?q=x").status_code == 401


def test_the_page_token_is_an_admin_token_of_the_api(catalogue: Catalogue) -> None:
    found = client(catalogue, NO_STORAGE, TOKEN).get("/api/v1/documents/decision")
    assert found.status_code == 200 and found.json()["id"] == "decision"


def test_an_upload_is_stored_and_queued_before_the_202(
    catalogue: Catalogue, s3_store: ObjectStore
) -> None:
    submitter = TokenStore(catalogue).add("shop", "submit")
    api = client(catalogue, s3_store, submitter)
    answer = upload(api, {"đơn.pdf": b"first file", "b.pdf": b"second file"}, dossier_id="hs-api-1")
    assert answer.status_code == 202  # type: ignore[attr-defined]
    assert answer.json() == {"dossier_id": "hs-api-1", "status": "queued"}  # type: ignore[attr-defined]
    request = uploads.find_request(s3_store, "hs-api-1")
    assert request is not None and [f.name for f in request.files] == ["đơn.pdf", "b.pdf"]
    assert s3_store.get_bytes(request.files[1].key) == b"second file"
    assert api.get("/api/v1/dossiers/hs-api-1").json()["status"] == "queued"


def test_the_same_files_again_are_the_same_dossier(
    catalogue: Catalogue, s3_store: ObjectStore
) -> None:
    api = client(catalogue, s3_store, TokenStore(catalogue).add("shop", "submit"))
    first = upload(api, {"x.pdf": b"same content"}).json()  # type: ignore[attr-defined]
    again = upload(api, {"x.pdf": b"same content"}).json()  # type: ignore[attr-defined]
    assert first == again and first["dossier_id"].startswith("hs-")


def test_an_idempotency_key_gives_the_first_answer_again(
    catalogue: Catalogue, s3_store: ObjectStore
) -> None:
    api = client(catalogue, s3_store, TokenStore(catalogue).add("shop", "submit"))
    headers = {"Idempotency-Key": "request-42"}
    first = api.post("/api/v1/dossiers", files=[("files", ("a.pdf", b"one"))], headers=headers)
    retried = api.post("/api/v1/dossiers", files=[("files", ("a.pdf", b"two"))], headers=headers)
    assert first.status_code == retried.status_code == 202
    assert first.json()["dossier_id"] == retried.json()["dossier_id"]


def test_a_file_over_the_limit_is_413_and_nothing_is_queued(
    catalogue: Catalogue, s3_store: ObjectStore
) -> None:
    api = client(catalogue, s3_store, TokenStore(catalogue).add("shop", "submit"), file_bytes=1000)
    answer = upload(api, {"big.pdf": b"x" * 5000}, dossier_id="hs-too-big")
    assert answer.status_code == 413 and "big.pdf" in answer.text  # type: ignore[attr-defined]
    assert uploads.find_request(s3_store, "hs-too-big") is None


def test_a_request_over_the_limit_is_413(catalogue: Catalogue, s3_store: ObjectStore) -> None:
    api = client(
        catalogue, s3_store, TokenStore(catalogue).add("shop", "submit"), request_bytes=3000
    )
    answer = upload(api, {"a.pdf": b"x" * 1000, "b.pdf": b"y" * 1000, "c.pdf": b"z" * 1500})
    assert answer.status_code == 413  # type: ignore[attr-defined]


def test_every_read_of_personal_data_is_in_the_audit_log(catalogue: Catalogue) -> None:
    reader = TokenStore(catalogue).add("portal", "read")
    api = client(catalogue, NO_STORAGE, reader)
    api.get("/api/v1/documents/decision")
    api.get(f"/api/v1/search?person={PERSON}")
    api.get("/api/v1/search?q=quyết định")  # no personal ID: not a read of a person's data
    page = TestClient(
        create_app(catalogue, NO_STORAGE, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    page.get("/documents/decision")
    page.get(f"/?q={PERSON}")
    logged = [
        (e.token, e.via, e.action, e.document_id, e.person_id)
        for e in AuditLog(catalogue).entries()
    ]
    assert logged == [
        ("portal", "api", "document", "decision", None),
        ("portal", "api", "search", None, PERSON),
        ("page", "page", "document", "decision", None),
        ("page", "page", "search", None, PERSON),
    ]
    assert [e.action for e in AuditLog(catalogue).entries(person_id=PERSON)] == [
        "document",
        "search",
        "document",
        "search",
    ]


def test_an_admin_token_manages_tokens_and_others_may_not(catalogue: Catalogue) -> None:
    admin = client(catalogue, NO_STORAGE, TOKEN)
    issued = admin.post("/api/v1/tokens", json={"name": "archive", "role": "read"})
    assert issued.status_code == 201
    archive = client(catalogue, NO_STORAGE, issued.json()["token"])
    assert archive.get("/api/v1/documents/decision").status_code == 200
    assert archive.get("/api/v1/tokens").status_code == 403
    listed = admin.get("/api/v1/tokens").json()
    assert {t["name"]: t["role"] for t in listed} == {"archive": "read", "page": "admin"}
    assert "token" not in listed[0]
    assert admin.delete("/api/v1/tokens/archive").status_code == 204
    assert archive.get("/api/v1/documents/decision").status_code == 401


def test_the_docs_list_the_endpoints_without_scripts_from_elsewhere(catalogue: Catalogue) -> None:
    reader = client(catalogue, NO_STORAGE, TokenStore(catalogue).add("portal", "read"))
    docs = reader.get("/docs")
    assert docs.status_code == 200 and "POST /api/v1/dossiers" in docs.text
    assert "<script" not in docs.text
    schema = reader.get("/api/v1/openapi.json").json()
    assert (
        "multipart/form-data"
        in schema["paths"]["/api/v1/dossiers"]["post"]["requestBody"]["content"]
    )


def test_api_answers_are_kept_in_no_cache(catalogue: Catalogue) -> None:
    found = client(catalogue, NO_STORAGE, TOKEN).get("/api/v1/documents/decision")
    assert found.headers["cache-control"] == "no-store"
    assert found.headers["x-content-type-options"] == "nosniff"

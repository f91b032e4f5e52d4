"""The clerks' web page and JSON API (`sohoa serve`), through FastAPI's test client, over a
catalogue filled here; the PDF tests read from the session's real embedded S3 server."""

from __future__ import annotations

import io
import stat
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pikepdf
import pytest
from fastapi.testclient import TestClient

from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectStore
from sohoa.web.app import create_app
from sohoa.web.auth import COOKIE, load_or_create_token, token_path
from tests.test_catalogue import document, manifest

TOKEN = "test-token-for-the-web-page"
PERSON = "036089001234"
NAME = "Nguyễn Văn Hưởng"
# Nothing listens on port 9: the tests that never read a PDF need no storage server.
NO_STORAGE = ObjectStore("127.0.0.1:9", "key", "secret", "sohoa", secure=False)


def filled_catalogue(path: Path) -> Catalogue:
    catalogue = Catalogue(f"sqlite:///{path}")
    decision = document(
        "decision",
        "quyet_dinh",
        pages=2,
        so_ky_hieu="245/QĐ-UBND",
        ngay_ban_hanh="2024-03-14",
        co_quan_ban_hanh="Ủy ban nhân dân xã Phương Định",
        trich_yeu="Về việc công nhận <b>hộ</b> kinh doanh",
        ho_ten=NAME,
        so_dinh_danh=[PERSON],
    )
    decision.needs_review = True
    decision.review = ["ngay_ban_hanh"]
    catalogue.index_manifest(
        manifest("hs-1", decision),
        {"decision": ["QUYẾT ĐỊNH", f"Công nhận ông {NAME}, số định danh {PERSON}"]},
    )
    return catalogue


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[Catalogue]:
    opened = filled_catalogue(tmp_path / "catalogue.sqlite")
    yield opened
    opened.close()


@pytest.fixture
def stranger(catalogue: Catalogue) -> TestClient:
    return TestClient(create_app(catalogue, NO_STORAGE, TOKEN))


@pytest.fixture
def clerk(catalogue: Catalogue) -> TestClient:
    return TestClient(
        create_app(catalogue, NO_STORAGE, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"}
    )


# --- the token --------------------------------------------------------------------------------

PROTECTED = [
    "/",
    "/?q=nguyen+van+huong",
    "/documents/decision",
    "/documents/no-such-document",
    "/documents/decision/pdf",
    "/api/search?q=huong",
    "/api/documents/decision",
    "/api/documents/no-such-document",
    "/openapi.json",
    "/docs",
]


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_without_the_token_every_path_answers_401_and_nothing_of_the_catalogue(
    stranger: TestClient, path: str, accept: str
) -> None:
    refused = stranger.get(path, headers={"Accept": accept})
    assert refused.status_code == 401
    for secret in ("decision", "Hưởng", PERSON, "245/QĐ-UBND", "openapi", "quyet_dinh"):
        assert secret not in refused.text
    # A missing document is refused exactly like an existing one: nothing tells them apart.
    assert refused.content == stranger.get("/", headers={"Accept": accept}).content


@pytest.mark.parametrize(
    "credentials",
    [
        {"headers": {"Authorization": "Bearer wrong-token"}},
        {"headers": {"Authorization": f"Basic {TOKEN}"}},
        {"cookies": {COOKIE: "wrong-token"}},
        {"params": {"token": "wrong-token"}},
    ],
    ids=["bearer", "not-bearer", "cookie", "query"],
)
def test_a_wrong_token_is_refused_wherever_it_is_carried(
    catalogue: Catalogue, credentials: dict[str, dict[str, str]]
) -> None:
    client = TestClient(
        create_app(catalogue, NO_STORAGE, TOKEN), cookies=credentials.get("cookies")
    )
    refused = client.get(
        "/api/documents/decision",
        headers=credentials.get("headers"),
        params=credentials.get("params"),
    )
    assert refused.status_code == 401
    assert "decision" not in refused.text


def test_the_login_form_sets_an_httponly_samesite_strict_cookie(stranger: TestClient) -> None:
    logged_in = stranger.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert logged_in.status_code == 303
    cookie = logged_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert stranger.get("/api/documents/decision").status_code == 200


def test_the_login_form_refuses_a_wrong_token(stranger: TestClient) -> None:
    refused = stranger.post("/login", data={"token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 401
    assert "set-cookie" not in refused.headers
    assert "Mã truy cập không đúng" in refused.text


def test_a_token_in_the_link_logs_in_once_and_leaves_the_address(stranger: TestClient) -> None:
    followed = stranger.get("/", params={"q": "huong", "token": TOKEN}, follow_redirects=False)
    assert followed.status_code == 303
    assert followed.headers["location"] == "/?q=huong"
    assert stranger.get("/?q=huong").status_code == 200


def test_logging_out_forgets_the_cookie(stranger: TestClient) -> None:
    stranger.post("/login", data={"token": TOKEN})
    stranger.post("/logout")
    assert stranger.get("/api/documents/decision").status_code == 401


def test_the_token_is_created_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    token, created = load_or_create_token(tmp_path / "data")
    assert created and len(token) >= 32
    assert stat.S_IMODE(token_path(tmp_path / "data").stat().st_mode) == 0o600
    assert load_or_create_token(tmp_path / "data") == (token, False)


def test_the_openapi_schema_is_served_to_the_token_holder(clerk: TestClient) -> None:
    schema = clerk.get("/openapi.json").json()
    assert {"/api/search", "/api/documents/{document_id}"} <= set(schema["paths"])


# --- the pages --------------------------------------------------------------------------------


def test_a_name_typed_without_marks_finds_the_document_with_the_match_marked(
    clerk: TestClient,
) -> None:
    page = clerk.get("/", params={"q": "nguyen van huong"})
    assert page.status_code == 200
    assert 'href="/documents/decision"' in page.text
    assert "<mark>Hưởng</mark>" in page.text
    assert "Quyết định" in page.text and "14/03/2024" in page.text


def test_the_search_page_filters_by_type_person_issuer_and_dates(clerk: TestClient) -> None:
    def found(**params: str) -> bool:
        return 'href="/documents/decision"' in clerk.get("/", params=params).text

    assert found(type="quyet_dinh", person=PERSON, issuer="phuong dinh", **{"from": "14/03/2024"})
    assert not found(type="cccd")
    assert not found(q="huong", **{"to": "13/03/2024"})


def test_a_malformed_filter_is_explained_not_searched(clerk: TestClient) -> None:
    page = clerk.get("/", params={"person": "12345"})
    assert page.status_code == 422
    assert "12 chữ số" in page.text


def test_the_document_page_shows_its_fields_review_and_pdf(clerk: TestClient) -> None:
    page = clerk.get("/documents/decision")
    assert page.status_code == 200
    for shown in ("Quyết định", "245/QĐ-UBND", "14/03/2024", "Phương Định", NAME, PERSON):
        assert shown in page.text
    assert "Cần kiểm tra lại" in page.text and "Ngày ban hành" in page.text
    assert 'src="/documents/decision/pdf"' in page.text
    assert "Đã số hóa trước đây" not in page.text  # no reuse link when it is not a reuse


def test_text_from_the_scan_is_escaped_never_markup(clerk: TestClient) -> None:
    page = clerk.get("/documents/decision")
    assert "&lt;b&gt;hộ&lt;/b&gt;" in page.text
    assert "<b>hộ</b>" not in page.text


def test_an_unknown_document_is_not_found(clerk: TestClient) -> None:
    assert clerk.get("/documents/no-such-document").status_code == 404
    assert clerk.get("/api/documents/no-such-document").status_code == 404


def test_the_api_search_returns_hits_with_snippet_offsets(clerk: TestClient) -> None:
    [hit] = clerk.get("/api/search", params={"q": "nguyen van huong"}).json()
    assert hit["document"]["id"] == "decision"
    assert "Hưởng" in [hit["snippet"][start:end] for start, end in hit["highlights"]]
    assert hit["page"] == 2


def test_the_api_refuses_an_unknown_type(clerk: TestClient) -> None:
    assert clerk.get("/api/search", params={"type": "nonsense"}).status_code == 422


# --- the PDF, from a real object store ----------------------------------------------------------


def small_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    written = io.BytesIO()
    pdf.save(written)
    return written.getvalue()


@pytest.mark.slow
def test_the_pdf_is_served_inline_as_application_pdf(
    catalogue: Catalogue, s3_store: ObjectStore
) -> None:
    record = catalogue.document("decision")
    assert record is not None
    data = small_pdf()
    s3_store.put_bytes(record.pdf_key, data, "application/pdf")
    client = TestClient(
        create_app(catalogue, s3_store, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    served = client.get("/documents/decision/pdf")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("inline")
    assert served.content == data


@pytest.mark.slow
def test_a_pdf_that_fails_its_checksum_is_not_served(
    catalogue: Catalogue, s3_store: ObjectStore
) -> None:
    record = catalogue.document("decision")
    assert record is not None
    data = small_pdf()
    # Stored behind sohoa's back, with a checksum that is not the bytes' own.
    s3_store._client.put_object(
        s3_store.bucket,
        record.pdf_key,
        io.BytesIO(data),
        len(data),
        content_type="application/pdf",
        metadata={"sha256": "0" * 64},
    )
    client = TestClient(
        create_app(catalogue, s3_store, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    refused = client.get("/documents/decision/pdf")
    assert refused.status_code == 502
    assert refused.content != data


def test_a_reused_paper_links_to_the_one_already_on_file(catalogue: Catalogue) -> None:
    again = document("again", "quyet_dinh", so_ky_hieu="245/QĐ-UBND", so_dinh_danh=[PERSON])
    again.reuse_of = "decision"
    again.reuse_reason = "same_number"
    catalogue.index_manifest(manifest("hs-2", again), {"again": ["QUYẾT ĐỊNH"]})
    client = TestClient(
        create_app(catalogue, NO_STORAGE, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    page = client.get("/documents/again")
    assert "Đã số hóa trước đây" in page.text
    assert 'href="/documents/decision"' in page.text


# --- the page as a clerk works ----------------------------------------------------------------


def test_times_are_shown_in_the_agencys_zone_to_the_minute(clerk: TestClient) -> None:
    page = clerk.get("/documents/decision").text
    assert "01/01/2025 07:00" in page  # 2025-01-01T00:00:00+00:00 in Asia/Ho_Chi_Minh
    assert "+00:00" not in page


def test_results_have_issuer_summary_and_a_link_to_the_dossier(clerk: TestClient) -> None:
    page = clerk.get("/", params={"q": "huong"}).text
    assert "Ủy ban nhân dân xã Phương Định" in page
    assert "công nhận &lt;b&gt;hộ&lt;/b&gt; kinh doanh" in page
    assert 'href="/dossiers/hs-1"' in page


def test_results_are_sorted_and_paged(tmp_path: Path) -> None:
    catalogue = Catalogue(f"sqlite:///{tmp_path / 'many.sqlite'}")
    papers = [
        document(
            f"d{n:02d}",
            "quyet_dinh",
            so_ky_hieu=f"{n}/QĐ-UBND",
            ngay_ban_hanh=(date(2024, 1, 1) + timedelta(days=n - 1)).isoformat(),
        )
        for n in range(1, 56)
    ]
    catalogue.index_manifest(manifest("hs-many", *papers), {p.id: ["quyết định"] for p in papers})
    clerk = TestClient(
        create_app(catalogue, NO_STORAGE, TOKEN), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    oldest = clerk.get("/", params={"type": "quyet_dinh", "sort": "date_asc"}).text
    assert oldest.index("01/01/2024") < oldest.index("02/01/2024")
    assert "55/QĐ-UBND" not in oldest and "Trang sau" in oldest
    second = clerk.get("/", params={"type": "quyet_dinh", "sort": "date_asc", "page": "2"}).text
    assert "55/QĐ-UBND" in second and ">1/QĐ-UBND<" not in second
    catalogue.close()


def test_an_unknown_address_answers_a_vietnamese_page_not_json(clerk: TestClient) -> None:
    for path in ("/no-such-page", "/documents/no-such-document/pdf", "/review/no-such-document"):
        page = clerk.get(path)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "Không tìm thấy" in page.text


def test_the_api_keeps_json_errors(clerk: TestClient) -> None:
    answer = clerk.get("/api/documents/no-such-document")
    assert answer.status_code == 404 and answer.json() == {"detail": "no such document"}


def test_the_review_queue_lists_flagged_documents_by_field(clerk: TestClient) -> None:
    queue = clerk.get("/review").text
    assert 'href="/review/decision?' in queue and "Ngày ban hành" in queue
    assert 'href="/review/decision?' in clerk.get("/review", params={"field": "ngay_ban_hanh"}).text
    assert "/review/decision" not in clerk.get("/review", params={"field": "so_ky_hieu"}).text
    assert "/review/decision" not in clerk.get("/review", params={"type": "cccd"}).text


def test_review_needs_the_token(stranger: TestClient) -> None:
    for path in ("/review", "/review/decision", "/dossiers/hs-1"):
        assert stranger.get(path).status_code == 401
    assert stranger.post("/review/decision", data={"so_ky_hieu": "1/QĐ"}).status_code == 401


def test_the_dossier_page_lists_its_documents_when_storage_is_away(clerk: TestClient) -> None:
    page = clerk.get("/dossiers/hs-1")
    assert page.status_code == 200
    assert 'href="/documents/decision"' in page.text and "Cần kiểm tra" in page.text
    assert "Kho lưu trữ tạm thời không truy cập được" in page.text

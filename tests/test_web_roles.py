"""Roles on the clerks' page: a hand-off token signs in like the page's own, `read` searches
and opens documents, `review` and `admin` also confirm; the rest is a Vietnamese 403 page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sohoa.storage.catalogue import Catalogue
from sohoa.storage.tokens import Role, TokenStore, allows
from sohoa.web.app import create_app, needed_role
from sohoa.web.auth import COOKIE
from tests.test_web import NO_STORAGE, TOKEN, catalogue

__all__ = ["catalogue"]  # the fixture: the search page's catalogue, one flagged decision

READ_ONLY = "Mã truy cập “an” chỉ được tra cứu"


@pytest.fixture
def tokens(catalogue: Catalogue) -> dict[Role, str]:
    store = TokenStore(catalogue)
    return {
        "read": store.add("an", "read"),
        "review": store.add("lan", "review"),
        "submit": store.add("scanner", "submit"),
    }


def signed_in(catalogue: Catalogue, token: str) -> TestClient:
    return TestClient(
        create_app(catalogue, NO_STORAGE, TOKEN), headers={"Authorization": f"Bearer {token}"}
    )


def test_the_review_pages_need_a_role_that_writes() -> None:
    assert [needed_role(p) for p in ("/review", "/review/d-1", "/reviewers")] == [
        "review",
        "review",
        "read",
    ]
    assert [needed_role(p) for p in ("/", "/documents/d-1", "/dossiers/hs-1")] == ["read"] * 3


def test_a_reviewer_may_read_and_review_a_reader_only_read() -> None:
    assert allows("review", "review") and allows("review", "read")
    assert allows("admin", "review") and allows("read", "read")
    assert not allows("read", "review") and not allows("submit", "review")
    assert not allows("review", "submit") and not allows("review", "admin")


def test_a_read_token_searches_and_opens_documents(
    catalogue: Catalogue, tokens: dict[Role, str]
) -> None:
    reader = signed_in(catalogue, tokens["read"])
    found = reader.get("/", params={"q": "245/QĐ-UBND"})
    assert found.status_code == 200 and 'href="/documents/decision"' in found.text
    assert reader.get("/documents/decision").status_code == 200
    assert reader.get("/dossiers/hs-1").status_code == 200


def test_a_read_token_gets_a_vietnamese_403_on_the_review_pages(
    catalogue: Catalogue, tokens: dict[Role, str]
) -> None:
    reader = signed_in(catalogue, tokens["read"])
    for answer in (
        reader.get("/review"),
        reader.get("/review/decision"),
        reader.post("/review/decision", data={"so_ky_hieu": "1/QĐ"}),
    ):
        assert answer.status_code == 403
        assert READ_ONLY in answer.text and 'lang="vi"' in answer.text


def test_a_read_token_sees_no_review_links(catalogue: Catalogue, tokens: dict[Role, str]) -> None:
    reader = signed_in(catalogue, tokens["read"])
    for path in ("/", "/documents/decision", "/dossiers/hs-1"):
        page = reader.get(path).text
        assert 'href="/review' not in page, path
    assert "an (read)" in reader.get("/").text


def test_a_review_token_opens_the_queue_and_sees_the_review_links(
    catalogue: Catalogue, tokens: dict[Role, str]
) -> None:
    reviewer = signed_in(catalogue, tokens["review"])
    assert 'href="/review/decision?' in reviewer.get("/review").text
    assert 'href="/review/decision"' in reviewer.get("/documents/decision").text
    assert 'href="/review"' in reviewer.get("/").text


def test_the_pages_own_token_still_reviews(catalogue: Catalogue) -> None:
    page = signed_in(catalogue, TOKEN)
    assert page.get("/review").status_code == 200
    assert "page (admin)" in page.get("/").text


def test_a_submit_token_is_refused_the_page(catalogue: Catalogue, tokens: dict[Role, str]) -> None:
    scanner = signed_in(catalogue, tokens["submit"])
    refused = scanner.get("/", params={"q": "huong"})
    assert refused.status_code == 403 and "không dùng được trên trang này" in refused.text
    assert "Nguyễn" not in refused.text


def test_a_clerk_signs_in_with_their_token_in_the_form(
    catalogue: Catalogue, tokens: dict[Role, str]
) -> None:
    browser = TestClient(create_app(catalogue, NO_STORAGE, TOKEN))
    signed = browser.post("/login", data={"token": tokens["review"]}, follow_redirects=False)
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"]
    assert f"{COOKIE}={tokens['review']}" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert browser.get("/review").status_code == 200


def test_a_revoked_token_signs_in_no_more(catalogue: Catalogue, tokens: dict[Role, str]) -> None:
    TokenStore(catalogue).revoke("lan")
    browser = TestClient(create_app(catalogue, NO_STORAGE, TOKEN))
    refused = browser.post("/login", data={"token": tokens["review"]}, follow_redirects=False)
    assert refused.status_code == 401 and "Mã truy cập không đúng" in refused.text
    assert signed_in(catalogue, tokens["review"]).get("/").status_code == 401

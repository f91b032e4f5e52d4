"""API tokens: stored hashed, each with a role, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sohoa.storage.catalogue import Catalogue
from sohoa.storage.tokens import TokenError, TokenStore, allows, api_tokens
from tests.handoff_db import own_catalogue  # noqa: F401  (one of its own per test)
from tests.postgres import postgres_url  # noqa: F401  (the slow runs' PostgreSQL)


def test_a_new_token_identifies_its_name_and_role(catalogue: Catalogue) -> None:
    tokens = TokenStore(catalogue)
    token = tokens.add("one-stop-shop", "submit")
    found = tokens.identify(token)
    assert found is not None and (found.name, found.role) == ("one-stop-shop", "submit")


def test_only_the_tokens_hash_is_stored(catalogue: Catalogue) -> None:
    token = TokenStore(catalogue).add("archive", "read")
    with catalogue.connect() as conn:
        stored = conn.execute(select(api_tokens)).mappings().one()
    assert token not in {str(v) for v in stored.values()}


def test_a_revoked_or_unknown_token_identifies_nobody(catalogue: Catalogue) -> None:
    tokens = TokenStore(catalogue)
    token = tokens.add("portal", "read")
    tokens.revoke("portal")
    assert tokens.identify(token) is None
    assert tokens.identify("not-a-token") is None
    assert tokens.identify(None) is None


def test_a_name_is_never_reused(catalogue: Catalogue) -> None:
    tokens = TokenStore(catalogue)
    tokens.add("portal", "read")
    tokens.revoke("portal")
    with pytest.raises(TokenError):
        tokens.add("portal", "admin")


def test_the_page_token_is_adopted_once_as_admin(catalogue: Catalogue) -> None:
    tokens = TokenStore(catalogue)
    tokens.adopt("page", "page-token-from-the-data-dir", "admin")
    tokens.adopt("page", "page-token-from-the-data-dir", "admin")
    found = tokens.identify("page-token-from-the-data-dir")
    assert found is not None and found.role == "admin"


def test_admin_may_do_what_any_role_may_and_others_only_their_own() -> None:
    assert allows("admin", "submit") and allows("admin", "read")
    assert allows("read", "read") and not allows("read", "submit")
    assert not allows("submit", "read")

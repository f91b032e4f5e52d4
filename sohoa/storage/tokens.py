"""Access tokens with roles, kept in the catalogue's database.

Only a token's SHA-256 is stored: the token is 32 random bytes (`secrets.token_urlsafe`), so a
hash is as good as a slow one and a stolen database gives no token away. A presented token is
hashed and looked up, then compared again in constant time.

Roles: ``submit`` may upload dossiers and read their status; ``read`` may search and fetch
documents; ``review`` may do what ``read`` may and confirm or correct documents on the page;
``admin`` may do everything, including managing tokens. The web page's token (the
data dir's `web-token`) is registered as the ``admin`` token named `PAGE_TOKEN_NAME`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from contextlib import suppress
from datetime import UTC, datetime
from typing import Literal, get_args

from pydantic import BaseModel
from sqlalchemy import Column, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from sohoa.storage.catalogue import Catalogue

Role = Literal["submit", "read", "review", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
PAGE_TOKEN_NAME = "page"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

metadata = MetaData()

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("role", String(10), nullable=False),
    Column("created", String(40), nullable=False),
    Column("revoked", String(40)),  # when; a revoked token is kept, so its name stays taken
)


class TokenError(ValueError):
    """A token cannot be added or revoked; the message says why."""


class TokenInfo(BaseModel):
    name: str
    role: Role
    created: str
    revoked: str | None


def allows(role: Role, needed: Role) -> bool:
    """Whether a token of `role` may do what needs `needed`: its own role's work, a reviewer's
    reading too (they check what they read), or an admin's anything."""
    return role == needed or role == "admin" or (role, needed) == ("review", "read")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class TokenStore:
    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        catalogue.add_tables(metadata)

    def add(self, name: str, role: Role) -> str:
        """A new token for `name`, returned once: only its hash is kept."""
        token = secrets.token_urlsafe(32)
        self._insert(name, token, role)
        return token

    def adopt(self, name: str, token: str, role: Role) -> None:
        """Register a token made elsewhere (the page's) under `name`; a new one replaces the
        one registered before (the page token file was made anew)."""
        with self._catalogue.connect() as conn:
            known = conn.scalar(select(api_tokens.c.sha256).where(api_tokens.c.name == name))
        if known == _digest(token):
            return
        if known is not None:
            with self._catalogue.begin() as conn:
                conn.execute(
                    update(api_tokens)
                    .where(api_tokens.c.name == name)
                    .values(sha256=_digest(token), role=role)
                )
            return
        with suppress(TokenError):  # registered meanwhile by another server starting at once
            self._insert(name, token, role)

    def _insert(self, name: str, token: str, role: Role) -> None:
        if not _NAME.fullmatch(name):
            raise TokenError(f"{name!r}: a name is letters, digits, '.', '_' and '-'")
        if role not in ROLES:
            raise TokenError(f"{role!r} is not a role; one of {', '.join(ROLES)}")
        try:
            with self._catalogue.begin() as conn:
                conn.execute(
                    insert(api_tokens).values(
                        name=name, sha256=_digest(token), role=role, created=_now()
                    )
                )
        except IntegrityError as e:
            raise TokenError(f"a token named {name!r} exists (revoked ones keep their name)") from e

    def revoke(self, name: str) -> None:
        with self._catalogue.begin() as conn:
            done = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.name == name, api_tokens.c.revoked.is_(None))
                .values(revoked=_now())
            )
        if done.rowcount == 0:
            raise TokenError(f"no token {name!r} in use")

    def list(self) -> list[TokenInfo]:
        with self._catalogue.connect() as conn:
            rows = conn.execute(select(api_tokens).order_by(api_tokens.c.name)).mappings()
            return [TokenInfo.model_validate(row) for row in rows]

    def identify(self, token: str | None) -> TokenInfo | None:
        """The token in use that `token` is, or None (unknown, revoked or absent)."""
        if not token:
            return None
        digest = _digest(token)
        with self._catalogue.connect() as conn:
            row = (
                conn.execute(select(api_tokens).where(api_tokens.c.sha256 == digest))
                .mappings()
                .first()
            )
        # The lookup is by hash, which tells an attacker nothing; compared again all the same.
        if row is None or not secrets.compare_digest(row["sha256"], digest) or row["revoked"]:
            return None
        return TokenInfo.model_validate(row)

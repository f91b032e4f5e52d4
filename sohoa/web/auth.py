"""The web page's access token: one secret per data dir, asked of every request.

The page shows personal data, so nothing is served without the token: not the pages, not the
API, not its schema. Programs send it as ``Authorization: Bearer TOKEN``; browsers log in once
with a form (or a ``?token=`` link) and then carry it in an HttpOnly, SameSite=Strict cookie,
which other sites can neither read nor make the browser send.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from starlette.requests import HTTPConnection

from sohoa.private import secret_file

TOKEN_FILE = "web-token"
COOKIE = "sohoa_token"
TOKEN_QUERY = "token"


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def load_or_create_token(data_dir: Path) -> tuple[str, bool]:
    """The data dir's token, and whether it was created just now (when two servers start at
    once, both use the one that was written first)."""
    token, created = secret_file(token_path(data_dir), lambda: secrets.token_urlsafe(32))
    return token.strip(), created


def presented_token(connection: HTTPConnection) -> str | None:
    """The token the request carries: its bearer header, else its cookie."""
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials.strip()
    return connection.cookies.get(COOKIE)

"""The web page's access token: one secret per data dir, asked of every request.

The page shows personal data, so nothing is served without the token: not the pages, not the
API, not its schema. Programs send it as ``Authorization: Bearer TOKEN``; browsers log in once
with a form (or a ``?token=`` link) and then carry it in an HttpOnly, SameSite=Strict cookie,
which other sites can neither read nor make the browser send.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from starlette.requests import HTTPConnection

from sohoa.private import private_dir

TOKEN_FILE = "web-token"
COOKIE = "sohoa_token"
TOKEN_QUERY = "token"


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def load_or_create_token(data_dir: Path) -> tuple[str, bool]:
    """The data dir's token, and whether it was created just now.

    A new token is written aside, mode 0600 from its first byte, then hard-linked into place:
    when two servers start at once, the link fails for one of them and both use the winner's.
    """
    path = token_path(data_dir)
    if path.exists():
        return path.read_text().strip(), False
    private_dir(data_dir)
    aside = path.with_name(f"{path.name}.{os.getpid()}.partial")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(32))
    try:
        os.link(aside, path)
        created = True
    except FileExistsError:
        created = False
    finally:
        aside.unlink()
    return path.read_text().strip(), created


def presented_token(connection: HTTPConnection) -> str | None:
    """The token the request carries: its bearer header, else its cookie."""
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials.strip()
    return connection.cookies.get(COOKIE)


def is_token(candidate: str | None, token: str) -> bool:
    # Constant time: how long a refusal takes must not tell how much of a guess was right.
    return candidate is not None and secrets.compare_digest(candidate.encode(), token.encode())

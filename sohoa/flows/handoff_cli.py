"""The hand-off commands: `sohoa tokens`, `sohoa webhooks`, `sohoa audit` and `sohoa export`.

Registered on the main app by `register`; they parse, call one function, render.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from fastapi import FastAPI

    from sohoa.config import Settings
    from sohoa.storage.catalogue import Catalogue
    from sohoa.storage.objects import ObjectStore

tokens_app = typer.Typer(help="Access tokens of the HTTP API, each with a role.")
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")
    app.command()(audit)


@contextmanager
def background(settings: Settings, web_app: FastAPI, store: ObjectStore) -> Iterator[None]:
    """What `sohoa serve` runs beside the web app: the API's uploads digitised on the worker."""
    from sohoa.flows.uploads import UploadRunner

    runner = UploadRunner(store, settings)
    web_app.state.on_queued = runner.wake.set
    runner.start()
    try:
        yield
    finally:
        runner.stop()


def _failure(message: str, code: int) -> Exception:
    from sohoa.flows.cli import Failure

    return Failure(message, code)


@contextmanager
def _catalogue() -> Iterator[Catalogue]:
    from sohoa.flows.cli import _catalogue as opened

    with opened() as catalogue:
        yield catalogue


# --- tokens -----------------------------------------------------------------------------------


@tokens_app.command("add")
def tokens_add(
    name: Annotated[str, typer.Argument(help="Who or what uses it (letters, digits, . _ -)")],
    role: Annotated[
        str, typer.Option(help="submit: upload, status; read: search, fetch; admin: all")
    ],
) -> None:
    """Make a token: printed once, alone on the last line of standard output; only its hash
    is kept."""
    from sohoa.flows.cli import EXIT_USAGE
    from sohoa.storage.tokens import ROLES, TokenError, TokenStore

    if role not in ROLES:
        raise _failure(f"--role {role!r}: one of {', '.join(ROLES)}", EXIT_USAGE)
    with _catalogue() as catalogue:
        try:
            token = TokenStore(catalogue).add(name, role)
        except TokenError as e:
            raise _failure(str(e), EXIT_USAGE) from e
    err.print(f"Token {name!r} ({role}); it is shown this once:")
    sys.stdout.write(token + "\n")


@tokens_app.command("list")
def tokens_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the tokens as JSON")] = False,
) -> None:
    """The tokens, their roles and whether they are revoked (never the tokens themselves)."""
    from sohoa.storage.tokens import TokenStore

    with _catalogue() as catalogue:
        tokens = TokenStore(catalogue).list()
    if as_json:
        sys.stdout.write(json.dumps([t.model_dump() for t in tokens], indent=2) + "\n")
        return
    table = Table("Name", "Role", "Created", "Revoked")
    for token in tokens:
        table.add_row(token.name, token.role, token.created, token.revoked or "")
    Console(soft_wrap=True).print(table)


@tokens_app.command("revoke")
def tokens_revoke(name: Annotated[str, typer.Argument(help="The token's name")]) -> None:
    """Revoke a token: it is refused (401) from now on."""
    from sohoa.flows.cli import EXIT_USAGE
    from sohoa.storage.tokens import TokenError, TokenStore

    with _catalogue() as catalogue:
        try:
            TokenStore(catalogue).revoke(name)
        except TokenError as e:
            raise _failure(str(e), EXIT_USAGE) from e
    err.print(f"Token {name!r} revoked")


# --- audit ------------------------------------------------------------------------------------


def audit(
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Only from this UTC day on (YYYY-MM-DD)"),
    ] = None,
    person: Annotated[
        str | None,
        typer.Option(help="Only searches for this 12-digit ID and reads of their documents"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entries as JSON")] = False,
) -> None:
    """Who read personal data, when, and what (Decree 13/2023/NĐ-CP): every fetch of a
    document, its PDF or text, or a dossier's manifest, and every search by personal ID."""
    from sohoa.flows.cli import EXIT_USAGE
    from sohoa.storage.audit import AuditLog
    from sohoa.storage.search_terms import PERSON_ID

    if person is not None and not PERSON_ID.fullmatch(person):
        raise _failure(f"--person {person!r} is not a 12-digit personal ID", EXIT_USAGE)
    with _catalogue() as catalogue:
        entries = AuditLog(catalogue).entries(since.date() if since else None, person)
    if as_json:
        sys.stdout.write(json.dumps([e.model_dump() for e in entries], indent=2) + "\n")
        return
    table = Table("Time (UTC)", "Token", "Via", "Read", "Document", "Person", "Query")
    for e in entries:
        table.add_row(
            e.at, e.token, e.via, e.action, e.document_id or "", e.person_id or "", e.query or ""
        )
    Console(soft_wrap=True).print(table)

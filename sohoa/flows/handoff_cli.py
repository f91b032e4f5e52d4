"""The hand-off commands: `sohoa tokens`, `sohoa webhooks`, `sohoa audit` and `sohoa export`.

Registered on the main app by `register`; they parse, call one function, render.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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

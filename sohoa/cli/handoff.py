"""The hand-off commands: `tokens`, `webhooks`, `audit` and `export`."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from sohoa.cli.common import app, err, load_settings, open_catalogue
from sohoa.errors import ExitCode, UsageError

if TYPE_CHECKING:
    pass

tokens_app = typer.Typer(help="Access tokens of the HTTP API, each with a role.")
webhooks_app = typer.Typer(help="Where completion events are POSTed, signed with a secret.")
app.add_typer(tokens_app, name="tokens")
app.add_typer(webhooks_app, name="webhooks")


# --- tokens -----------------------------------------------------------------------------------


@tokens_app.command("add")
def tokens_add(
    name: Annotated[str, typer.Argument(help="Who or what uses it (letters, digits, . _ -)")],
    role: Annotated[
        str,
        typer.Option(
            help="submit: upload, status; read: search, fetch; "
            "review: read, and confirm on the page; admin: all"
        ),
    ],
) -> None:
    """Make a token: printed once, alone on the last line of standard output; only its hash
    is kept."""
    from sohoa.storage.tokens import ROLES, TokenError, TokenStore

    if role not in ROLES:
        raise UsageError(f"--role {role!r}: one of {', '.join(ROLES)}")
    with open_catalogue() as catalogue:
        try:
            token = TokenStore(catalogue).add(name, role)
        except TokenError as e:
            raise UsageError(str(e)) from e
    err.print(f"Token {name!r} ({role}); it is shown this once:")
    sys.stdout.write(token + "\n")


@tokens_app.command("list")
def tokens_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the tokens as JSON")] = False,
) -> None:
    """The tokens, their roles and whether they are revoked (never the tokens themselves)."""
    from sohoa.storage.tokens import TokenStore

    with open_catalogue() as catalogue:
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
    from sohoa.storage.tokens import TokenError, TokenStore

    with open_catalogue() as catalogue:
        try:
            TokenStore(catalogue).revoke(name)
        except TokenError as e:
            raise UsageError(str(e)) from e
    err.print(f"Token {name!r} revoked")


# --- audit ------------------------------------------------------------------------------------


@app.command()
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
    from sohoa.storage.audit import AuditLog
    from sohoa.storage.search_terms import PERSON_ID

    if person is not None and not PERSON_ID.fullmatch(person):
        raise UsageError(f"--person {person!r} is not a 12-digit personal ID or 9-digit CMND")
    with open_catalogue() as catalogue:
        entries = AuditLog(catalogue).entries(since.date() if since else None, person)
    if as_json:
        sys.stdout.write(json.dumps([e.model_dump() for e in entries], indent=2) + "\n")
        return
    table = Table("Time (UTC)", "Token", "Via", "Read", "Dossier or document", "Person", "Query")
    for e in entries:
        read = e.document_id or e.dossier_id or ""
        table.add_row(e.at, e.token, e.via, e.action, read, e.person_id or "", e.query or "")
    Console(soft_wrap=True).print(table)


# --- webhooks ---------------------------------------------------------------------------------


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="Where to POST the events (http:// or https://)")],
    secret_file: Annotated[
        Path, typer.Option(help="A file holding the secret that signs the events (16+ chars)")
    ],
    events: Annotated[
        str, typer.Option(help="Which events, comma-separated")
    ] = "dossier.completed,dossier.failed",
) -> None:
    """POST completion events to URL, each signed (X-Sohoa-Signature) with the file's secret."""
    from sohoa.flows.events import Outbox, WebhookError

    try:
        secret = secret_file.read_text().strip()
    except OSError as e:
        raise UsageError(f"cannot read --secret-file: {e}") from e
    with open_catalogue() as catalogue:
        try:
            hook = Outbox(catalogue).add_webhook(url, secret, events.split(","))
        except WebhookError as e:
            raise UsageError(str(e)) from e
    err.print(f"Webhook {hook.url} added for {', '.join(hook.events)}")


@webhooks_app.command("list")
def webhooks_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON")] = False,
) -> None:
    """The webhooks and their events (never their secrets)."""
    from sohoa.flows.events import Outbox

    with open_catalogue() as catalogue:
        hooks = Outbox(catalogue).webhooks()
    if as_json:
        sys.stdout.write(json.dumps([h.model_dump() for h in hooks], indent=2) + "\n")
        return
    table = Table("URL", "Events", "Added")
    for hook in hooks:
        table.add_row(hook.url, ", ".join(hook.events), hook.created)
    Console(soft_wrap=True).print(table)


@webhooks_app.command("remove")
def webhooks_remove(url: Annotated[str, typer.Argument(help="The webhook's URL")]) -> None:
    """Stop sending events to URL (those not yet delivered to it are dropped)."""
    from sohoa.flows.events import Outbox, WebhookError

    with open_catalogue() as catalogue:
        try:
            Outbox(catalogue).remove_webhook(url)
        except WebhookError as e:
            raise UsageError(str(e)) from e
    err.print(f"Webhook {url} removed")


@webhooks_app.command("deliver")
def webhooks_deliver(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due, then exit")] = False,
) -> None:
    """Deliver the outbox's events (what `sohoa serve` does in the background), until Ctrl+C."""
    import httpx

    from sohoa.flows.events import DeliverySettings, Outbox

    with open_catalogue() as catalogue, httpx.Client(trust_env=False) as client:
        outbox = Outbox(catalogue)
        settings = DeliverySettings()
        while True:
            delivered = outbox.deliver_due(client, settings)
            if delivered:
                err.print(f"{delivered} event(s) delivered")
            if once:
                break
            time.sleep(1.0)
    if once and outbox.pending():
        err.print(f"{outbox.pending()} delivery(ies) not made yet: retried with backoff")


# --- export -----------------------------------------------------------------------------------


@app.command()
def export(
    dossier_ids: Annotated[
        list[str] | None, typer.Argument(help="Dossier ids (with --since: these too)")
    ] = None,
    to: Annotated[Path, typer.Option(help="Each dossier's bag goes in DIR/<dossier id>/")] = Path(
        "."
    ),
    with_originals: Annotated[
        bool, typer.Option("--with-originals", help="Put the input files in the bags too")
    ] = False,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Every dossier committed on or after this UTC day"),
    ] = None,
) -> None:
    """Export dossiers as BagIt packages (RFC 8493, SHA-256) for the archive: documents'
    PDF/A and texts, the manifest, and metadata.json with the archival fields."""
    from sohoa.flows.export import ExportError, export_dossier
    from sohoa.storage.objects import ObjectNotFound, ObjectStore

    wanted = list(dict.fromkeys(dossier_ids or []))
    if since is not None:
        with open_catalogue() as catalogue:
            facts = catalogue.dossier_facts(since.date(), None)
        wanted += [f.dossier_id for f in facts if f.dossier_id not in wanted]
    if not wanted:
        raise UsageError("give DOSSIER_ID(s), or --since DATE")
    failed = 0
    store = ObjectStore.from_settings(load_settings())
    for dossier_id in wanted:
        try:
            bag = export_dossier(store, dossier_id, to, with_originals=with_originals)
        except ObjectNotFound:
            failed += 1
            err.print(f"[red]not exported[/red] {dossier_id}: no committed manifest")
            continue
        except (ExportError, ValueError) as e:
            failed += 1
            err.print(f"[red]not exported[/red] {dossier_id}: {e}")
            continue
        err.print(f"{dossier_id}: bag written and validated in {bag}")
    raise typer.Exit(ExitCode.PARTIAL if failed else ExitCode.DONE)

"""`sohoa review`: the flagged documents, confirmed or corrected from the command line, for
scripting and bulk confirmation; and the confirmed documents exported as labelled examples.

The work is `sohoa.flows.review`'s; this module parses, calls it and renders.
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.pipeline.review import REVIEWED_FIELDS, shown_value

if TYPE_CHECKING:
    from sohoa.pipeline.model import Revision
    from sohoa.pipeline.review import ReviewFigures

review_app = typer.Typer(help="Confirm or correct the documents sohoa flagged for review.")
err = Console(stderr=True)


@review_app.command("list")
def list_flagged(
    type_code: Annotated[str | None, typer.Option("--type", help="Only this type")] = None,
    dossier: Annotated[str | None, typer.Option(help="Only this dossier")] = None,
    field: Annotated[str | None, typer.Option(help="Only documents flagged for this")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print the documents as JSON")] = False,
) -> None:
    """The documents flagged for review, the longest waiting first."""
    from sohoa.flows.cli import _catalogue
    from sohoa.storage.catalogue import ReviewQueue

    with _catalogue() as catalogue:
        flagged = catalogue.review_queue(
            ReviewQueue(type=type_code, dossier_id=dossier, field=field), limit
        )
    if as_json:
        rows = [d.model_dump(mode="json") for d in flagged]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not flagged:
        err.print("Nothing awaits review.")
        return
    table = Table("Document", "Dossier", "Type", "Flagged", "Digitised")
    for document in flagged:
        table.add_row(
            document.id,
            document.dossier_id,
            document.type,
            ", ".join(document.review),
            document.created[:16],
        )
    Console(soft_wrap=False).print(table)


@review_app.command()
def confirm(
    document_id: Annotated[str, typer.Argument(help="A document id, as `review list` shows")],
    values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help=f"Correct a field first (dates dd/mm/yyyy): {', '.join(REVIEWED_FIELDS)}",
        ),
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who reviews (default: $USER)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the revision as JSON")] = False,
) -> None:
    """Confirm a document, correcting the fields given: a new revision of its dossier's
    manifest, its PDF/A rewritten with the values, the catalogue updated at once."""
    from sohoa.flows.cli import (
        EXIT_INPUT,
        EXIT_USAGE,
        Failure,
        _catalogue,
        _settings,
        _storage_failures,
    )
    from sohoa.flows.review import ChangedMeanwhile, NotOnFile
    from sohoa.flows.review import confirm as confirm_document
    from sohoa.pipeline.review import InvalidValue
    from sohoa.storage.objects import ObjectStore

    typed: dict[str, str] = {}
    for assignment in values or []:
        name, equals, value = assignment.partition("=")
        if not equals:
            raise Failure(f"--set {assignment!r}: write FIELD=VALUE", EXIT_USAGE)
        typed[name.strip()] = value
    reviewer = by or getpass.getuser()
    with _storage_failures(), _catalogue() as catalogue:
        store = ObjectStore.from_settings(_settings())
        try:
            confirmed = confirm_document(store, catalogue, document_id, typed, reviewer)
        except InvalidValue as e:
            raise Failure(str(e), EXIT_USAGE) from e
        except NotOnFile as e:
            raise Failure(f"no document {document_id!r} on file", EXIT_INPUT) from e
        except ChangedMeanwhile as e:
            raise Failure(
                f"dossier {e} was changed by someone else meanwhile: run the command again",
                EXIT_INPUT,
            ) from e
    revision = confirmed.revision
    if as_json:
        sys.stdout.write(revision.model_dump_json(indent=2) + "\n")
    else:
        corrected = ", ".join(c.field for c in revision.changes) or "nothing corrected"
        err.print(f"Confirmed {document_id} (revision {revision.number}: {corrected})")


@review_app.command("export")
def export() -> None:
    """The confirmed documents as labelled examples (JSON on stdout), one object per dossier
    in the shape of a sample's truth.json, which the accuracy benchmark reads."""
    from sohoa.flows.cli import _settings, _storage_failures
    from sohoa.flows.review import labelled_examples
    from sohoa.storage.objects import ObjectStore

    with _storage_failures():
        store = ObjectStore.from_settings(_settings())
        examples = list(labelled_examples(store))
    sys.stdout.write(json.dumps(examples, ensure_ascii=False, indent=2) + "\n")
    err.print(f"{sum(len(e['documents']) for e in examples)} confirmed document(s)")


def revisions_table(revisions: list[Revision]) -> Table:
    """A document's revisions for `sohoa show`: who, when, and each field's old and new."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for revision in revisions:
        when = revision.at[:16].replace("T", " ")
        table.add_row(
            Text(f"revision {revision.number}", style="bold"), f"{revision.by}, {when} UTC"
        )
        if not revision.changes:
            table.add_row("", "confirmed as read")
        for change in revision.changes:
            old = shown_value(change.field, change.old) or "—"
            new = shown_value(change.field, change.new) or "—"
            table.add_row("", f"{change.field}: {old} → {new}")
    return table


def review_table(figures: ReviewFigures) -> Table:
    """`sohoa report`'s review figures: what awaits, what was reviewed, what was corrected."""
    table = Table("Review", "Value", title="Review")
    wait = figures.median_wait_seconds
    table.add_row("Documents awaiting review", f"{figures.awaiting:,}")
    table.add_row("Documents reviewed", f"{figures.reviewed:,}")
    table.add_row(
        "Median time from flag to review", "–" if wait is None else f"{wait / 60:.0f} min"
    )
    for field, count in figures.corrections_by_field.items():
        table.add_row(f"  corrections of {field}", f"{count:,}")
    return table

"""`review`: the flagged documents, confirmed or corrected from the command line, for
scripting and bulk confirmation; and the confirmed documents exported as labelled examples."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sohoa.cli.common import app, err, load_settings, open_catalogue
from sohoa.errors import InputProblem, UsageError
from sohoa.pipeline.review import REVIEWED_FIELDS

review_app = typer.Typer(help="Confirm or correct the documents sohoa flagged for review.")
app.add_typer(review_app, name="review")


@review_app.command("list")
def list_flagged(
    type_code: Annotated[str | None, typer.Option("--type", help="Only this type")] = None,
    dossier: Annotated[str | None, typer.Option(help="Only this dossier")] = None,
    field: Annotated[str | None, typer.Option(help="Only documents flagged for this")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print the documents as JSON")] = False,
) -> None:
    """The documents flagged for review, the longest waiting first."""
    from sohoa.storage.catalogue import ReviewQueue

    with open_catalogue() as catalogue:
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
    from sohoa.flows.review import ChangedMeanwhile, NotOnFile
    from sohoa.flows.review import confirm as confirm_document
    from sohoa.pipeline.review import InvalidValue
    from sohoa.storage.objects import ObjectStore

    typed: dict[str, str] = {}
    for assignment in values or []:
        name, equals, value = assignment.partition("=")
        if not equals:
            raise UsageError(f"--set {assignment!r}: write FIELD=VALUE")
        typed[name.strip()] = value
    reviewer = by or getpass.getuser()
    with open_catalogue() as catalogue:
        store = ObjectStore.from_settings(load_settings())
        try:
            confirmed = confirm_document(store, catalogue, document_id, typed, reviewer)
        except InvalidValue as e:
            raise UsageError(str(e)) from e
        except NotOnFile as e:
            raise InputProblem(f"no document {document_id!r} on file") from e
        except ChangedMeanwhile as e:
            raise InputProblem(
                f"dossier {e} was changed by someone else meanwhile: run the command again"
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
    from sohoa.flows.review import labelled_examples
    from sohoa.storage.objects import ObjectStore

    store = ObjectStore.from_settings(load_settings())
    examples = list(labelled_examples(store))
    sys.stdout.write(json.dumps(examples, ensure_ascii=False, indent=2) + "\n")
    err.print(f"{sum(len(e['documents']) for e in examples)} confirmed document(s)")


@review_app.command("refit")
def refit(
    exports: Annotated[
        list[Path] | None,
        typer.Argument(help="Files `sohoa review export` wrote", show_default=False),
    ] = None,
    min_documents: Annotated[
        int | None,
        typer.Option(min=2, help="Refuse below this many confirmed documents [default: 20]"),
    ] = None,
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Put the calibration before the last refit back")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the refit as JSON")] = False,
) -> None:
    """Refit the type confidence's calibration (the classifier's temperature) on the
    documents people confirmed, and use it from now on; the one it replaces is kept."""
    from sohoa.flows.calibrating import (
        NothingToRollBack,
        UnreadableExport,
        refit_calibration,
        roll_back_calibration,
    )
    from sohoa.pipeline.calibration import MIN_REFIT_DOCUMENTS, TooFewDocuments

    settings = load_settings()
    if rollback:
        if exports:
            raise UsageError("--rollback takes no export files")
        try:
            restored = roll_back_calibration(settings.data_dir)
        except NothingToRollBack as e:
            raise InputProblem(f"no refitted calibration is in use ({e})") from e
        err.print(
            "The calibration before the last refit is in use again."
            if restored
            else "The trained calibration is in use again."
        )
        return
    if not exports:
        raise UsageError("name the export files to refit on (sohoa review export > FILE)")
    try:
        done = refit_calibration(
            settings.data_dir, exports, minimum=min_documents or MIN_REFIT_DOCUMENTS
        )
    except (UnreadableExport, TooFewDocuments) as e:
        raise InputProblem(str(e)) from e
    if as_json:
        report = {
            "documents": done.calibration.documents,
            "temperature_before": done.temperature_before,
            "temperature_after": done.calibration.temperature,
            "calibration_error_before": done.calibration_error_before,
            "calibration_error_after": done.calibration_error_after,
            "corrections_by_field": done.corrections_by_field,
        }
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("", "Before", "After")
    table.add_row(
        "Temperature", f"{done.temperature_before:.3f}", f"{done.calibration.temperature:.3f}"
    )
    table.add_row(
        "Type calibration error (ECE)",
        _ratio(done.calibration_error_before),
        _ratio(done.calibration_error_after),
    )
    Console(soft_wrap=False).print(table)
    corrections = Table("Field", "Documents corrected")
    for field, count in done.corrections_by_field.items():
        corrections.add_row(REVIEWED_FIELDS.get(field, field), str(count))
    Console(soft_wrap=False).print(corrections)
    err.print(
        f"Refitted on {done.calibration.documents} confirmed document(s); in use from now on "
        "(sohoa review refit --rollback puts the previous one back)"
    )


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"

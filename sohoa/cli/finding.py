"""Finding past results: `search`, `show` a document, `reindex` the catalogue from storage."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from sohoa.cli import render
from sohoa.cli.common import app, err, load_settings, open_catalogue
from sohoa.errors import InputProblem, UsageError

if TYPE_CHECKING:
    from sohoa.pipeline.model import Manifest

_PERSON_ID = re.compile(r"\d{12}|\d{9}")


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help='Words, "a phrase", a document number or a 12-digit ID')
    ] = "",
    type_: Annotated[
        str | None, typer.Option("--type", help="Only this document type (its code)")
    ] = None,
    person: Annotated[
        str | None, typer.Option(help="Only papers about this 12-digit personal ID or 9-digit CMND")
    ] = None,
    issuer: Annotated[
        str | None, typer.Option(help="Only papers whose issuing body's name contains this")
    ] = None,
    date_from: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="Issued on or after (YYYY-MM-DD)"),
    ] = None,
    date_to: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Issued on or before (YYYY-MM-DD)"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many results")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
) -> None:
    """Search digitised documents; marks optional. With only --person: all of their papers,
    newest first."""
    from sohoa.pipeline.taxonomy import load_taxonomy
    from sohoa.storage.catalogue import SearchFilters

    if person is not None and not _PERSON_ID.fullmatch(person):
        raise UsageError(f"--person {person!r} is not a 12-digit personal ID or 9-digit CMND")
    codes = load_taxonomy().codes
    if type_ is not None and type_ not in codes:
        raise UsageError(f"--type {type_!r} is not a type code; one of: {', '.join(codes)}")
    filters = SearchFilters(
        type=type_,
        person_id=person,
        issuer=issuer,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    if not query.strip() and filters == SearchFilters():
        raise UsageError("give a QUERY, or a filter such as --person ID")
    with open_catalogue() as catalogue:
        hits = catalogue.search(query, filters, limit)
    if as_json:
        sys.stdout.write(render.json_list([hit.model_dump(mode="json") for hit in hits]) + "\n")
    elif not hits:
        err.print("No documents match.")
    else:
        Console(soft_wrap=False).print(render.hits_table(hits))


@app.command()
def show(
    document_id: Annotated[str, typer.Argument(help="A document id, as search lists it")],
    pdf: Annotated[Path | None, typer.Option(help="Write the document's PDF/A here")] = None,
    as_text: Annotated[
        bool, typer.Option("--text", help="Print the document's text (a form feed between pages)")
    ] = False,
) -> None:
    """Show a document's type and fields; fetch its PDF or text from storage."""
    from sohoa.storage.objects import ObjectStore

    settings = load_settings()
    with open_catalogue() as catalogue:
        document = catalogue.document(document_id)
        revisions = catalogue.revisions(document_id=document_id)
    if document is None:
        raise InputProblem(
            f"no document {document_id!r} in the catalogue (if it was digitised, "
            "`sohoa reindex` rebuilds the catalogue from storage)"
        )
    if not as_text:
        Console(soft_wrap=True).print(render.document_table(document))
        if revisions:
            Console(soft_wrap=True).print(render.revisions_table(revisions))
    if pdf is None and not as_text:
        return
    store = ObjectStore.from_settings(settings)
    if as_text:
        sys.stdout.write(store.get_bytes(document.text_key).decode())
    if pdf is not None:
        store.download_file(document.pdf_key, pdf)
        err.print(f"PDF written to {pdf}")


@app.command()
def reindex() -> None:
    """Rebuild the catalogue from the manifests in object storage (the source of truth)."""
    from sohoa.flows import cataloguing
    from sohoa.storage.objects import ObjectStore

    settings = load_settings()
    documents = 0
    with open_catalogue() as catalogue:
        store = ObjectStore.from_settings(settings)
        columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn())
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("Cataloguing dossiers", total=None)

            def counted(manifest: Manifest) -> None:
                nonlocal documents
                documents += len(manifest.documents)
                bar.advance(task)

            dossiers = cataloguing.reindex(store, catalogue, counted)
    err.print(f"Catalogue rebuilt: {dossiers} dossier(s), {documents} document(s)")

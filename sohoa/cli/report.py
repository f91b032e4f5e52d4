"""`report`: the digitisation indicators of a period."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from sohoa.cli import render
from sohoa.cli.common import app, err, open_catalogue
from sohoa.errors import UsageError


@app.command()
def report(
    date_from: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="Dossiers made searchable on or after"),
    ] = None,
    date_to: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Dossiers made searchable on or before"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON")] = False,
) -> None:
    """Digitisation indicators of a period (UTC days of the manifests, both included): dossiers,
    pages, documents, review and reuse shares, pages per second, failures, arrival delay."""
    from sohoa.pipeline import indicators
    from sohoa.pipeline.review import summarise_reviews

    first_day = date_from.date() if date_from else None
    last_day = date_to.date() if date_to else None
    if first_day and last_day and first_day > last_day:
        raise UsageError(f"--from {first_day} is after --to {last_day}")
    with open_catalogue() as catalogue:
        facts = catalogue.dossier_facts(first_day, last_day)
        uncounted = catalogue.dossiers_without_facts()
        revisions = catalogue.revisions(first_day, last_day)
    if uncounted:
        err.print(
            f"[yellow]{uncounted} dossier(s) in the catalogue are not counted: catalogued by an "
            "older sohoa. Run `sohoa reindex` to count them.[/yellow]"
        )
    figures = indicators.summarise(facts, indicators.Period(first_day=first_day, last_day=last_day))
    reviews = summarise_reviews(revisions, awaiting=figures.documents.needs_review)
    if as_json:
        shown = {**figures.to_json(), "review": reviews.model_dump()}
        sys.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2) + "\n")
    else:
        console = Console(soft_wrap=False)
        for table in [*render.indicator_tables(figures), render.review_table(reviews)]:
            console.print(table)

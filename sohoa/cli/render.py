"""How the commands show their results: Rich tables and summaries for people, JSON for
programs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sohoa.pipeline.review import shown_value

if TYPE_CHECKING:
    from sohoa.pipeline.indicators import Indicators
    from sohoa.pipeline.model import Manifest, Revision
    from sohoa.pipeline.review import ReviewFigures
    from sohoa.storage.catalogue import CatalogueDocument, SearchHit


def print_summary(manifest: Manifest, out: Path | None) -> None:
    pages = manifest.pages
    blank = sum(p.blank for p in pages)
    reused = sum(d.reuse_of is not None for d in manifest.documents)
    console = Console(soft_wrap=True)
    console.print(
        f"[bold]{manifest.dossier_id}[/bold]: {manifest.status} — {len(pages)} pages "
        f"({blank} blank), {len(manifest.documents)} document(s), "
        f"{reused} of {len(manifest.documents)} documents already on file"
    )
    for document in manifest.documents:
        line = f"  {document.id}  {document.type}  pages {document.pages}  {document.pdf.key}"
        if document.reuse_of:
            line += f"  already on file as {document.reuse_of} ({document.reuse_reason})"
        console.print(line)
    for q in manifest.quarantined:
        console.print(f"  [red]quarantined[/red] {q.source}: {q.reason}")
    if manifest.replaces is not None:
        console.print(f"  {manifest.replaces.note}", style="yellow", markup=False)
    if out is not None:
        console.print(f"Local copies in {out}")


def print_backlog_summary(outcomes: list[Any], seconds: float) -> None:
    from sohoa.flows.backlog import summary_table

    table = Table("Backlog", "")
    for row in summary_table(outcomes):
        table.add_row(row["measure"], str(row["value"]))
    pages = sum(o.pages for o in outcomes if o.result == "digitised")
    table.add_row("pages/s (pages digitised now ÷ time)", f"{pages / max(seconds, 1e-6):.2f}")
    Console(soft_wrap=True).print(table)


def json_list(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=2)


def hits_table(hits: list[SearchHit]) -> Table:
    table = Table()
    for heading in ("Document", "Type", "Number", "Date", "Person"):
        table.add_column(heading, overflow="fold")
    table.add_column("Match", ratio=1)
    table.add_column("Page", justify="right")
    for hit in hits:
        document = hit.document
        snippet = Text(hit.snippet or "")
        for start, end in hit.highlights:
            snippet.stylize("bold yellow", start, end)
        table.add_row(
            document.id,
            document.type,
            document.so_ky_hieu or "",
            document.ngay_ban_hanh.isoformat() if document.ngay_ban_hanh else "",
            _person(document),
            snippet,
            str(hit.page) if hit.page is not None else "",
        )
    return table


def _person(document: CatalogueDocument) -> str:
    return "\n".join(filter(None, [document.ho_ten, *document.person_ids]))


def document_table(document: CatalogueDocument) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    review = ", ".join(document.review) if document.needs_review else "no"
    rows = [
        ("document", document.id),
        ("dossier", document.dossier_id),
        ("type", f"{document.type} (confidence {document.type_confidence:.2f})"),
        ("needs review", review or "yes"),
        ("số ký hiệu", document.so_ky_hieu),
        ("ngày ban hành", document.ngay_ban_hanh.isoformat() if document.ngay_ban_hanh else None),
        ("cơ quan ban hành", document.co_quan_ban_hanh),
        ("trích yếu", document.trich_yeu),
        ("họ tên", document.ho_ten),
        ("số định danh", ", ".join(document.person_ids)),
        ("pages", str(document.page_count)),
        (
            "already on file as",
            f"{document.reuse_of} ({document.reuse_reason})" if document.reuse_of else None,
        ),
        ("pdf", f"{document.pdf_key} (sha256 {document.pdf_sha256})"),
        *signature_rows(document),
        ("digitised", document.created),
    ]
    for name, value in rows:
        table.add_row(Text(name, style="bold"), Text(value or "—"))
    return table


def indicator_tables(figures: Indicators) -> list[Table]:
    def share(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    def seconds(value: float | None) -> str:
        return "–" if value is None else _duration(value)

    period = figures.period
    title = f"Digitisation {period.first_day or 'from the start'} to {period.last_day or 'today'}"
    overview = Table("Indicator", "Value", title=title)
    dossiers, pages, documents = figures.dossiers, figures.pages, figures.documents
    speed, delay = figures.throughput, figures.arrival_to_searchable
    for name, value in (
        ("Dossiers", f"{dossiers.total:,}"),
        (
            "  done / partial / failed",
            f"{dossiers.done:,} / {dossiers.partial:,} / {dossiers.failed:,}",
        ),
        ("Pages", f"{pages.total:,}"),
        ("  blank", f"{pages.blank:,}"),
        ("  OCR failed", f"{pages.ocr_failed:,}"),
        ("Documents", f"{documents.total:,}"),
        (
            "  flagged for review",
            f"{documents.needs_review:,} ({share(documents.needs_review_share)})",
        ),
        ("  already on file (reused)", f"{documents.reused:,} ({share(documents.reused_share)})"),
        (
            "Pages per second",
            "–" if speed.pages_per_second is None else f"{speed.pages_per_second:.2f}",
        ),
        ("  pages timed / busy time", f"{speed.pages:,} / {_duration(speed.busy_seconds)}"),
        (
            "Arrival to searchable p50 / p95",
            f"{seconds(delay.p50_seconds)} / {seconds(delay.p95_seconds)}",
        ),
        ("  dossiers with an arrival time", f"{delay.dossiers:,}"),
        ("Failures", f"{figures.failures.total:,}"),
    ):
        overview.add_row(name, value)
    types = Table("Document type", "Documents", title="Documents by type")
    for code, count in documents.by_type.items():
        types.add_row(code, f"{count:,}")
    failures = Table("Reason", "Files or pages", title="Failures by reason")
    for reason, count in figures.failures.by_reason.items():
        failures.add_row(reason.replace("_", " ").replace("ocr", "OCR"), f"{count:,}")
    return [overview, types, failures] if documents.by_type else [overview, failures]


def _duration(seconds: float) -> str:
    """Seconds as a clerk reads them: "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h"."""
    whole = round(seconds)
    for unit, size, smaller, smaller_size in (
        ("d", 86_400, "h", 3_600),
        ("h", 3_600, "min", 60),
        ("min", 60, "s", 1),
    ):
        if whole >= size:
            return f"{whole // size} {unit} {whole % size // smaller_size} {smaller}"
    return f"{whole} s"


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


def signature_rows(document: CatalogueDocument) -> list[tuple[str, str | None]]:
    """What `sohoa show` says of a document's signatures: sohoa's own, and those of the
    incoming files it came from."""
    own = document.signature
    rows: list[tuple[str, str | None]] = [
        (
            "signed copy",
            f"{own.form}, {own.signer}, {own.signed_at} (certificate sha256 {own.cert_sha256})"
            if own
            else None,
        )
    ]
    for found in document.source_signatures:
        verdict = "intact" if found.intact else "NOT INTACT"
        trust = "trusted" if found.trusted else "untrusted"
        rows.append(
            (
                "incoming signature",
                f"{found.signer or 'unknown signer'}, {found.signed_at or 'no time'}: "
                f"{verdict}, {trust}; {found.reason}",
            )
        )
    return rows

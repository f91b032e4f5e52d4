"""The facts `sohoa report` adds up, kept per dossier in the catalogue, on SQLite and on a real
PostgreSQL server."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from sohoa.pipeline.indicators import dossier_facts
from sohoa.pipeline.model import (
    DocumentRecord,
    DossierStatus,
    Manifest,
    QuarantineRecord,
    StoredObject,
)
from sohoa.storage.catalogue import Catalogue
from tests.postgres import postgres_url  # noqa: F401 (the fixture of the PostgreSQL runs)


def document(doc_id: str, type_: str = "cccd") -> DocumentRecord:
    return DocumentRecord(
        id=doc_id,
        type=type_,
        needs_review=True,
        pages=[0],
        pdf=StoredObject(key=f"{doc_id}.pdf"),
        text=StoredObject(key=f"{doc_id}.txt"),
        metadata=StoredObject(key=f"{doc_id}.json"),
        reuse_of="earlier",
    )


def manifest(
    dossier_id: str,
    created: str = "2025-03-01T10:00:00+00:00",
    *documents: DocumentRecord,
    status: DossierStatus = "partial",
) -> Manifest:
    return Manifest(
        dossier_id=dossier_id,
        status=status,
        documents=list(documents),
        quarantined=[QuarantineRecord(source="broken.pdf", reason="corrupt PDF: no xref")],
        pipeline_version="test",
        created=created,
        started="2025-03-01T09:59:00+00:00",
        received="2025-03-01T09:00:00+00:00",
    )


def ids(
    catalogue: Catalogue, first_day: date | None = None, last_day: date | None = None
) -> list[str]:
    return [f.dossier_id for f in catalogue.dossier_facts(first_day, last_day)]


def test_a_catalogued_dossier_keeps_the_facts_of_its_manifest(catalogue: Catalogue) -> None:
    filed = manifest("hs-1", "2025-03-01T10:00:00+00:00", document("a"), document("b", "don"))
    catalogue.index_manifest(filed, {})
    assert catalogue.dossier_facts() == [dossier_facts(filed)]


def test_every_dossier_catalogued_with_its_documents_is_counted(catalogue: Catalogue) -> None:
    catalogue.index_manifest(manifest("hs-1", "2025-03-01T10:00:00+00:00", document("a")), {})
    catalogue.index_manifest(manifest("hs-2", "2025-03-01T11:00:00+00:00", document("b")), {})
    assert catalogue.dossiers_without_facts() == 0
    assert ids(catalogue) == ["hs-1", "hs-2"]


def test_a_dossier_with_nothing_usable_is_counted_too(catalogue: Catalogue) -> None:
    catalogue.index_manifest(manifest("hs-1", status="failed"), {})
    [facts] = catalogue.dossier_facts()
    assert (facts.status, facts.documents, facts.failures) == (
        "failed",
        0,
        ["corrupt PDF: no xref"],
    )


def test_cataloguing_a_dossier_again_replaces_its_facts(catalogue: Catalogue) -> None:
    catalogue.index_manifest(manifest("hs-1", "2025-03-01T10:00:00+00:00", document("a")), {})
    again = manifest("hs-1", "2025-03-05T10:00:00+00:00", document("a"), status="done")
    catalogue.index_manifest(again, {})
    assert catalogue.dossier_facts() == [dossier_facts(again)]


def test_a_period_selects_dossiers_by_the_utc_day_they_became_searchable_both_days_included(
    catalogue: Catalogue,
) -> None:
    for dossier_id, created in (
        ("before", "2025-02-28T23:59:59+00:00"),
        ("first-day", "2025-03-01T00:00:00+00:00"),
        ("last-day-in-hanoi", "2025-03-08T06:00:00+07:00"),  # 7 March, 23:00 UTC
        ("after", "2025-03-08T00:00:00+00:00"),
    ):
        catalogue.index_manifest(manifest(dossier_id, created), {})
    assert ids(catalogue, date(2025, 3, 1), date(2025, 3, 7)) == ["first-day", "last-day-in-hanoi"]
    assert ids(catalogue, first_day=date(2025, 3, 8)) == ["after"]
    assert ids(catalogue, last_day=date(2025, 2, 28)) == ["before"]


def test_clearing_the_catalogue_forgets_the_facts(catalogue: Catalogue) -> None:
    catalogue.index_manifest(manifest("hs-1"), {})
    catalogue.clear()
    assert catalogue.dossier_facts() == []


def test_an_older_catalogue_gets_the_table_and_tells_how_many_dossiers_are_not_counted(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    Catalogue(url).index_manifest(manifest("hs-1", "2025-03-01T10:00:00+00:00", document("a")), {})
    with sqlite3.connect(tmp_path / "catalogue.sqlite") as older:
        older.execute("DROP TABLE dossiers")  # as a catalogue made before reports were
    reopened = Catalogue(url)
    assert reopened.dossier_facts() == []
    assert reopened.dossiers_without_facts() == 1
    reopened.index_manifest(manifest("hs-1", "2025-03-01T10:00:00+00:00", document("a")), {})
    assert reopened.dossiers_without_facts() == 0

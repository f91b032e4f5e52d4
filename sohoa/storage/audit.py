"""The audit log of access to personal data (Decree 13/2023/NĐ-CP on personal data protection).

Every fetch of a document's record, PDF or text, of a dossier's manifest (it holds the
documents' fields), and every search by personal ID, through the
HTTP API or the clerks' page, is one row: who (the token's name), when, what was read, and
through what. The table is append-only: triggers refuse any UPDATE or DELETE of its rows, on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from sohoa.storage.catalogue import Catalogue, SearchFilters

Action = Literal["dossier", "document", "pdf", "text", "search"]
Via = Literal["api", "page"]

metadata = MetaData()

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False, index=True),  # ISO 8601 UTC
    Column("token", String(64), nullable=False),
    Column("action", String(10), nullable=False),
    Column("via", String(10), nullable=False),
    Column("dossier_id", String(255)),
    Column("document_id", String(64)),
    Column("person_id", String(12), index=True),
    Column("query", String(500)),
)

_SQLITE_APPEND_ONLY = [
    f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_PG_APPEND_ONLY = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]


class AuditEntry(BaseModel):
    id: int
    at: str
    token: str
    action: Action
    via: Via
    dossier_id: str | None
    document_id: str | None
    person_id: str | None
    query: str | None


class AuditLog:
    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        triggers = _SQLITE_APPEND_ONLY if catalogue.backend == "sqlite" else _PG_APPEND_ONLY
        catalogue.add_tables(metadata, *triggers)

    def record(
        self,
        token: str,
        action: Action,
        via: Via,
        *,
        dossier_id: str | None = None,
        document_id: str | None = None,
        person_id: str | None = None,
        query: str | None = None,
    ) -> None:
        with self._catalogue.begin() as conn:
            conn.execute(
                insert(audit_log).values(
                    at=datetime.now(UTC).isoformat(timespec="microseconds"),
                    token=token,
                    action=action,
                    via=via,
                    dossier_id=dossier_id,
                    document_id=document_id,
                    person_id=person_id,
                    query=query[:500] if query else None,
                )
            )

    def entries(self, since: date | None = None, person_id: str | None = None) -> list[AuditEntry]:
        """The log, oldest first: from the UTC day `since` on, of searches for `person_id` and
        reads of the documents (and dossiers' manifests) the catalogue has about that
        person."""
        wanted = select(audit_log).order_by(audit_log.c.id)
        if since is not None:
            wanted = wanted.where(audit_log.c.at >= since.isoformat())
        if person_id is not None:
            about = self._catalogue.search("", SearchFilters(person_id=person_id), limit=10_000)
            ids = [hit.document.id for hit in about]
            dossiers = sorted({hit.document.dossier_id for hit in about})
            wanted = wanted.where(
                (audit_log.c.person_id == person_id)
                | audit_log.c.document_id.in_(ids)
                | audit_log.c.dossier_id.in_(dossiers)
            )
        with self._catalogue.connect() as conn:
            return [AuditEntry.model_validate(r) for r in conn.execute(wanted).mappings()]

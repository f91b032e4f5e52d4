"""The catalogue: every stored document with its fields, people and page texts, searchable in
Vietnamese. It is an index, not a record: the manifests in object storage are the truth, and
`sohoa reindex` rebuilds the catalogue from them alone.

One code path over SQLAlchemy Core: SQLite in the data dir by default, PostgreSQL when
``SOHOA_CATALOGUE_URL`` names one. Only the full-text index differs (`_FullText`): SQLite's
FTS5 or PostgreSQL's tsvector ('simple' configuration), both over two forms of each page, the
exact one (tone placement unified, lower case) and the folded one (no marks, đ as d).

Reuse: each document's `reuse.Paper` (its fields, the original it was read from, the MinHash
of its text) is kept beside it, with the signature's LSH band keys in an indexed table, so that
`reuse_candidates` finds the papers a new one could be a copy of by indexed lookups alone.

Reporting: each dossier's `indicators.DossierFacts` (status, times, page, document and failure
counts) is kept in the dossiers table, written with its documents, for `dossier_facts` to hand
to `indicators.summarise` by the day its manifest was created.

Ranking: a document whose number or personal ID is the query comes first, then documents whose
text matches the query as typed, marks included, then those that match only once marks are
folded away (a query typed without diacritics, or OCR that misread a tone mark). Within each
tier the engine's relevance orders them, among the newest `RANKED_MATCHES` pages that match;
each document is listed once, with its best page.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnClause,
    ColumnElement,
    Connection,
    Date,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Select,
    String,
    Table,
    Text,
    column,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
    union,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.schema import CreateIndex, CreateTable

from sohoa.config import Settings
from sohoa.errors import ExitCode, SohoaError
from sohoa.pipeline.indicators import DossierFacts, dossier_facts
from sohoa.pipeline.model import (
    DocumentFields,
    DocumentRecord,
    DocumentSignature,
    Manifest,
    Revision,
    SourceSignature,
)
from sohoa.pipeline.reuse import Paper
from sohoa.pipeline.similarity import Signature, band_keys
from sohoa.pipeline.text import fold, normalise
from sohoa.private import new_private_file, private_dir
from sohoa.storage.search_terms import (
    ParsedQuery,
    Snippet,
    make_snippet,
    name_key,
    number_key,
    parse_query,
)

CATALOGUE_FILE = "catalogue.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Papers sharing LSH bands with a new one that `reuse_candidates` offers, those sharing the most
# first: a common form filled in for thousands of people shares bands with all of them.
NEAREST_TEXTS = 20
# Pages matching a query that are ranked, the most recently catalogued: see `_text_matches`.
RANKED_MATCHES = 1_000

Form = Literal["exact", "folded"]
MatchKind = Literal["dossier", "number", "person", "exact", "folded", "filter"]

metadata = MetaData()

documents = Table(
    "documents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("dossier_id", String(255), nullable=False, index=True),
    Column("type", String(64), nullable=False, index=True),
    Column("type_confidence", Float, nullable=False),
    Column("needs_review", Boolean, nullable=False),
    Column("review", JSON, nullable=False),
    Column("so_ky_hieu", Text),
    Column("so_ky_hieu_key", Text, index=True),  # `number_key`: "245/qd-ubnd"
    Column("ngay_ban_hanh", Date, index=True),
    Column("co_quan_ban_hanh", Text),
    Column("co_quan_folded", Text),
    Column("trich_yeu", Text),
    Column("ho_ten", Text),
    Column("page_count", Integer, nullable=False),
    Column("pdf_key", Text, nullable=False),
    Column("pdf_sha256", String(64)),
    Column("text_key", Text, nullable=False),
    Column("created", String(40), nullable=False),  # the manifest's ISO 8601 UTC time
    Column("reuse_of", String(64)),  # the manifest's link to the same paper filed earlier
    Column("reuse_reason", String(20)),
)

papers = Table(
    "papers",  # what reuse compares of a document: `reuse.Paper`
    metadata,
    Column("document_id", ForeignKey("documents.id"), primary_key=True),
    Column("fields", JSON, nullable=False),  # as the manifest has them, for `DocumentFields`
    Column("signature", LargeBinary, nullable=False),  # `Signature.to_bytes`
    Column("source_sha256", String(64), nullable=False, index=True),
    Column("source_pages", JSON, nullable=False),
)

paper_bands = Table(
    "paper_bands",
    metadata,
    Column("band_key", String(32), primary_key=True),
    Column("document_id", ForeignKey("documents.id"), primary_key=True, index=True),
)

people = Table(
    "people",
    metadata,
    Column("document_id", ForeignKey("documents.id"), primary_key=True),
    Column("person_id", String(12), primary_key=True),
    Index("people_person_id", "person_id"),
)

pages = Table(
    "pages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False, index=True),
    Column("page", Integer, nullable=False),  # 1-based, within the document's PDF
    Column("text", Text, nullable=False),  # as shown: normalised, case kept
    Column("exact", Text, nullable=False),
    Column("folded", Text, nullable=False),
)

signatures = Table(
    "signatures",  # a document's own signature ("own"), and those of the files it came from
    metadata,
    Column("document_id", ForeignKey("documents.id"), primary_key=True),
    Column("kind", String(6), primary_key=True),  # "own" or "source"
    Column("position", Integer, primary_key=True),
    Column("record", JSON, nullable=False),  # as the manifest has it
)

dossiers = Table(
    "dossiers",  # one row per manifest: `indicators.DossierFacts`, what `sohoa report` adds up
    metadata,
    Column("dossier_id", String(255), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("created", String(40), nullable=False),  # the manifest's ISO 8601 times
    Column("created_on", Date, nullable=False, index=True),  # the UTC day of `created`
    Column("started", String(40)),
    Column("received", String(40)),
    Column("pages", Integer, nullable=False),
    Column("blank_pages", Integer, nullable=False),
    Column("ocr_failed_pages", Integer, nullable=False),
    Column("documents", Integer, nullable=False),
    Column("needs_review", Integer, nullable=False),
    Column("reused", Integer, nullable=False),
    Column("document_types", JSON, nullable=False),  # {type code: documents}
    Column("failures", JSON, nullable=False),  # the quarantine reasons, as the manifest has them
)


dossier_names = Table(
    "dossier_names",  # what a dossier answers to in search: its id, and the name it came by
    metadata,
    Column("dossier_id", String(255), primary_key=True),
    Column("source_name", Text),  # the manifest's: the folder or file its documents came from
    Column("id_key", String(255), nullable=False, index=True),  # `name_key` of the id
    Column("name_key", Text, index=True),  # `name_key` of the source name
)


reviews = Table(
    "reviews",  # the manifests' `Revision`s: what review queues and `sohoa report` count
    metadata,
    Column("dossier_id", String(255), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("document_id", String(64), nullable=False, index=True),
    Column("at", String(40), nullable=False, index=True),
    Column("revision", JSON, nullable=False),  # the `Revision` as the manifest has it
)


class CatalogueError(SohoaError):
    """The catalogue cannot be opened or used (bad URL, database unreachable)."""

    exit_code = ExitCode.STORAGE
    advice = "Check SOHOA_CATALOGUE_URL"


class SearchFilters(BaseModel):
    type: str | None = None
    person_id: str | None = None
    issuer: str | None = None  # part of the issuing body's name, marks optional
    date_from: date | None = None  # on ngay_ban_hanh, inclusive
    date_to: date | None = None


class CatalogueDocument(BaseModel):
    id: str
    dossier_id: str
    type: str
    type_confidence: float
    needs_review: bool
    review: list[str]
    so_ky_hieu: str | None
    ngay_ban_hanh: date | None
    co_quan_ban_hanh: str | None
    trich_yeu: str | None
    ho_ten: str | None
    person_ids: list[str]
    page_count: int
    pdf_key: str
    pdf_sha256: str | None
    text_key: str
    created: str
    reuse_of: str | None
    reuse_reason: str | None
    source_name: str | None = None  # the folder or file its dossier came from
    signature: DocumentSignature | None = None
    # The signatures of the incoming files its pages came from.
    source_signatures: list[SourceSignature] = Field(default_factory=list)


class ReviewQueue(BaseModel):
    type: str | None = None
    dossier_id: str | None = None
    field: str | None = None  # a field the document was flagged for ("type" included)


class SearchHit(BaseModel):
    document: CatalogueDocument
    match: MatchKind
    page: int | None  # the page of the document the snippet comes from
    snippet: str | None
    highlights: list[tuple[int, int]]  # (start, end) offsets of matching words in `snippet`


def catalogue_url(settings: Settings) -> str:
    """The configured database, or the SQLite file in the data dir."""
    if settings.catalogue_url:
        return settings.catalogue_url
    return f"sqlite:///{settings.data_dir / CATALOGUE_FILE}"


class Catalogue:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")  # the driver sohoa installs
        if parsed.drivername == "sqlite" and parsed.database:
            # SQLite gives its -wal and -shm files the database file's mode.
            database = Path(parsed.database)
            private_dir(database.parent)
            new_private_file(database)
        self._shown_url = parsed.render_as_string(hide_password=True)
        try:
            self._engine: Engine = create_engine(parsed)
        except Exception as e:  # unknown dialect or missing driver
            raise CatalogueError(f"cannot open the catalogue {self._shown_url}: {e}") from e
        self._fulltext: _FullText
        if parsed.get_backend_name() == "sqlite":
            self._fulltext = _SqliteFullText()
            event.listen(self._engine, "connect", _configure_sqlite)
        else:
            self._fulltext = _PgFullText()
        with self._begin() as conn:
            self._fulltext.lock_schema(conn)
            _create_tables(conn, metadata)
            self._fulltext.create(conn)

    @classmethod
    def from_settings(cls, settings: Settings) -> Catalogue:
        return cls(catalogue_url(settings))

    def __repr__(self) -> str:
        return f"Catalogue({self._shown_url})"

    def close(self) -> None:
        self._engine.dispose()

    # --- writing --------------------------------------------------------------------------------

    def index_manifest(
        self,
        manifest: Manifest,
        page_texts: Mapping[str, Sequence[str]],
        papers_by_id: Mapping[str, Paper] | None = None,
    ) -> None:
        """Put the dossier's documents in the catalogue, replacing what it held for them.

        `page_texts` maps each document id to its pages' texts, in the document's page order;
        `papers_by_id` its `reuse.Paper`, without which a document is never a reuse candidate.
        A paper already filed under another dossier stays with whichever manifest is newer.
        """
        papers_by_id = papers_by_id or {}
        ids = [d.id for d in manifest.documents]
        with self._begin() as conn:
            # A paper is filed where it was filed last, whatever order dossiers come in.
            filed_later = set(
                conn.scalars(
                    select(documents.c.id).where(
                        documents.c.id.in_(ids),
                        documents.c.dossier_id != manifest.dossier_id,
                        documents.c.created > manifest.created,
                    )
                )
            )
            stale = select(documents.c.id).where(
                or_(documents.c.dossier_id == manifest.dossier_id, documents.c.id.in_(ids)),
                documents.c.id.not_in(filed_later),
            )
            stale_ids = list(conn.scalars(stale))
            if stale_ids:
                for owned in (pages, people, papers, paper_bands, signatures):
                    conn.execute(delete(owned).where(owned.c.document_id.in_(stale_ids)))
                conn.execute(delete(documents).where(documents.c.id.in_(stale_ids)))
            for document in manifest.documents:
                if document.id in filed_later:
                    continue
                fields = document.fields
                texts = page_texts.get(document.id, [])
                conn.execute(
                    insert(documents).values(
                        id=document.id,
                        dossier_id=manifest.dossier_id,
                        type=document.type,
                        type_confidence=document.type_confidence,
                        needs_review=document.needs_review,
                        review=document.review,
                        so_ky_hieu=fields.so_ky_hieu,
                        so_ky_hieu_key=number_key(fields.so_ky_hieu) if fields.so_ky_hieu else None,
                        ngay_ban_hanh=_iso_date(fields.ngay_ban_hanh),
                        co_quan_ban_hanh=fields.co_quan_ban_hanh,
                        co_quan_folded=fold(fields.co_quan_ban_hanh or ""),
                        trich_yeu=fields.trich_yeu,
                        ho_ten=fields.ho_ten,
                        page_count=len(document.pages),
                        pdf_key=document.pdf.key,
                        pdf_sha256=document.pdf.sha256,
                        text_key=document.text.key,
                        created=manifest.created,
                        reuse_of=document.reuse_of,
                        reuse_reason=document.reuse_reason,
                    )
                )
                # Legacy CMND numbers name the person too: `--person` finds either.
                ids_on_paper = sorted({*fields.so_dinh_danh, *fields.so_cmnd})
                if ids_on_paper:
                    conn.execute(
                        insert(people),
                        [{"document_id": document.id, "person_id": i} for i in ids_on_paper],
                    )
                rows = [_page_row(document.id, n, t) for n, t in enumerate(texts, 1) if t.strip()]
                if rows:
                    conn.execute(insert(pages), rows)
                if document.id in papers_by_id:
                    _insert_paper(conn, papers_by_id[document.id])
                signature_rows = _signature_rows(manifest, document)
                if signature_rows:
                    conn.execute(insert(signatures), signature_rows)
            conn.execute(
                delete(dossier_names).where(dossier_names.c.dossier_id == manifest.dossier_id)
            )
            source_name = manifest.source_name
            conn.execute(
                insert(dossier_names).values(
                    dossier_id=manifest.dossier_id,
                    source_name=source_name,
                    id_key=name_key(manifest.dossier_id),
                    name_key=name_key(source_name) if source_name else None,
                )
            )
            conn.execute(delete(reviews).where(reviews.c.dossier_id == manifest.dossier_id))
            if manifest.revisions:
                conn.execute(
                    insert(reviews),
                    [
                        {
                            "dossier_id": manifest.dossier_id,
                            "number": r.number,
                            "document_id": r.document_id,
                            "at": r.at,
                            "revision": r.model_dump(mode="json"),
                        }
                        for r in manifest.revisions
                    ],
                )
            facts = dossier_facts(manifest)
            conn.execute(delete(dossiers).where(dossiers.c.dossier_id == manifest.dossier_id))
            conn.execute(insert(dossiers).values(**facts.model_dump(), created_on=facts.created_on))

    def clear(self) -> None:
        """Forget everything (before a rebuild from storage)."""
        with self._begin() as conn:
            for emptied in (
                pages,
                people,
                paper_bands,
                papers,
                signatures,
                documents,
                dossiers,
                dossier_names,
                reviews,
            ):
                conn.execute(delete(emptied))

    # --- reading --------------------------------------------------------------------------------

    def reuse_candidates(self, paper: Paper, excluding_dossier: str) -> list[Paper]:
        """The papers on file that `paper` could be a copy of, oldest first, for
        `reuse.find_reuse` to decide: those read from the same original, and those of the same
        type with the same number, a personal ID in common, or LSH bands in common with its text
        (the `NEAREST_TEXTS` sharing most). `excluding_dossier`'s own documents are left out:
        digitising a dossier again must not find it a copy of itself.

        Each lookup goes through its own index; the type is checked on what they found; on the
        type's index instead, a planner without statistics would walk every paper of the type.
        """
        lookups: list[Select[Any]] = [
            select(papers.c.document_id.label("id")).where(
                papers.c.source_sha256 == paper.source_sha256
            )
        ]
        fields = paper.fields
        if fields.so_ky_hieu:
            # `number_key` folds and drops blanks as `reuse.document_number_key` does
            lookups.append(
                select(documents.c.id).where(
                    documents.c.so_ky_hieu_key == number_key(fields.so_ky_hieu)
                )
            )
        if fields.so_dinh_danh:
            lookups.append(_owned_by(fields.so_dinh_danh))
        keys = band_keys(paper.signature)
        if keys:
            nearest = (
                select(paper_bands.c.document_id.label("id"))
                .where(paper_bands.c.band_key.in_(keys))
                .group_by(paper_bands.c.document_id)
                .order_by(func.count().desc(), paper_bands.c.document_id)
                .limit(NEAREST_TEXTS)
                .subquery()
            )
            lookups.append(select(nearest.c.id))
        found = union(*lookups) if len(lookups) > 1 else lookups[0]
        wanted = (
            select(documents.c.id, documents.c.type, papers)
            .join(papers, papers.c.document_id == documents.c.id)
            .where(
                documents.c.id.in_(found),
                documents.c.dossier_id != excluding_dossier,
                or_(
                    documents.c.type == paper.type,
                    papers.c.source_sha256 == paper.source_sha256,
                ),
            )
            .order_by(documents.c.created, documents.c.id)
        )
        with self._connect() as conn:
            return [_paper(row) for row in conn.execute(wanted)]

    def dossier_facts(
        self, first_day: date | None = None, last_day: date | None = None
    ) -> list[DossierFacts]:
        """The facts of the dossiers whose manifest was created from `first_day` to `last_day`
        (UTC days, both included; None: no bound), oldest first."""
        wanted = select(*(c for c in dossiers.c if c.name != "created_on"))
        if first_day is not None:
            wanted = wanted.where(dossiers.c.created_on >= first_day)
        if last_day is not None:
            wanted = wanted.where(dossiers.c.created_on <= last_day)
        wanted = wanted.order_by(dossiers.c.created, dossiers.c.dossier_id)
        with self._connect() as conn:
            return [DossierFacts.model_validate(row) for row in conn.execute(wanted).mappings()]

    def dossiers_without_facts(self) -> int:
        """Dossiers with documents catalogued but no facts: catalogued before the dossiers
        table existed, until `sohoa reindex`."""
        missing = select(func.count(documents.c.dossier_id.distinct())).where(
            documents.c.dossier_id.not_in(select(dossiers.c.dossier_id))
        )
        with self._connect() as conn:
            return int(conn.scalar(missing) or 0)

    def review_queue(
        self, queue: ReviewQueue | None = None, limit: int = 50, offset: int = 0
    ) -> list[CatalogueDocument]:
        """Documents flagged for review that `queue` selects, the longest waiting first."""
        queue = queue or ReviewQueue()
        wanted = select(documents).where(documents.c.needs_review.is_(True))
        if queue.type:
            wanted = wanted.where(documents.c.type == queue.type)
        if queue.dossier_id:
            wanted = wanted.where(documents.c.dossier_id == queue.dossier_id)
        if queue.field:
            # The list is stored as JSON text, each name in quotes: '["type", "so_ky_hieu"]'.
            flagged = func.cast(documents.c.review, Text)
            wanted = wanted.where(flagged.contains(f'"{queue.field}"', autoescape=True))
        wanted = wanted.order_by(documents.c.created, documents.c.id).limit(limit).offset(offset)
        with self._connect() as conn:
            return self._documents(conn, wanted)

    def dossier_documents(self, dossier_id: str) -> list[CatalogueDocument]:
        """The documents catalogued under `dossier_id`."""
        wanted = select(documents).where(documents.c.dossier_id == dossier_id)
        with self._connect() as conn:
            return self._documents(conn, wanted.order_by(documents.c.id))

    def revisions(
        self,
        first_day: date | None = None,
        last_day: date | None = None,
        document_id: str | None = None,
    ) -> list[Revision]:
        """The reviews made from `first_day` to `last_day` (UTC days, both included), of
        `document_id` when given, oldest first."""
        wanted = select(reviews.c.revision).order_by(reviews.c.at, reviews.c.number)
        if document_id is not None:
            wanted = wanted.where(reviews.c.document_id == document_id)
        if first_day is not None:
            wanted = wanted.where(reviews.c.at >= first_day.isoformat())
        if last_day is not None:
            wanted = wanted.where(reviews.c.at < (last_day + timedelta(days=1)).isoformat())
        with self._connect() as conn:
            return [Revision.model_validate(row) for row in conn.scalars(wanted)]

    def document(self, document_id: str) -> CatalogueDocument | None:
        with self._connect() as conn:
            found = self._documents(conn, select(documents).where(documents.c.id == document_id))
        return found[0] if found else None

    def search(
        self, query: str = "", filters: SearchFilters | None = None, limit: int = 20
    ) -> list[SearchHit]:
        """Documents matching `query` and `filters`, best first (see the module's doc).

        An empty query lists the documents the filters select, newest first.
        """
        filters = filters or SearchFilters()
        parsed = parse_query(query)
        hits: dict[str, SearchHit] = {}
        with self._connect() as conn:
            if parsed.empty:
                if query.strip():
                    return []  # only punctuation: nothing to look for
                listed = self._documents(conn, _newest_first(_filtered(filters)).limit(limit))
                return [_hit(d, "filter", None, None) for d in listed]
            for kind, condition in _direct_matches(query, parsed):
                wanted = _newest_first(_filtered(filters).where(condition)).limit(limit)
                for document in self._documents(conn, wanted):
                    if document.id not in hits:
                        page, snippet = self._best_page(conn, document.id, parsed)
                        hits[document.id] = _hit(document, kind, page, snippet)
            for form in ("exact", "folded"):
                if len(hits) >= limit:
                    break
                for document, page, page_text in self._text_matches(
                    conn, parsed, form, filters, list(hits), limit - len(hits)
                ):
                    hits[document.id] = _hit(
                        document, form, page, make_snippet(page_text, parsed.folded_words)
                    )
        return list(hits.values())[:limit]

    def _text_matches(
        self,
        conn: Connection,
        parsed: ParsedQuery,
        form: Form,
        filters: SearchFilters,
        found: list[str],
        limit: int,
    ) -> list[tuple[CatalogueDocument, int, str]]:
        phrases = parsed.phrases if form == "exact" else parsed.folded_phrases
        if not phrases:
            return []
        matching = self._fulltext.matching_pages(form, phrases)
        page_id = matching.selected_columns.page_id
        if filters != SearchFilters():
            filtered = _filtered(filters).with_only_columns(documents.c.id)
            matching = matching.where(
                page_id.in_(select(pages.c.id).where(pages.c.document_id.in_(filtered)))
            )
        # Only the newest RANKED_MATCHES matching pages are scored (on both engines, so they
        # answer alike): FTS5 reads its index in page order and stops there, where scoring
        # every page holding a common word ("xã", "việt nam") took up to 1.7 s at 100,000
        # documents (bench/search.py).
        matched = matching.order_by(page_id.desc()).limit(RANKED_MATCHES).subquery()
        best = (
            select(
                pages.c.document_id,
                pages.c.page,
                pages.c.text,
                matched.c.rank,
                func.row_number()
                .over(partition_by=pages.c.document_id, order_by=(matched.c.rank, pages.c.page))
                .label("nth"),
            )
            .join(matched, matched.c.page_id == pages.c.id)
            .subquery()
        )
        if found:
            best_rows = select(best).where(best.c.nth == 1, best.c.document_id.not_in(found))
        else:
            best_rows = select(best).where(best.c.nth == 1)
        rows = conn.execute(best_rows.order_by(best.c.rank, best.c.document_id).limit(limit)).all()
        by_id = {
            d.id: d
            for d in self._documents(
                conn, select(documents).where(documents.c.id.in_([r.document_id for r in rows]))
            )
        }
        return [(by_id[r.document_id], r.page, r.text) for r in rows]

    def _best_page(
        self, conn: Connection, document_id: str, parsed: ParsedQuery
    ) -> tuple[int | None, Snippet | None]:
        """The first page of the document that shows a word of the query, with its snippet."""
        wanted = select(pages.c.page, pages.c.text).where(pages.c.document_id == document_id)
        for row in conn.execute(wanted.order_by(pages.c.page)):
            snippet = make_snippet(row.text, parsed.folded_words)
            if snippet is not None:
                return row.page, snippet
        return None, None

    def _documents(self, conn: Connection, query: Select[Any]) -> list[CatalogueDocument]:
        rows = conn.execute(query).mappings().all()
        ids = [row["id"] for row in rows]
        person_ids: dict[str, list[str]] = {i: [] for i in ids}
        owned = select(people).where(people.c.document_id.in_(ids)).order_by(people.c.person_id)
        for person in conn.execute(owned):
            person_ids[person.document_id].append(person.person_id)
        named = select(dossier_names.c.dossier_id, dossier_names.c.source_name).where(
            dossier_names.c.dossier_id.in_({row["dossier_id"] for row in rows})
        )
        source_names = {r.dossier_id: r.source_name for r in conn.execute(named)}
        signed: dict[str, dict[str, Any]] = {i: {"source_signatures": []} for i in ids}
        found = select(signatures).where(signatures.c.document_id.in_(ids))
        for row in conn.execute(found.order_by(signatures.c.position)):
            if row.kind == "own":
                signed[row.document_id]["signature"] = row.record
            else:
                signed[row.document_id]["source_signatures"].append(row.record)
        return [
            CatalogueDocument.model_validate(
                {
                    **row,
                    "person_ids": person_ids[row["id"]],
                    "source_name": source_names.get(row["dossier_id"]),
                    **signed[row["id"]],
                }
            )
            for row in rows
        ]

    # --- other modules' tables in the same database ------------------------------------------

    @property
    def backend(self) -> str:
        """ "sqlite" or "postgresql": which engine the catalogue runs on."""
        return self._engine.dialect.name

    def add_tables(self, extra: MetaData, *statements: str) -> None:
        """Create `extra`'s tables (and run `statements`, idempotent DDL such as triggers) in
        the catalogue's database. Their rows are records of their own, not index: `clear`
        and `sohoa reindex` leave them alone."""
        with self._begin() as conn:
            self._fulltext.lock_schema(conn)
            _create_tables(conn, extra)
            for statement in statements:
                conn.execute(text(statement))

    def connect(self) -> AbstractContextManager[Connection]:
        return self._connect()

    def begin(self) -> AbstractContextManager[Connection]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        return self._begin()

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        with self._database_errors(), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        with self._database_errors(), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, InterfaceError) as e:
            # The driver's message names the host and user, never the password.
            raise CatalogueError(f"the catalogue {self._shown_url} cannot be used: {e.orig}") from e


_SCHEMA_LOCK_KEY = 0x50_48_4F_41  # a constant of sohoa's own, for pg_advisory_xact_lock


class _FullText(Protocol):
    def lock_schema(self, conn: Connection) -> None:
        """Keep other processes from creating the tables at the same time, until commit."""
        ...

    def create(self, conn: Connection) -> None: ...

    def matching_pages(self, form: Form, phrases: list[list[str]]) -> Select[Any]:
        """Pages whose `form` column holds every phrase: columns page_id and rank, a lower
        rank being a better match."""
        ...


class _SqliteFullText:
    """FTS5 over the pages table's exact and folded columns, kept in step by triggers.

    The tokenizer keeps marks (``remove_diacritics 0``): folding is ours, with đ → d, which no
    FTS5 mode does."""

    def lock_schema(self, conn: Connection) -> None:
        pass  # SQLite lets one writer at a time in anyway (busy_timeout waits for it)

    def create(self, conn: Connection) -> None:
        for statement in (
            "CREATE VIRTUAL TABLE IF NOT EXISTS page_fts USING fts5(exact, folded, "
            "content='pages', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
            "CREATE TRIGGER IF NOT EXISTS pages_indexed AFTER INSERT ON pages BEGIN "
            "INSERT INTO page_fts(rowid, exact, folded) VALUES (new.id, new.exact, new.folded); "
            "END",
            "CREATE TRIGGER IF NOT EXISTS pages_unindexed AFTER DELETE ON pages BEGIN "
            "INSERT INTO page_fts(page_fts, rowid, exact, folded) "
            "VALUES ('delete', old.id, old.exact, old.folded); END",
        ):
            conn.execute(text(statement))

    def matching_pages(self, form: Form, phrases: list[list[str]]) -> Select[Any]:
        # Syllables are letters and digits only, so quoting them is all FTS5 syntax needs.
        expression = f"{form} : (" + " ".join(f'"{" ".join(p)}"' for p in phrases) + ")"
        page_fts = table("page_fts", column("rowid"))
        return (
            select(
                page_fts.c.rowid.label("page_id"), literal_column("bm25(page_fts)").label("rank")
            )
            .select_from(page_fts)
            .where(text("page_fts MATCH :expression").bindparams(expression=expression))
        )


class _PgFullText:
    """tsvector columns generated from the exact and folded columns ('simple' configuration:
    no stemming, no stop words), each with a GIN index."""

    def lock_schema(self, conn: Connection) -> None:
        # Several workers opening a new catalogue at once would otherwise collide in
        # "CREATE TABLE IF NOT EXISTS" (a unique violation on PostgreSQL's own catalogue).
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})

    def create(self, conn: Connection) -> None:
        for form in ("exact", "folded"):
            conn.execute(
                text(
                    f"ALTER TABLE pages ADD COLUMN IF NOT EXISTS {form}_tsv tsvector "
                    f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {form})) STORED"
                )
            )
            conn.execute(
                text(f"CREATE INDEX IF NOT EXISTS pages_{form}_tsv ON pages USING gin ({form}_tsv)")
            )

    def matching_pages(self, form: Form, phrases: list[list[str]]) -> Select[Any]:
        # Syllables are letters and digits only: nothing in them is tsquery syntax.
        expression = " & ".join("(" + " <-> ".join(p) + ")" for p in phrases)
        query = func.to_tsquery(literal_column("'simple'::regconfig"), expression)
        vector: ColumnClause[Any] = column(f"{form}_tsv")
        return select(
            pages.c.id.label("page_id"), (-func.ts_rank(vector, query)).label("rank")
        ).where(vector.op("@@")(query))


def _create_tables(conn: Connection, tables: MetaData) -> None:
    for created in tables.sorted_tables:
        conn.execute(CreateTable(created, if_not_exists=True))
        for index in created.indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))


def _configure_sqlite(connection: sqlite3.Connection, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    _use_wal(cursor)
    cursor.close()


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Put the file in WAL mode (it stays so), which lets a search read while a dossier is
    written. Switching a new file needs it to itself, and SQLite answers "database is locked"
    there without waiting for the busy timeout, which dossiers started side by side hit as they
    all open a new catalogue at once: so it is tried again until the timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _signature_rows(manifest: Manifest, document: DocumentRecord) -> list[dict[str, Any]]:
    """The document's own signature, and those of the incoming files its pages came from."""
    rows = []
    if document.signature is not None:
        rows.append({"kind": "own", "position": 0, "record": document.signature.model_dump()})
    names = {
        manifest.pages[i].source.rpartition("#")[0]
        for i in document.pages
        if i < len(manifest.pages)
    }
    found = [s for source in manifest.sources if source.name in names for s in source.signatures]
    rows += [
        {"kind": "source", "position": n, "record": record.model_dump()}
        for n, record in enumerate(found)
    ]
    return [{"document_id": document.id, **row} for row in rows]


def _insert_paper(conn: Connection, paper: Paper) -> None:
    conn.execute(
        insert(papers).values(
            document_id=paper.id,
            fields=paper.fields.model_dump(),
            signature=paper.signature.to_bytes(),
            source_sha256=paper.source_sha256,
            source_pages=list(paper.source_pages),
        )
    )
    keys = band_keys(paper.signature)
    if keys:
        conn.execute(insert(paper_bands), [{"band_key": k, "document_id": paper.id} for k in keys])


def _paper(row: Any) -> Paper:
    return Paper(
        id=row.id,
        type=row.type,
        fields=DocumentFields.model_validate(row.fields),
        signature=Signature.from_bytes(row.signature),
        source_sha256=row.source_sha256,
        source_pages=tuple(row.source_pages),
    )


def _page_row(document_id: str, number: int, page_text: str) -> dict[str, Any]:
    shown = normalise(page_text)
    return {
        "document_id": document_id,
        "page": number,
        "text": shown,
        "exact": shown.lower(),  # its exact form: `shown` is normalised already
        "folded": fold(shown),
    }


def _iso_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None  # the manifest promises ISO dates; anything else is not a date to filter on


def _filtered(filters: SearchFilters) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if filters.type:
        conditions.append(documents.c.type == filters.type)
    if filters.person_id:
        conditions.append(documents.c.id.in_(_owned_by([filters.person_id])))
    if filters.issuer:
        conditions.append(
            documents.c.co_quan_folded.contains(fold(normalise(filters.issuer)), autoescape=True)
        )
    if filters.date_from:
        conditions.append(documents.c.ngay_ban_hanh >= filters.date_from)
    if filters.date_to:
        conditions.append(documents.c.ngay_ban_hanh <= filters.date_to)
    return select(documents).where(*conditions)


def _owned_by(person_ids: list[str]) -> Select[Any]:
    return select(people.c.document_id).where(people.c.person_id.in_(person_ids))


def _direct_matches(query: str, parsed: ParsedQuery) -> list[tuple[MatchKind, ColumnElement[bool]]]:
    """What a query names outright: a dossier by its id or the name it came by (the whole
    query), a document number, a personal ID."""
    key = name_key(query)
    named = select(dossier_names.c.dossier_id).where(
        or_(dossier_names.c.id_key == key, dossier_names.c.name_key == key)
    )
    matches: list[tuple[MatchKind, ColumnElement[bool]]] = [
        ("dossier", documents.c.dossier_id.in_(named))
    ]
    if parsed.numbers:
        matches.append(("number", documents.c.so_ky_hieu_key.in_(parsed.numbers)))
    if parsed.person_ids:
        matches.append(("person", documents.c.id.in_(_owned_by(parsed.person_ids))))
    return matches


def _newest_first(query: Select[Any]) -> Select[Any]:
    return query.order_by(
        documents.c.ngay_ban_hanh.desc().nulls_last(),
        documents.c.created.desc(),
        documents.c.id,
    )


def _hit(
    document: CatalogueDocument, match: MatchKind, page: int | None, snippet: Snippet | None
) -> SearchHit:
    return SearchHit(
        document=document,
        match=match,
        page=page,
        snippet=snippet.text if snippet else None,
        highlights=snippet.highlights if snippet else [],
    )

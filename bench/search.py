"""Search benchmark: query latency and index build rate of the catalogue on SQLite.

    python -m bench.search [--documents 100000] [--queries 200] [--db PATH] [--seed N] [--json]

Builds a catalogue of N generated documents, in dossiers of 2-5, the way `catalogue_dossier`
does for `digitise` and `reindex` once the texts are read back from storage: each document's
reuse paper (fields, original, MinHash of its text), then `Catalogue.index_manifest`, one
transaction per dossier; the build rate times that alone. Every document is a fresh one from
the sample generator's templates (`samples.templates.make_document`: names, valid personal IDs,
numbers, dates and wording drawn anew; a number like "26/2019/HĐDV" still recurs, as real ones
do across issuers and years). Its page texts are the template's paragraphs, split where the
template starts a page and wherever a page would hold more than an A4 page of these templates.
No OCR noise: the page texts are what a perfect reading would give.

Then it times three kinds of query, each `--queries` times with targets drawn from what was
indexed: full text (one to three syllables of a page, as written or without diacritics, and a
quoted phrase), a person's papers (`--person ID`), and a document number (as written, and typed
without Đ). Each query is timed in process with `time.perf_counter` around `Catalogue.search`
(result limit 20, as `sohoa search`), after a warm-up; the CLI's start-up is not included.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from samples.blocks import Document, Row
from samples.generate import TYPE_WEIGHTS
from samples.identity import random_date
from samples.system import make_case
from samples.templates import make_document
from sohoa.flows.cataloguing import document_paper
from sohoa.pipeline.model import DocumentFields, DocumentRecord, Manifest, StoredObject
from sohoa.pipeline.reuse import Paper
from sohoa.pipeline.text import fold, syllables
from sohoa.storage.catalogue import Catalogue, SearchFilters
from sohoa.storage.search_terms import parse_query

DEFAULT_SEED = 4242
RESULT_LIMIT = 20  # what `sohoa search` shows by default
P95_TARGET_MS = 50.0
WARM_UP_QUERIES = 20  # per kind, not timed
DOCUMENTS_PER_DOSSIER = (2, 5)
# Typeset on A4, a full page of these templates holds 1,900-2,300 characters (at most 2,517 in
# 300 papers).
PAGE_CHARS = 2_200
SAMPLED_PAGES = 5_000  # page texts kept to draw full-text queries from
FIRST_CREATED = datetime(2024, 1, 1, tzinfo=UTC)

stderr = Console(stderr=True)


# --- the generated catalogue ----------------------------------------------------------------


def paper_pages(document: Document) -> list[str]:
    """The document's page texts: its rows in order, a new page where the template asks for one
    or where the next row would overfill the page."""
    pages: list[list[str]] = [[]]
    used = 0
    for row in document.rows:
        lines = row_lines(row)
        size = sum(len(line) + 1 for line in lines)
        if pages[-1] and (row.new_page or used + size > PAGE_CHARS):
            pages.append([])
            used = 0
        pages[-1].extend(lines)
        used += size
    return ["\n".join(page) for page in pages if page]


def row_lines(row: Row) -> list[str]:
    return [para.text for column in row.columns for para in column.paras if para.text.strip()]


def document_record(
    document_id: str, dossier_id: str, paper: Document, pages: list[int]
) -> DocumentRecord:
    prefix = f"dossiers/{dossier_id}/documents/{document_id}"
    return DocumentRecord(
        id=document_id,
        type=paper.type,
        type_confidence=0.95,
        needs_review=False,
        pages=pages,
        fields=DocumentFields.model_validate(paper.fields.to_json()),
        pdf=StoredObject(key=f"{prefix}.pdf", sha256=f"{int(document_id, 16):064x}"),
        text=StoredObject(key=f"{prefix}.txt"),
        metadata=StoredObject(key=f"{prefix}.json"),
    )


@dataclass
class Targets:
    """What queries are drawn from: everything the catalogue was given to find."""

    person_ids: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # document numbers the query parser picks out
    page_texts: list[str] = field(default_factory=list)  # a uniform sample of SAMPLED_PAGES
    pages_seen: int = 0

    def add(self, paper: Document, pages: list[str], rng: random.Random) -> None:
        self.person_ids.extend(paper.fields.so_dinh_danh)
        number = paper.fields.so_ky_hieu
        if number and parse_query(number).numbers:
            self.numbers.append(number)
        for page in pages:  # reservoir sampling: every page equally likely to be kept
            self.pages_seen += 1
            if len(self.page_texts) < SAMPLED_PAGES:
                self.page_texts.append(page)
            elif (slot := rng.randrange(self.pages_seen)) < SAMPLED_PAGES:
                self.page_texts[slot] = page


@dataclass(frozen=True)
class Dossier:
    """A dossier as `catalogue_dossier` sees it, scanned as one file."""

    manifest: Manifest
    page_texts: dict[str, list[str]]
    scan_sha256: str

    @property
    def pages(self) -> int:
        return sum(len(texts) for texts in self.page_texts.values())

    def papers(self) -> dict[str, Paper]:
        """What reuse keeps of each document (its MinHash signature among it), as
        `catalogue_dossier` makes it."""
        return {
            document.id: document_paper(
                document,
                [(self.scan_sha256, index + 1) for index in document.pages],
                self.page_texts[document.id],
            )
            for document in self.manifest.documents
        }


def generate_dossiers(count: int, rng: random.Random, targets: Targets) -> Iterator[Dossier]:
    """Dossiers holding `count` documents in all, each committed a minute after the last."""
    types, weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    made = 0
    while made < count:
        size = min(count - made, rng.randint(*DOCUMENTS_PER_DOSSIER))
        dossier_id = f"bench-{made:07d}"
        case = make_case(rng, random_date(rng, date(2019, 1, 1), date(2025, 6, 30)))
        records, texts = [], {}
        scanned = 0  # pages of the dossier so far
        for _ in range(size):
            paper = make_document(rng, rng.choices(types, weights)[0], case=case)
            pages = paper_pages(paper)
            document_id = f"{rng.getrandbits(64):016x}"
            indexes = list(range(scanned, scanned + len(pages)))
            records.append(document_record(document_id, dossier_id, paper, indexes))
            texts[document_id] = pages
            scanned += len(pages)
            targets.add(paper, pages, rng)
        manifest = Manifest(
            dossier_id=dossier_id,
            status="done",
            documents=records,
            pipeline_version="bench",
            created=(FIRST_CREATED + timedelta(minutes=made)).isoformat(),
        )
        made += size
        yield Dossier(manifest, texts, hashlib.sha256(dossier_id.encode()).hexdigest())


@dataclass(frozen=True)
class Build:
    documents: int
    pages: int
    dossiers: int
    index_seconds: float  # making the papers and `index_manifest`, as `catalogue_dossier`
    generate_seconds: float
    bytes_on_disk: int

    @property
    def documents_per_second(self) -> float:
        return self.documents / self.index_seconds

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.index_seconds


def build_catalogue(
    catalogue: Catalogue, database: Path, count: int, rng: random.Random, targets: Targets
) -> Build:
    """Index `count` generated documents a dossier at a time, as `catalogue_dossier` does after
    reading the texts back from storage: what reuse keeps of each document, then one
    `index_manifest` call (one transaction). Only that is timed, not the generating."""
    documents = pages = dossiers = 0
    index_seconds = 0.0
    started = time.perf_counter()
    for dossier in generate_dossiers(count, rng, targets):
        before = time.perf_counter()
        catalogue.index_manifest(dossier.manifest, dossier.page_texts, dossier.papers())
        index_seconds += time.perf_counter() - before
        documents += len(dossier.manifest.documents)
        pages += dossier.pages
        dossiers += 1
        if dossiers % 2_000 == 0:
            stderr.print(f"  {documents:,} documents indexed")
    return Build(
        documents=documents,
        pages=pages,
        dossiers=dossiers,
        index_seconds=index_seconds,
        generate_seconds=time.perf_counter() - started - index_seconds,
        bytes_on_disk=sqlite_size(database),
    )


def sqlite_size(database: Path) -> int:
    """The database with its write-ahead log and shared-memory index, as it sits on disk."""
    files = [database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))]
    return sum(f.stat().st_size for f in files if f.exists())


# --- the queries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    filters: SearchFilters


QueryMaker = Callable[[random.Random, Targets], Query]


def words_query(rng: random.Random, targets: Targets) -> Query:
    """One to three syllables in a row from an indexed page, half of them typed without marks."""
    words = page_syllables(rng, targets)
    length = rng.randint(1, 3)
    start = rng.randrange(len(words) - length + 1)
    typed = " ".join(words[start : start + length])
    return Query(fold(typed) if rng.random() < 0.5 else typed, SearchFilters())


def phrase_query(rng: random.Random, targets: Targets) -> Query:
    """Two to four syllables in a row from an indexed page, quoted: they must follow each other."""
    words = page_syllables(rng, targets)
    length = min(len(words), rng.randint(2, 4))
    start = rng.randrange(len(words) - length + 1)
    return Query('"' + " ".join(words[start : start + length]) + '"', SearchFilters())


def page_syllables(rng: random.Random, targets: Targets) -> list[str]:
    """The syllables of a sampled page, in order."""
    while True:
        words = syllables(rng.choice(targets.page_texts))
        if words:
            return words


def person_query(rng: random.Random, targets: Targets) -> Query:
    """`sohoa search --person ID`: everything on file for a person, newest first."""
    return Query("", SearchFilters(person_id=rng.choice(targets.person_ids)))


def number_query(rng: random.Random, targets: Targets) -> Query:
    """A document number as printed, or half the time typed on a keyboard without Đ."""
    number = rng.choice(targets.numbers)
    return Query(
        number.replace("Đ", "D").replace("đ", "d") if rng.random() < 0.5 else number,
        SearchFilters(),
    )


QUERY_KINDS: dict[str, QueryMaker] = {
    "full text, 1-3 syllables (half without diacritics)": words_query,
    'full text, "a phrase"': phrase_query,
    "person ID (--person)": person_query,
    "document number (half without Đ)": number_query,
}


@dataclass(frozen=True)
class Latency:
    kind: str
    queries: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_hits: float
    misses: int  # queries that found nothing: none should, every target was indexed
    slowest: str  # the query that took longest, to see what the tail is made of

    @property
    def met(self) -> bool:
        return self.p95_ms < P95_TARGET_MS


def time_queries(catalogue: Catalogue, kind: str, queries: Sequence[Query]) -> Latency:
    timings: list[tuple[float, Query]] = []
    hits: list[int] = []
    for query in queries:
        started = time.perf_counter()
        found = catalogue.search(query.text, query.filters, RESULT_LIMIT)
        timings.append((time.perf_counter() - started, query))
        hits.append(len(found))
    seconds = sorted(t for t, _ in timings)
    slowest_seconds, slowest = max(timings, key=lambda timed: timed[0])
    return Latency(
        kind=kind,
        queries=len(queries),
        p50_ms=percentile(seconds, 50) * 1000,
        p95_ms=percentile(seconds, 95) * 1000,
        p99_ms=percentile(seconds, 99) * 1000,
        max_ms=slowest_seconds * 1000,
        mean_hits=statistics.mean(hits),
        misses=hits.count(0),
        slowest=slowest.text or f"--person {slowest.filters.person_id}",
    )


def percentile(ordered: Sequence[float], pct: int) -> float:
    """The nearest-rank percentile of an ascending list."""
    rank = max(1, -(-pct * len(ordered) // 100))  # ceil(pct/100 * n)
    return ordered[rank - 1]


def measure_queries(
    catalogue: Catalogue, targets: Targets, count: int, rng: random.Random
) -> list[Latency]:
    """Every kind warmed up, then timed on `count` queries of its own."""
    drawn = {
        kind: [make(rng, targets) for _ in range(WARM_UP_QUERIES + count)]
        for kind, make in QUERY_KINDS.items()
    }
    for queries in drawn.values():
        for query in queries[:WARM_UP_QUERIES]:
            catalogue.search(query.text, query.filters, RESULT_LIMIT)
    return [
        time_queries(catalogue, kind, queries[WARM_UP_QUERIES:]) for kind, queries in drawn.items()
    ]


# --- reporting ------------------------------------------------------------------------------


def print_report(build: Build, latencies: list[Latency], console: Console) -> None:
    built = Table(
        title=f"Index build: {build.documents:,} documents, reuse papers and index_manifest",
        caption="generating the documents not included",
    )
    for column in (
        "documents",
        "pages",
        "dossiers",
        "seconds",
        "documents/s",
        "pages/s",
        "on disk",
    ):
        built.add_column(column, justify="right")
    built.add_row(
        f"{build.documents:,}",
        f"{build.pages:,}",
        f"{build.dossiers:,}",
        f"{build.index_seconds:.1f}",
        f"{build.documents_per_second:,.0f}",
        f"{build.pages_per_second:,.0f}",
        f"{build.bytes_on_disk / 2**20:,.0f} MiB",
    )
    console.print(built)
    queries = Table(
        title=f"Query latency, SQLite, {build.documents:,} documents, {os.cpu_count()} cores",
        caption="in process around Catalogue.search (limit 20), after a warm-up; "
        "CLI start-up not included",
    )
    for column in (
        "query",
        "n",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "hits",
        f"p95 < {P95_TARGET_MS:.0f} ms",
    ):
        queries.add_column(column, justify="left" if column == "query" else "right")
    for latency in latencies:
        queries.add_row(
            latency.kind,
            str(latency.queries),
            f"{latency.p50_ms:.1f}",
            f"{latency.p95_ms:.1f}",
            f"{latency.p99_ms:.1f}",
            f"{latency.max_ms:.1f}",
            f"{latency.mean_hits:.1f}",
            "[green]met[/]" if latency.met else "[red]missed[/]",
        )
    console.print(queries)
    for latency in latencies:
        console.print(f"slowest {latency.kind}: {latency.slowest!r} ({latency.max_ms:.1f} ms)")


def report_json(build: Build, latencies: list[Latency]) -> str:
    return json.dumps(
        {
            "build": {
                **asdict(build),
                "documents_per_second": build.documents_per_second,
                "pages_per_second": build.pages_per_second,
            },
            "queries": [{**asdict(latency), "met": latency.met} for latency in latencies],
            "p95_target_ms": P95_TARGET_MS,
        },
        ensure_ascii=False,
        indent=2,
    )


# --- command line ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200, help="timed queries of each kind")
    parser.add_argument("--db", type=Path, help="SQLite file to build (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def run(database: Path, args: argparse.Namespace) -> tuple[Build, list[Latency]]:
    if database.exists():
        raise SystemExit(f"{database} exists: the benchmark builds a catalogue of its own")
    rng = random.Random(args.seed)
    targets = Targets()
    catalogue = Catalogue(f"sqlite:///{database}")
    try:
        stderr.print(f"building a catalogue of {args.documents:,} documents in {database}")
        build = build_catalogue(catalogue, database, args.documents, rng, targets)
        stderr.print(f"timing {args.queries} queries of each kind")
        latencies = measure_queries(catalogue, targets, args.queries, rng)
    finally:
        catalogue.close()
    return build, latencies


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.db is not None:
        build, latencies = run(args.db, args)
    else:
        with tempfile.TemporaryDirectory(prefix="sohoa-bench-search-") as work:
            build, latencies = run(Path(work) / "catalogue.sqlite", args)
    if args.json:
        sys.stdout.write(report_json(build, latencies) + "\n")
    else:
        print_report(build, latencies, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())

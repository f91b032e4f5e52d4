"""The `digitise_dossier` Prefect flow: files in, PDF/A documents and a manifest in storage.

Import this module only after `prefect_server.configure_client_env` has pointed Prefect at its
server (the worker does): Prefect reads its settings when it is imported.

Grain: a dossier is one task (`digitise-dossier`), and each of its documents one more
(`store-document`: finds whether it is a paper already on file, assembles and stores it). Few
task runs matter: each costs about 15 ms of CPU, most of it in the Prefect server, taken
from OCR on a small machine, and a backlog's dossiers have two or three pages. `digitise` is a
dossier's work as a plain function, so that one flow run can digitise one dossier (the
`digitise-dossier` flow) or a whole batch of them (`sohoa.flows.backlog`), each in a task.

Every dossier a process reads at once shares one bound on pages in work, so several dossiers at
a time never run more OCR processes than configured, nor hold more page images in memory.
Before it is stored, each document is looked up in the catalogue: one already on file is linked
to it (`reuse_of`) in its record. A dossier whose task failed because the object store was away
is started again after a pause, with exponential backoff (`STORAGE_RETRIES`). Idempotency comes
from deterministic keys, not from Prefect's cache: originals are content-addressed, page
readings are kept by source hash and page (so a dossier started again does not read its pages
again), and a dossier whose manifest already covers the same inputs is returned as it is.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from asn1crypto.x509 import Certificate
from prefect import flow, task
from prefect.cache_policies import NONE as NO_CACHE
from prefect.tasks import exponential_backoff

from sohoa.config import Settings
from sohoa.errors import SohoaError
from sohoa.flows import events, progress, runs, workdir
from sohoa.flows.calibrating import model_in_use
from sohoa.flows.cataloguing import (
    PAGE_SEPARATOR,
    catalogue_dossier,
    document_paper,
    index_dossier,
    page_originals,
)
from sohoa.flows.keys import (
    PIPELINE_VERSION,
    dossier_prefix,
    manifest_key,
    original_key,
    quarantine_key,
    reading_key,
    revision_key,
)
from sohoa.flows.signing import check_signing_settings, sign_document, signer_at_digitise
from sohoa.flows.storing import (
    committed_manifest,
    document_info,
    keep_revision,
    recorded,
    store_metadata,
)
from sohoa.ocr.engine import OcrEngine, OcrError
from sohoa.ocr.tesseract import TesseractEngine
from sohoa.pipeline.classify import ClassifierModel
from sohoa.pipeline.correct import correct_page
from sohoa.pipeline.dossier import (
    PageResult,
    Rejected,
    admit,
    covers,
    default_dossier_id,
    document_id,
    dossier_status,
    failed_pages,
    input_keys,
    manifest_input_keys,
    named,
    page_records,
)
from sohoa.pipeline.ingest import (
    PageImage,
    SourceFile,
    UnreadablePage,
    decode_pages,
)
from sohoa.pipeline.model import (
    Conflict,
    DocumentRecord,
    Manifest,
    QuarantineRecord,
    ReplacedManifest,
    SourceRecord,
    SourceSignature,
    StoredObject,
)
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.pdfa import PageSpec, assemble_pdfa, write_page_fragment
from sohoa.pipeline.recognise import PageReading, read_page
from sohoa.pipeline.reuse import Paper, find_reuse
from sohoa.pipeline.review import carried_revisions, carry_over
from sohoa.pipeline.understand import understand_dossier
from sohoa.signing.sign import CopySigner
from sohoa.signing.verify import check_signatures, load_trust_roots
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectNotFound, ObjectStore, is_transient, safe_key_part

logger = logging.getLogger(__name__)

EngineFactory = Callable[[Settings], OcrEngine]


def tesseract_engine(settings: Settings) -> TesseractEngine:
    """The engine a dossier is read with unless its caller gives another: Tesseract."""
    return TesseractEngine(settings.ocr_lang, timeout_s=settings.ocr_timeout_s)


def start_readers(settings: Settings) -> None:
    """The default engine's readers, one per page read at once, started before the first
    dossier comes rather than while it waits."""
    try:
        tesseract_engine(settings).start_readers(settings.concurrency)
    except (SohoaError, OcrError):  # the first dossier meets the same problem, and reports it
        logger.exception("the Tesseract readers could not be started ahead")


def _retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except Exception as e:
        return is_transient(e)
    return False


# A dossier that failed because the object store was away is started again, after 1, 2, 4 … 64 s:
# an object store restarting or briefly away (up to about two minutes) is waited for.
STORAGE_RETRIES: dict[str, Any] = {
    "retries": 7,
    "retry_delay_seconds": exponential_backoff(backoff_factor=1),
    "retry_condition_fn": _retry_if_transient,
    "cache_policy": NO_CACHE,
}


# --- A dossier's steps ---------------------------------------------------------------------------


def store_originals(
    store: ObjectStore, sources: list[SourceFile], rejected: list[Rejected]
) -> None:
    """Keep every input, good or bad: nothing a clerk scanned is ever lost."""
    for source in sources:
        if not store.exists(original_key(source.sha256)):
            store.put_file(original_key(source.sha256), source.path, _content_type(source.kind))
    for bad in rejected:
        digest = bad.record.sha256
        if digest and not store.exists(quarantine_key(digest)):
            store.put_file(quarantine_key(digest), bad.path, "application/octet-stream")


class PageSlots:
    """The pages this process works on at once, across every dossier it reads: at most
    `workers` being read (one OCR process each) and twice that decoded, waiting or in work."""

    def __init__(self, workers: int) -> None:
        self.reading = threading.BoundedSemaphore(workers)
        self.held = threading.BoundedSemaphore(workers * 2)


@functools.cache
def page_slots(workers: int) -> PageSlots:
    return PageSlots(workers)


@dataclass(frozen=True)
class PagesRead:
    pages: list[PageResult]  # in order, of the sources with at least one readable page
    failed_sources: dict[int, str]  # sources none of whose pages could be decoded: why
    unreadable: list[QuarantineRecord]  # single pages that could not be decoded


def read_pages(
    store: ObjectStore,
    sources: list[SourceFile],
    rejected: list[Rejected],
    settings: Settings,
    work: Path,
    workers: int,
    engine: OcrEngine,
) -> PagesRead:
    """Store the originals while OCR reads every page with `engine`, `workers` at a time. A
    page that cannot be decoded is reported and the rest of its file goes on; a file with no
    page that can be is reported as a whole."""
    report = progress.current()  # the pool's threads do not inherit the job's context
    slots = page_slots(workers)
    failed_sources: dict[int, str] = {}
    unreadable: list[QuarantineRecord] = []
    futures: list[Future[PageResult]] = []

    def work_on(source_index: int, page: PageImage) -> PageResult:
        try:
            with slots.reading:
                return _read_and_lay_out(
                    store, engine, settings, source_index, sources[source_index], page, work
                )
        finally:
            slots.held.release()
            report.page_done()

    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="sohoa-originals") as keeper,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sohoa-page") as pool,
    ):
        # Uploading the originals is waiting on the store, not work: pages are read meanwhile.
        # Every original is stored before this returns, so before any manifest.
        originals_kept = keeper.submit(store_originals, store, sources, rejected)
        for source_index, source in enumerate(sources):
            damaged: list[UnreadablePage] = []
            decoded = 0
            for page in decode_pages(source):
                if isinstance(page, UnreadablePage):
                    damaged.append(page)
                    report.page_done()
                    continue
                decoded += 1
                slots.held.acquire()
                futures.append(pool.submit(work_on, source_index, page))
            if damaged and not decoded:
                failed_sources[source_index] = "; ".join(p.reason for p in damaged)
            else:
                unreadable += [QuarantineRecord(source=p.source, reason=p.reason) for p in damaged]
        originals_kept.result()
    return PagesRead([f.result() for f in futures], failed_sources, unreadable)


def _read_and_lay_out(
    store: ObjectStore,
    engine: OcrEngine,
    settings: Settings,
    source_index: int,
    source: SourceFile,
    page: PageImage,
    work: Path,
) -> PageResult:
    number = page.number
    key = reading_key(source.sha256, number, settings.ocr_lang)
    failure = None
    reading = _stored_reading(store, key)
    if reading is None:
        try:
            reading = read_page(page, engine)
        except OcrError as e:
            failure = str(e)
        except Exception as e:  # zxing or OpenCV on a page they cannot take
            failure = f"the page could not be analysed ({type(e).__name__}: {e})"
        if reading is None:
            # The page still goes into the PDF, as an image without text, and is reported.
            reading = PageReading(False, 0, 0.0, 0.0, page.raster.width, page.raster.height, None)
        else:
            store.put_bytes(key, reading.to_json(), "application/json")
    # Tone-mark repair is applied after storage, so the stored reading stays what OCR saw.
    text = correct_page(reading.text) if reading.text else None
    fragment = None
    if not reading.blank:
        fragment = work / f"page-{source.sha256[:12]}-{number:05d}.pdf"
        spec = PageSpec(
            original=page.original,
            rotation=reading.rotation,
            skew=reading.skew,
            ocr_straightened=reading.straightened,
            dpi=page.dpi,
            width_px=reading.width_px,
            height_px=reading.height_px,
            text=text,
            ocr_scale=reading.ocr_scale,
        )
        write_page_fragment(spec, fragment)
    return PageResult(
        source_index=source_index,
        source=page.source,
        dpi=page.dpi,
        dpi_assumed=page.dpi_assumed,
        blank=reading.blank,
        rotation=reading.rotation,
        skew=reading.skew,
        confidence=reading.confidence,
        content=PageContent(reading.blank, text, reading.codes, reading.handwritten),
        fragment=fragment,
        failure=failure,
    )


def _stored_reading(store: ObjectStore, key: str) -> PageReading | None:
    try:
        return PageReading.from_json(store.get_bytes(key))
    except ObjectNotFound:
        return None


@task(name="store-document", cache_policy=NO_CACHE)
def store_document(
    store: ObjectStore,
    catalogue: Catalogue,
    dossier_id: str,
    document: DocumentRecord,
    paper: Paper,
    fragments: list[Path],
    texts: list[str],
    work: Path,
    copy_signer: CopySigner | None = None,
) -> DocumentRecord:
    """Link the document to the paper on file it is a copy of, if any; assemble it as
    PDF/A-2b, validated as it is written; store its PDF, text (a form feed between pages) and
    metadata. With `copy_signer`, a document not flagged for review is signed too."""
    match = find_reuse(paper, catalogue.reuse_candidates(paper, dossier_id))
    if match is not None:
        document = document.model_copy(
            update={"reuse_of": match.reuse_of, "reuse_reason": match.reason}
        )
    prefix = f"{dossier_prefix(dossier_id)}/documents/{document.id}"
    pdf_path = work / f"{document.id}.pdf"
    if not pdf_path.exists():
        assemble_pdfa(fragments, pdf_path, document_info(dossier_id, document))
    pdf = store.put_file(f"{prefix}.pdf", pdf_path, "application/pdf")
    text = store.put_bytes(
        f"{prefix}.txt", PAGE_SEPARATOR.join(texts).encode(), "text/plain; charset=utf-8"
    )
    stored = document.model_copy(update={"pdf": recorded(pdf), "text": recorded(text)})
    if copy_signer is not None and not stored.needs_review:
        stored = sign_document(store, copy_signer, dossier_id, stored, work)
    return store_metadata(store, dossier_id, stored, prefix)


def commit_dossier(
    store: ObjectStore,
    catalogue: Catalogue,
    manifest: Manifest,
    texts: dict[str, list[str]],
) -> None:
    """The manifest goes last: until it is there, a reader sees no part of the dossier. Then
    the dossier is catalogued: a digitise returns once search can see it, and its completion
    event is in the outbox."""
    store.put_bytes(
        manifest_key(manifest.dossier_id),
        manifest.model_dump_json(indent=2).encode(),
        "application/json",
    )
    index_dossier(catalogue, manifest, texts)
    events.dossier_committed(catalogue, manifest)


# --- The flow ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digitised:
    manifest: Manifest
    fresh: bool  # False when a manifest already committed covered these inputs


def digitise(
    paths: list[str],
    dossier_id: str | None = None,
    *,
    workers: int | None = None,
    received: str | None = None,
    source_name: str | None = None,
    follow_named_links: bool = True,
    engine: EngineFactory = tesseract_engine,
) -> Digitised:
    """Digitise the files in `paths` (files or folders) as one dossier, `workers` pages at a
    time (default: the configured concurrency), its pages read by the engine `engine` makes;
    `received` is when the dossier arrived,
    `source_name` the folder or file name it came from (kept when its id is derived).
    `follow_named_links`: False where `paths` are entries of a folder (a backlog's, an
    incoming one's), whose links are refused like those inside them."""
    settings = Settings()
    check_signing_settings(settings)
    store = ObjectStore.from_settings(settings)
    with admit([Path(p) for p in paths], follow_named_links=follow_named_links) as (
        sources,
        rejected,
    ):
        given = dossier_id is not None
        dossier_id = safe_key_part(dossier_id or default_dossier_id(sources, rejected))
        catalogue = Catalogue.from_settings(settings)
        try:
            return _digitise_admitted(
                store,
                catalogue,
                settings,
                dossier_id,
                sources,
                rejected,
                workers=workers,
                received=received,
                source_name=None if given else source_name,
                engine=engine,
            )
        finally:
            catalogue.close()


def _digitise_admitted(
    store: ObjectStore,
    catalogue: Catalogue,
    settings: Settings,
    dossier_id: str,
    sources: list[SourceFile],
    rejected: list[Rejected],
    *,
    workers: int | None,
    received: str | None,
    source_name: str | None,
    engine: EngineFactory,
) -> Digitised:
    quarantined = [r.record for r in rejected]
    existing = committed_manifest(store, dossier_id)
    if existing is not None and covers(existing, sources, quarantined, PIPELINE_VERSION):
        progress.current().pages_total(0)
        catalogue_dossier(store, catalogue, existing)  # committed, perhaps not catalogued
        return Digitised(existing, fresh=False)
    replaces = None
    if existing is not None and manifest_input_keys(existing) != input_keys(sources, rejected):
        replaces = replaced_by_other_inputs(existing)

    started = _now()
    progress.current().pages_total(sum(s.pages for s in sources))
    with workdir.dossier_dir(settings) as work:
        read = read_pages(
            store,
            sources,
            rejected,
            settings,
            work,
            workers or settings.concurrency,
            engine(settings),
        )
        pages, failed_sources = read.pages, read.failed_sources
        for index, reason in failed_sources.items():
            source = sources[index]
            quarantined.append(
                QuarantineRecord(
                    source=source.name,
                    reason=named(reason, source.path, source.name),
                    sha256=source.sha256,
                )
            )
        quarantined += read.unreadable
        usable = [s for i, s in enumerate(sources) if i not in failed_sources]
        # The local day: a paper dated today where it was signed is not in the future.
        today = datetime.now().date()
        with signer_at_digitise(settings) as copy_signer:
            documents, texts, conflicts = _documents(
                store,
                catalogue,
                dossier_id,
                usable,
                pages,
                work,
                today,
                existing,
                copy_signer,
                workers or settings.concurrency,
                # The trained classifier, or the one refitted on reviewed documents.
                model_in_use(settings.data_dir),
            )

    quarantined += failed_pages(pages)
    trust_roots = load_trust_roots(settings.trust_roots)
    manifest = Manifest(
        dossier_id=dossier_id,
        status=dossier_status(pages, quarantined),
        source_name=source_name,
        sources=[_source_record(s, trust_roots) for s in usable],
        pages=page_records(pages, [d.pages for d in documents]),
        documents=documents,
        quarantined=quarantined,
        pipeline_version=PIPELINE_VERSION,
        created=_now(),
        started=started,
        received=received,
        replaces=replaces,
        # A person's corrections outlive the machine's reading: see `review.carry_over`.
        revision=existing.revision + 1 if existing else 0,
        revisions=carried_revisions(existing),
        conflicts=conflicts,
    )
    if existing is not None:
        keep_revision(store, existing)
    commit_dossier(store, catalogue, manifest, texts)
    return Digitised(manifest, fresh=True)


def replaced_by_other_inputs(earlier: Manifest) -> ReplacedManifest:
    """Say that a committed manifest made from other inputs is about to be replaced (the new
    manifest records it, and the log). It stays readable as its revision, which every
    replaced manifest is kept as (`keep_revision`)."""
    names = [s.name for s in earlier.sources] + [q.source for q in earlier.quarantined]
    replaced = ReplacedManifest(
        key=revision_key(earlier.dossier_id, earlier.revision),
        created=earlier.created,
        status=earlier.status,
        sources=names,
    )
    logger.warning("dossier %s: %s", earlier.dossier_id, replaced.note)
    return replaced


@task(name="digitise-dossier", **STORAGE_RETRIES)
def digitise_retried(
    paths: list[str],
    dossier_id: str | None = None,
    *,
    workers: int | None = None,
    received: str | None = None,
    follow_named_links: bool = True,
) -> Digitised:
    """`digitise` as a task, started again while the object store is away."""
    return digitise(
        paths,
        dossier_id,
        workers=workers,
        received=received,
        follow_named_links=follow_named_links,
    )


@flow(
    name="digitise-dossier",
    log_prints=False,
    validate_parameters=False,
    on_running=[runs.record_owner],
)
def digitise_dossier(paths: list[str], dossier_id: str | None = None) -> dict[str, Any]:
    """Digitise the files in `paths` (files or folders) as one dossier; returns the manifest."""
    return digitise_retried(paths, dossier_id).manifest.model_dump()


def _now() -> str:
    # To the microsecond: papers on file are offered for reuse oldest first by this time, and
    # two dossiers digitised within one second must not tie.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _documents(
    store: ObjectStore,
    catalogue: Catalogue,
    dossier_id: str,
    sources: list[SourceFile],
    pages: list[PageResult],
    work: Path,
    today: date,
    previous: Manifest | None,
    copy_signer: CopySigner | None,
    workers: int,
    classifier: ClassifierModel,
) -> tuple[list[DocumentRecord], dict[str, list[str]], list[Conflict]]:
    """The dossier's documents, read on `today`, stored, with the values people set on the
    same papers in `previous` carried over; their pages' texts by document id; the values read
    differently."""
    records = [
        DocumentRecord(
            id=document_id(dossier_id, sources, [pages[i].source for i in understood.pages]),
            type=understood.type,
            type_confidence=understood.type_confidence,
            copy_form=understood.copy_form,
            needs_review=understood.needs_review,
            review=understood.review,
            pages=understood.pages,
            fields=understood.fields,
            pdf=StoredObject(key=""),
            text=StoredObject(key=""),
            metadata=StoredObject(key=""),
        )
        for understood in understand_dossier([p.content for p in pages], today, classifier)
    ]
    texts = {r.id: [pages[i].content.plain_text for i in r.pages] for r in records}
    originals = page_originals([p.source for p in pages], {s.name: s.sha256 for s in sources})
    # Documents are assembled and stored side by side: much of it is waiting on the store and
    # the catalogue. One at a time where they are signed: a token's session is not shared.
    at_once = 1 if copy_signer is not None else workers
    stored: list[Future[DocumentRecord]] = []
    conflicts: list[Conflict] = []
    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="sohoa-document") as pool:
        for read in records:
            record, found = carry_over(previous, read, [originals[i] for i in read.pages])
            conflicts += found
            paper = document_paper(record, [originals[i] for i in record.pages], texts[record.id])
            fragments = [f for f in (pages[i].fragment for i in record.pages) if f]
            stored.append(
                pool.submit(
                    # Each its own copy of the flow's context, so Prefect files it under the run.
                    contextvars.copy_context().run,
                    store_document,
                    store,
                    catalogue,
                    dossier_id,
                    record,
                    paper,
                    fragments,
                    texts[record.id],
                    work,
                    copy_signer,
                )
            )
    return [f.result() for f in stored], texts, conflicts


def _source_record(source: SourceFile, trust_roots: list[Certificate]) -> SourceRecord:
    signatures: list[SourceSignature] = (
        check_signatures(source.path, trust_roots) if source.signed else []
    )
    return SourceRecord(
        name=source.name,
        sha256=source.sha256,
        pages=source.pages,
        bytes=source.bytes,
        key=original_key(source.sha256),
        signed=source.signed,
        signatures=signatures,
    )


def _content_type(kind: str) -> str:
    types = {"pdf": "application/pdf", "tiff": "image/tiff", "jpeg": "image/jpeg"}
    return {**types, "heif": "image/heif"}.get(kind, "image/png")


def run_job(
    paths: list[str], dossier_id: str | None, out: str | None, listener: progress.ProgressListener
) -> dict[str, Any]:
    """Digitise one dossier for a caller: the flow, then the local copies it asked for."""
    with progress.listening(listener):
        manifest = Manifest.model_validate(digitise_dossier(paths, dossier_id))
    if out is not None:
        write_local_copies(ObjectStore.from_settings(Settings()), manifest, Path(out))
    return manifest.model_dump(mode="json")


def write_local_copies(store: ObjectStore, manifest: Manifest, out_dir: Path) -> None:
    """`--out DIR`: the document PDFs, their texts and the manifest, each written whole to a
    temporary name first, so a reader never sees half a file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for document in manifest.documents:
        for stored, suffix in ((document.pdf, ".pdf"), (document.text, ".txt")):
            partial = out_dir / f".{document.id}{suffix}.partial"
            store.download_file(stored.key, partial)
            partial.replace(out_dir / f"{document.id}{suffix}")
    partial = out_dir / ".manifest.json.partial"
    partial.write_text(manifest.model_dump_json(indent=2))
    partial.replace(out_dir / "manifest.json")

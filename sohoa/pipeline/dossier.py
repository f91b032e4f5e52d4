"""The dossier as a record: which inputs are usable, its ids, its status and its pages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sohoa.pipeline.ingest import InputRejected, SourceFile, collect_files, open_source, sha256_file
from sohoa.pipeline.model import DossierStatus, Manifest, PageRecord, QuarantineRecord
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.split import page_documents

OCR_FAILED = "OCR failed: "  # how the reason of a page that OCR failed on begins


@dataclass(frozen=True)
class Rejected:
    """An input that cannot be digitised: kept all the same, with the reason."""

    path: Path
    record: QuarantineRecord


@dataclass(frozen=True)
class PageResult:
    """One page after reading: small facts and where its PDF fragment lies. No images."""

    source_index: int
    source: str
    dpi: int
    dpi_assumed: bool
    blank: bool
    rotation: int
    skew: float
    confidence: float | None
    content: PageContent
    fragment: Path | None
    failure: str | None = None


def admit(paths: list[Path]) -> tuple[list[SourceFile], list[Rejected]]:
    """Sort the inputs into usable sources and rejected files, each with its reason."""
    sources: list[SourceFile] = []
    rejected: list[Rejected] = []
    for path, name in collect_files(paths):
        try:
            sources.append(open_source(path, name))
        except InputRejected as e:
            digest = sha256_file(path) if path.is_file() and path.stat().st_size else None
            rejected.append(
                Rejected(path, QuarantineRecord(source=name, reason=str(e), sha256=digest))
            )
    return sources, rejected


def default_dossier_id(sources: list[SourceFile], rejected: list[Rejected]) -> str:
    """An id derived from the inputs, so digitising the same files again finds the same dossier."""
    hashes = [s.sha256 for s in sources] or [r.record.sha256 or r.record.source for r in rejected]
    return "hs-" + hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()[:12]


def document_id(dossier_id: str, sources: list[SourceFile], page_sources: list[str]) -> str:
    """An id derived from the dossier and the paper itself: the same pages of the same files in
    the same dossier, the same id. The same paper filed again in another dossier gets its own
    id, and the manifest links it to the first (`reuse_of`)."""
    joined = "\n".join([dossier_id, *(s.sha256 for s in sources), *page_sources])
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def covers(
    manifest: Manifest,
    sources: list[SourceFile],
    quarantined: list[QuarantineRecord],
    pipeline_version: str,
) -> bool:
    """True when `manifest` already is the result of digitising these inputs this way.

    A dossier with pages that failed OCR (a crash or a timeout) is not: digitising it again
    tries those pages again, and only those, since the others' readings are stored."""
    return (
        manifest.pipeline_version == pipeline_version
        and not any(q.reason.startswith(OCR_FAILED) for q in manifest.quarantined)
        and [s.sha256 for s in manifest.sources] == [s.sha256 for s in sources]
        and {q.sha256 for q in manifest.quarantined if q.sha256}
        == {q.sha256 for q in quarantined if q.sha256}
        and manifest.status != "failed"
    )


def dossier_status(pages: list[PageResult], quarantined: list[QuarantineRecord]) -> DossierStatus:
    if not pages:
        return "failed"
    if quarantined:
        return "partial"
    return "done"


def failed_pages(pages: list[PageResult]) -> list[QuarantineRecord]:
    """Pages kept as images only because OCR failed on them: reported, never dropped."""
    return [
        QuarantineRecord(source=p.source, reason=f"{OCR_FAILED}{p.failure}")
        for p in pages
        if p.failure
    ]


def page_records(pages: list[PageResult], documents: list[list[int]]) -> list[PageRecord]:
    owners = page_documents([p.blank for p in pages], documents)
    return [
        PageRecord(
            index=index,
            source=p.source,
            blank=p.blank,
            rotation=p.rotation,
            skew=p.skew,
            ocr_confidence=round(p.confidence, 1) if p.confidence is not None else None,
            document=owners[index],
            dpi=p.dpi,
            dpi_assumed=p.dpi_assumed,
        )
        for index, p in enumerate(pages)
    ]

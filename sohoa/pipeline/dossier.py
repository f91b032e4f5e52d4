"""The dossier as a record: which inputs are usable, its ids, its status and its pages."""

from __future__ import annotations

import functools
import hashlib
import re
import resource
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sohoa.pipeline.ingest import InputRejected, SourceFile, open_source, sha256_file
from sohoa.pipeline.inputs import InputChanged, collect_files, descriptor_path, open_verified
from sohoa.pipeline.model import DossierStatus, Manifest, PageRecord, QuarantineRecord
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.split import page_documents

OCR_FAILED = "OCR failed: "  # how the reason of a page that OCR failed on begins
# A folder name that is its dossier's id: what a dossier id may be (letters, digits, '.', '_'
# and '-', no leading dot: it goes into object keys; at most 100), holding a digit as receipt
# and dossier numbers do ("000.00.12.H52-241203-0001", "hs-2024-000123"). "scans" or
# "Hồ sơ bà Lan" get a derived id instead, the name kept beside it.
_FOLDER_DOSSIER_ID = re.compile(r"(?!\.)(?=.*\d)[A-Za-z0-9._-]{1,100}")


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


@contextmanager
def admit(
    paths: list[Path], *, follow_named_links: bool = True
) -> Iterator[tuple[list[SourceFile], list[Rejected]]]:
    """Sort the inputs into usable sources and rejected files, each with its reason
    (`inputs.collect_files`). Each file is read, until the block ends, through the descriptor
    it was opened on once it proved to be the file the walk found (`inputs.open_verified`):
    the sources' and rejects' paths are those descriptors'."""
    found = collect_files(paths, follow_named_links=follow_named_links)
    _allow_open_files()
    sources: list[SourceFile] = []
    rejected: list[Rejected] = []
    with ExitStack() as opened:
        for entry in found:
            if entry.refused is not None:
                rejected.append(Rejected(entry.path, _record(entry.name, entry.refused)))
                continue
            try:
                path = descriptor_path(opened.enter_context(open_verified(entry)))
            except InputChanged as e:
                rejected.append(Rejected(entry.path, _record(entry.name, str(e))))
                continue
            except OSError as e:
                rejected.append(
                    Rejected(entry.path, _record(entry.name, f"cannot read the file: {e.strerror}"))
                )
                continue
            try:
                sources.append(open_source(path, entry.name))
            except InputRejected as e:
                digest = sha256_file(path) if path.stat().st_size else None
                reason = named(str(e), path, entry.name)
                rejected.append(Rejected(path, _record(entry.name, reason, digest)))
        yield sources, rejected


def _record(name: str, reason: str, sha256: str | None = None) -> QuarantineRecord:
    return QuarantineRecord(source=name, reason=reason, sha256=sha256)


def named(reason: str, path: Path, name: str) -> str:
    """`reason` naming the file as the user gave it: decoders' messages name the path they
    opened, which is a descriptor's or a temporary one."""
    return reason.replace(str(path), name)


@functools.cache
def _allow_open_files() -> None:
    """Let this process hold as many files open as it may (the hard limit): a dossier holds
    each of its files open while it is digitised, and several dossiers are read at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # An unlimited hard limit is above what the kernel allows: the soft one is kept then.
    with suppress(ValueError, OSError):
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def input_keys(sources: list[SourceFile], rejected: list[Rejected]) -> list[str]:
    """What a submission is made of, sorted: the hash of each file, usable or not, and for a
    file that could not be read at all its name and the reason."""
    return sorted({s.sha256 for s in sources} | {_quarantine_key(r.record) for r in rejected})


def manifest_input_keys(manifest: Manifest) -> list[str]:
    """`input_keys` of the submission a manifest was made from."""
    # Pages quarantined by reading (OCR failures: "scan.pdf#3") are not inputs of their own.
    quarantined = {
        _quarantine_key(q)
        for q in manifest.quarantined
        if not q.reason.startswith(OCR_FAILED) and (q.sha256 or "#" not in q.source)
    }
    return sorted({s.sha256 for s in manifest.sources} | quarantined)


def _quarantine_key(record: QuarantineRecord) -> str:
    return record.sha256 or f"{record.source}\0{record.reason}"


def folder_dossier_id(name: str) -> str | None:
    """The dossier id a folder's name is, or None when the name is no dossier id."""
    return name if _FOLDER_DOSSIER_ID.fullmatch(name) else None


def default_dossier_id(sources: list[SourceFile], rejected: list[Rejected]) -> str:
    """An id derived from everything submitted, usable or not, so digitising the same files
    again finds the same dossier, and different submissions never share an id."""
    joined = "\n".join(input_keys(sources, rejected))
    return "hs-" + hashlib.sha256(joined.encode()).hexdigest()[:12]


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

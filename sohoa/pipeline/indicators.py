"""The digitisation indicators provinces are ranked on, from the facts of each dossier.

`dossier_facts` reduces a manifest to the few numbers and times the indicators need (what the
catalogue keeps per dossier); `summarise` adds up the facts of the dossiers of a period:
dossiers by status, pages, documents by type, the shares flagged for review and reused,
pages per second of busy time, failures by reason category, and the delay from a dossier's
arrival to its being searchable.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

from sohoa.pipeline.model import DossierStatus, Manifest

FailureReason = Literal[
    "corrupt",
    "encrypted",
    "empty",
    "too_large",
    "unsupported_type",
    "unreadable",
    "ocr_timed_out",
    "ocr_failed",
    "other",
]
FAILURE_REASONS: tuple[FailureReason, ...] = get_args(FailureReason)

# What a quarantine reason begins with (ingest's `InputRejected` messages), lower case, and its
# category; the first that matches wins.
_REASON_STARTS: tuple[tuple[str, FailureReason], ...] = (
    ("empty file", "empty"),
    ("pdf without pages", "empty"),
    ("encrypted", "encrypted"),
    ("corrupt", "corrupt"),
    ("not a pdf, tiff, jpeg", "unsupported_type"),
    ("cannot read the file", "unreadable"),
)
_TOO_LARGE = ("too large",)  # a page over the pixel limit, an image too large to decode
_TIMED_OUT = ("timeout", "timed out")


def _ocr_failed() -> str:
    """How the reason of a page OCR failed on begins. Imported when needed: `dossier` imports
    ingest (pikepdf, poppler), a third of a second that `sohoa search` would wait for, since the
    catalogue imports this module."""
    from sohoa.pipeline.dossier import OCR_FAILED

    return OCR_FAILED


class DossierFacts(BaseModel):
    """What the indicators need of one dossier's manifest."""

    dossier_id: str
    status: DossierStatus
    created: str  # ISO 8601 times, as in the manifest
    started: str | None
    received: str | None
    pages: int
    blank_pages: int
    ocr_failed_pages: int
    documents: int
    needs_review: int  # documents flagged for review
    reused: int  # documents that are a paper already on file (`reuse_of`)
    document_types: dict[str, int]  # type code -> documents of that type
    failures: list[str]  # the quarantine reasons: files set aside and pages OCR failed on

    @property
    def created_on(self) -> date:
        """The UTC day the dossier became searchable: what a period selects on."""
        return utc_time(self.created).date()


def dossier_facts(manifest: Manifest) -> DossierFacts:
    return DossierFacts(
        dossier_id=manifest.dossier_id,
        status=manifest.status,
        created=manifest.created,
        started=manifest.started,
        received=manifest.received,
        pages=len(manifest.pages),
        blank_pages=sum(p.blank for p in manifest.pages),
        ocr_failed_pages=sum(q.reason.startswith(_ocr_failed()) for q in manifest.quarantined),
        documents=len(manifest.documents),
        needs_review=sum(d.needs_review for d in manifest.documents),
        reused=sum(d.reuse_of is not None for d in manifest.documents),
        document_types=dict(Counter(d.type for d in manifest.documents)),
        failures=[q.reason for q in manifest.quarantined],
    )


def failure_reason(reason: str) -> FailureReason:
    """The category of a quarantine reason, as ingest and OCR word them."""
    lowered = reason.lower()
    if reason.startswith(_ocr_failed()):
        return "ocr_timed_out" if any(t in lowered for t in _TIMED_OUT) else "ocr_failed"
    if any(t in lowered for t in _TOO_LARGE):
        return "too_large"
    return next((kind for start, kind in _REASON_STARTS if lowered.startswith(start)), "other")


def utc_time(iso: str) -> datetime:
    """An ISO 8601 time; one without an offset is taken as UTC, as sohoa writes them."""
    parsed = datetime.fromisoformat(iso)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank `p`th percentile: the smallest value at least p% of `values` are at or
    below; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def busy_seconds(intervals: Iterable[tuple[datetime, datetime]]) -> float:
    """Seconds covered by at least one of the (start, end) intervals: time spent on dossiers
    digitised side by side counts once."""
    total = 0.0
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(intervals):
        end = max(start, end)
        if current is None or start > current[1]:
            if current is not None:
                total += (current[1] - current[0]).total_seconds()
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += (current[1] - current[0]).total_seconds()
    return total


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class Period(BaseModel):
    first_day: date | None = Field(default=None, serialization_alias="from")
    last_day: date | None = Field(default=None, serialization_alias="to")


class DossierCounts(BaseModel):
    total: int
    done: int
    partial: int
    failed: int


class PageCounts(BaseModel):
    total: int
    blank: int
    ocr_failed: int


class DocumentCounts(BaseModel):
    total: int
    by_type: dict[str, int]  # most documents first
    needs_review: int
    needs_review_share: float | None  # of all documents; None without documents
    reused: int
    reused_share: float | None


class Throughput(BaseModel):
    dossiers: int  # those the manifest says when digitising started
    pages: int  # their pages
    busy_seconds: float  # the union of their [started, created] intervals
    pages_per_second: float | None  # None when no time was measured


class Failures(BaseModel):
    total: int
    by_reason: dict[FailureReason, int]  # every category, in `FAILURE_REASONS` order


class Delay(BaseModel):
    dossiers: int  # those the manifest says when they arrived
    p50_seconds: float | None
    p95_seconds: float | None


class Indicators(BaseModel):
    period: Period
    dossiers: DossierCounts
    pages: PageCounts
    documents: DocumentCounts
    throughput: Throughput
    failures: Failures
    arrival_to_searchable: Delay

    def to_json(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)


def summarise(facts: Iterable[DossierFacts], period: Period | None = None) -> Indicators:
    """The indicators of the dossiers in `facts` (those of `period`, which is only recorded)."""
    listed = list(facts)
    statuses = Counter(f.status for f in listed)
    types: Counter[str] = Counter()
    for f in listed:
        types.update(f.document_types)
    reasons = Counter(failure_reason(r) for f in listed for r in f.failures)
    documents = sum(f.documents for f in listed)
    needs_review = sum(f.needs_review for f in listed)
    reused = sum(f.reused for f in listed)

    timed = [f for f in listed if f.started is not None]
    busy = busy_seconds((utc_time(f.started), utc_time(f.created)) for f in timed if f.started)
    timed_pages = sum(f.pages for f in timed)

    delays = [
        (utc_time(f.created) - utc_time(f.received)).total_seconds()
        for f in listed
        if f.received is not None
    ]
    return Indicators(
        period=period or Period(),
        dossiers=DossierCounts(
            total=len(listed),
            done=statuses["done"],
            partial=statuses["partial"],
            failed=statuses["failed"],
        ),
        pages=PageCounts(
            total=sum(f.pages for f in listed),
            blank=sum(f.blank_pages for f in listed),
            ocr_failed=sum(f.ocr_failed_pages for f in listed),
        ),
        documents=DocumentCounts(
            total=documents,
            by_type=dict(sorted(types.items(), key=lambda item: (-item[1], item[0]))),
            needs_review=needs_review,
            needs_review_share=share(needs_review, documents),
            reused=reused,
            reused_share=share(reused, documents),
        ),
        throughput=Throughput(
            dossiers=len(timed),
            pages=timed_pages,
            busy_seconds=busy,
            pages_per_second=timed_pages / busy if busy > 0 else None,
        ),
        failures=Failures(
            total=sum(reasons.values()),
            by_reason={reason: reasons[reason] for reason in FAILURE_REASONS},
        ),
        arrival_to_searchable=Delay(
            dossiers=len(delays),
            p50_seconds=percentile(delays, 50),
            p95_seconds=percentile(delays, 95),
        ),
    )

"""Review, composed: a person's confirmation of a document becomes the dossier's next manifest
revision, its PDF/A with the reviewed metadata (a new object; the old one stays), and the
catalogue updated before the call returns. The CLI and the page both call `confirm`.

The manifest is replaced only if it is still the one read (a conditional write): two clerks
confirming documents of the same dossier at once never lose one another's revision.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sohoa.flows.cataloguing import PAGE_SEPARATOR, catalogue_dossier, stored_manifests
from sohoa.flows.keys import dossier_prefix, manifest_key, reading_key, revision_key
from sohoa.flows.storing import document_info, recorded, store_metadata
from sohoa.pipeline.model import DocumentRecord, Manifest, Revision
from sohoa.pipeline.pdfa import rewrite_metadata
from sohoa.pipeline.recognise import PageReading
from sohoa.pipeline.review import (
    FieldValue,
    check_value,
    field_value,
    review_manifest,
    value_boxes,
)
from sohoa.pipeline.taxonomy import load_taxonomy
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectNotFound, ObjectStore


class NotOnFile(LookupError):
    """No such document in the catalogue, or its dossier's manifest is gone."""


class ChangedMeanwhile(RuntimeError):
    """Someone committed another revision of the dossier while this one was made."""


@dataclass(frozen=True)
class Confirmed:
    manifest: Manifest
    revision: Revision


def checked_values(typed: Mapping[str, str]) -> dict[str, FieldValue]:
    """The values typed for each field, in the manifest's form; raises review.InvalidValue."""
    codes = load_taxonomy().codes
    return {field: check_value(field, value, codes) for field, value in typed.items()}


def confirm(
    store: ObjectStore,
    catalogue: Catalogue,
    document_id: str,
    typed: Mapping[str, str],
    by: str,
    now: datetime | None = None,
) -> Confirmed:
    """Confirm the document, with the values `typed` (as a clerk types them) set, as `by`."""
    values = checked_values(typed)
    found = catalogue.document(document_id)
    if found is None:
        raise NotOnFile(document_id)
    key = manifest_key(found.dossier_id)
    try:
        data, etag = store.get_with_etag(key)
    except ObjectNotFound as e:
        raise NotOnFile(document_id) from e
    manifest = Manifest.model_validate_json(data)
    if document_id not in {d.id for d in manifest.documents}:
        raise NotOnFile(document_id)
    updated, revision = review_manifest(manifest, document_id, values, by, now or datetime.now(UTC))
    documents = [
        _with_reviewed_pdf(store, updated.dossier_id, d, revision.number)
        if d.id == document_id
        else d
        for d in updated.documents
    ]
    updated = updated.model_copy(update={"documents": documents})
    store.put_if_absent(
        revision_key(manifest.dossier_id, manifest.revision), data, "application/json"
    )
    if store.replace_if_match(key, etag, updated.model_dump_json(indent=2).encode(), _JSON) is None:
        raise ChangedMeanwhile(manifest.dossier_id)
    catalogue_dossier(store, catalogue, updated)
    return Confirmed(updated, revision)


_JSON = "application/json"


def _with_reviewed_pdf(
    store: ObjectStore, dossier_id: str, document: DocumentRecord, revision: int
) -> DocumentRecord:
    """The document's PDF/A again, under a key of its own, with its reviewed metadata. A signed
    copy is never rewritten: the reviewed PDF/A is made from the PDF/A it signed, and is unsigned
    until an officer signs it again (`sohoa sign`); the signed copy stays in storage."""
    prefix = f"{dossier_prefix(dossier_id)}/documents/{document.id}.r{revision}"
    source = document.unsigned_pdf if document.unsigned_pdf is not None else document.pdf
    with tempfile.TemporaryDirectory(prefix="sohoa-review-") as work:
        before, after = Path(work) / "before.pdf", Path(work) / "after.pdf"
        store.download_file(source.key, before)
        rewrite_metadata(before, after, document_info(dossier_id, document))
        pdf = store.put_file(f"{prefix}.pdf", after, "application/pdf")
    reviewed = document.model_copy(
        update={"pdf": recorded(pdf), "signature": None, "unsigned_pdf": None}
    )
    return store_metadata(store, dossier_id, reviewed, prefix)


def manifest_revisions(store: ObjectStore, dossier_id: str) -> list[Manifest]:
    """Every revision of the dossier's manifest still in storage, the committed one last."""
    last = committed(store, dossier_id)
    earlier = []
    for number in range(last.revision):
        try:
            earlier.append(
                Manifest.model_validate_json(store.get_bytes(revision_key(dossier_id, number)))
            )
        except ObjectNotFound:
            continue  # a revision made before they were kept
    return [*earlier, last]


def labelled_examples(store: ObjectStore) -> Iterator[dict[str, Any]]:
    """Each dossier with documents a person confirmed, as a labelled example in the shape of a
    sample's `truth.json`, which `bench/accuracy.py` scores against: its pages (source, text,
    blank, rotation, skew, document) and its confirmed documents (type, pages, fields), each
    with what the machine had read of the fields the person changed (`read`)."""
    for manifest in stored_manifests(store):
        reviewed = {r.document_id for r in manifest.revisions}
        confirmed = [d for d in manifest.documents if d.id in reviewed]
        if not confirmed:
            continue
        position = {page: n for n, d in enumerate(confirmed) for page in d.pages}
        texts = {
            page: text
            for d in confirmed
            for page, text in zip(
                d.pages, store.get_bytes(d.text.key).decode().split(PAGE_SEPARATOR), strict=False
            )
        }
        yield {
            "dossier_id": manifest.dossier_id,
            "files": [s.name for s in manifest.sources],
            "pages": [
                {
                    "source": page.source,
                    "text": texts.get(page.index, ""),
                    "blank": page.blank,
                    "rotation": page.rotation,
                    "skew": page.skew,
                    "document": position.get(page.index),
                }
                for page in manifest.pages
            ],
            "documents": [
                {
                    "id": d.id,
                    "type": d.type,
                    "pages": d.pages,
                    "fields": d.fields.model_dump(),
                    "read": _machine_values(manifest, d.id),
                }
                for d in confirmed
            ],
        }


def _machine_values(manifest: Manifest, document_id: str) -> dict[str, FieldValue]:
    """What the machine had read of each field a person changed."""
    read: dict[str, FieldValue] = {}
    for revision in manifest.revisions:
        if revision.document_id == document_id:
            for change in revision.changes:
                read.setdefault(change.field, change.old)
    return read


@dataclass(frozen=True)
class Outline:
    """Where a field's words are on a page, as fractions of the page's width and height."""

    field: str
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class ReviewPage:
    number: int  # 1-based, in the document's PDF (blank pages are left out of it)
    outlines: list[Outline]


def committed(store: ObjectStore, dossier_id: str) -> Manifest:
    return Manifest.model_validate_json(store.get_bytes(manifest_key(dossier_id)))


def review_pages(
    store: ObjectStore, manifest: Manifest, document_id: str, fields: list[str], lang: str
) -> list[ReviewPage]:
    """The document's pages, each with the words of `fields` outlined from their OCR boxes,
    read from the page readings digitising stored."""
    [document] = [d for d in manifest.documents if d.id == document_id]
    by_name = {s.name: s.sha256 for s in manifest.sources}
    shown = [i for i in document.pages if not manifest.pages[i].blank]
    pages = []
    for number, index in enumerate(shown, 1):
        name, _, page_number = manifest.pages[index].source.rpartition("#")
        try:
            reading = PageReading.from_json(
                store.get_bytes(reading_key(by_name[name], int(page_number), lang))
            )
        except (ObjectNotFound, KeyError):
            reading = None
        outlines = []
        if reading is not None and reading.text is not None:
            text = reading.text
            for field in fields:
                for box in value_boxes(field, field_value(document, field), text):
                    outlines.append(
                        Outline(
                            field,
                            box.x0 / text.width,
                            box.y0 / text.height,
                            box.width / text.width,
                            box.height / text.height,
                        )
                    )
        pages.append(ReviewPage(number, outlines))
    return pages

"""Storing what review and digitising make of a document, with no Prefect in the way: its
PDF/A's metadata, its metadata JSON, and the dossier's manifest revisions."""

from __future__ import annotations

import json

from sohoa import __version__
from sohoa.flows.keys import manifest_key, revision_key
from sohoa.pipeline.model import DocumentRecord, Manifest, StoredObject
from sohoa.pipeline.pdfa import DocumentInfo
from sohoa.storage import objects
from sohoa.storage.objects import ObjectNotFound, ObjectStore


def document_info(dossier_id: str, document: DocumentRecord) -> DocumentInfo:
    """What the document's PDF/A says of it in its metadata."""
    return DocumentInfo(
        title=f"{dossier_id} {document.id}",
        dossier_id=dossier_id,
        document_type=document.type,
        creator_tool=f"sohoa {__version__}",
        sohoa={
            "dossier_id": dossier_id,
            "document_id": document.id,
            "type": document.type,
            "type_confidence": f"{document.type_confidence:.3f}",
            "needs_review": str(document.needs_review),
            **document.fields.model_dump(),
        },
    )


def store_metadata(
    store: ObjectStore, dossier_id: str, document: DocumentRecord, prefix: str
) -> DocumentRecord:
    """Store the document's metadata JSON at `prefix`.json; returns the document recording
    where it is."""
    stored = document.model_copy(update={"metadata": StoredObject(key=f"{prefix}.json")})
    metadata = {"dossier_id": dossier_id, **stored.model_dump(exclude={"metadata"})}
    meta = store.put_bytes(
        f"{prefix}.json",
        json.dumps(metadata, ensure_ascii=False, indent=2).encode(),
        "application/json",
    )
    return stored.model_copy(update={"metadata": recorded(meta)})


def recorded(stored: objects.StoredObject) -> StoredObject:
    """What the store reports having stored, as the manifest records it."""
    return StoredObject(key=stored.key, sha256=stored.sha256, bytes=stored.size)


def keep_revision(store: ObjectStore, manifest: Manifest) -> None:
    """Keep `manifest` readable under its revision's key before a later one replaces it."""
    key = revision_key(manifest.dossier_id, manifest.revision)
    store.put_if_absent(key, manifest.model_dump_json(indent=2).encode(), "application/json")


def committed_manifest(store: ObjectStore, dossier_id: str) -> Manifest | None:
    """The dossier's committed manifest, if any."""
    store.ensure_bucket()
    try:
        return Manifest.model_validate_json(store.get_bytes(manifest_key(dossier_id)))
    except ObjectNotFound:
        return None

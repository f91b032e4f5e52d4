"""Signing a dossier's documents: the agency's certified electronic copies (docs/signing.md).

A document is signed once: its signed PDF is stored beside the unsigned PDF/A, under its own
key, and becomes the document's PDF; the manifest records the signature. A document flagged for
review is signed only when an officer confirms it. A dossier signed after digitisation gets a new
manifest, committed last as always, so a reader sees either the old record or the new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sohoa.config import Settings
from sohoa.flows.cataloguing import stored_texts
from sohoa.flows.keys import dossier_prefix
from sohoa.flows.storing import keep_revision, store_metadata
from sohoa.pipeline.model import DocumentRecord, DocumentSignature, Manifest, StoredObject
from sohoa.signing.pdfa_signed import validate_signed
from sohoa.signing.sign import CopySigner, open_copy_signer
from sohoa.signing.verify import load_trust_roots
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectStore


class SigningError(Exception):
    """What was asked cannot be signed (no such dossier or document)."""


class SignedNotPdfa(SigningError):
    """The signed file is not valid PDF/A-2b: it is not stored."""


@dataclass
class SigningOutcome:
    manifest: Manifest
    signed: list[str] = field(default_factory=list)
    already_signed: list[str] = field(default_factory=list)
    awaiting_review: list[str] = field(default_factory=list)  # flagged, not confirmed


def sign_document(
    store: ObjectStore,
    copy_signer: CopySigner,
    dossier_id: str,
    document: DocumentRecord,
    work: Path,
) -> DocumentRecord:
    """Sign the document's stored PDF/A; the record with the signed PDF as its PDF."""
    unsigned, signed = work / f"{document.id}.unsigned.pdf", work / f"{document.id}.signed.pdf"
    store.download_file(document.pdf.key, unsigned)
    made = copy_signer.sign(unsigned, signed)
    report = validate_signed(signed)
    if not report.passed:
        raise SignedNotPdfa(f"the signed {document.id} is not PDF/A-2b: {report.summary()}")
    key = f"{dossier_prefix(dossier_id)}/documents/{document.id}.signed.pdf"
    stored = store.put_file(key, signed, "application/pdf")
    return document.model_copy(
        update={
            "pdf": StoredObject(key=stored.key, sha256=stored.sha256, bytes=stored.size),
            "unsigned_pdf": document.pdf,
            "signature": DocumentSignature(
                signer=made.signer,
                cert_sha256=made.cert_sha256,
                signed_at=made.signed_at,
                form=copy_signer.form.form,
                key=stored.key,
                sha256=stored.sha256,
            ),
        }
    )


def sign_dossier(
    store: ObjectStore,
    catalogue: Catalogue,
    copy_signer: CopySigner,
    manifest: Manifest,
    work: Path,
    *,
    document_id: str | None = None,
    confirm: bool = False,
) -> SigningOutcome:
    """Sign the dossier's unsigned documents (or the one named), those flagged for review only
    when `confirm`; commit a new manifest when anything was signed."""
    from sohoa.flows.digitise import commit_dossier

    ids = [d.id for d in manifest.documents]
    if document_id is not None and document_id not in ids:
        raise SigningError(f"dossier {manifest.dossier_id} has no document {document_id}")
    outcome = SigningOutcome(manifest)
    documents = []
    for document in manifest.documents:
        if document_id is not None and document.id != document_id:
            documents.append(document)
        elif document.signature is not None:
            outcome.already_signed.append(document.id)
            documents.append(document)
        elif document.needs_review and not confirm:
            outcome.awaiting_review.append(document.id)
            documents.append(document)
        else:
            signed = sign_document(store, copy_signer, manifest.dossier_id, document, work)
            prefix = f"{dossier_prefix(manifest.dossier_id)}/documents/{document.id}"
            documents.append(store_metadata(store, manifest.dossier_id, signed, prefix))
            outcome.signed.append(document.id)
    if outcome.signed:
        outcome.manifest = manifest.model_copy(
            update={
                "documents": documents,
                "created": datetime.now(UTC).isoformat(timespec="microseconds"),
                "revision": manifest.revision + 1,
            }
        )
        keep_revision(store, manifest)
        commit_dossier(store, catalogue, outcome.manifest, stored_texts(store, manifest))
    return outcome


@contextmanager
def signer_at_digitise(settings: Settings) -> Iterator[CopySigner | None]:
    """The signer digitisation signs with (`SOHOA_SIGN_AT_DIGITISE`), or None."""
    if not settings.sign_at_digitise:
        yield None
        return
    with open_copy_signer(settings) as copy_signer:
        yield copy_signer


def check_signing_settings(settings: Settings) -> None:
    """Raise `SignerConfigError` now, before any work, when digitisation is to sign and the
    signer cannot be opened, or when the trust roots cannot be read."""
    load_trust_roots(settings.trust_roots)
    with signer_at_digitise(settings):
        pass

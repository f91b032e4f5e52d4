"""The records a dossier becomes: pages, documents and the manifest (see shared/design.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

DossierStatus = Literal["done", "partial", "failed"]


class SourceSignature(BaseModel):
    """A digital signature found in an incoming PDF, as checked when it was read. Revocation
    is not checked (nothing is fetched at run time): `trusted` means only that the signer's
    chain ends at a configured trust root."""

    signer: str | None  # the signing certificate's subject
    signed_at: str | None  # ISO 8601, the time the signer's software claims
    intact: bool  # the signed bytes are unchanged
    covers_whole_file: bool  # nothing was added after signing
    trusted: bool
    reason: str  # what is wrong, or what was not checked


class SourceRecord(BaseModel):
    """One input file of a dossier."""

    name: str
    sha256: str
    pages: int
    bytes: int
    key: str  # where the original is stored, content-addressed
    signed: bool = False  # a digitally signed PDF: kept as is, never rewritten
    signatures: list[SourceSignature] = Field(default_factory=list)


class PageRecord(BaseModel):
    index: int
    source: str  # "<name>#<1-based page number>"
    blank: bool
    rotation: int  # clockwise degrees that made the page upright
    skew: float  # degrees; positive means the scan was turned anticlockwise
    ocr_confidence: float | None  # mean word confidence 0-100; None for blank pages
    document: int | None
    dpi: int
    dpi_assumed: bool = False  # the image carried no resolution; `dpi` is a guess


class StoredObject(BaseModel):
    key: str
    sha256: str | None = None
    bytes: int | None = None


class DocumentFields(BaseModel):
    so_ky_hieu: str | None = None
    ngay_ban_hanh: str | None = None
    co_quan_ban_hanh: str | None = None
    trich_yeu: str | None = None
    so_dinh_danh: list[str] = Field(default_factory=list)
    ho_ten: str | None = None
    ma_so_thue: list[str] = Field(default_factory=list)


class DocumentSignature(BaseModel):
    """sohoa's own PAdES signature on a document's PDF/A (the certified copy)."""

    signer: str  # the signing certificate's subject
    cert_sha256: str  # of the signing certificate's DER bytes
    signed_at: str  # ISO 8601 UTC
    form: str  # the copy form shown on the copy, e.g. "SAO Y"
    key: str  # where the signed PDF is stored
    sha256: str  # of the signed PDF


class DocumentRecord(BaseModel):
    id: str
    type: str = "other"
    type_confidence: float = 0.0
    needs_review: bool = True
    # What a person should check: "type" when the classifier was unsure, and the names of
    # fields read with low OCR confidence or failing their checks.
    review: list[str] = Field(default_factory=list)
    pages: list[int]
    fields: DocumentFields = Field(default_factory=DocumentFields)
    pdf: StoredObject
    text: StoredObject
    metadata: StoredObject
    # The same paper already on file: the earlier document's id, and why it is the same paper
    # (a `reuse.ReuseReason`). None when the paper is new, and in manifests from before reuse.
    reuse_of: str | None = None
    reuse_reason: str | None = None
    # sohoa's signature; `pdf` is then the signed file and `unsigned_pdf` the PDF/A it signed.
    signature: DocumentSignature | None = None
    unsigned_pdf: StoredObject | None = None


class QuarantineRecord(BaseModel):
    source: str
    reason: str
    sha256: str | None = None


class Manifest(BaseModel):
    dossier_id: str
    status: DossierStatus
    sources: list[SourceRecord] = Field(default_factory=list)
    pages: list[PageRecord] = Field(default_factory=list)
    documents: list[DocumentRecord] = Field(default_factory=list)
    quarantined: list[QuarantineRecord] = Field(default_factory=list)
    pipeline_version: str
    created: str  # ISO 8601 UTC time the manifest was committed
    # ISO 8601 UTC times: when digitising began, and when the dossier arrived (a watched
    # incoming folder or bucket prefix; None when it was handed over directly). None in
    # manifests from before they were recorded.
    started: str | None = None
    received: str | None = None

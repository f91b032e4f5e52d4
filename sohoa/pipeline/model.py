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
    # The issuer's parent body where the header names one above it ("UBND TỈNH QUẢNG NGÃI"
    # over "SỞ TƯ PHÁP"): Decree 30's "cơ quan, tổ chức chủ quản".
    co_quan_chu_quan: str | None = None
    trich_yeu: str | None = None
    so_dinh_danh: list[str] = Field(default_factory=list)
    # Legacy 9-digit CMND numbers; a 12-digit CMND number is a personal ID (`so_dinh_danh`).
    so_cmnd: list[str] = Field(default_factory=list)
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
    # A copy (a taxonomy copy_form code: "sao_y", "sao_luc", "trich_sao"); `type` is then the
    # type of what it copies. None for an original, and in manifests from before copies.
    copy_form: str | None = None
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


class ReplacedManifest(BaseModel):
    """The manifest this one replaced, made from different inputs under the same dossier id
    (an id given, or a backlog folder's name, used again): kept at `key`, never lost."""

    key: str
    created: str
    status: DossierStatus
    sources: list[str]  # the names of its files, usable or quarantined

    @property
    def note(self) -> str:
        """What people are told of it."""
        return (
            f"replaces the manifest of {self.created} ({self.status}), made from other files "
            f"({', '.join(self.sources)}); that one is kept as {self.key}"
        )


FieldValue = str | list[str] | None


class FieldChange(BaseModel):
    field: str
    old: FieldValue
    new: FieldValue


class Revision(BaseModel):
    """One confirmation of one document: who, when, and what changed (nothing, when the person
    found the machine's values right)."""

    number: int  # 1 for a dossier's first review, and so on; the manifest's revision
    document_id: str
    by: str
    at: str  # ISO 8601 UTC
    changes: list[FieldChange] = Field(default_factory=list)
    flagged: list[str] = Field(default_factory=list)  # what the document was flagged for
    flagged_at: str | None = None  # when the manifest that flagged it was committed


class Conflict(BaseModel):
    """A value a person set that digitising again read differently: kept, and flagged."""

    document_id: str
    field: str
    reviewed: FieldValue  # what the person set, which the document keeps
    read: FieldValue  # what the machine reads now


class Manifest(BaseModel):
    dossier_id: str
    status: DossierStatus
    # The folder or file name the dossier came from, when its id was derived from content.
    source_name: str | None = None
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
    replaces: ReplacedManifest | None = None
    # Review: the manifest's revision (0 as digitised, one more per confirmation), every
    # confirmation so far, oldest first, and the values digitising again read differently from
    # what a person set. Earlier revisions are kept in storage beside the manifest.
    revision: int = 0
    revisions: list[Revision] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)

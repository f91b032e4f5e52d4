"""Checking the signatures an incoming PDF carries, offline.

Each signature is checked for integrity (the signed bytes are unchanged), coverage (nothing was
added after it), its signer and signing time, and whether the signer's chain ends at one of the
configured trust roots. Nothing is fetched: revocation cannot be checked, and each record says
so. A file altered after signing is recorded with the reason, never rejected: the paper is still
digitised, and its original is kept byte for byte.
"""

from __future__ import annotations

from pathlib import Path

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from sohoa.pipeline.model import SourceSignature
from sohoa.signing.keys import SignerConfigError, signer_subject

NO_REVOCATION = "revocation not checked (offline)"
_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


def load_trust_roots(folder: Path | None) -> list[x509.Certificate]:
    """The certificates in `folder` (PEM or DER, one or more per file); none when unset."""
    if folder is None:
        return []
    if not folder.is_dir():
        raise SignerConfigError(f"SOHOA_TRUST_ROOTS names {folder}, which is not a folder")
    roots = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in _CERT_SUFFIXES or not path.is_file():
            continue
        data = path.read_bytes()
        try:
            if pem.detect(data):
                roots += [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, True)]
            else:
                cert = x509.Certificate.load(data)
                cert.native  # noqa: B018 — parsing is lazy: a bad file must fail here
                roots.append(cert)
        except (ValueError, TypeError) as e:
            raise SignerConfigError(f"{path} in SOHOA_TRUST_ROOTS is not a certificate") from e
    return roots


def check_signatures(path: Path, trust_roots: list[x509.Certificate]) -> list[SourceSignature]:
    """One record per signature in the PDF at `path`, oldest first."""
    with path.open("rb") as f:
        try:
            embedded = PdfFileReader(f, strict=False).embedded_signatures
        except Exception as e:  # a PDF pyHanko cannot parse: recorded, never raised
            return [_unreadable(f"the signatures cannot be read: {type(e).__name__}")]
        return [_check(signature, trust_roots) for signature in embedded]


def _check(signature: EmbeddedPdfSignature, roots: list[x509.Certificate]) -> SourceSignature:
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(signature, context)
    except SignatureValidationError as e:
        return _unreadable(f"the signature cannot be validated: {e}")
    except Exception as e:  # a malformed signature is recorded, never raised: the paper goes on
        return _unreadable(f"the signature cannot be validated: {type(e).__name__}")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return SourceSignature(
        signer=signer_subject(status.signing_cert),
        signed_at=_signed_at(status),
        intact=status.intact and status.valid,
        covers_whole_file=whole,
        trusted=status.trusted,
        reason=_reason(status, whole, bool(roots)),
    )


def _signed_at(status: PdfSignatureStatus) -> str | None:
    # A timestamp authority's time, when there is one, over the time the signer claims.
    if status.timestamp_validity is not None:
        return status.timestamp_validity.timestamp.isoformat()
    return status.signer_reported_dt.isoformat() if status.signer_reported_dt else None


def _reason(status: PdfSignatureStatus, whole: bool, have_roots: bool) -> str:
    problems = []
    if not status.intact:
        problems.append("the file was altered after it was signed: the signed bytes changed")
    elif not status.valid:
        problems.append("the signature does not match the signer's certificate")
    if not whole:
        problems.append(
            "content was added after this signature"
            + ("" if status.docmdp_ok else ", beyond what a later signature may add")
        )
    if not status.trusted:
        problems.append(
            "the signer's certificate does not chain to a configured trust root"
            if have_roots
            else "no trust roots are configured (SOHOA_TRUST_ROOTS)"
        )
    return "; ".join([*problems, NO_REVOCATION])


def _unreadable(reason: str) -> SourceSignature:
    return SourceSignature(
        signer=None,
        signed_at=None,
        intact=False,
        covers_whole_file=False,
        trusted=False,
        reason=f"{reason}; {NO_REVOCATION}",
    )

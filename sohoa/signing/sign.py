"""A PAdES signature on a document's PDF/A: the agency's certified electronic copy.

The signature is an incremental update, so the PDF/A bytes it covers stay as they were. Its
appearance follows Decree 30/2020/NĐ-CP, Appendix I, Part II (see docs/signing.md): text only,
no image, in the top-right corner of page 1: the copy form, the agency's name and the signing
time in Vietnam's time zone, in ISO 8601, in an embedded font with Vietnamese glyphs.

pyHanko rewrites a file's XMP packet whenever it saves an update (its modification date and
producer), and in doing so rebinds the `sohoa` namespace to a generated prefix (`ns0`) while
the PDF/A extension schema still declares `sohoa`: a strict validator then rejects the file.
The writer here leaves the document's metadata as the PDF/A writer made it; the signature
dictionary carries the signing time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pikepdf
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, SimpleBoxLayoutRule
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.stamp import TextStampStyle

from sohoa.config import Settings
from sohoa.signing.keys import CopyForm, cert_sha256, copy_form, open_signer, signer_subject

# Times New Roman is what the decree names; Liberation Serif has its metrics and Vietnamese.
FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
FONT_SIZE = 10
VIETNAM = timezone(timedelta(hours=7), "ICT")
FIELD_NAME = "sohoa-copy"
# The stamp's box in points from the page's top-right corner: wide enough for an agency name
# over two lines; the text is scaled down to fit, never cut.
_BOX_WIDTH, _BOX_HEIGHT, _MARGIN = 220.0, 56.0, 14.0
_TIMEOUT_S = 30


@dataclass(frozen=True)
class Signed:
    signer: str
    cert_sha256: str
    signed_at: str  # ISO 8601 UTC, the time in the signature


@dataclass(frozen=True)
class CopySigner:
    """The configured key, copy form and timestamp authority, ready to sign copies."""

    signer: signers.Signer
    form: CopyForm
    tsa_url: str | None

    def sign(self, source: Path, destination: Path) -> Signed:
        return sign_pdf(source, destination, self.signer, self.form, self.tsa_url)


@contextmanager
def open_copy_signer(settings: Settings) -> Iterator[CopySigner]:
    """The configured signer; raises `SignerConfigError` before anything is signed when the
    configuration is incomplete or the key cannot be opened."""
    form = copy_form(settings)
    with open_signer(settings) as signer:
        yield CopySigner(signer, form, settings.tsa_url)


class _MetadataKeepingWriter(IncrementalPdfFileWriter):
    """An incremental writer that leaves /Info and the XMP packet untouched (see above)."""

    def _update_meta(self) -> None:
        pass


def sign_pdf(
    source: Path,
    destination: Path,
    signer: signers.Signer,
    form: CopyForm,
    tsa_url: str | None = None,
) -> Signed:
    """Sign the PDF/A at `source` into `destination` (PAdES B-B, or B-T with a timestamp
    from `tsa_url`). Nothing is left at `destination` when signing fails."""
    partial = destination.with_name(f".{destination.name}.partial")
    now = datetime.now(VIETNAM).replace(microsecond=0)
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        ),
        signer=signer,
        timestamper=HTTPTimeStamper(tsa_url, timeout=_TIMEOUT_S) if tsa_url else None,
        stamp_style=_stamp_style(),
        new_field_spec=fields.SigFieldSpec(
            FIELD_NAME, on_page=0, box=_top_right_box(source), readable_field_name=form.form
        ),
    )
    try:
        with source.open("rb") as inf, partial.open("wb") as out:
            writer = _MetadataKeepingWriter(inf, strict=False)
            pdf_signer.sign_pdf(
                writer,
                output=out,
                appearance_text_params={
                    "form": form.form,
                    "agency": form.agency,
                    "signed_time": now.isoformat(),
                },
            )
        signed = _read_signature(partial)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return signed


def _stamp_style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="%(form)s\n%(agency)s\nThời gian ký: %(signed_time)s",
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(FONT)), font_size=FONT_SIZE, leading=FONT_SIZE + 2
        ),
        border_width=0,
        background=None,
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MAX,
            y_align=AxisAlignment.ALIGN_MAX,
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
    )


def _top_right_box(path: Path) -> tuple[int, int, int, int]:
    with pikepdf.open(path) as pdf:
        x0, y0, x1, y1 = (float(v) for v in pdf.pages[0].cropbox)
    right, top = x1 - _MARGIN, y1 - _MARGIN
    width = min(_BOX_WIDTH, (x1 - x0) - 2 * _MARGIN)
    height = min(_BOX_HEIGHT, (y1 - y0) - 2 * _MARGIN)
    return (round(right - width), round(top - height), round(right), round(top))


def _read_signature(path: Path) -> Signed:
    with path.open("rb") as f:
        signature = PdfFileReader(f, strict=False).embedded_signatures[-1]
        cert = signature.signer_cert
        signed_at = signature.self_reported_timestamp
    if signed_at is None:
        raise ValueError("the signature carries no signing time")
    return Signed(
        signer=signer_subject(cert),
        cert_sha256=cert_sha256(cert),
        signed_at=signed_at.astimezone(UTC).isoformat(),
    )

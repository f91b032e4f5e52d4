"""The fields of one document (design.md, manifest `fields`), read from its pages' OCR words.

Where words sit matters as much as what they say. An official paper's header has two columns
(Decree 30/2020, App. I) that OCR reads as one line: the issuer and "Số: …" on the left, the
motto and "<place>, ngày … tháng … năm …" on the right; `layout` splits the header at the
motto's left edge before anything is read from it. Particulars are label-value pairs ("Họ và
tên: …"), found on folded text so that dropped tone marks still match; the value follows the
label on its line, or sits on the next line on ID cards.

Every value is checked before it is reported: personal IDs and tax codes by `identifiers`, dates
for being real and not after today, names for looking like names. What fails a check is left
out and its field put up for review; so is a field read from words OCR was unsure of. Nothing
found means null. QR codes on printed papers carry the IDs and number as data: they beat OCR.

One module per part of the paper: `layout` (lines, header columns), `number`, `issue_date`,
`issuer`, `summary`, `people` (names, personal IDs, CMND numbers, tax codes) and `codes` (QR
data); the words they look for are data (`vocabulary`, data/fields.toml).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sohoa.pipeline.extract.codes import CodeData
from sohoa.pipeline.extract.issue_date import issuing_date, not_after_today
from sohoa.pipeline.extract.issuer import read_issuer, read_parent_body
from sohoa.pipeline.extract.layout import Document
from sohoa.pipeline.extract.number import document_number
from sohoa.pipeline.extract.people import (
    NameSource,
    cmnd_numbers,
    main_person,
    read_personal_ids,
    tax_codes,
)
from sohoa.pipeline.extract.reading import (
    REVIEW_CONFIDENCE,
    UNREAD_CONFIDENCE,
    Reading,
    worded,
)
from sohoa.pipeline.extract.summary import read_summary
from sohoa.pipeline.extract.vocabulary import rules_for
from sohoa.pipeline.model import DocumentFields
from sohoa.pipeline.page import PageContent

__all__ = [
    "REVIEW_CONFIDENCE",
    "UNREAD_CONFIDENCE",
    "Extraction",
    "NameSource",
    "extract_fields",
]


@dataclass(frozen=True)
class Extraction:
    fields: DocumentFields
    review: list[str]  # names of fields read with low OCR confidence or failing a check
    name_source: NameSource = field(default_factory=NameSource)


def extract_fields(
    doc_type: str, pages: Sequence[PageContent], today: date | None = None
) -> Extraction:
    """The fields of one document of type `doc_type` printed on `pages`, read on `today`: no
    paper is issued, and nobody born, after it (not checked without it)."""
    document = Document.read(pages)
    codes = CodeData.read(code for page in pages for code in page.codes)
    person, name_source = main_person(document)
    issued = not_after_today(issuing_date(doc_type, document), document, today)
    if rules_for(doc_type).holder_from_qr and codes.card is not None:
        # The card's own QR code: its holder's name with every mark, and its issue date.
        person, name_source = Reading(codes.card.holder), NameSource(sure=True)
        issued = Reading(codes.card.issued)
    number = codes.number or document_number(document)
    readings = {
        "so_ky_hieu": number,
        "ngay_ban_hanh": issued,
        "co_quan_ban_hanh": worded(read_issuer(doc_type, document, number.value)),
        "co_quan_chu_quan": worded(read_parent_body(doc_type, document)),
        "trich_yeu": worded(read_summary(doc_type, document)),
        "so_dinh_danh": read_personal_ids(document, codes.personal_ids, today),
        "so_cmnd": cmnd_numbers(document),
        "ho_ten": person,
        "ma_so_thue": tax_codes(document),
    }
    review = [name for name, reading in readings.items() if reading.needs_review]
    values = {name: reading.value for name, reading in readings.items()}
    return Extraction(DocumentFields.model_validate(values), review, name_source)

"""Understanding a dossier: which documents it holds, what each one is, what it says, and what
a person should check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sohoa.pipeline.classify import classify_document
from sohoa.pipeline.extract import extract_fields
from sohoa.pipeline.model import DocumentFields
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.split import split_documents


@dataclass(frozen=True)
class UnderstoodDocument:
    pages: list[int]  # indexes of its non-blank pages in the dossier
    type: str
    type_confidence: float
    fields: DocumentFields
    review: list[str]  # "type" and the names of fields a person should check

    @property
    def needs_review(self) -> bool:
        return bool(self.review)


def understand_dossier(pages: Sequence[PageContent]) -> list[UnderstoodDocument]:
    return [
        understand_document(indexes, [pages[i] for i in indexes])
        for indexes in split_documents(pages)
    ]


def understand_document(indexes: list[int], pages: Sequence[PageContent]) -> UnderstoodDocument:
    classification = classify_document(pages)
    extraction = extract_fields(classification.type, pages)
    review = ["type"] if classification.needs_review else []
    return UnderstoodDocument(
        pages=indexes,
        type=classification.type,
        type_confidence=round(classification.confidence, 3),
        fields=extraction.fields,
        review=review + extraction.review,
    )

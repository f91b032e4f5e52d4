"""Understanding a dossier: which documents it holds, what each one is, what it says, and what
a person should check."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sohoa.pipeline.abbreviation import read_number
from sohoa.pipeline.classify import Classification, ClassifierModel, classify_document
from sohoa.pipeline.extract import NameSource, extract_fields
from sohoa.pipeline.model import DocumentFields
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.split import split_documents
from sohoa.pipeline.taxonomy import OTHER, load_taxonomy
from sohoa.pipeline.text import fold, normalise


@dataclass(frozen=True)
class UnderstoodDocument:
    pages: list[int]  # indexes of its non-blank pages in the dossier
    type: str
    type_confidence: float
    fields: DocumentFields
    review: list[str]  # "type" and the names of fields a person should check
    copy_form: str | None = None  # a copy's form; `type` is then the type of what it copies

    @property
    def needs_review(self) -> bool:
        return bool(self.review)


def understand_dossier(
    pages: Sequence[PageContent], today: date, classifier: ClassifierModel | None = None
) -> list[UnderstoodDocument]:
    """The documents of a dossier's `pages`, read on `today` (no paper is dated after it),
    their types told by `classifier` (the trained one unless given)."""
    read = [
        _understand(indexes, [pages[i] for i in indexes], today, classifier)
        for indexes in split_documents(pages)
    ]
    return reconcile_names([document for document, _ in read], [source for _, source in read])


def understand_document(
    indexes: list[int], pages: Sequence[PageContent], today: date
) -> UnderstoodDocument:
    return _understand(indexes, pages, today)[0]


def _understand(
    indexes: list[int],
    pages: Sequence[PageContent],
    today: date,
    classifier: ClassifierModel | None = None,
) -> tuple[UnderstoodDocument, NameSource]:
    classification = classify_document(pages, model=classifier)
    extraction = extract_fields(classification.type, pages, today)
    review = ["type"] if type_in_doubt(classification, extraction.fields.so_ky_hieu) else []
    document = UnderstoodDocument(
        pages=indexes,
        type=classification.type,
        type_confidence=round(classification.confidence, 3),
        copy_form=classification.copy_form,
        fields=extraction.fields,
        review=review + extraction.review,
    )
    return document, extraction.name_source


def type_in_doubt(classification: Classification, number: str | None) -> bool:
    """The classifier was unsure, or the number as extracted names another type (the
    classifier read the number line of the title region; extraction may have found it
    elsewhere, or read it otherwise)."""
    named = read_number(number, load_taxonomy()).type
    return classification.needs_review or named not in (None, OTHER, classification.type)


def reconcile_names(
    documents: Sequence[UnderstoodDocument], sources: Sequence[NameSource]
) -> list[UnderstoodDocument]:
    """The documents of one dossier, with a name read from capitals (or put up for review)
    spelled as another of its papers writes the same person's name with marks.

    Capitals lose and change their tone marks in OCR ("THANH" for "THÀNH", "THỦ" for "THU"),
    and the lexicon cannot tell which name is meant; the same person's name written in mixed
    case on another paper of the dossier, read with confidence, can. It is the same person when
    the two papers share a personal ID, or, where either paper has none, when it is the only
    spelling of that folded name in the dossier. A name never changes its letters (its folded
    form), papers whose IDs differ are never matched, and where the same person's name is
    spelled two ways the name is left as read. The name's review flag is dropped only where it
    was raised for the marks alone. `sources[i]` says how `documents[i]`'s name was read."""
    givers = [
        (fold(name), normalise(name), set(document.fields.so_dinh_danh))
        for document, source in zip(documents, sources, strict=True)
        if (name := document.fields.ho_ten)
        and not source.capitals
        and source.sure
        and "ho_ten" not in document.review
    ]
    reconciled = []
    for document, source in zip(documents, sources, strict=True):
        name = document.fields.ho_ten
        if not name or not (source.capitals or "ho_ten" in document.review):
            reconciled.append(document)
            continue
        ids = set(document.fields.so_dinh_danh)
        spellings = {
            spelled
            for folded, spelled, their_ids in givers
            if folded == fold(name) and (ids & their_ids or not (ids and their_ids))
        }
        if len(spellings) != 1:  # none, or the same person's name spelled two ways
            reconciled.append(document)
            continue
        (spelled,) = spellings
        review = document.review
        if source.review_for_marks_only:
            review = [field for field in review if field != "ho_ten"]
        fields = document.fields.model_copy(update={"ho_ten": spelled})
        reconciled.append(dataclasses.replace(document, fields=fields, review=review))
    return reconciled

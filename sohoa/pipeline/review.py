"""Review: a person confirms or corrects what sohoa flagged, and each confirmation is a revision.

A value typed by a person is checked for its form before it is accepted (`check_value`), with
the reason in Vietnamese, since the clerk reads it. A revision records who, when, and per field
the old value and the new (`Revision`); `apply_review` makes the reviewed document of it.
When a dossier is digitised again, `carry_over` puts each person's values back onto the same
paper (the same pages of the same files): a value the machine now reads differently from what
it read before the person corrected it is a conflict, kept flagged and listed, never dropped.

Personal IDs are checked with the province codes and century digits of `identifiers` (which
the field extraction also uses), here with the messages a clerk reads.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from pydantic import BaseModel

from sohoa.ocr.engine import Box, PageText
from sohoa.pipeline.identifiers import (
    CENTURY_OF_DIGIT,
    PROVINCE_CODES,
    cmnd_problem,
    tax_code_valid,
)
from sohoa.pipeline.model import (
    Conflict,
    DocumentFields,
    DocumentRecord,
    FieldChange,
    FieldValue,
    Manifest,
    Revision,
)
from sohoa.pipeline.text import fold

# The fields a person may set, with the names clerks know them by.
REVIEWED_FIELDS: dict[str, str] = {
    "type": "Loại giấy tờ",
    "so_ky_hieu": "Số, ký hiệu",
    "ngay_ban_hanh": "Ngày ban hành",
    "co_quan_ban_hanh": "Cơ quan ban hành",
    "co_quan_chu_quan": "Cơ quan chủ quản",
    "trich_yeu": "Trích yếu",
    "so_dinh_danh": "Số định danh cá nhân",
    "so_cmnd": "Số CMND",
    "ho_ten": "Họ và tên",
    "ma_so_thue": "Mã số thuế",
}
LIST_FIELDS = frozenset({"so_dinh_danh", "so_cmnd", "ma_so_thue"})
# "245/QĐ-UBND", "12/2024/NĐ-CP", "01/GP": a number, a slash, then letters of the notation.
_NUMBER = re.compile(r"\d{1,6}(?:/\d{4})?/[^\W\d_][\w.-]*(?:-[\w.]+)*")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_LIST_SEPARATOR = re.compile(r"[,;\s]+")


class InvalidValue(ValueError):
    """A value typed for a field does not have that field's form; the message (Vietnamese)
    says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{REVIEWED_FIELDS.get(field, field)}: {message}")
        self.field = field


def check_value(field: str, typed: str, type_codes: Iterable[str] = ()) -> FieldValue:
    """The value of `field` that `typed` stands for, as the manifest keeps it (dates ISO, lists
    of IDs); empty means none. Raises InvalidValue when it does not have the field's form."""
    if field not in REVIEWED_FIELDS:
        raise InvalidValue(field, "không phải trường có thể sửa.")
    text = " ".join(typed.split())
    if field in LIST_FIELDS:
        items = [i for i in _LIST_SEPARATOR.split(text) if i]
        check = _LIST_CHECKS[field]
        return [check(field, item) for item in items]
    if not text:
        if field == "type":
            raise InvalidValue(field, "chọn một loại giấy tờ.")
        return None
    if field == "type":
        if text not in set(type_codes):
            raise InvalidValue(field, f"không có loại giấy tờ “{text}”.")
        return text
    if field == "ngay_ban_hanh":
        return _date(field, text)
    if field == "so_ky_hieu" and not _NUMBER.fullmatch(text):
        raise InvalidValue(field, "phải có dạng số/ký hiệu, ví dụ 245/QĐ-UBND.")
    return text


def shown_value(field: str, value: FieldValue) -> str:
    """A value as a clerk types it: dates dd/mm/yyyy, lists separated by commas."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    if field == "ngay_ban_hanh":
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value


def _personal_id(field: str, value: str) -> str:
    if not re.fullmatch(r"\d{12}", value):
        raise InvalidValue(field, f"“{value}” phải gồm đúng 12 chữ số.")
    if value[:3] not in PROVINCE_CODES:
        raise InvalidValue(field, f"“{value}”: không có tỉnh nào mang mã {value[:3]}.")
    if value[3] not in CENTURY_OF_DIGIT:
        raise InvalidValue(
            field, f"“{value}”: chữ số thứ tư (thế kỷ và giới tính) phải là 0, 1, 2 hoặc 3."
        )
    return value


def _cmnd(field: str, value: str) -> str:
    if not re.fullmatch(r"\d{9}", value):
        raise InvalidValue(field, f"“{value}” phải gồm đúng 9 chữ số.")
    if cmnd_problem(value) is not None:
        raise InvalidValue(field, f"“{value}”: không có tỉnh nào mang mã {value[:2]}.")
    return value


def _tax_code(field: str, value: str) -> str:
    if not tax_code_valid(value):
        raise InvalidValue(field, f"“{value}” không phải mã số thuế hợp lệ (10 chữ số).")
    return value


_LIST_CHECKS = {"so_dinh_danh": _personal_id, "so_cmnd": _cmnd, "ma_so_thue": _tax_code}


def _date(field: str, text: str) -> str:
    matched = _DAY_MONTH_YEAR.fullmatch(text)
    if matched is None:
        raise InvalidValue(field, "ngày phải có dạng ngày/tháng/năm, ví dụ 14/03/2024.")
    day, month, year = (int(g) for g in matched.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError as e:
        raise InvalidValue(field, f"không có ngày {text}.") from e


def field_value(document: DocumentRecord, field: str) -> FieldValue:
    if field == "type":
        return document.type
    value: FieldValue = getattr(document.fields, field)
    return value


def changes_of(document: DocumentRecord, values: Mapping[str, FieldValue]) -> list[FieldChange]:
    """What setting `values` changes in `document`, field by field."""
    return [
        FieldChange(field=name, old=field_value(document, name), new=value)
        for name, value in values.items()
        if field_value(document, name) != value
    ]


def apply_review(document: DocumentRecord, changes: Sequence[FieldChange]) -> DocumentRecord:
    """The document as the person confirmed it: their values set, nothing left flagged."""
    fields = document.fields.model_dump()
    update: dict[str, object] = {"needs_review": False, "review": []}
    for change in changes:
        if change.field == "type":
            update["type"] = change.new
            update["type_confidence"] = 1.0
        else:
            fields[change.field] = change.new
    update["fields"] = DocumentFields.model_validate(fields)
    return document.model_copy(update=update)


def review_manifest(
    manifest: Manifest, document_id: str, values: Mapping[str, FieldValue], by: str, at: datetime
) -> tuple[Manifest, Revision]:
    """The manifest's next revision, with `document_id` confirmed and `values` set."""
    [document] = [d for d in manifest.documents if d.id == document_id]
    revision = Revision(
        number=manifest.revision + 1,
        document_id=document_id,
        by=by,
        at=at.isoformat(timespec="seconds"),
        changes=changes_of(document, values),
        flagged=document.review,
        flagged_at=manifest.created if document.needs_review else None,
    )
    reviewed = apply_review(document, revision.changes)
    documents = [reviewed if d.id == document_id else d for d in manifest.documents]
    updated = manifest.model_copy(
        update={
            "documents": documents,
            "revision": revision.number,
            "revisions": [*manifest.revisions, revision],
            "conflicts": [c for c in manifest.conflicts if c.document_id != document_id],
        }
    )
    return updated, revision


# --- digitising again --------------------------------------------------------------------------

PageOriginal = tuple[str, int]  # the SHA-256 of a page's file, its page number


def manifest_originals(manifest: Manifest, document: DocumentRecord) -> tuple[PageOriginal, ...]:
    """Where the pages of `document` came from: what makes it the same paper in another run."""
    by_name = {s.name: s.sha256 for s in manifest.sources}
    originals = []
    for index in document.pages:
        name, _, number = manifest.pages[index].source.rpartition("#")
        originals.append((by_name.get(name, name), int(number)))
    return tuple(originals)


def carry_over(
    previous: Manifest | None, document: DocumentRecord, originals: Sequence[PageOriginal]
) -> tuple[DocumentRecord, list[Conflict]]:
    """`document`, as digitising read it again, with what people set on the same paper in
    `previous` put back. A field the machine now reads differently from both what it read
    before and what the person set is a conflict: the person's value stays, flagged."""
    if previous is None:
        return document, []
    same = [d for d in previous.documents if manifest_originals(previous, d) == tuple(originals)]
    if not same:
        return document, []
    before = same[0]
    revisions = [r for r in previous.revisions if r.document_id == before.id]
    if not revisions:
        return document, []
    machine: dict[str, FieldValue] = {}  # what the machine read before the first correction
    for revision in revisions:
        for change in revision.changes:
            machine.setdefault(change.field, change.old)
    changes, conflicts = [], []
    for name, read_before in machine.items():
        reviewed, read_now = field_value(before, name), field_value(document, name)
        if read_now not in (read_before, reviewed, None, []):
            conflicts.append(
                Conflict(document_id=document.id, field=name, reviewed=reviewed, read=read_now)
            )
        changes.append(FieldChange(field=name, old=read_now, new=reviewed))
    carried = apply_review(document, changes)
    if conflicts:
        carried = carried.model_copy(
            update={"needs_review": True, "review": [c.field for c in conflicts]}
        )
    return carried, conflicts


def carried_revisions(previous: Manifest | None) -> list[Revision]:
    """The review history a dossier keeps when it is digitised again."""
    return list(previous.revisions) if previous is not None else []


# --- figures -----------------------------------------------------------------------------------


class ReviewFigures(BaseModel):
    awaiting: int  # documents flagged and not yet confirmed
    reviewed: int  # documents a person confirmed
    corrections_by_field: dict[str, int]
    median_wait_seconds: float | None  # from the flag (the manifest's commit) to the review


def summarise_reviews(revisions: Iterable[Revision], awaiting: int) -> ReviewFigures:
    """The review figures of the revisions given, `awaiting` documents still flagged."""
    reviewed: set[str] = set()
    corrections: Counter[str] = Counter()
    waits: list[float] = []
    for revision in revisions:
        reviewed.add(revision.document_id)
        corrections.update(c.field for c in revision.changes)
        if revision.flagged_at is not None:
            waited = datetime.fromisoformat(revision.at) - datetime.fromisoformat(
                revision.flagged_at
            )
            waits.append(waited.total_seconds())
    return ReviewFigures(
        awaiting=awaiting,
        reviewed=len(reviewed),
        corrections_by_field=dict(corrections.most_common()),
        median_wait_seconds=statistics.median(waits) if waits else None,
    )


# --- where a value is on the page --------------------------------------------------------------


def value_boxes(field: str, value: FieldValue, text: PageText) -> list[Box]:
    """The boxes of the words on the page that read `value`: those of the OCR line holding
    the most of its words (a date by its day, month and year), none when no line has any."""
    tokens = _value_tokens(field, value)
    best: list[Box] = []
    best_found = 0
    for line in text.lines:
        matched = [w for w in line.words if _word_key(w.text) in tokens]
        found = len({_word_key(w.text) for w in matched})
        if found > best_found:
            best, best_found = [w.box for w in matched], found
    return best


def _value_tokens(field: str, value: FieldValue) -> frozenset[str]:
    if value is None or value == []:
        return frozenset()
    if isinstance(value, list):
        return frozenset(_word_key(v) for v in value)
    if field == "ngay_ban_hanh":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return frozenset()
        return frozenset(
            {str(day.day), f"{day.day:02d}", str(day.month), f"{day.month:02d}", str(day.year)}
        )
    tokens = {_word_key(w) for w in value.split()}
    if field == "so_ky_hieu" and "/" in value:
        # A number filled in by hand stands apart from its printed "/QĐ-UBND".
        number, kind = value.split("/", 1)
        tokens |= {_word_key(number), _word_key(kind), _word_key("/" + kind)}
    return frozenset(tokens) - {""}


def _word_key(word: str) -> str:
    return fold(word).strip(".,;:()“”\"'").lower()

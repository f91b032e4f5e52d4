"""A dossier and its documents in the fields of Vietnamese archives, for an archival export.

- The dossier (hồ sơ): the fields Circular 05/2025/TT-BNV (which replaced Circular
  02/2019/TT-BNV) asks of an electronic dossier.
- Each document (tài liệu): the tags of Decree 30/2020/NĐ-CP, Appendix VI: FileCode,
  TypeName, CodeNumber, CodeNotation, IssuedDate, OrganName, Subject, PageAmount.

Only what sohoa read or counted is filled; what it cannot know (retention period, access
level, title, keywords, physical state, sheets) is null, for the archivist. A field sohoa read
but flagged for review is kept, and the flags go along (`sohoa_review`): a wrong value must
never pass as a checked one.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sohoa.pipeline.model import DocumentRecord, Manifest

# "245/QĐ-UBND": number 245, notation QĐ-UBND. Anything else is not split (null, reviewed).
_NUMBER_AND_NOTATION = re.compile(r"\s*(\d+)\s*/\s*(\S.*?)\s*")
LANGUAGE = "Tiếng Việt"


def _iso(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _vietnamese_date(value: date | None) -> str | None:
    return value.strftime("%d/%m/%Y") if value else None


def document_fields(
    dossier_id: str, document: DocumentRecord, type_names: dict[str, str]
) -> dict[str, Any]:
    """One document's Appendix VI tags, with sohoa's id and review flags beside them."""
    fields = document.fields
    split = _NUMBER_AND_NOTATION.fullmatch(fields.so_ky_hieu or "")
    unsure_type = "type" in document.review or document.type == "other"
    return {
        "FileCode": dossier_id,
        "TypeName": None if unsure_type else type_names.get(document.type),
        "CodeNumber": split.group(1) if split else None,
        "CodeNotation": split.group(2) if split else None,
        "IssuedDate": _vietnamese_date(_iso(fields.ngay_ban_hanh)),
        "OrganName": fields.co_quan_ban_hanh,
        "Subject": fields.trich_yeu,
        "PageAmount": len(document.pages),
        "sohoa_document_id": document.id,
        "sohoa_type": document.type,
        "sohoa_needs_review": document.needs_review,
        "sohoa_review": list(document.review),
        "files": {"pdf": f"documents/{document.id}.pdf", "text": f"documents/{document.id}.txt"},
    }


def dossier_fields(manifest: Manifest) -> dict[str, Any]:
    """The dossier's Circular 05/2025/TT-BNV fields (Vietnamese names, snake case)."""
    dates = sorted(d for d in (_iso(doc.fields.ngay_ban_hanh) for doc in manifest.documents) if d)
    return {
        "ma_ho_so": manifest.dossier_id,
        "tieu_de": None,
        "thoi_han_luu_tru": None,
        "muc_do_tiep_can": None,
        "ngon_ngu": LANGUAGE,
        "thoi_gian_bat_dau": _vietnamese_date(dates[0]) if dates else None,
        "thoi_gian_ket_thuc": _vietnamese_date(dates[-1]) if dates else None,
        "tu_khoa": None,
        "tong_so_tai_lieu": len(manifest.documents),
        "so_to": None,
        "so_trang": len(manifest.pages),
        "tinh_trang_vat_ly": None,
    }


def archival_metadata(manifest: Manifest, type_names: dict[str, str]) -> dict[str, Any]:
    """What the export's metadata.json holds: the dossier and its documents."""
    return {
        "schema": "sohoa-archival-1",
        "ho_so": dossier_fields(manifest),
        "tai_lieu": [
            document_fields(manifest.dossier_id, d, type_names) for d in manifest.documents
        ],
        "sohoa": {
            "status": manifest.status,
            "committed": manifest.created,
            "pipeline_version": manifest.pipeline_version,
        },
    }

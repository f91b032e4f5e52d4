"""The labelled real scans (shared/real-dev: labels.json and reference texts) as dossiers the
accuracy report scores like generated ones: each file is a dossier of its own.

The folder lives outside the repository: SOHOA_REAL_DEV names it, else it is looked for beside
the repository (`../shared/real-dev`, as the integration tests reach it) and at
/work/shared/real-dev.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
LABELLED_FIELDS = ("so_ky_hieu", "ngay_ban_hanh", "co_quan_ban_hanh", "trich_yeu")
# sohoa stores a summary without its "V/v" / "Về việc"; a label may keep it.
_SUBJECT_PREFIX = re.compile(r"^\s*(?:V/v|Về việc)\s+", re.IGNORECASE)


def real_dev_folder() -> Path | None:
    """Where the labelled real scans are, or None when this machine has none."""
    named = os.environ.get("SOHOA_REAL_DEV")
    candidates = [Path(named)] if named else []
    candidates += [REPOSITORY.parent / "shared" / "real-dev", Path("/work/shared/real-dev")]
    return next((c for c in candidates if (c / "labels.json").is_file()), None)


@dataclass(frozen=True)
class LabelledFile:
    """One labelled file, as the generator's truth.json would describe it."""

    path: Path
    truth: dict[str, Any]


def labelled_files(folder: Path) -> list[LabelledFile]:
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return [LabelledFile(folder / name, _truth(folder, name, lab)) for name, lab in labels.items()]


def _truth(folder: Path, name: str, label: dict[str, Any]) -> dict[str, Any]:
    path = folder / name
    reference = path.with_name(path.stem + ".gt.txt")
    single_page_text = reference.read_text(encoding="utf-8") if reference.is_file() else None
    document_of = {page: i for i, doc in enumerate(label["documents"]) for page in doc["pages"]}
    pages = [
        {
            "source": f"{path.name}#{number + 1}",
            "blank": number in label["blank_pages"],
            "rotation": int(label["rotated"].get(str(number), 0)),
            "skew": None,  # not labelled
            "document": document_of.get(number),
            # Reference texts are of single-page files only.
            "text": single_page_text if label["pages"] == 1 else None,
        }
        for number in range(label["pages"])
    ]
    documents = [
        {
            "type": document["type"],
            "pages": document["pages"],
            "fields": {
                **{name: document.get(name) for name in LABELLED_FIELDS},
                "trich_yeu": _SUBJECT_PREFIX.sub("", document.get("trich_yeu") or "") or None,
            },
        }
        for document in label["documents"]
    ]
    return {"dossier_id": dossier_id(name), "files": [name], "pages": pages, "documents": documents}


def dossier_id(name: str) -> str:
    """ "ocr-local-vbhc/04 QĐ 138.signed_….pdf" -> "real-04-q-138-signed-…" """
    slug = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")[:60]
    return slug if slug.startswith("real-") else f"real-{slug}"

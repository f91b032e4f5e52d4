"""Refitting the type confidence's calibration on review exports, composed: the exports read,
the temperature fitted (`pipeline.calibration.refit`), and the result put where digitising
reads it (`model_in_use`), `<data dir>/calibration/`, at once and private. The calibration it
replaces is kept beside it, so that a refit can be rolled back."""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from sohoa.pipeline.calibration import (
    MIN_REFIT_DOCUMENTS,
    Calibration,
    Refit,
    confirmed_documents,
    model_sha256,
    refit,
)
from sohoa.pipeline.classify import ClassifierModel, load_model
from sohoa.private import private_dir, replace_private_file

log = logging.getLogger(__name__)

CALIBRATION_FILE = "classifier-calibration.json"
PREVIOUS_CALIBRATION_FILE = "classifier-calibration.previous.json"


def calibration_path(data_dir: Path) -> Path:
    return data_dir / "calibration" / CALIBRATION_FILE


def previous_calibration_path(data_dir: Path) -> Path:
    return data_dir / "calibration" / PREVIOUS_CALIBRATION_FILE


def model_in_use(data_dir: Path) -> ClassifierModel:
    """The trained classifier, with the temperature refitted on confirmed documents when
    `data_dir` holds one fitted for it; else as trained."""
    path = calibration_path(data_dir)
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return load_model()
    return _recalibrated(path, stamp)


@functools.cache
def _recalibrated(path: Path, stamp: int) -> ClassifierModel:
    """The model with the temperature in `path` as it was at `stamp` (a refit changes it)."""
    model = load_model()
    try:
        calibration = Calibration.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as e:
        log.warning("refitted calibration %s unreadable (%s); using the trained one", path, e)
        return model
    if calibration.model_sha256 != model_sha256():
        log.warning(
            "the refitted calibration %s was fitted for another classifier model; using the "
            "trained one (refit it: sohoa review refit)",
            path,
        )
        return model
    refitted = {**model.metadata, "refit": calibration.model_dump()}
    return dataclasses.replace(model, temperature=calibration.temperature, metadata=refitted)


class UnreadableExport(ValueError):
    """An export file is not what `sohoa review export` writes; the message says which."""


class NothingToRollBack(LookupError):
    """No refit calibration was replaced (or none is in use)."""


def refit_calibration(
    data_dir: Path,
    exports: Sequence[Path],
    *,
    minimum: int = MIN_REFIT_DOCUMENTS,
    now: datetime | None = None,
) -> Refit:
    """Fit the temperature on the documents confirmed in `exports` and put it in use; the
    calibration in use before is kept as the previous one. Raises TooFewDocuments (nothing
    written) below `minimum` documents."""
    try:
        documents = confirmed_documents(_read_export(path) for path in exports)
    except (KeyError, IndexError, TypeError, AttributeError) as e:
        raise UnreadableExport(f"an export lacks what `sohoa review export` writes ({e!r})") from e
    refitted = refit(
        model_in_use(data_dir),
        documents,
        model_sha256=model_sha256(),
        fitted=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        sources=[str(path) for path in exports],
        minimum=minimum,
    )
    current = calibration_path(data_dir)
    private_dir(current.parent)
    if current.exists():
        replace_private_file(previous_calibration_path(data_dir), current.read_bytes())
    replace_private_file(current, refitted.calibration.model_dump_json(indent=1).encode())
    return refitted


def roll_back_calibration(data_dir: Path) -> bool:
    """Put the calibration a refit replaced back in use; True when there was one, False when
    the refit replaced the trained one (which is then in use again). Raises NothingToRollBack
    when no refit is in use."""
    current, previous = calibration_path(data_dir), previous_calibration_path(data_dir)
    if previous.exists():
        os.replace(previous, current)
        return True
    if current.exists():
        current.unlink()
        return False
    raise NothingToRollBack(str(current))


def _read_export(path: Path) -> list[dict[str, object]]:
    try:
        export = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UnreadableExport(f"{path}: {e}") from e
    if not isinstance(export, list) or not all(
        isinstance(d, dict) and isinstance(d.get("pages"), list) and "documents" in d
        for d in export
    ):
        raise UnreadableExport(f"{path}: not a list of dossiers as `sohoa review export` writes")
    return export

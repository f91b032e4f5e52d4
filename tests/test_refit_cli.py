"""Learning from review through the real parts: a sample dossier digitised with real Tesseract
into the embedded SeaweedFS and the SQLite catalogue, its documents confirmed (one number
corrected) with `sohoa review confirm`, exported with `sohoa review export`, and the type
confidence's calibration refitted on the export with `sohoa review refit`."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sohoa.flows.calibrating import calibration_path, model_in_use
from sohoa.pipeline.classify import load_model
from sohoa.pipeline.model import Manifest
from tests.clerk import Clerk
from tests.test_review_cli import CORRECTED, SAMPLE

pytestmark = pytest.mark.slow


@dataclass
class Exported:
    clerk: Clerk
    export: Path
    manifest: Manifest


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    data_dir = tmp_path_factory.mktemp("refit-data")
    clerk = Clerk(data_dir)
    manifest = clerk.digitise(SAMPLE / "scan.pdf", "--dossier-id", "dossier-a")
    for document in manifest.documents:
        corrections = ["--set", f"so_ky_hieu={CORRECTED}"] if document.type == "quyet_dinh" else []
        confirmed = clerk.run("review", "confirm", document.id, *corrections, "--by", "lan")
        assert confirmed.returncode == 0, confirmed.stderr
    export = clerk.run("review", "export")
    assert export.returncode == 0, export.stderr
    path = data_dir.parent / "export.json"
    path.write_text(export.stdout)
    yield Exported(clerk, path, manifest)
    clerk.stop_services()


def refit(exported: Exported, *args: str) -> Any:
    done = exported.clerk.run("review", "refit", exported.export, *args)
    assert done.returncode == 0, done.stderr
    return done


def test_a_refit_on_too_few_confirmed_documents_is_refused_and_says_why(
    exported: Exported,
) -> None:
    refused = exported.clerk.run("review", "refit", exported.export)
    assert refused.returncode == 2
    assert "3 confirmed document(s)" in refused.stderr and "at least 20" in refused.stderr
    assert not calibration_path(exported.clerk.data_dir).exists()


def test_the_refit_is_put_in_use_and_shows_the_corrections(exported: Exported) -> None:
    done = json.loads(refit(exported, "--min-documents", "3", "--json").stdout)
    assert done["documents"] == len(exported.manifest.documents) == 3
    assert done["corrections_by_field"] == {"so_ky_hieu": 1}
    assert done["temperature_before"] == load_model().temperature
    assert done["temperature_after"] != done["temperature_before"]
    assert model_in_use(exported.clerk.data_dir).temperature == done["temperature_after"]
    path = calibration_path(exported.clerk.data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    report = exported.clerk.run("report", "--json")
    assert json.loads(report.stdout)["review"]["corrections_by_field"] == {"so_ky_hieu": 1}


def test_the_refit_prints_the_calibration_before_and_after_and_the_corrections(
    exported: Exported,
) -> None:
    shown = refit(exported, "--min-documents", "3")
    assert "Type calibration error (ECE)" in shown.stdout
    assert "Số, ký hiệu" in shown.stdout and "Refitted on 3 confirmed" in shown.stderr


def test_rolling_back_the_refits_comes_back_to_the_trained_calibration(
    exported: Exported,
) -> None:
    for _ in range(2):
        refit(exported, "--min-documents", "3")
    for _ in range(2):
        rolled = exported.clerk.run("review", "refit", "--rollback")
        assert rolled.returncode == 0, rolled.stderr
    assert model_in_use(exported.clerk.data_dir).temperature == load_model().temperature
    assert exported.clerk.run("review", "refit", "--rollback").returncode == 2

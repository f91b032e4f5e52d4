"""Real scans of government documents (shared/real-dev, labelled by hand) through `sohoa
digitise`: real Tesseract, the embedded SeaweedFS, a real Prefect flow. Skipped where this
machine has no copy of them (see bench/real_dev.py for where they are looked for)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.real_dev import LabelledFile, labelled_files, real_dev_folder
from sohoa.flows import prefect_server, worker
from sohoa.storage import embedded
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

FOLDER = real_dev_folder()
SOHOA = [sys.executable, "-m", "sohoa.cli"]


def labelled(name: str) -> LabelledFile:
    if FOLDER is None:
        pytest.skip("no labelled real scans here (set SOHOA_REAL_DEV)")
    return next(f for f in labelled_files(FOLDER) if f.path == FOLDER / name)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data = tmp_path_factory.mktemp("real-dev-data")
    yield data
    settings = make_settings(data)
    worker.stop_all(settings)
    prefect_server.stop(settings)
    embedded.stop(settings)


def digitise(data_dir: Path, file: LabelledFile) -> dict:  # type: ignore[type-arg]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    done = subprocess.run(
        [*SOHOA, "digitise", str(file.path), "--dossier-id", file.truth["dossier_id"], "--json"],
        capture_output=True,
        text=True,
        env={**env, "SOHOA_DATA_DIR": str(data_dir)},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "name",
    [
        # Issue 17: came out to_trinh at 0.945 without a review flag.
        "nom-vn/real_nq_115_ba_vi_p1.png",
        # Came out other: a thông tư with a handwritten number under an "ĐẾN" stamp.
        "nom-vn/real_tt_21_bct_fuel_p1.png",
        # Came out other: a provincial chỉ thị of three pages, 100 dpi.
        "ocr-local-vbhc/01CT_20250509_154257.pdf",
    ],
)
def test_a_real_document_gets_its_type_and_its_pages(data_dir: Path, name: str) -> None:
    file = labelled(name)
    manifest = digitise(data_dir, file)
    expected = file.truth["documents"]
    found = manifest["documents"]
    assert [d["pages"] for d in found] == [d["pages"] for d in expected]
    assert [(d["type"], "type" in d["review"]) for d in found] == [
        (d["type"], False) for d in expected
    ]

"""The digitise flow with the engine it is given: fault injectors stand in for Tesseract
(tests/engines.py), through the real flow, the embedded S3 server and the catalogue. A page the
engine fails on is kept as an image without text and reported; the dossier goes on."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest

from sohoa.config import Settings
from sohoa.ocr.engine import OcrEngine
from sohoa.pipeline.model import Manifest
from sohoa.storage import embedded
from tests.conftest import make_settings
from tests.engines import CrashesOn, Crashing, Garbage, Hanging
from tests.pages import save_jpeg, text_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    data_dir = tmp_path_factory.mktemp("engines-data")
    saved = {k: v for k, v in os.environ.items() if k.startswith("SOHOA_")}
    for key in saved:
        del os.environ[key]
    os.environ["SOHOA_DATA_DIR"] = str(data_dir)
    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield data_dir
    embedded.stop(make_settings(data_dir))
    del os.environ["SOHOA_DATA_DIR"]
    os.environ.update(saved)


def _digitise(paths: list[Path], dossier_id: str, engine: OcrEngine) -> Manifest:
    from prefect import flow

    from sohoa.flows.digitise import digitise

    def factory(settings: Settings) -> OcrEngine:
        return engine

    @flow
    def one_dossier() -> Manifest:
        return digitise([str(p) for p in paths], dossier_id, workers=2, engine=factory).manifest

    return one_dossier()


def _pages(tmp_path: Path, *first_lines: str) -> list[Path]:
    return [
        save_jpeg(text_page(lines=[line, "Ủy ban nhân dân xã Phương Định"]), tmp_path / f"{i}.jpg")
        for i, line in enumerate(first_lines, 1)
    ]


def _pdf_texts(data_dir: Path, manifest: Manifest, tmp_path: Path) -> list[int]:
    from sohoa.storage.objects import ObjectStore

    store = ObjectStore.from_settings(make_settings(data_dir))
    counts = []
    for document in manifest.documents:
        path = tmp_path / f"{document.id}.pdf"
        store.download_file(document.pdf.key, path)
        with pikepdf.open(path) as pdf:
            counts.append(len(pdf.pages))
    return counts


@pytest.mark.parametrize(
    "make_engine", [Crashing, lambda: Hanging(timeout_s=0.2)], ids=["crash", "hang"]
)
def test_pages_the_engine_fails_on_are_kept_without_text_and_reported(
    data_dir: Path, tmp_path: Path, make_engine: Callable[[], OcrEngine]
) -> None:
    pages = _pages(tmp_path, "Trang một", "Trang hai")
    manifest = _digitise(pages, f"engine-{tmp_path.name}", make_engine())

    assert manifest.status == "partial"
    assert [p.ocr_confidence for p in manifest.pages] == [None, None]
    reasons = {q.source: q.reason for q in manifest.quarantined}
    assert set(reasons) == {"1.jpg#1", "2.jpg#1"}
    assert all("tesseract" in reason for reason in reasons.values())
    assert sum(_pdf_texts(data_dir, manifest, tmp_path)) == 2  # both pages, as images


def test_a_crash_on_one_page_leaves_the_others_read(data_dir: Path, tmp_path: Path) -> None:
    pages = _pages(tmp_path, "QUYẾT ĐỊNH", "HỎNG", "THÔNG BÁO")
    manifest = _digitise(pages, "crash-on-one", CrashesOn("HỎNG"))

    assert manifest.status == "partial"
    assert [q.source for q in manifest.quarantined] == ["2.jpg#1"]
    read = [p.ocr_confidence is not None for p in manifest.pages]
    assert read == [True, False, True]


def test_garbage_from_the_engine_is_never_a_confident_field(data_dir: Path, tmp_path: Path) -> None:
    manifest = _digitise(_pages(tmp_path, "Trang một"), "garbage", Garbage())

    assert manifest.status == "done"
    [document] = manifest.documents
    assert document.type == "other" and document.needs_review
    assert document.fields.so_dinh_danh == []

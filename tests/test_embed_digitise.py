"""`sohoa digitise` end to end on PNG and G4 TIFF dossiers: each page of the PDF/A is the
input's page in its own encoding, with the same pixels, and carries that page's text. Real
Tesseract, the embedded SeaweedFS, a real Prefect flow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image

from sohoa.flows import prefect_server, worker
from sohoa.pipeline.pdfa import validate
from sohoa.pipeline.text import fold
from sohoa.storage import embedded
from tests.conftest import make_settings
from tests.pages import text_page

pytestmark = pytest.mark.slow

SOHOA = [sys.executable, "-m", "sohoa.cli"]
# One place name a page, in the title line and in large print: what page k must say.
PLACES = ["Hà Nội", "Đà Nẵng", "Cần Thơ"]
DPI = 200


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data_dir = tmp_path_factory.mktemp("embed-data")
    yield data_dir
    settings = make_settings(data_dir)
    worker.stop_all(settings)
    prefect_server.stop(settings)
    embedded.stop(settings)


def _page(place: str) -> Image.Image:
    lines = [
        f"THÀNH PHỐ {place.upper()}",
        f"Giấy xác nhận cư trú tại {place}",
        f"Ủy ban nhân dân thành phố {place} xác nhận.",
    ]
    return text_page(dpi=DPI, lines=lines)


def _digitise(data_dir: Path, source: Path, out: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    done = subprocess.run(
        [*SOHOA, "digitise", str(source), "--json", "--out", str(out)],
        capture_output=True,
        text=True,
        env={**env, "SOHOA_DATA_DIR": str(data_dir)},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    manifest: dict[str, Any] = json.loads(done.stdout)
    return manifest


def _pages_out(manifest: dict[str, Any], out: Path) -> list[tuple[str, pikepdf.Object, Any]]:
    """(text, image stream, open document) of every output page, in input page order."""
    found: dict[int, tuple[str, pikepdf.Object, Any]] = {}
    for document in manifest["documents"]:
        pdf_path = out / f"{document['id']}.pdf"
        assert validate(pdf_path).passed
        pdf = pikepdf.open(pdf_path)
        texts = (out / f"{document['id']}.txt").read_text().split("\f")
        for index, page, text in zip(document["pages"], pdf.pages, texts, strict=True):
            [stream] = list(page.Resources.XObject.values())
            found[index] = (text, stream, pdf)
    return [found[i] for i in sorted(found)]


def _same_pixels(stream: pikepdf.Object, expected: Image.Image, mode: str) -> bool:
    shown = pikepdf.PdfImage(stream).as_pil_image().convert(mode)
    return shown.size == expected.size and np.array_equal(
        np.asarray(shown), np.asarray(expected.convert(mode))
    )


def test_png_pages_go_in_as_they_are_and_each_says_its_own_text(
    data_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "dossier"
    folder.mkdir()
    pages = [_page(place) for place in PLACES]
    pages[0].save(folder / "1.png", dpi=(DPI, DPI))  # RGB
    pages[1].convert("L").save(folder / "2.png", dpi=(DPI, DPI))
    pages[2].quantize(16).save(folder / "3.png", dpi=(DPI, DPI), bits=4)
    manifest = _digitise(data_dir, folder, tmp_path / "out")
    out_pages = _pages_out(manifest, tmp_path / "out")
    assert len(out_pages) == len(PLACES)
    for (text, stream, _pdf), place, name in zip(out_pages, PLACES, ["1", "2", "3"], strict=True):
        assert fold(place) in fold(" ".join(text.split()))
        assert stream.Filter == pikepdf.Name.FlateDecode
        assert stream.DecodeParms.Predictor == 15
        with Image.open(folder / f"{name}.png") as original:
            assert _same_pixels(stream, original, "RGB")


def test_g4_tiff_pages_go_in_as_ccitt_and_each_says_its_own_text(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "scan.tif"
    pages = [_page(place).convert("L").point(lambda v: 255 if v > 160 else 0) for place in PLACES]
    frames = [page.convert("1") for page in pages]
    frames[0].save(
        path,
        save_all=True,
        append_images=frames[1:],
        compression="group4",
        dpi=(DPI, DPI),
        strip_size=1 << 30,  # one strip a page, as scanners write them
    )
    manifest = _digitise(data_dir, path, tmp_path / "out")
    out_pages = _pages_out(manifest, tmp_path / "out")
    assert len(out_pages) == len(PLACES)
    for (text, stream, _pdf), place, frame in zip(out_pages, PLACES, frames, strict=True):
        assert fold(place) in fold(" ".join(text.split()))
        assert stream.Filter == pikepdf.Name.CCITTFaxDecode
        assert _same_pixels(stream, frame, "L")

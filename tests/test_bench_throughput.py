"""The throughput benchmark's input forms hold the same pages, each in its own encoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, TiffImagePlugin

from bench.throughput import FORMS, write_forms
from tests.pages import text_page


def _scans(tmp_path: Path) -> list[Path]:
    paths = []
    for number, words in enumerate(["Trang một", "Trang hai"], start=1):
        paths.append(tmp_path / f"scan-{number}.png")
        text_page(dpi=50, lines=[words]).save(paths[-1])
    return paths


def test_every_form_holds_the_same_pages_in_its_own_encoding(tmp_path: Path) -> None:
    scans = _scans(tmp_path)
    forms = {f.form: f for f in write_forms(scans, tmp_path / "forms", list(FORMS))}
    assert list(forms) == list(FORMS)
    for form in forms.values():
        assert len(form.pages) == len(scans)

    with Image.open(forms["tiff-grey"].source) as tiff:
        assert (tiff.n_frames, tiff.mode, tiff.info["compression"]) == (2, "L", "tiff_lzw")
    with Image.open(forms["tiff-g4"].source) as tiff:
        for number in range(2):
            tiff.seek(number)
            assert (tiff.mode, tiff.info["compression"]) == ("1", "group4")
            assert len(tiff.tag_v2[TiffImagePlugin.STRIPOFFSETS]) == 1
    for page, scan in zip(forms["png-rgb"].pages, scans, strict=True):
        with Image.open(page) as png, Image.open(scan) as original:
            assert np.array_equal(np.asarray(png), np.asarray(original.convert("RGB")))
    with pikepdf.open(forms["pdf-jpeg"].source) as pdf:
        streams = [next(iter(p.Resources.XObject.values())) for p in pdf.pages]
        assert [s.read_raw_bytes() for s in streams] == [
            p.read_bytes() for p in forms["jpeg"].pages
        ]
        assert all(s.Filter == pikepdf.Name.DCTDecode for s in streams)

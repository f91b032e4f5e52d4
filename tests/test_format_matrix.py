"""The format matrix end to end: every form of file a scanner or a phone makes, through
`sohoa digitise` with real Tesseract, the embedded store and a real Prefect flow.

Every page of every file is a page of its own (`numbered_page`: its number in large print).
Output page k must say what input page k says, and, where the form loses nothing, show the
input's pixels. The forms are grouped into a few dossiers, one `digitise` each, to keep the
number of pages OCR reads moderate.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image

from tests.clerk import Clerk
from tests.forms import (
    HEIF_FORMS,
    JPEG_FORMS,
    PDF_FORMS,
    PNG_FORMS,
    TIFF_FORMS,
    Form,
    born_digital_pdf,
    expected_pixels,
)
from tests.pages import numbered_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clerk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clerk]:
    clerk = Clerk(tmp_path_factory.mktemp("matrix-data"))
    yield clerk
    clerk.stop_services()


@dataclass(frozen=True)
class Written:
    """An input file and what each of its pages is: its number, and its pixels where the form
    keeps them."""

    path: Path
    numbers: list[int]
    pixels: list[Image.Image | None]


def write_forms(forms: list[Form], folder: Path, first: int) -> list[Written]:
    written, number = [], first
    for form in forms:
        numbers = list(range(number, number + form.pages))
        number += form.pages
        pages = [numbered_page(n) for n in numbers]
        path = folder / f"{form.name}{form.suffix}"
        form.write(pages, path)
        pixels: list[Image.Image | None] = [
            expected_pixels(form, page, i) if form.lossless else None
            for i, page in enumerate(pages)
        ]
        written.append(Written(path, numbers, pixels))
    return written


@dataclass(frozen=True)
class OutputPage:
    source: str  # "<file>#<page>"
    text: str
    image: Image.Image


def digitised_pages(clerk: Clerk, files: list[Path], dossier: str, out: Path) -> list[OutputPage]:
    """Digitise `files` as one dossier; every page of the result, in the manifest's order."""
    done = clerk.run("digitise", *files, "--dossier-id", dossier, "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    manifest: dict[str, Any] = json.loads(done.stdout)
    assert manifest["status"] == "done", manifest["quarantined"]
    found: dict[int, OutputPage] = {}
    for document in manifest["documents"]:
        texts = (out / f"{document['id']}.txt").read_text().split("\f")
        with pikepdf.open(out / f"{document['id']}.pdf") as pdf:
            for position, index in enumerate(document["pages"]):
                [image] = pdf.pages[position].get_images().values()
                found[index] = OutputPage(
                    manifest["pages"][index]["source"],
                    texts[position],
                    pikepdf.PdfImage(image).as_pil_image().convert("L"),
                )
    assert sorted(found) == list(range(len(manifest["pages"]))), "a page is in no document"
    return [found[i] for i in sorted(found)]


def numbers_in(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\b(\d{3})\b", text)}


def check_pages(output: list[OutputPage], written: list[Written]) -> None:
    expected = [
        (f"{w.path.name}#{k + 1}", number, pixels)
        for w in written
        for k, (number, pixels) in enumerate(zip(w.numbers, w.pixels, strict=True))
    ]
    assert [page.source for page in output] == [source for source, _, _ in expected]
    for page, (source, number, pixels) in zip(output, expected, strict=True):
        assert numbers_in(page.text) == {number}, (source, page.text)
        if pixels is not None:
            assert page.image.tobytes() == pixels.tobytes(), source


@pytest.mark.parametrize(
    ("family", "forms"),
    [
        ("tiff", TIFF_FORMS),
        ("png", PNG_FORMS),
        ("jpeg", JPEG_FORMS),
        ("pdf", PDF_FORMS),
        ("heif", HEIF_FORMS),
    ],
)
def test_every_page_of_every_form_reads_as_itself_in_order(
    clerk: Clerk, tmp_path: Path, family: str, forms: list[Form]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    written = write_forms(forms, folder, first=100)
    output = digitised_pages(clerk, [w.path for w in written], f"matrix-{family}", tmp_path / "out")
    check_pages(output, written)


def test_born_digital_pages_read_as_themselves_in_order(clerk: Clerk, tmp_path: Path) -> None:
    path = tmp_path / "saved.pdf"
    born_digital_pdf([["TRANG 201", "GIAY MOI HOP"], ["TRANG 202", "BIEN BAN HOP"]], path)
    output = digitised_pages(clerk, [path], "matrix-born-digital", tmp_path / "out")
    assert [p.source for p in output] == ["saved.pdf#1", "saved.pdf#2"]
    assert [numbers_in(p.text) for p in output] == [{201}, {202}]


def test_the_sheet_outside_a_crop_box_is_not_read(clerk: Clerk, tmp_path: Path) -> None:
    [cropped] = [f for f in PDF_FORMS if f.name == "pdf-cropbox"]
    written = write_forms([cropped], tmp_path, first=300)
    [page] = digitised_pages(clerk, [written[0].path], "matrix-crop", tmp_path / "out")
    assert numbers_in(page.text) == {300}
    assert "NGOAI" not in page.text.upper()


def _damaged_tiff(folder: Path) -> Path:
    """Three pages whose second page's data is damaged: its LZW codes decode to nothing."""
    path = folder / "scan.tif"
    pages = [numbered_page(n) for n in (401, 402, 403)]
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    with Image.open(path) as tiff:
        tiff.seek(1)
        offset, count = tiff.tag_v2[273][0], tiff.tag_v2[279][0]  # type: ignore[attr-defined]
    data = bytearray(path.read_bytes())
    data[offset : offset + count] = b"\xff" * count
    path.write_bytes(bytes(data))
    return path


def test_a_page_that_cannot_be_decoded_is_quarantined_and_the_rest_goes_on(
    clerk: Clerk, tmp_path: Path
) -> None:
    damaged = _damaged_tiff(tmp_path)
    good = tmp_path / "good.png"
    numbered_page(404).save(good, dpi=(200, 200))
    done = clerk.run("digitise", damaged, good, "--json")
    assert done.returncode == 4, done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["status"] == "partial"
    assert [p["source"] for p in manifest["pages"]] == ["scan.tif#1", "scan.tif#3", "good.png#1"]
    [quarantined] = manifest["quarantined"]
    assert quarantined["source"] == "scan.tif#2"
    assert quarantined["reason"].startswith("corrupt image: page 2 cannot be decoded")


def test_a_truncated_multi_page_tiff_keeps_its_first_pages_and_the_dossier_goes_on(
    clerk: Clerk, tmp_path: Path
) -> None:
    whole = tmp_path / "whole.tif"
    pages = [numbered_page(n) for n in (501, 502, 503)]
    pages[0].save(whole, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    with Image.open(whole) as tiff:
        tiff.seek(1)
        second_directory = tiff.tag_v2.offset  # type: ignore[attr-defined]
    truncated = tmp_path / "in" / "truncated.tif"
    truncated.parent.mkdir()
    truncated.write_bytes(whole.read_bytes()[: second_directory + 20])
    shutil.copy(whole, tmp_path / "in" / "whole.tif")
    done = clerk.run("digitise", tmp_path / "in", "--json")
    assert done.returncode == 4, done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["status"] == "partial"
    sources = [p["source"] for p in manifest["pages"]]
    assert sources == ["truncated.tif#1", "whole.tif#1", "whole.tif#2", "whole.tif#3"]
    assert [q["source"] for q in manifest["quarantined"]] == ["truncated.tif#2"]


def test_blank_backs_and_turned_pages_of_a_grey_tiff_are_flagged_on_their_own_page(
    clerk: Clerk, tmp_path: Path
) -> None:
    path = tmp_path / "scan.tif"
    blank = Image.new("L", numbered_page(0).size, 235)
    frames = [numbered_page(701), blank, numbered_page(702).rotate(90, expand=True)]
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_lzw")
    done = clerk.run("digitise", path, "--dossier-id", "matrix-flags", "--json")
    assert done.returncode == 0, done.stderr
    pages = json.loads(done.stdout)["pages"]
    assert [(p["source"], p["blank"], p["rotation"]) for p in pages] == [
        ("scan.tif#1", False, 0),
        ("scan.tif#2", True, 0),
        ("scan.tif#3", False, 90),  # turned a quarter anticlockwise: 90° clockwise undoes it
    ]

"""Reuse through `sohoa digitise`, as a clerk meets it: a paper already on file comes back linked
to its first digitisation, and a different paper of the same person and type never does. Real
OCR, the embedded SeaweedFS and the default SQLite catalogue in a private data dir; the papers
are printed by the sample generator and scanned twice with other noise."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from samples.degrade import Effects, apply_effects
from samples.render import DocStyle, draw_page, layout_document
from samples.templates import TEMPLATES
from sohoa.storage.objects import ObjectStore
from tests.clerk import Clerk
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

PAPER_SEED = 5  # an application by one person; the date is all the template lets differ
FIRST_SCAN = Effects(skew=0.6, noise=3.0, signature=True)
RESCAN = Effects(
    skew=-2.4,
    blur=0.9,
    noise=8.0,
    speckles=0.4,
    paper=(246, 240, 228),
    unevenness=0.12,
    signature=True,
    prior_jpeg=True,
    jpeg_quality=50,
)


def scan_application(folder: Path, signed_on: date, effects: Effects) -> Path:
    """An application form of the person of `PAPER_SEED`, dated `signed_on`, printed and
    scanned with `effects` into `folder` as JPEG pages."""
    paper = TEMPLATES["don_de_nghi"](random.Random(PAPER_SEED), signed_on)
    style = DocStyle.draw(random.Random(PAPER_SEED))  # the same print for every scan
    folder.mkdir(parents=True)
    for number, layout in enumerate(layout_document(paper, style, dpi=200), 1):
        scanned = apply_effects(draw_page(layout), layout, effects, random.Random(str(effects)))
        scanned.save(folder / f"page-{number}.jpg", quality=effects.jpeg_quality, dpi=(200, 200))
    return folder


def only_document(clerk: Clerk, folder: Path, dossier_id: str) -> dict[str, Any]:
    """Digitise a one-paper dossier; its one document."""
    done = clerk.run("digitise", folder, "--dossier-id", dossier_id, "--json")
    assert done.returncode == 0, done.stderr
    [document] = json.loads(done.stdout)["documents"]
    return document  # type: ignore[no-any-return]


@dataclass
class Filed:
    """The application digitised first, then what came in after it."""

    clerk: Clerk
    first: dict[str, Any]
    same_name_copy: dict[str, Any]  # the same file, same name, another dossier
    copy: dict[str, Any]  # the same file, under another name and dossier
    rescan: dict[str, Any]
    later_application: dict[str, Any]  # the same person, the same form, another date
    rescan_folder: Path


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Filed]:
    papers = tmp_path_factory.mktemp("papers")
    clerk = Clerk(tmp_path_factory.mktemp("reuse-data"))
    first_scan = scan_application(papers / "first", date(2023, 3, 1), FIRST_SCAN)
    renamed = papers / "resent"
    renamed.mkdir()
    for page in first_scan.iterdir():
        shutil.copy(page, renamed / f"resent-{page.name}")
    rescan = scan_application(papers / "rescan", date(2023, 3, 1), RESCAN)
    later = scan_application(papers / "later", date(2024, 9, 12), FIRST_SCAN)
    yield Filed(
        clerk,
        first=only_document(clerk, first_scan, "hs-001"),
        same_name_copy=only_document(clerk, first_scan, "hs-002"),
        copy=only_document(clerk, renamed, "hs-003"),
        rescan=only_document(clerk, rescan, "hs-004"),
        later_application=only_document(clerk, later, "hs-005"),
        rescan_folder=rescan,
    )
    clerk.stop_services()


def test_the_first_digitisation_of_a_paper_reuses_nothing(filed: Filed) -> None:
    assert filed.first["reuse_of"] is None
    assert filed.first["type"] == "don_de_nghi"


def test_an_identical_file_under_another_dossier_is_linked_to_the_first(filed: Filed) -> None:
    assert (filed.copy["reuse_of"], filed.copy["reuse_reason"]) == (
        filed.first["id"],
        "same_original",
    )


def test_an_identical_file_under_the_same_name_is_linked_to_the_first(filed: Filed) -> None:
    assert filed.same_name_copy["reuse_of"] == filed.first["id"]


def test_the_same_paper_rescanned_with_other_noise_is_linked_by_its_text(filed: Filed) -> None:
    assert filed.rescan["fields"]["so_dinh_danh"] == filed.first["fields"]["so_dinh_danh"]
    assert (filed.rescan["reuse_of"], filed.rescan["reuse_reason"]) == (
        filed.first["id"],
        "same_text",
    )


def test_another_paper_of_the_same_type_and_person_is_not_linked(filed: Filed) -> None:
    later = filed.later_application
    assert (later["type"], later["fields"]["so_dinh_danh"]) == (
        filed.first["type"],
        filed.first["fields"]["so_dinh_danh"],
    )
    assert later["reuse_of"] is None


def test_the_link_is_in_the_documents_stored_metadata(filed: Filed) -> None:
    store = ObjectStore.from_settings(make_settings(filed.clerk.data_dir))
    metadata = json.loads(store.get_bytes(filed.rescan["metadata"]["key"]))
    assert (metadata["reuse_of"], metadata["reuse_reason"]) == (filed.first["id"], "same_text")


def test_the_digitise_summary_gives_the_reuse_rate(filed: Filed) -> None:
    done = filed.clerk.run("digitise", filed.rescan_folder, "--dossier-id", "hs-004")
    assert done.returncode == 0, done.stderr
    assert "1 of 1 documents already on file" in done.stdout
    assert f"already on file as {filed.first['id']} (same_text)" in done.stdout


def test_everything_on_file_for_the_person_is_listed_newest_first(filed: Filed) -> None:
    [person_id] = filed.first["fields"]["so_dinh_danh"]
    done = filed.clerk.run("search", "--person", person_id, "--json")
    assert done.returncode == 0, done.stderr
    listed = [hit["document"] for hit in json.loads(done.stdout)]
    assert listed[0]["id"] == filed.later_application["id"]  # issued last
    assert {d["id"] for d in listed} == {
        filed.first["id"],
        filed.copy["id"],
        filed.same_name_copy["id"],
        filed.rescan["id"],
        filed.later_application["id"],
    }
    links = {d["id"]: d["reuse_of"] for d in listed}
    assert links[filed.rescan["id"]] == filed.first["id"]


def test_show_tells_which_paper_on_file_a_document_reuses(filed: Filed) -> None:
    done = filed.clerk.run("show", filed.rescan["id"])
    assert done.returncode == 0, done.stderr
    assert f"already on file as {filed.first['id']}" in " ".join(done.stdout.split())

"""`sohoa digitise`, then `sohoa search`, `show` and `reindex`, as a clerk runs them: real OCR,
the embedded SeaweedFS, the default SQLite catalogue in a private data dir."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.clerk import Clerk

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).parent.parent / "samples" / "dossiers" / "dossier-a"


@dataclass
class Digitised:
    clerk: Clerk
    manifest: dict[str, Any]
    truth: dict[str, Any]

    def document(self, type_: str) -> dict[str, Any]:
        return next(d for d in self.manifest["documents"] if d["type"] == type_)


@pytest.fixture(scope="module")
def digitised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Digitised]:
    clerk = Clerk(tmp_path_factory.mktemp("search-data"))
    truth = json.loads((SAMPLE / "truth.json").read_text())
    done = clerk.run(
        "digitise", *(SAMPLE / f for f in truth["files"]), "--dossier-id", "dossier-a", "--json"
    )
    assert done.returncode == 0, done.stderr
    yield Digitised(clerk, json.loads(done.stdout), truth)
    clerk.stop_services()


def test_a_digitised_paper_is_found_by_its_holders_name_typed_without_marks(
    digitised: Digitised,
) -> None:
    application = digitised.document("don_de_nghi")
    [hit, *_] = digitised.clerk.search("vo thanh thuy")
    assert hit["document"]["id"] == application["id"]
    assert "Thủy" in [hit["snippet"][start:end] for start, end in hit["highlights"]]
    assert hit["page"] >= 1


def test_a_decision_is_found_by_its_number_typed_without_đ(digitised: Digitised) -> None:
    decision = digitised.document("quyet_dinh")
    [hit, *_] = digitised.clerk.search("1634/QD-STP")
    assert (hit["document"]["id"], hit["match"]) == (decision["id"], "number")


def test_everything_on_file_for_a_person_is_listed(digitised: Digitised) -> None:
    [person_id] = digitised.document("quyet_dinh")["fields"]["so_dinh_danh"]
    hits = digitised.clerk.search("--person", person_id)
    assert digitised.document("quyet_dinh")["id"] in [h["document"]["id"] for h in hits]
    assert all(person_id in h["document"]["person_ids"] for h in hits)


def test_show_fetches_the_verified_pdf_and_the_text(digitised: Digitised, tmp_path: Path) -> None:
    card = digitised.document("cccd")
    pdf = tmp_path / "card.pdf"
    assert digitised.clerk.run("show", card["id"], "--pdf", pdf).returncode == 0
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == card["pdf"]["sha256"]
    shown = digitised.clerk.run("show", card["id"], "--text")
    assert shown.returncode == 0, shown.stderr
    assert card["fields"]["so_dinh_danh"][0] in shown.stdout


def test_an_unknown_document_is_an_input_problem(digitised: Digitised) -> None:
    shown = digitised.clerk.run("show", "0000000000000000")
    assert shown.returncode == 2
    assert "no document" in shown.stderr


def test_search_without_query_or_filter_is_bad_usage(digitised: Digitised) -> None:
    assert digitised.clerk.run("search").returncode == 1


def test_reindex_rebuilds_a_lost_catalogue_from_storage(digitised: Digitised) -> None:
    before = digitised.clerk.search("vo thanh thuy")
    (digitised.clerk.data_dir / "catalogue.sqlite").unlink()
    for leftover in digitised.clerk.data_dir.glob("catalogue.sqlite-*"):  # WAL files
        leftover.unlink()
    done = digitised.clerk.run("reindex")
    assert done.returncode == 0, done.stderr
    documents = len(digitised.manifest["documents"])
    assert f"1 dossier(s), {documents} document(s)" in done.stderr
    assert digitised.clerk.search("vo thanh thuy") == before

"""Review through the real parts: a sample dossier digitised with real Tesseract into the
embedded SeaweedFS and the SQLite catalogue, then a number corrected with `sohoa review confirm`
as a clerk would script it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from sohoa.flows.keys import manifest_key, revision_key
from sohoa.pipeline.model import Manifest
from sohoa.pipeline.pdfa import validate
from sohoa.storage.objects import ObjectStore
from tests.clerk import Clerk
from tests.conftest import make_settings
from tests.pages import save_jpeg, text_page

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).parent.parent / "samples" / "dossiers" / "dossier-a"
CORRECTED = "1700/QĐ-STP"  # the sample's decision says 1634/QĐ-STP: a clerk's correction


@dataclass
class Corrected:
    clerk: Clerk
    store: ObjectStore
    before: Manifest
    revision: dict[str, Any]

    def manifest(self) -> Manifest:
        return Manifest.model_validate_json(self.store.get_bytes(manifest_key("dossier-a")))


def decision(manifest: Manifest) -> Any:
    return next(d for d in manifest.documents if d.type == "quyet_dinh")


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corrected]:
    data_dir = tmp_path_factory.mktemp("review-data")
    clerk = Clerk(data_dir)
    done = clerk.run("digitise", SAMPLE / "scan.pdf", "--dossier-id", "dossier-a", "--json")
    assert done.returncode == 0, done.stderr
    before = Manifest.model_validate_json(done.stdout)
    confirmed = clerk.run(
        "review",
        "confirm",
        decision(before).id,
        "--set",
        f"so_ky_hieu={CORRECTED}",
        "--set",
        "ngay_ban_hanh=17/09/2019",
        "--by",
        "Nguyễn Thị Lan",
        "--json",
    )
    assert confirmed.returncode == 0, confirmed.stderr
    store = ObjectStore.from_settings(make_settings(data_dir))
    yield Corrected(clerk, store, before, json.loads(confirmed.stdout))
    clerk.stop_services()


def test_a_corrected_number_is_found_by_search_at_once(corrected: Corrected) -> None:
    [hit, *_] = corrected.clerk.search(CORRECTED)
    assert (hit["document"]["id"], hit["match"]) == (decision(corrected.before).id, "number")
    assert hit["document"]["so_ky_hieu"] == CORRECTED


def test_the_manifest_has_the_revision_with_who_when_old_and_new(corrected: Corrected) -> None:
    manifest = corrected.manifest()
    [revision] = manifest.revisions
    assert (manifest.revision, revision.number, revision.by) == (1, 1, "Nguyễn Thị Lan")
    assert revision.at.startswith("20") and revision.at.endswith("+00:00")
    old = decision(corrected.before).fields.so_ky_hieu
    assert ("so_ky_hieu", old, CORRECTED) in [(c.field, c.old, c.new) for c in revision.changes]
    assert decision(manifest).fields.so_ky_hieu == CORRECTED
    assert decision(manifest).fields.ngay_ban_hanh == "2019-09-17"
    assert not decision(manifest).needs_review


def test_list_gives_the_flagged_documents_and_not_the_confirmed_one(corrected: Corrected) -> None:
    done = corrected.clerk.run("review", "list", "--json")
    assert done.returncode == 0, done.stderr
    listed = {d["id"]: d["review"] for d in json.loads(done.stdout)}
    flagged = {d.id: d.review for d in corrected.manifest().documents if d.needs_review}
    assert listed == flagged
    assert decision(corrected.before).id not in listed


def test_the_revision_before_stays_readable(corrected: Corrected) -> None:
    earlier = Manifest.model_validate_json(corrected.store.get_bytes(revision_key("dossier-a", 0)))
    assert earlier == corrected.before


def test_the_new_pdfa_validates_and_carries_the_corrected_metadata(
    corrected: Corrected, tmp_path: Path
) -> None:
    old_key = decision(corrected.before).pdf.key
    new_key = decision(corrected.manifest()).pdf.key
    assert new_key != old_key and corrected.store.exists(old_key)
    corrected.store.download_file(new_key, tmp_path / "reviewed.pdf")
    assert validate(tmp_path / "reviewed.pdf").passed
    with pikepdf.open(tmp_path / "reviewed.pdf") as pdf:
        packet = pdf.Root.Metadata.read_bytes().decode()
        assert len(pdf.pages) == len(decision(corrected.before).pages)
    assert f"<sohoa:so_ky_hieu>{CORRECTED}</sohoa:so_ky_hieu>" in packet
    assert "<sohoa:needs_review>False</sohoa:needs_review>" in packet


def test_show_lists_the_revision(corrected: Corrected) -> None:
    shown = corrected.clerk.run("show", decision(corrected.before).id)
    assert shown.returncode == 0, shown.stderr
    assert "Nguyễn Thị Lan" in shown.stdout and CORRECTED in shown.stdout


def test_report_counts_the_review(corrected: Corrected) -> None:
    done = corrected.clerk.run("report", "--json")
    assert done.returncode == 0, done.stderr
    review = json.loads(done.stdout)["review"]
    assert review["reviewed"] == 1
    assert review["corrections_by_field"]["so_ky_hieu"] == 1
    assert review["median_wait_seconds"] is not None or not decision(corrected.before).needs_review


def test_export_gives_the_confirmed_document_as_a_labelled_example(corrected: Corrected) -> None:
    done = corrected.clerk.run("review", "export")
    assert done.returncode == 0, done.stderr
    [example] = json.loads(done.stdout)
    [document] = example["documents"]
    assert (document["type"], document["fields"]["so_ky_hieu"]) == ("quyet_dinh", CORRECTED)
    assert "1634" in example["pages"][document["pages"][0]]["text"]


def test_an_invalid_id_is_refused_and_nothing_changes(corrected: Corrected) -> None:
    refused = corrected.clerk.run(
        "review", "confirm", decision(corrected.before).id, "--set", "so_dinh_danh=003089001234"
    )
    assert refused.returncode == 1
    assert "không có tỉnh nào mang mã 003" in refused.stderr
    assert corrected.manifest().revision == 1


def test_digitising_again_keeps_the_correction(corrected: Corrected, tmp_path: Path) -> None:
    # Another paper joins the dossier: it is digitised again, with new document ids.
    added = save_jpeg(text_page(lines=["GIẤY BIÊN NHẬN", "Số: 12/BN"]), tmp_path / "extra.jpg")
    again = corrected.clerk.run(
        "digitise", SAMPLE / "scan.pdf", added, "--dossier-id", "dossier-a", "--json"
    )
    assert again.returncode == 0, again.stderr
    manifest = Manifest.model_validate_json(again.stdout)
    assert decision(manifest).id != decision(corrected.before).id
    assert decision(manifest).fields.so_ky_hieu == CORRECTED
    assert [r.by for r in manifest.revisions] == ["Nguyễn Thị Lan"]
    [hit, *_] = corrected.clerk.search(CORRECTED)
    assert hit["document"]["id"] == decision(manifest).id

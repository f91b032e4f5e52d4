"""Archival export: a BagIt bag per dossier, SHA-256, validated by `bagit`, with the archival
fields; the same again apart from the bag's date. Objects come from the session's real
embedded S3 server."""

from __future__ import annotations

from pathlib import Path

import bagit
import pytest

from sohoa.flows.export import export_dossier
from sohoa.flows.keys import manifest_key
from sohoa.pipeline.archival import archival_metadata
from sohoa.pipeline.model import Manifest, PageRecord
from sohoa.storage.objects import ObjectStore
from tests.test_catalogue import document, manifest

PDF = b"%PDF-1.7 the decision's PDF/A"
TEXT = "QUYẾT ĐỊNH\fCông nhận hộ kinh doanh"


def decision_dossier(dossier_id: str) -> Manifest:
    decision = document(
        f"{dossier_id}-qd",
        "quyet_dinh",
        pages=2,
        so_ky_hieu="245/QĐ-UBND",
        ngay_ban_hanh="2024-03-14",
        co_quan_ban_hanh="Ủy ban nhân dân xã Phương Định",
        trich_yeu="Về việc công nhận hộ kinh doanh",
    )
    unsure = document(f"{dossier_id}-other", "other", so_ky_hieu="không rõ")
    unsure.needs_review, unsure.review = True, ["type"]
    made = manifest(dossier_id, decision, unsure)
    made.pages = [
        PageRecord(
            index=i,
            source=f"scan.pdf#{i + 1}",
            blank=False,
            rotation=0,
            skew=0.0,
            ocr_confidence=90.0,
            document=0,
            dpi=300,
        )
        for i in range(3)
    ]
    for d in made.documents:
        d.pdf.key = f"dossiers/{dossier_id}/documents/{d.id}.pdf"
        d.text.key = f"dossiers/{dossier_id}/documents/{d.id}.txt"
    return made


def stored(store: ObjectStore, made: Manifest) -> None:
    for d in made.documents:
        store.put_bytes(d.pdf.key, PDF + d.id.encode(), "application/pdf")
        store.put_bytes(d.text.key, TEXT.encode(), "text/plain")
    store.put_bytes(
        manifest_key(made.dossier_id), made.model_dump_json().encode(), "application/json"
    )


def test_a_dossier_becomes_a_valid_sha256_bag_with_its_documents(
    s3_store: ObjectStore, tmp_path: Path
) -> None:
    made = decision_dossier("hs-export-1")
    stored(s3_store, made)
    bag_dir = export_dossier(s3_store, "hs-export-1", tmp_path / "out")
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    assert bag.algorithms == ["sha256"]
    data = bag_dir / "data"
    assert (data / "documents/hs-export-1-qd.pdf").read_bytes() == PDF + b"hs-export-1-qd"
    assert (data / "documents/hs-export-1-qd.txt").read_text() == TEXT
    assert Manifest.model_validate_json((data / "manifest.json").read_bytes()) == made
    assert (data / "metadata.json").exists()


def test_the_documents_get_the_appendix_vi_tags_and_unsure_ones_stay_null() -> None:
    made = decision_dossier("hs-x")
    metadata = archival_metadata(made, {"quyet_dinh": "Quyết định"})
    decision, unsure = metadata["tai_lieu"]
    assert {k: decision[k] for k in ("FileCode", "TypeName", "CodeNumber", "CodeNotation")} == {
        "FileCode": "hs-x",
        "TypeName": "Quyết định",
        "CodeNumber": "245",
        "CodeNotation": "QĐ-UBND",
    }
    assert decision["IssuedDate"] == "14/03/2024" and decision["PageAmount"] == 2
    assert decision["OrganName"] == "Ủy ban nhân dân xã Phương Định"
    assert unsure["TypeName"] is None and unsure["CodeNumber"] is None
    assert unsure["sohoa_review"] == ["type"]
    dossier = metadata["ho_so"]
    assert dossier["ma_ho_so"] == "hs-x" and dossier["tong_so_tai_lieu"] == 2
    assert dossier["so_trang"] == 3 and dossier["thoi_gian_bat_dau"] == "14/03/2024"
    assert dossier["thoi_han_luu_tru"] is None  # the archivist's to decide


def test_exporting_again_gives_the_same_bag_apart_from_its_date(
    s3_store: ObjectStore, tmp_path: Path
) -> None:
    stored(s3_store, decision_dossier("hs-export-2"))
    first = tmp_path / "first"
    second = tmp_path / "second"
    export_dossier(s3_store, "hs-export-2", first, with_originals=False)
    export_dossier(s3_store, "hs-export-2", second)

    def files(root: Path) -> dict[str, bytes]:
        found = {}
        for path in sorted((root / "hs-export-2").rglob("*")):
            if path.is_file() and path.name not in ("bag-info.txt", "tagmanifest-sha256.txt"):
                found[str(path.relative_to(root))] = path.read_bytes()
        return found

    assert files(first) == files(second)

    def info(root: Path) -> list[str]:
        lines = (root / "hs-export-2/bag-info.txt").read_text().splitlines()
        return [line for line in lines if not line.startswith("Bagging-Date")]

    assert info(first) == info(second)


def test_an_unknown_dossier_is_not_exported(s3_store: ObjectStore, tmp_path: Path) -> None:
    from sohoa.storage.objects import ObjectNotFound

    with pytest.raises(ObjectNotFound):
        export_dossier(s3_store, "hs-never-digitised", tmp_path)
    assert not any(tmp_path.iterdir())

from pathlib import Path

from sohoa.pipeline.dossier import (
    PageResult,
    admit,
    covers,
    default_dossier_id,
    document_id,
    dossier_status,
    failed_pages,
    folder_dossier_id,
    input_keys,
    manifest_input_keys,
    page_records,
)
from sohoa.pipeline.model import Manifest, QuarantineRecord, SourceRecord
from sohoa.pipeline.page import PageContent
from tests.pages import save_jpeg, text_page


def _page(blank: bool = False, failure: str | None = None) -> PageResult:
    content = PageContent(blank, None)
    return PageResult(0, "a.jpg#1", 200, False, blank, 0, 0.0, 90.0, content, None, failure)


def test_inputs_are_sorted_into_sources_and_rejects(tmp_path: Path) -> None:
    save_jpeg(text_page(), tmp_path / "good.jpg")
    (tmp_path / "bad.pdf").touch()
    with admit([tmp_path]) as (sources, rejected):
        pass
    assert [s.name for s in sources] == ["good.jpg"]
    assert [(r.record.source, r.record.reason) for r in rejected] == [
        ("bad.pdf", "empty file (0 bytes)")
    ]


def test_dossier_id_comes_from_content_not_order(tmp_path: Path) -> None:
    for name in ("a.jpg", "b.jpg"):
        save_jpeg(text_page(lines=[name]), tmp_path / name)
    with admit([tmp_path / "a.jpg", tmp_path / "b.jpg"]) as (sources, rejected):
        pass
    with admit([tmp_path / "b.jpg", tmp_path / "a.jpg"]) as (swapped, _):
        pass
    assert default_dossier_id(sources, rejected) == default_dossier_id(swapped, [])
    assert default_dossier_id(sources, rejected).startswith("hs-")


def test_document_id_changes_with_its_pages(tmp_path: Path) -> None:
    with admit([save_jpeg(text_page(), tmp_path / "a.jpg")]) as (sources, _):
        pass
    assert document_id("hs-1", sources, ["a.jpg#1"]) != document_id("hs-1", sources, ["a.jpg#2"])


def test_status_done_partial_failed() -> None:
    quarantined = QuarantineRecord(source="x.pdf", reason="empty file (0 bytes)")
    assert dossier_status([_page()], []) == "done"
    assert dossier_status([_page()], [quarantined]) == "partial"
    assert dossier_status([], [quarantined]) == "failed"


def test_a_page_whose_ocr_failed_is_reported() -> None:
    [record] = failed_pages([_page(), _page(failure="timeout")])
    assert record.reason == "OCR failed: timeout"


def test_page_records_link_blank_backs_to_their_document() -> None:
    records = page_records([_page(), _page(blank=True)], [[0]])
    assert [(r.index, r.blank, r.document) for r in records] == [(0, False, 0), (1, True, 0)]


def test_a_manifest_covers_the_same_inputs_digitised_the_same_way(tmp_path: Path) -> None:
    with admit([save_jpeg(text_page(), tmp_path / "a.jpg")]) as (sources, _):
        pass
    record = SourceRecord(name="a.jpg", sha256=sources[0].sha256, pages=1, bytes=1, key="k")
    manifest = Manifest(
        dossier_id="d", status="done", sources=[record], pipeline_version="v1", created="t"
    )
    assert covers(manifest, sources, [], "v1")
    assert not covers(manifest, sources, [], "v2")
    assert not covers(manifest, [], [], "v1")


def test_the_same_paper_in_another_dossier_gets_its_own_id(tmp_path: Path) -> None:
    with admit([save_jpeg(text_page(), tmp_path / "a.jpg")]) as (sources, _):
        pass
    assert document_id("hs-1", sources, ["a.jpg#1"]) != document_id("hs-2", sources, ["a.jpg#1"])


def test_a_folder_named_as_a_dossier_id_is_its_id() -> None:
    for name in ("000.00.12.H52-241203-0001", "hs-2024-000123", "HS_2024.17"):
        assert folder_dossier_id(name) == name


def test_a_folder_with_another_name_gets_a_derived_id() -> None:
    for name in ("Hồ sơ bà Lan", "scans", "new folder 2", ".hidden1", "a/b1", "x" * 120 + "1"):
        assert folder_dossier_id(name) is None


def test_a_manifest_made_from_other_inputs_is_told_apart(tmp_path: Path) -> None:
    save_jpeg(text_page(), tmp_path / "a.jpg")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 not really")
    with admit([tmp_path]) as (sources, rejected):
        keys = input_keys(sources, rejected)
        manifest = Manifest(
            dossier_id="d",
            status="partial",
            sources=[
                SourceRecord(name="a.jpg", sha256=sources[0].sha256, pages=1, bytes=1, key="k")
            ],
            quarantined=[
                rejected[0].record,
                QuarantineRecord(source="a.jpg#1", reason="OCR failed: timeout"),
            ],
            pipeline_version="v1",
            created="t",
        )
        assert manifest_input_keys(manifest) == keys
        assert manifest_input_keys(manifest) != input_keys(sources, [])

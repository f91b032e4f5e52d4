"""Review as data: values checked for their form, each confirmation a revision with who, when,
old and new, and a person's values carried over when a dossier is digitised again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.model import Manifest, PageRecord, SourceRecord
from sohoa.pipeline.review import (
    InvalidValue,
    carry_over,
    check_value,
    review_manifest,
    shown_value,
    summarise_reviews,
    value_boxes,
)
from sohoa.storage.catalogue import Catalogue, ReviewQueue
from tests.postgres import postgres_url  # noqa: F401 (the fixture of the PostgreSQL runs)
from tests.test_catalogue import document, manifest

AT = datetime(2026, 12, 6, 1, 30, tzinfo=UTC)


def flagged_manifest(number: str | None = "245/QĐ") -> Manifest:
    decision = document("decision", "quyet_dinh", so_ky_hieu=number, ngay_ban_hanh="2024-03-14")
    decision.needs_review = True
    decision.review = ["so_ky_hieu"]
    flagged = manifest("hs-1", decision)
    flagged.sources = [SourceRecord(name="scan.pdf", sha256="a" * 64, pages=1, bytes=1, key="k")]
    flagged.pages = [
        PageRecord(
            index=0,
            source="scan.pdf#1",
            blank=False,
            rotation=0,
            skew=0,
            ocr_confidence=90,
            document=0,
            dpi=200,
        )
    ]
    return flagged


# --- the form of a value ---------------------------------------------------------------------


def test_a_date_is_typed_day_first_and_kept_iso() -> None:
    assert check_value("ngay_ban_hanh", "14/03/2024") == "2024-03-14"
    assert shown_value("ngay_ban_hanh", "2024-03-14") == "14/03/2024"


@pytest.mark.parametrize("typed", ["2024-03-14", "31/02/2024", "14.03.2024"])
def test_a_date_not_day_month_year_is_refused(typed: str) -> None:
    with pytest.raises(InvalidValue, match="Ngày ban hành"):
        check_value("ngay_ban_hanh", typed)


def test_a_personal_id_is_twelve_digits_opening_with_a_province_and_a_century() -> None:
    assert check_value("so_dinh_danh", "036089001234, 079177597066") == [
        "036089001234",
        "079177597066",
    ]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("03608900123", "12 chữ số"),
        ("003089001234", "không có tỉnh nào mang mã 003"),
        ("036789001234", "chữ số thứ tư"),
    ],
)
def test_a_personal_id_that_cannot_be_is_refused_in_vietnamese(typed: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        check_value("so_dinh_danh", typed)


def test_a_number_has_a_slash_and_a_notation() -> None:
    assert check_value("so_ky_hieu", " 245/QĐ-UBND ") == "245/QĐ-UBND"
    assert check_value("so_ky_hieu", "12/2024/NĐ-CP") == "12/2024/NĐ-CP"
    with pytest.raises(InvalidValue, match="245/QĐ-UBND"):
        check_value("so_ky_hieu", "QĐ-UBND")


def test_a_type_must_be_one_of_the_taxonomy() -> None:
    assert check_value("type", "quyet_dinh", ["quyet_dinh"]) == "quyet_dinh"
    with pytest.raises(InvalidValue):
        check_value("type", "letter", ["quyet_dinh"])


def test_an_empty_value_clears_a_field() -> None:
    assert check_value("ho_ten", "  ") is None
    assert check_value("so_dinh_danh", "") == []


# --- revisions -------------------------------------------------------------------------------


def test_a_correction_is_a_revision_with_who_when_old_and_new() -> None:
    reviewed, revision = review_manifest(
        flagged_manifest(), "decision", {"so_ky_hieu": "245/QĐ-UBND"}, "lan", AT
    )
    assert (revision.number, revision.by, revision.at) == (1, "lan", "2026-12-06T01:30:00+00:00")
    assert [(c.field, c.old, c.new) for c in revision.changes] == [
        ("so_ky_hieu", "245/QĐ", "245/QĐ-UBND")
    ]
    [decision] = reviewed.documents
    assert decision.fields.so_ky_hieu == "245/QĐ-UBND"
    assert (decision.needs_review, decision.review) == (False, [])
    assert (reviewed.revision, reviewed.revisions) == (1, [revision])


def test_confirming_a_right_value_records_no_change() -> None:
    reviewed, revision = review_manifest(
        flagged_manifest(), "decision", {"so_ky_hieu": "245/QĐ"}, "lan", AT
    )
    assert revision.changes == [] and revision.flagged == ["so_ky_hieu"]
    assert not reviewed.documents[0].needs_review


def test_revisions_append() -> None:
    once, _ = review_manifest(flagged_manifest(), "decision", {}, "lan", AT)
    twice, second = review_manifest(once, "decision", {"ho_ten": "Lê Thị Hoa"}, "minh", AT)
    assert [r.by for r in twice.revisions] == ["lan", "minh"]
    assert second.number == 2


# --- digitising again ------------------------------------------------------------------------

ORIGINALS = [("a" * 64, 1)]


def test_digitising_again_keeps_a_persons_correction() -> None:
    reviewed, _ = review_manifest(
        flagged_manifest(), "decision", {"so_ky_hieu": "245/QĐ-UBND"}, "lan", AT
    )
    read_again = flagged_manifest().documents[0].model_copy(update={"id": "new-id"})
    carried, conflicts = carry_over(reviewed, read_again, ORIGINALS)
    assert carried.fields.so_ky_hieu == "245/QĐ-UBND"
    assert not carried.needs_review and conflicts == []


def test_a_value_read_differently_on_digitising_again_is_a_conflict_kept_flagged() -> None:
    reviewed, _ = review_manifest(
        flagged_manifest(), "decision", {"so_ky_hieu": "245/QĐ-UBND"}, "lan", AT
    )
    read_again = flagged_manifest("246/QĐ-UBND").documents[0]
    carried, [conflict] = carry_over(reviewed, read_again, ORIGINALS)
    assert carried.fields.so_ky_hieu == "245/QĐ-UBND"  # the person's value stays
    assert (carried.needs_review, carried.review) == (True, ["so_ky_hieu"])
    assert (conflict.reviewed, conflict.read) == ("245/QĐ-UBND", "246/QĐ-UBND")


def test_another_paper_takes_nothing_over() -> None:
    reviewed, _ = review_manifest(
        flagged_manifest(), "decision", {"so_ky_hieu": "245/QĐ-UBND"}, "lan", AT
    )
    other = flagged_manifest().documents[0]
    carried, _ = carry_over(reviewed, other, [("b" * 64, 1)])
    assert carried.fields.so_ky_hieu == "245/QĐ"


# --- figures and the queue -------------------------------------------------------------------


def test_review_figures_count_corrections_per_field_and_the_median_wait() -> None:
    once, first = review_manifest(flagged_manifest(), "decision", {"so_ky_hieu": "1/QĐ"}, "a", AT)
    figures = summarise_reviews([first], awaiting=3)
    assert (figures.awaiting, figures.reviewed) == (3, 1)
    assert figures.corrections_by_field == {"so_ky_hieu": 1}
    expected = (AT - datetime.fromisoformat(once.created)).total_seconds()
    assert figures.median_wait_seconds == expected


def test_the_queue_lists_flagged_documents_oldest_first_by_field(catalogue: Catalogue) -> None:
    older = flagged_manifest()
    newer = flagged_manifest().model_copy(
        update={"dossier_id": "hs-2", "created": "2025-02-01T00:00:00+00:00"}
    )
    newer.documents = [newer.documents[0].model_copy(update={"id": "later", "review": ["type"]})]
    for m in (newer, older):
        catalogue.index_manifest(m, {d.id: ["text"] for d in m.documents})
    assert [d.id for d in catalogue.review_queue()] == ["decision", "later"]
    assert [d.id for d in catalogue.review_queue(ReviewQueue(field="type"))] == ["later"]
    assert [d.id for d in catalogue.review_queue(ReviewQueue(dossier_id="hs-1"))] == ["decision"]
    reviewed, revision = review_manifest(older, "decision", {}, "lan", AT)
    catalogue.index_manifest(reviewed, {"decision": ["text"]})
    assert [d.id for d in catalogue.review_queue()] == ["later"]
    assert catalogue.revisions() == [revision]


def test_a_number_filled_in_apart_from_its_kind_is_outlined_in_both_parts() -> None:
    words = (
        Word("Số:", Box(100, 300, 160, 330), 95.0),
        Word("25", Box(180, 300, 220, 330), 60.0),
        Word("/QĐ-UBND", Box(400, 300, 560, 330), 93.0),
    )
    text = PageText(2480, 3508, (Line(Box(100, 300, 560, 330), 0.0, 0.0, words),))
    assert value_boxes("so_ky_hieu", "25/QĐ-UBND", text) == [words[1].box, words[2].box]

"""A document's type as understanding reports it: the classifier's, checked against the number
as extracted, and a copy's form beside it."""

from datetime import date

from sohoa.pipeline.classify import Classification
from sohoa.pipeline.understand import type_in_doubt, understand_dossier
from tests.test_classify import official, page

SURE_NOTICE = Classification("thong_bao", 0.99, needs_review=False)


def test_a_type_whose_extracted_number_agrees_is_not_in_doubt():
    assert not type_in_doubt(SURE_NOTICE, "46/TB-UBND")


def test_a_type_whose_extracted_number_names_another_type_is_in_doubt():
    assert type_in_doubt(SURE_NOTICE, "46/QĐ-UBND")


def test_a_number_naming_no_type_leaves_the_type_as_it_is():
    assert not type_in_doubt(SURE_NOTICE, "3722/VPCP-CN")
    assert not type_in_doubt(SURE_NOTICE, None)


def test_an_unsure_classifier_is_in_doubt_whatever_the_number():
    assert type_in_doubt(Classification("other", 0.4, needs_review=True), "46/TB-UBND")


def test_a_copy_is_understood_as_its_original_with_its_form():
    decision = official("QUYẾT ĐỊNH", "245/QĐ-UBND", "Điều 1. Phê duyệt kế hoạch.")
    stamp = page("VĂN PHÒNG UBND TỈNH", "TRÍCH SAO", "Số: 05/TrS-VP", "Quảng Ngãi, ngày 10/3/2025")
    (document,) = understand_dossier([decision, stamp], date(2026, 12, 6))
    assert (document.type, document.copy_form) == ("quyet_dinh", "trich_sao")

"""Numbers and days written by hand into the printed form, or read poorly, go to review with
what was read, rather than standing as confident values."""

from __future__ import annotations

import pytest

from sohoa.pipeline.extract import extract_fields
from sohoa.pipeline.extract.reading import FILL_IN_CONFIDENCE, is_debris
from sohoa.pipeline.page import PageContent
from tests.test_extract import body, centred, decision, laid_out, official, with_confidence

UNSURE = FILL_IN_CONFIDENCE - 10


def test_a_typed_number_read_surely_is_not_for_review():
    extraction = extract_fields("quyet_dinh", [decision(number="Số: 3722/VPCP-CN")])
    assert extraction.fields.so_ky_hieu == "3722/VPCP-CN"
    assert "so_ky_hieu" not in extraction.review


def test_a_count_standing_apart_from_its_type_is_a_fill_in_for_review():
    # The form prints "Số:      /NQ-CP"; the registry writes the count into the blank.
    extraction = extract_fields("quyet_dinh", [decision(number="Số: 445 /NQ-CP")])
    assert extraction.fields.so_ky_hieu == "445/NQ-CP"
    assert "so_ky_hieu" in extraction.review


def test_a_count_of_zero_is_no_registered_number():
    extraction = extract_fields("quyet_dinh", [decision(number="Số: 0/QĐ-BCĐ138")])
    assert "so_ky_hieu" in extraction.review


def test_a_number_whose_type_does_not_open_with_a_capital_fits_no_register():
    extraction = extract_fields("quyet_dinh", [decision(number="Số: 15/qđ-UBND")])
    assert "so_ky_hieu" in extraction.review


def test_a_count_read_unsurely_is_for_review():
    page = with_confidence(decision(number="Số: 293"), {"293"}, UNSURE)
    extraction = extract_fields("giay_khai_sinh", [page])
    assert extraction.fields.so_ky_hieu == "293"
    assert "so_ky_hieu" in extraction.review


def test_a_count_glued_to_its_label_is_not_judged_by_the_labels_confidence():
    page = with_confidence(decision(number="Số:293"), {"Số:293"}, UNSURE)
    assert "so_ky_hieu" not in extract_fields("giay_khai_sinh", [page]).review


def test_a_day_read_unsurely_is_a_fill_in_for_review_with_what_was_read():
    page = with_confidence(
        decision(date_line="Quảng Ngãi, ngày 4 tháng 01 năm 2025"), {"4"}, UNSURE
    )
    extraction = extract_fields("thong_bao", [page])
    assert extraction.fields.ngay_ban_hanh == "2025-01-04"
    assert "ngay_ban_hanh" in extraction.review


def test_a_typed_date_read_surely_is_not_for_review():
    page = decision(date_line="Hà Nội, ngày 28 tháng 4 năm 2026")
    extraction = extract_fields("cong_van", [page])
    assert extraction.fields.ngay_ban_hanh == "2026-04-28"
    assert "ngay_ban_hanh" not in extraction.review


def test_a_receipt_stamps_digits_under_the_date_are_not_the_dates():
    page = laid_out(
        *official(date_line="Hà Nội, ngày 28 tháng 4 năm 2026"),
        [(280, "V/v cơ chế đặc thù xây dựng"), (1100, "ĐẾN Ngày..29/4...")],
    )
    page = with_confidence(page, {"Ngày..29/4..."}, 30)
    extraction = extract_fields("cong_van", [page])
    assert extraction.fields.ngay_ban_hanh == "2026-04-28"
    assert "ngay_ban_hanh" not in extraction.review


def test_a_header_date_a_stamp_covers_goes_to_review_not_to_a_later_date():
    # The body cites another paper's date ("Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024").
    page = decision(date_line="Hà Nội, ngàyJ© lh@wÔj ĐẾN")
    extraction = extract_fields("thong_tu", [page])
    assert extraction.fields.ngay_ban_hanh is None
    assert "ngay_ban_hanh" in extraction.review


def test_ocr_debris_is_no_issuer_and_goes_to_review():
    page = decision(issuer=("VĂN PHÒNG TRUNG ƯƠNG ĐẢNG", "IN TIẾN BỘ ˆ SỐ V Á CV 1TB Ư Ể"))
    extraction = extract_fields("cong_van", [page])
    assert extraction.fields.co_quan_ban_hanh is None
    assert "co_quan_ban_hanh" in extraction.review


def test_ocr_debris_is_no_summary_and_goes_to_review():
    page = decision(number="Số: 15/UBND-VP", under_number=("V/v ĩ ẵ Jể qạ ờ cv 1tb tr",))
    extraction = extract_fields("cong_van", [page])
    assert extraction.fields.trich_yeu is None
    assert "trich_yeu" in extraction.review


@pytest.mark.parametrize(
    "text",
    [
        "Văn phòng trung ương đảng một thành viên in tiến bộ ˆ số v á cv 1tb",
        "ĩ ẵ Jể qạ ờ",
    ],
)
def test_lone_letters_and_unknown_words_are_debris(text):
    assert is_debris(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ban chỉ đạo 138 tỉnh Quảng Ngãi",
        "Ủy ban nhân dân tỉnh Quảng Ngãi",
        "cơ chế đặc thù xây dựng công trình khẩn cấp đối với Dự án kéo dài tuyến Metro",
        "thực hiện Nghị định 123/2020/NĐ-CP của UBND tỉnh",
    ],
)
def test_names_and_summaries_are_words(text):
    assert not is_debris(text)


def test_a_two_line_issuer_block_keeps_its_parent_body():
    page = decision(issuer=("UBND TỈNH QUẢNG NGÃI", "SỞ TƯ PHÁP"), number="Số: 15/QĐ-STP")
    fields = extract_fields("quyet_dinh", [page]).fields
    assert fields.co_quan_ban_hanh == "Sở Tư pháp tỉnh Quảng Ngãi"
    assert fields.co_quan_chu_quan == "Ủy ban nhân dân tỉnh Quảng Ngãi"


def test_a_unit_line_completes_the_issuer_and_names_no_parent():
    fields = extract_fields("quyet_dinh", [decision()]).fields
    assert fields.co_quan_ban_hanh == "Ủy ban nhân dân huyện Hải Hậu"
    assert fields.co_quan_chu_quan is None


def submission(date_line: str, *summary: str) -> PageContent:
    """A tờ trình of a provincial committee: the title and its summary centred under the
    header, the addressee under them."""
    return laid_out(
        *official(issuer=("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"), date_line=date_line),
        [(805, "TỜ TRÌNH")],  # centred, and right of the motto's edge, as printed
        *map(centred, summary),
        centred("Kính gửi: Hội đồng nhân dân tỉnh"),
        body("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"),
    )


def test_the_title_under_a_date_whose_day_does_not_read_still_opens_the_body():
    page = submission("Quảng Ngãi, ngày     tháng 01 năm 2025", "Về việc miễn nhiệm Ủy viên")
    extraction = extract_fields("to_trinh", [page])
    assert extraction.fields.trich_yeu == "miễn nhiệm Ủy viên"
    assert "ngay_ban_hanh" in extraction.review


def test_ve_viec_misread_as_va_viec_is_still_the_summarys_opening():
    page = submission("Quảng Ngãi, ngày 06 tháng 01 năm 2025", "và việc miễn nhiệm Ủy viên")
    assert extract_fields("to_trinh", [page]).fields.trich_yeu == "miễn nhiệm Ủy viên"


def test_a_summary_whose_first_line_is_short_runs_on_to_the_addressee():
    page = submission(
        "Quảng Ngãi, ngày 06 tháng 01 năm 2025",
        "Tình hình, kết quả thực hiện công tác",
        "cải cách thủ tục hành chính tháng 01/2025 của tỉnh Quảng Ngãi",
    )
    assert extract_fields("bao_cao", [page]).fields.trich_yeu == (
        "Tình hình, kết quả thực hiện công tác cải cách thủ tục hành chính tháng 01/2025 "
        "của tỉnh Quảng Ngãi"
    )


def test_a_dash_between_words_of_a_summary_is_kept():
    page = submission(
        "Quảng Ngãi, ngày 06 tháng 01 năm 2025", "Về việc miễn nhiệm Ủy viên nhiệm kỳ 2021 - 2026"
    )
    assert extract_fields("to_trinh", [page]).fields.trich_yeu == (
        "miễn nhiệm Ủy viên nhiệm kỳ 2021 - 2026"
    )


def test_a_summary_with_a_letter_vietnamese_does_not_write_goes_to_review():
    page = submission("Quảng Ngãi, ngày 06 tháng 01 năm 2025", "Về việc cải cách tỉnh Quảng Nøãi")
    extraction = extract_fields("to_trinh", [page])
    assert extraction.fields.trich_yeu == "cải cách tỉnh Quảng Nøãi"
    assert "trich_yeu" in extraction.review


def test_an_urgency_mark_above_the_issuer_is_no_part_of_it():
    page = decision(issuer=("HỎA TỐC", "UỶ BAN NHÂN DÂN", "HUYỆN HẢI HẬU"))
    fields = extract_fields("quyet_dinh", [page]).fields
    assert fields.co_quan_ban_hanh == "Ủy ban nhân dân huyện Hải Hậu"
    assert fields.co_quan_chu_quan is None


def test_an_urgency_mark_under_the_summary_is_no_part_of_it():
    page = decision(number="Số: 15/UBND-VP", under_number=("V/v cấp Giấy chứng nhận", "KHẨN"))
    assert extract_fields("cong_van", [page]).fields.trich_yeu == "cấp Giấy chứng nhận"

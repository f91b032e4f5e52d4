"""Values that may be misread go to review rather than out as right: issuers that are no known
organisation, summaries with a word OCR was unsure of or that the body spells otherwise."""

import dataclasses

from sohoa.pipeline.extract import extract_fields
from sohoa.pipeline.extract.issuer import is_known_organisation
from tests.test_extract import TODAY, body, centred, decision, laid_out, official, with_confidence


def _read(doc_type: str, page):  # type: ignore[no-untyped-def]
    return extract_fields(doc_type, [page], TODAY)


def test_a_ministry_is_named_with_the_capitals_of_its_proper_name():
    page = decision(issuer=("BỘ CÔNG THƯƠNG", ""), number="Số: 21/2026/TT-BCT")
    extraction = _read("thong_tu", page)
    assert extraction.fields.co_quan_ban_hanh == "Bộ Công Thương"
    assert "co_quan_ban_hanh" not in extraction.review


def test_a_body_the_vocabulary_does_not_know_keeps_its_own_name_without_the_parents_place():
    page = decision(issuer=("UBND TỈNH QUẢNG NGÃI", "BAN CHỈ ĐẠO 138"), number="Số: 04/QĐ-BCĐ138")
    extraction = _read("quyet_dinh", page)
    assert extraction.fields.co_quan_ban_hanh == "Ban chỉ đạo 138"
    assert extraction.fields.co_quan_chu_quan == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert "co_quan_ban_hanh" in extraction.review


def test_a_known_department_still_takes_its_parents_place_without_review():
    page = decision(issuer=("UBND TỈNH NAM ĐỊNH", "SỞ TƯ PHÁP"), number="Số: 12/QĐ-STP")
    extraction = _read("quyet_dinh", page)
    assert extraction.fields.co_quan_ban_hanh == "Sở Tư pháp tỉnh Nam Định"
    assert "co_quan_ban_hanh" not in extraction.review


def test_known_organisations_with_their_place_or_parent_are_known():
    assert is_known_organisation("Ủy ban nhân dân phường Thạch Thang")
    assert is_known_organisation("Sở Tư pháp tỉnh Bà Rịa - Vũng Tàu")
    assert is_known_organisation("Phòng Tư pháp Ủy ban nhân dân quận 3")
    assert is_known_organisation("Văn phòng Chính phủ")


def test_a_committee_without_its_place_is_not_a_whole_name():
    assert not is_known_organisation("Ủy ban nhân dân")


def test_a_section_run_on_after_a_place_is_not_a_known_organisation():
    assert not is_known_organisation("Ủy ban nhân dân phường Phúc Xá Bộ Phận Một Cửa")


def test_an_issuer_in_lower_case_words_is_not_a_known_organisation():
    assert not is_known_organisation("Văn phòng trung ương đảng một thành viên in tiến bộ")


def _summary_page(summary: str, sentence: str):  # type: ignore[no-untyped-def]
    return laid_out(
        *official(),
        centred("QUYẾT ĐỊNH"),
        centred(f"Về việc {summary}"),
        body(sentence),
    )


def test_a_summary_word_ocr_was_unsure_of_puts_the_summary_up_for_review():
    page = _summary_page(
        "hỗ trợ kinh phí cho hộ gia đình có hoàn căm khó khăn",
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    )
    extraction = _read("quyet_dinh", with_confidence(page, {"căm"}, 64.0))
    assert "trich_yeu" in extraction.review


def test_an_unsure_summary_word_read_surely_elsewhere_in_the_document_is_no_doubt():
    page = _summary_page(
        "công nhận tổ hòa giải xã Hải Hưng",
        "Xét đề nghị của Ủy ban nhân dân xã Hưng về tổ hòa giải;",
    )
    summary_word = {"Hưng"}
    page = with_confidence(page, summary_word, 64.0)
    assert page.text is not None
    # The body's "Hưng" is read surely: give it back its confidence.
    lines = list(page.text.lines)
    body_line = lines[-1]
    lines[-1] = body_line.__class__(
        body_line.box,
        body_line.baseline_slope,
        body_line.baseline_offset,
        tuple(w.__class__(w.text, w.box, 95.0) for w in body_line.words),
    )
    page = page.__class__(page.blank, page.text.__class__(1654, 2339, tuple(lines)))
    assert "trich_yeu" not in _read("quyet_dinh", page).review


def test_a_summary_the_body_writes_with_other_marks_goes_to_review():
    page = laid_out(
        *official(under_number=("V/v dự án kéo đài tuyến Metro", "Kính gửi: Ủy ban nhân dân")),
        body("Về dự án kéo dài tuyến Metro Bến Thành - Suối Tiên, Văn phòng thông báo như sau."),
    )
    extraction = _read("cong_van", page)
    assert extraction.fields.trich_yeu == "dự án kéo đài tuyến Metro"
    assert "trich_yeu" in extraction.review


def test_a_summary_whose_dictionary_word_the_body_misread_is_no_doubt():
    page = _summary_page(
        "thỏa thuận phân chia di sản thừa kế",
        "Các bên thống nhất phân chia đi sản thừa kế của ông Lê Văn An như sau.",
    )
    assert "trich_yeu" not in _read("quyet_dinh", page).review


def test_a_summary_read_surely_and_written_alike_in_the_body_is_not_for_review():
    page = _summary_page(
        "cấp Giấy chứng nhận quyền sử dụng đất",
        "Xét đề nghị cấp Giấy chứng nhận quyền sử dụng đất của ông Lê Văn An;",
    )
    assert "trich_yeu" not in _read("quyet_dinh", page).review


def test_a_dash_between_two_words_of_a_summary_under_the_number_is_kept():
    page = laid_out(
        *official(under_number=("V/v tuyến Bến Thành - Suối Tiên", "Kính gửi: Ủy ban nhân dân")),
        body("Văn phòng thông báo ý kiến về tuyến đường sắt đô thị như sau, để các cơ quan biết."),
    )
    assert _read("cong_van", page).fields.trich_yeu == "tuyến Bến Thành - Suối Tiên"


def test_a_number_whose_count_looks_written_by_hand_goes_to_review():
    page = decision(number="Số: 115/NQ-CP")  # read surely, and fitting the register
    assert page.text is not None
    count = next(w for w in page.text.words if w.text == "115/NQ-CP")
    page = dataclasses.replace(page, handwritten=(count.box,))
    extraction = _read("nghi_quyet", page)
    assert extraction.fields.so_ky_hieu == "115/NQ-CP"
    assert "so_ky_hieu" in extraction.review


def test_a_number_glued_to_its_type_is_not_for_review_while_its_ink_looks_printed():
    extraction = _read("quyet_dinh", decision(number="Số: 115/QĐ-UBND"))
    assert "so_ky_hieu" not in extraction.review


def test_a_day_that_looks_written_by_hand_puts_the_date_up_for_review():
    page = decision(date_line="Hải Hậu, ngày 24 tháng 01 năm 2020")
    assert page.text is not None
    day = next(w for w in page.text.words if w.text == "24")
    extraction = _read("quyet_dinh", dataclasses.replace(page, handwritten=(day.box,)))
    assert extraction.fields.ngay_ban_hanh == "2020-01-24"
    assert "ngay_ban_hanh" in extraction.review

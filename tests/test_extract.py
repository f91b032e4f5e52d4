import dataclasses
from datetime import date

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.extract import REVIEW_CONFIDENCE, UNREAD_CONFIDENCE, extract_fields
from sohoa.pipeline.page import PageContent

CHAR_WIDTH = 14
WORD_GAP = 10
LINE_HEIGHT = 30
LINE_PITCH = 45
# The day the pages are read on: papers are not dated after it.
TODAY = date(2026, 12, 6)


def laid_out(*rows: list[tuple[int, str]], confidence: float = 95.0, codes=()) -> PageContent:
    """A page whose OCR lines hold the given pieces of text, each starting at its x position;
    one OCR line per row, as Tesseract reads a two-column header."""
    lines = []
    for row, pieces in enumerate(rows):
        y0 = 100 + row * LINE_PITCH
        words = []
        for x, text in pieces:
            for token in text.split():
                width = CHAR_WIDTH * len(token)
                words.append(Word(token, Box(x, y0, x + width, y0 + LINE_HEIGHT), confidence))
                x += width + WORD_GAP
        box = Box(words[0].box.x0, y0, words[-1].box.x1, y0 + LINE_HEIGHT)
        lines.append(Line(box, 0.0, 0.0, tuple(words)))
    return PageContent(blank=False, text=PageText(1654, 2339, tuple(lines)), codes=tuple(codes))


def with_confidence(page: PageContent, texts: set[str], confidence: float) -> PageContent:
    """`page` with OCR's confidence in the words reading `texts` set to `confidence`."""
    assert page.text is not None
    lines = tuple(
        dataclasses.replace(
            line,
            words=tuple(
                dataclasses.replace(w, confidence=confidence) if w.text in texts else w
                for w in line.words
            ),
        )
        for line in page.text.lines
    )
    return dataclasses.replace(page, text=dataclasses.replace(page.text, lines=lines))


def body(text: str) -> list[tuple[int, str]]:
    return [(250, text)]


def centred(text: str) -> list[tuple[int, str]]:
    return [(827 - CHAR_WIDTH * len(text) // 2, text)]


def motto() -> list[list[tuple[int, str]]]:
    """The motto's two lines, centred, as an application or a contract opens."""
    return [centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), centred("Độc lập - Tự do - Hạnh phúc")]


def official(
    issuer: tuple[str, ...] = ("UỶ BAN NHÂN DÂN", "HUYỆN HẢI HẬU"),
    number: str = "Số: 15/QĐ-UBND",
    date_line: str = "Hải Hậu, ngày 05 tháng 01 năm 2020",
    under_number: tuple[str, ...] = (),
) -> list[list[tuple[int, str]]]:
    """The two-column header of Decree 30: issuer (two lines, or more) and number left, motto
    and date right."""
    return [
        [(300, issuer[0]), (800, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
        [(320, issuer[1]), (880, "Độc lập - Tự do - Hạnh phúc")],
        *([(320, line)] for line in issuer[2:]),
        [(330, number), (850, date_line)],
        *([(280, line)] for line in under_number),
    ]


def decision(*rows: list[tuple[int, str]], codes=(), **header: object) -> PageContent:
    return laid_out(
        *official(**header),  # type: ignore[arg-type]
        centred("QUYẾT ĐỊNH"),
        centred("Về việc cấp Giấy chứng nhận quyền sử dụng đất"),
        body("Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;"),
        *rows,
        codes=codes,
    )


def test_the_number_is_read_from_the_left_column_of_the_header():
    assert extract_fields("quyet_dinh", [decision()]).fields.so_ky_hieu == "15/QĐ-UBND"


def test_spaces_ocr_put_into_the_number_are_dropped():
    page = decision(number="Số: 1906 /SGDĐT-CTrTT")
    assert extract_fields("cong_van", [page]).fields.so_ky_hieu == "1906/SGDĐT-CTrTT"


def test_a_dropped_d_bar_is_restored_in_a_known_abbreviation():
    page = decision(number="Số: 245/QD-UBND")
    assert extract_fields("quyet_dinh", [page]).fields.so_ky_hieu == "245/QĐ-UBND"


def test_a_number_glued_to_its_label_is_read():
    page = decision(number="Số:293")
    assert extract_fields("giay_chung_nhan_ket_hon", [page]).fields.so_ky_hieu == "293"


def test_a_space_ocr_put_inside_the_count_is_dropped():
    page = decision(number="Số: 931 1/XN-CAX")
    assert extract_fields("xac_nhan_cu_tru", [page]).fields.so_ky_hieu == "9311/XN-CAX"


def test_a_slash_lost_before_a_known_type_abbreviation_is_restored():
    page = decision(number="Số:726BC-SGDĐT")
    assert extract_fields("bao_cao", [page]).fields.so_ky_hieu == "726/BC-SGDĐT"


def test_a_number_after_a_speck_read_as_an_underscore_is_read():
    page = decision(number="_Số: 198/TB-UBND")
    assert extract_fields("thong_bao", [page]).fields.so_ky_hieu == "198/TB-UBND"


def test_a_t_read_as_an_i_in_a_known_abbreviation_is_restored():
    page = decision(number="Số: 369/TIr-STP")
    assert extract_fields("to_trinh", [page]).fields.so_ky_hieu == "369/TTr-STP"


def test_a_full_stop_ocr_read_before_an_abbreviation_is_dropped():
    page = decision(number="Số: 454/BC-.UBND")
    assert extract_fields("bao_cao", [page]).fields.so_ky_hieu == "454/BC-UBND"


def test_a_number_after_a_colon_and_a_speck_is_read():
    page = decision(number="Số:.145")
    assert extract_fields("giay_chung_nhan_ket_hon", [page]).fields.so_ky_hieu == "145"


def test_a_slash_after_the_year_read_as_a_seven_is_restored():
    page = decision(number="Số: 80/20207HĐCN")
    assert extract_fields("hop_dong", [page]).fields.so_ky_hieu == "80/2020/HĐCN"


def test_a_number_label_whose_o_was_read_as_an_a_is_read():
    page = decision(number="Sấ:126")
    assert extract_fields("giay_khai_sinh", [page]).fields.so_ky_hieu == "126"


def test_a_number_that_lost_its_slash_goes_to_review():
    extraction = extract_fields("to_trinh", [decision(number="Số: 72TX-UBND")])
    assert extraction.fields.so_ky_hieu is None
    assert "so_ky_hieu" in extraction.review


def test_a_handwritten_number_that_does_not_read_goes_to_review_empty():
    page = decision(number="Số: Ø74Ð /UBND-SGDĐT")
    extraction = extract_fields("cong_van", [page])
    assert extraction.fields.so_ky_hieu is None
    assert "so_ky_hieu" in extraction.review


def test_a_handwritten_day_that_does_not_read_goes_to_review_empty():
    page = decision(date_line="Đà Nẵng, ngày Jÿtháng 10 năm 2023")
    extraction = extract_fields("cong_van", [page])
    assert extraction.fields.ngay_ban_hanh is None
    assert "ngay_ban_hanh" in extraction.review


def test_a_summary_whose_ve_viec_gained_a_letter_is_read_without_it():
    page = laid_out(
        *official(),
        centred("QUYẾT ĐỊNH"),
        centred("vev việc thu hồi Giấy chứng nhận đăng ký hộ kinh doanh"),
        body("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"),
    )
    summary = extract_fields("quyet_dinh", [page]).fields.trich_yeu
    assert summary == "thu hồi Giấy chứng nhận đăng ký hộ kinh doanh"


def test_a_subject_line_that_lost_its_second_v_is_the_summary_up_to_the_addressee():
    page = decision(under_number=("V/ triển khai chương trình", "giáo dục phổ thông", "Kính gửi:"))
    summary = extract_fields("cong_van", [page]).fields.trich_yeu
    assert summary == "triển khai chương trình giáo dục phổ thông"


def test_a_contracts_number_centred_under_its_title_is_read():
    page = laid_out(
        *motto(),
        centred("HỢP ĐỒNG MUA BÁN HÀNG HÓA"),
        centred("Số: 96/2025/HĐMB"),
        body("Căn cứ Bộ luật Dân sự số 91/2015/QH13 ngày 24 tháng 11 năm 2015;"),
    )
    assert extract_fields("hop_dong", [page]).fields.so_ky_hieu == "96/2025/HĐMB"


def test_a_contracts_number_whose_label_ocr_garbled_is_read():
    page = laid_out(
        *motto(),
        centred("HỢP ĐỒNG DỊCH VỤ"),
        centred("j 9G? 07/2021/HĐDV"),
        body("Căn cứ Bộ luật Dân sự số 91/2015/QH13 ngày 24 tháng 11 năm 2015;"),
    )
    assert extract_fields("hop_dong", [page]).fields.so_ky_hieu == "07/2021/HĐDV"


def test_a_contract_cited_in_the_body_is_not_the_contracts_number():
    page = laid_out(
        *motto(),
        centred("HỢP ĐỒNG DỊCH VỤ"),
        body("Căn cứ Hợp đồng nguyên tắc số 12/2020/HĐNT"),
    )
    assert extract_fields("hop_dong", [page]).fields.so_ky_hieu is None


def test_an_eth_and_a_d_bar_read_twice_are_one_d_bar_in_the_number():
    page = laid_out(centred("HỢP ĐỒNG DỊCH VỤ"), centred("Số: 92/2020/HĐÐĐDV"))
    assert extract_fields("hop_dong", [page]).fields.so_ky_hieu == "92/2020/HĐDV"


def test_a_number_label_whose_s_was_read_as_a_section_sign_is_read():
    page = decision(number="§ố: 87/QĐ-UBND")
    assert extract_fields("quyet_dinh", [page]).fields.so_ky_hieu == "87/QĐ-UBND"


def test_a_land_certificate_is_numbered_by_its_serial():
    page = laid_out(centred("GIẤY CHỨNG NHẬN"), centred("Số phát hành: VH 848078"))
    assert extract_fields("gcn_quyen_su_dung_dat", [page]).fields.so_ky_hieu == "VH 848078"


def test_a_land_certificate_serial_with_a_speck_after_its_letters_is_read():
    page = laid_out(centred("GIẤY CHỨNG NHẬN"), centred("Số phát hành: HZ. 609008"))
    assert extract_fields("gcn_quyen_su_dung_dat", [page]).fields.so_ky_hieu == "HZ 609008"


def test_an_id_card_number_is_not_a_document_number():
    page = laid_out(centred("CĂN CƯỚC CÔNG DÂN"), [(480, "Số / No.: 036189001234")])
    assert extract_fields("cccd", [page]).fields.so_ky_hieu is None


def test_the_issuing_date_is_the_header_date_not_a_date_in_the_body():
    assert extract_fields("quyet_dinh", [decision()]).fields.ngay_ban_hanh == "2020-01-05"


def test_a_date_glued_by_ocr_is_read():
    page = decision(date_line="Hải Hậu, ngày 26tháng 3 năm 2024")
    assert extract_fields("quyet_dinh", [page]).fields.ngay_ban_hanh == "2024-03-26"


def test_a_paper_without_a_header_is_dated_by_its_place_and_date_line():
    page = laid_out(
        centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        centred("ĐƠN ĐỀ NGHỊ"),
        body("Tôi sinh ngày 01/02/1990."),
        [(900, "Đà Nẵng, ngày 24 tháng 06 năm 2020")],
    )
    assert extract_fields("don_de_nghi", [page]).fields.ngay_ban_hanh == "2020-06-24"


def test_a_date_whose_year_wrapped_onto_the_next_line_is_read():
    page = laid_out(
        [(300, "ỦY BAN NHÂN DÂN"), (800, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
        [(320, "XÃ PHƯƠNG ĐỊNH"), (880, "Độc lập - Tự do - Hạnh phúc")],
        [(330, "Số: 82/TB-UBND"), (850, "Trực Ninh, ngày 30 tháng 10 năm")],
        [(1300, "2022")],
        centred("THÔNG BÁO"),
    )
    assert extract_fields("thong_bao", [page]).fields.ngay_ban_hanh == "2022-10-30"


def test_an_application_dated_above_its_signature_is_read_across_a_wrapped_year():
    page = laid_out(
        centred("ĐƠN ĐỀ NGHỊ"),
        body("Tôi tên là: Vũ Đức Phúc"),
        [(900, "Buôn Ma Thuột, ngày 06 tháng 7 năm")],
        [(1300, "2023")],
    )
    assert extract_fields("don_de_nghi", [page]).fields.ngay_ban_hanh == "2023-07-06"


def test_a_place_and_date_line_whose_comma_was_read_as_a_full_stop_is_read():
    page = laid_out(centred("GIẤY CHỨNG NHẬN"), [(900, "Đà Nẵng. ngày 19 tháng 01 năm 2024")])
    assert extract_fields("gcn_quyen_su_dung_dat", [page]).fields.ngay_ban_hanh == "2024-01-19"


def test_a_sentence_of_the_body_opening_with_a_date_does_not_date_the_paper():
    page = laid_out(
        centred("ĐƠN ĐỀ NGHỊ"),
        body("Gia đình tôi đã nộp hồ sơ theo quy định của pháp luật hiện hành. Ngày 19 tháng 01"),
    )
    assert extract_fields("don_de_nghi", [page]).fields.ngay_ban_hanh is None


def test_a_header_date_that_does_not_read_is_for_review_not_a_date_from_the_body():
    page = decision(
        body("Đã chết vào lúc: 16 giờ 03 phút, ngày 17 tháng 10 năm 2023"),
        date_line="Hà Nội, ngày 24 tháng ?? năm 2023",
    )
    extraction = extract_fields("trich_luc_khai_tu", [page])
    assert extraction.fields.ngay_ban_hanh is None
    assert "ngay_ban_hanh" in extraction.review


def test_an_issuing_date_still_to_come_is_a_misread_digit_for_review():
    extraction = extract_fields(
        "quyet_dinh", [decision(date_line="Hà Nội, ngày 21 tháng 10 năm 2053")], TODAY
    )
    assert extraction.fields.ngay_ban_hanh is None
    assert "ngay_ban_hanh" in extraction.review


def test_an_issuing_date_still_to_come_is_the_same_day_written_in_the_body():
    page = decision(
        body("Hôm nay, ngày 21 tháng 10 năm 2023, tại trụ sở Ủy ban nhân dân huyện"),
        date_line="Hà Nội, ngày 21 tháng 10 năm 2053",
    )
    assert extract_fields("bien_ban", [page], TODAY).fields.ngay_ban_hanh == "2023-10-21"


def test_a_place_and_date_line_with_an_underscore_after_the_comma_is_read():
    page = laid_out(centred("GIẤY CHỨNG NHẬN"), [(900, "Hải Phòng,_ngày 19 thúng 5 năm 2025")])
    assert extract_fields("gcn_quyen_su_dung_dat", [page]).fields.ngay_ban_hanh == "2025-05-19"


def test_a_business_certificate_is_dated_by_its_latest_registration():
    page = laid_out(
        centred("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH"),
        centred("Đăng ký lần đầu: ngày 16 tháng 10 năm 2018"),
        centred("Đăng ký thay đổi lần thứ: 1, ngày 18 tháng 4 năm 2020"),
    )
    fields = extract_fields("gcn_dang_ky_doanh_nghiep", [page]).fields
    assert fields.ngay_ban_hanh == "2020-04-18"


def test_the_issuer_joins_its_name_and_its_place_in_sentence_case():
    fields = extract_fields("quyet_dinh", [decision()]).fields
    assert fields.co_quan_ban_hanh == "Ủy ban nhân dân huyện Hải Hậu"


def test_the_issuer_stops_at_a_register_number_glued_to_its_label():
    page = laid_out(
        [(300, "UBND PHƯỜNG PHÚ HỘI"), (800, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
        [(320, "Số20"), (880, "Độc lập - Tự do - Hạnh phúc")],
        [(330, "Quyển Số 02/2023"), (850, "Huế, ngày 05 tháng 01 năm 2023")],
        centred("TRÍCH LỤC KHAI TỬ"),
    )
    issuer = extract_fields("trich_luc_khai_tu", [page]).fields.co_quan_ban_hanh
    assert issuer == "Ủy ban nhân dân phường Phú Hội"


def test_a_land_certificates_issuer_is_the_body_it_is_signed_for():
    page = laid_out(
        centred("GIẤY CHỨNG NHẬN"),
        [(900, "Hải Phòng, ngày 29 tháng 8 năm 2022")],
        [(960, "TM. ỦY BAN NHÂN DÂN")],
        [(990, "QUẬN LÊ CHÂN")],
        [(1000, "KT. CHỦ TỊCH")],
        [(990, "PHÓ CHỦ TỊCH")],
    )
    issuer = extract_fields("gcn_quyen_su_dung_dat", [page]).fields.co_quan_ban_hanh
    assert issuer == "Ủy ban nhân dân quận Lê Chân"


def test_a_land_certificates_issuer_on_one_line_with_its_place_is_read():
    page = laid_out(centred("GIẤY CHỨNG NHẬN"), [(900, "TM. UỶ BAN NHÂN DÂN HUYỆN CỦ CHI")])
    issuer = extract_fields("gcn_quyen_su_dung_dat", [page]).fields.co_quan_ban_hanh
    assert issuer == "Ủy ban nhân dân huyện Củ Chi"


def test_a_land_certificates_issuer_not_named_above_its_signature_goes_to_review():
    page = laid_out(centred("GIẤY CHỨNG NHẬN"), [(900, "KT. CHỦ TỊCH")])
    extraction = extract_fields("gcn_quyen_su_dung_dat", [page])
    assert extraction.fields.co_quan_ban_hanh is None
    assert "co_quan_ban_hanh" in extraction.review


def test_a_department_takes_the_place_of_its_parent():
    page = decision(issuer=("UBND TỈNH NAM ĐỊNH", "SỞ TƯ PHÁP"), number="Số: 12/QĐ-STP")
    assert extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh == (
        "Sở Tư pháp tỉnh Nam Định"
    )


def test_a_parents_place_wrapped_at_a_word_that_names_a_kind_of_office_is_one_place():
    header = official(
        ("UBND THÀNH PHỐ HẢI", "PHÒNG", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"),
        number="Số: 772/TB-SKHĐT",
        date_line="Hải Phòng, ngày 17 tháng 10 năm 2019",
    )
    page = laid_out(*header)
    assert extract_fields("thong_bao", [page]).fields.co_quan_ban_hanh == (
        "Sở Kế hoạch và Đầu tư thành phố Hải Phòng"
    )


def test_a_department_whose_line_ocr_lost_is_named_by_its_number():
    page = decision(issuer=("UBND TỈNH NAM ĐỊNH", "5... ."), number="Số: 2191/QĐ-STP")
    page = with_confidence(page, {"5...", "."}, 20.0)  # all OCR saw of "SỞ TƯ PHÁP"
    assert extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh == (
        "Sở Tư pháp tỉnh Nam Định"
    )


def test_a_provincial_council_numbering_as_itself_stays_the_issuer():
    page = decision(issuer=("ỦY BAN NHÂN DÂN", "TỈNH NAM ĐỊNH"), number="Số: 219/QĐ-UBND")
    assert extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân tỉnh Nam Định"
    )


def test_the_issuer_is_the_lower_of_two_organisations():
    page = decision(issuer=("CÔNG AN HUYỆN TRỰC NINH", "CÔNG AN XÃ PHƯƠNG ĐỊNH"))
    assert extract_fields("xac_nhan_cu_tru", [page]).fields.co_quan_ban_hanh == (
        "Công an xã Phương Định"
    )


def test_a_department_name_wrapped_over_two_lines_is_one_name():
    page = decision(issuer=("UBND TỈNH NAM ĐỊNH", "SỞ TÀI NGUYÊN VÀ MÔI"), number="TRƯỜNG")
    assert extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh == (
        "Sở Tài nguyên và Môi trường tỉnh Nam Định"
    )


def test_an_office_is_named_with_its_parent_body():
    page = decision(issuer=("UBND QUẬN NINH KIỀU", "PHÒNG TÀI CHÍNH - KẾ HOẠCH"))
    assert extract_fields("gcn_dang_ky_doanh_nghiep", [page]).fields.co_quan_ban_hanh == (
        "Phòng Tài chính - Kế hoạch Ủy ban nhân dân quận Ninh Kiều"
    )


def test_a_business_registration_office_under_its_province_alone_is_its_planning_departments():
    page = decision(issuer=("THÀNH PHỐ HẢI PHÒNG", "PHÒNG ĐĂNG KÝ KINH DOANH"))
    assert extract_fields("gcn_dang_ky_doanh_nghiep", [page]).fields.co_quan_ban_hanh == (
        "Phòng Đăng ký kinh doanh Sở Kế hoạch và Đầu tư thành phố Hải Phòng"
    )


def test_a_receiving_section_acts_for_its_body():
    page = laid_out(
        [(300, "ỦY BAN NHÂN DÂN"), (800, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
        [(320, "PHƯỜNG HẠNH THÔNG"), (880, "Độc lập - Tự do - Hạnh phúc")],
        [(320, "BỘ PHẬN MỘT CỬA")],
    )
    assert extract_fields("giay_tiep_nhan_ho_so", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân phường Hạnh Thông"
    )


def test_a_place_ending_in_a_word_that_folds_like_a_unit_does_not_take_the_next_line():
    page = laid_out(
        [(300, "ỦY BAN NHÂN DÂN"), (800, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
        [(320, "XÃ NGHI PHƯƠNG"), (880, "Độc lập - Tự do - Hạnh phúc")],
        [(300, "BỘ PHẬN TIẾP NHẬN VÀ TRẢ")],
        [(360, "KẾT QUẢ")],
    )
    assert extract_fields("giay_tiep_nhan_ho_so", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân xã Nghi Phương"
    )


def test_the_issuer_is_spelled_as_the_body_spells_it():
    page = decision(
        body("Công an phường Kim Mã xác nhận thông tin về cư trú"),
        issuer=("CÔNG AN QUẬN BA ĐÌNH", "CÔNG AN PHƯỜNG KIM MA"),
    )
    assert extract_fields("xac_nhan_cu_tru", [page]).fields.co_quan_ban_hanh == (
        "Công an phường Kim Mã"
    )


def test_a_known_name_with_one_letter_misread_is_still_known():
    page = decision(issuer=("TỶ BAN NHÂN DÂN", "QUẬN HẢI CHÂU"))
    assert extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân quận Hải Châu"
    )


def test_syllables_ocr_glued_in_the_issuer_are_split():
    page = decision(issuer=("UBND THÀNH PHỐ THỦ ĐỨC", "UBND PHƯỜNG HIỆPPHÚ"))
    assert extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân phường Hiệp Phú"
    )


def test_more_than_two_syllables_ocr_glued_in_the_issuer_are_split():
    page = decision(issuer=("CÔNG AN QUẬN LÊ CHÂN", "_CÔNGANPHƯỜNGTRẠI", "CAU."))
    issuer = extract_fields("xac_nhan_cu_tru", [page]).fields.co_quan_ban_hanh
    assert issuer == "Công an phường Trại Cau"


def test_a_word_that_is_no_syllable_is_not_split_into_lone_letters():
    page = decision(issuer=("UBND HUYỆN KRÔNG PẮC", "UBND XÃ EA PHÊ"))
    assert extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân xã Ea Phê"
    )


def test_a_place_name_on_the_line_under_its_unit_word_completes_the_issuer():
    header = official(
        ("CÔNG AN THÀNH PHỐ SẦM SƠN", "CÔNG AN PHƯỜNG", "TRƯỜNG SƠN"),
        number="Số: 1417/XN-CAX",
        date_line="Sầm Sơn, ngày 04 tháng 6 năm 2020",
    )
    page = laid_out(*header)
    assert extract_fields("xac_nhan_cu_tru", [page]).fields.co_quan_ban_hanh == (
        "Công an phường Trường Sơn"
    )


def test_a_lone_letter_ending_the_issuer_is_dropped():
    page = decision(issuer=("UBND HUYỆN HÒA VANG", "UBND XÃ HÒA PHƯỚC l"))
    assert extract_fields("to_trinh", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân xã Hòa Phước"
    )


def test_a_register_number_whose_colon_reads_as_a_stop_ends_the_issuer():
    page = decision(issuer=("ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN THỦY"), number="Số. 169")
    assert extract_fields("trich_luc_khai_tu", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân phường Bến Thủy"
    )


def test_a_seal_read_as_unsure_letters_above_the_issuer_is_no_part_of_it():
    page = laid_out(
        [(300, "Ác HEU")],
        [(300, "UBND HUYỆN TRỰC NINH"), (800, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
        [(320, "UBND THỊ TRẤN CỔ LỄ"), (880, "Độc lập - Tự do - Hạnh phúc")],
    )
    page = with_confidence(page, {"Ác", "HEU"}, REVIEW_CONFIDENCE - 40)
    assert extract_fields("giay_tiep_nhan_ho_so", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân thị trấn Cổ Lễ"
    )


def test_a_place_alone_in_the_header_takes_the_organisation_the_body_names_before_it():
    page = decision(
        body("Bộ phận một cửa Ủy ban nhân dân phường Linh Trung đã tiếp nhận hồ sơ của:"),
        issuer=("PHƯỜNG LINH TRUNG", "BỘ PHẬN MỘT CỬA"),
    )
    assert extract_fields("giay_tiep_nhan_ho_so", [page]).fields.co_quan_ban_hanh == (
        "Ủy ban nhân dân phường Linh Trung"
    )


def test_an_issuer_that_lost_its_unit_word_takes_the_unit_and_place_the_body_gives():
    page = decision(
        body("Công an phường Hưng Lợi xác nhận thông tin về cư trú của công dân"),
        issuer=("CÔNG AN QUẬN NINH KIỀU", "CÔNG AN HƯNG"),
    )
    assert extract_fields("xac_nhan_cu_tru", [page]).fields.co_quan_ban_hanh == (
        "Công an phường Hưng Lợi"
    )


def test_the_issuers_tone_marks_follow_the_body_where_it_repeats_the_place():
    page = decision(
        body("Công an phường Bến Thủy xác nhận thông tin về cư trú"),
        body("Nơi thường trú: phường Bến Thủy, thành phố Vinh"),
        issuer=("CÔNG AN THÀNH PHỐ VINH", "CÔNG AN PHƯỜNG BỀN THỦY"),
    )
    assert extract_fields("xac_nhan_cu_tru", [page]).fields.co_quan_ban_hanh == (
        "Công an phường Bến Thủy"
    )


def test_the_summary_follows_the_title_without_ve_viec():
    fields = extract_fields("quyet_dinh", [decision()]).fields
    assert fields.trich_yeu == "cấp Giấy chứng nhận quyền sử dụng đất"


def test_ve_viec_after_a_speck_read_as_an_underscore_is_left_out_of_the_summary():
    page = laid_out(
        *official(number="Số: 124/BB-UBND"),
        centred("BIÊN BẢN"),
        centred("_ Về việc thỏa thuận phân chia di sản thừa kế"),
        body("Hôm nay, vào lúc 10 giờ 30 phút, ngày 22 tháng 1 năm 2025, tại"),
    )
    summary = extract_fields("bien_ban", [page]).fields.trich_yeu
    assert summary == "thỏa thuận phân chia di sản thừa kế"


def test_a_summary_ends_without_the_comma_ocr_read_after_it():
    page = laid_out(
        *official(number="Số: 12/TB-UBND"),
        centred("THÔNG BÁO"),
        centred("Về việc thay đổi địa điểm tiếp nhận hồ sơ,"),
        body("Ủy ban nhân dân huyện Hải Hậu thông báo thay đổi địa điểm tiếp nhận như sau:"),
    )
    assert extract_fields("thong_bao", [page]).fields.trich_yeu == (
        "thay đổi địa điểm tiếp nhận hồ sơ"
    )


# A body line from margin to margin.
WIDEST = (
    "Trong quá trình triển khai, nếu có khó khăn, vướng mắc, đề nghị phản ánh kịp thời về Văn phòng"
)


def test_a_short_summary_does_not_run_on_into_a_paragraph_that_happens_to_be_centred():
    page = laid_out(  # the paragraph's first line indented so far that it is centred
        [(809, "THÔNG BÁO")],
        [(679, "Về lịch tiếp công dân định kỳ")],
        [(398, "Thời hạn giải quyết được tính từ ngày nhận đủ hồ sơ hợp lệ; quá thời hạn")],
        [(250, "chưa có kết quả thì phải thông báo bằng văn bản.")],
        body(WIDEST),
    )
    summary = extract_fields("thong_bao", [page]).fields.trich_yeu
    assert summary == "Về lịch tiếp công dân định kỳ"


def test_a_paper_without_an_issuer_column_has_its_summary_under_its_title():
    page = laid_out(
        *motto(),
        centred("BIÊN BẢN ˆ"),  # a speck OCR read as a letter without case
        centred("Về việc xác minh hiện trạng thửa đất"),
        body("Hôm nay, vào lúc 14 giờ 30 phút, ngày 05 tháng 10 năm 2023, tại Thôn Tây,"),
    )
    summary = extract_fields("bien_ban", [page]).fields.trich_yeu
    assert summary == "xác minh hiện trạng thửa đất"


def test_a_full_stop_ocr_read_inside_a_summary_is_dropped():
    page = laid_out(
        centred("TỜ TRÌNH"),
        centred("Đề nghị hỗ trợ kinh phí xây. dựng nhà ở cho hộ nghèo"),
        body("Kính gửi: Ủy ban nhân dân huyện Hải Hậu."),
        centred(WIDEST),
    )
    summary = extract_fields("to_trinh", [page]).fields.trich_yeu
    assert summary == "Đề nghị hỗ trợ kinh phí xây dựng nhà ở cho hộ nghèo"


def test_a_speck_read_after_a_summary_is_dropped():
    page = laid_out(
        centred("QUYẾT ĐỊNH"),
        centred("Về việc thu hồi Giấy chứng nhận đăng ký hộ kinh doanh ˆ"),
        body("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"),
    )
    summary = extract_fields("quyet_dinh", [page]).fields.trich_yeu
    assert summary == "thu hồi Giấy chứng nhận đăng ký hộ kinh doanh"


def test_a_letters_summary_sits_under_its_number():
    page = laid_out(
        *official(number="Số: 38/UBND-VP", under_number=("V/v đôn đốc giải quyết", "hồ sơ")),
        centred("Kính gửi: Các phòng, ban chuyên môn"),
    )
    assert extract_fields("cong_van", [page]).fields.trich_yeu == "đôn đốc giải quyết hồ sơ"


def test_a_summary_stops_before_the_addressee():
    page = laid_out(
        *official(number="Số: 72/TTr-UBND"),
        centred("TỜ TRÌNH"),
        centred("Đề nghị hỗ trợ kinh phí xây dựng nhà ở"),
        centred("Kính gửi: Hội đồng nhân dân xã"),
    )
    assert extract_fields("to_trinh", [page]).fields.trich_yeu == (
        "Đề nghị hỗ trợ kinh phí xây dựng nhà ở"
    )


def test_a_summary_stops_before_the_first_paragraph():
    page = laid_out(
        *official(),
        centred("THÔNG BÁO"),
        centred("Về việc công khai danh mục thủ tục"),
        [(330, "Các cơ quan, đơn vị có liên quan có trách nhiệm phối hợp chặt chẽ")],
    )
    assert extract_fields("thong_bao", [page]).fields.trich_yeu == "công khai danh mục thủ tục"


def test_a_summary_stops_at_an_addressee_whose_second_word_ocr_misread():
    page = laid_out(
        *official(number="Số: 20/TTr-UBND"),
        centred("TỜ TRÌNH"),
        centred("Đề nghị hỗ trợ kinh phí xây dựng nhà ở cho hộ nghèo"),
        centred("Kính Hữi: Hội đồng nhân dân xã"),
    )
    summary = extract_fields("to_trinh", [page]).fields.trich_yeu
    assert summary == "Đề nghị hỗ trợ kinh phí xây dựng nhà ở cho hộ nghèo"


def test_minutes_subject_stops_at_hom_nay():
    page = laid_out(
        centred("BIÊN BẢN"),
        centred("Xác minh hiện trạng thửa đất"),
        centred("_ Hôm nay, vào lúc 11 giờ 15 phút"),
    )
    assert extract_fields("bien_ban", [page]).fields.trich_yeu == "Xác minh hiện trạng thửa đất"


def test_a_summary_stops_before_a_paragraphs_first_line_centred_by_chance():
    page = laid_out(
        *official(number="Số: 12/TB-UBND"),
        centred("THÔNG BÁO"),
        centred("Về việc thay đổi địa điểm tiếp nhận hồ sơ"),
        [(330, "Trường hợp hồ sơ chưa đầy đủ, chưa hợp lệ, cán bộ tiếp nhận")],
        body("hướng dẫn một lần, đầy đủ bằng văn bản để người nộp bổ sung, hoàn thiện hồ sơ"),
        body("trong thời hạn quy định."),
    )
    summary = extract_fields("thong_bao", [page]).fields.trich_yeu
    assert summary == "thay đổi địa điểm tiếp nhận hồ sơ"


def test_a_summary_takes_the_spelling_the_body_gives_a_dictionary_word():
    page = laid_out(
        *official(),
        centred("QUYẾT ĐỊNH"),
        centred("Về việc cấp Giấy chứng nhân quyền sử dụng đất"),
        body("Xét đề nghị cấp Giấy chứng nhận của ông Lê Văn An, sinh năm 1980."),
    )
    summary = extract_fields("quyet_dinh", [page]).fields.trich_yeu
    assert summary == "cấp Giấy chứng nhận quyền sử dụng đất"


def test_a_summary_keeps_its_spelling_against_one_other_that_is_no_dictionary_word():
    page = laid_out(
        *official(under_number=("V/v kết quả quý I năm 2024", "Kính gửi: Ủy ban nhân dân")),
        body("Kết quả quy I năm 2024 của phường như sau, theo các biểu mẫu kèm theo."),
    )
    summary = extract_fields("cong_van", [page]).fields.trich_yeu
    assert summary == "kết quả quý I năm 2024"


def test_minutes_have_their_subject_as_summary():
    page = laid_out(*official(number="Số: 180/BB-UBND"), centred("BIÊN BẢN"), centred("Hòa giải"))
    assert extract_fields("bien_ban", [page]).fields.trich_yeu == "Hòa giải"


def test_a_body_paragraph_under_a_section_heading_is_not_a_summary():
    page = laid_out(
        *official(number="Số: 863/BC-UBND"),
        centred("BÁO CÁO"),
        body("I. KẾT QUẢ THỰC HIỆN"),
        [(330, "Thực hiện Quyết định số 242/QĐ-UBND, trong kỳ")],
    )
    assert extract_fields("bao_cao", [page]).fields.trich_yeu is None


def test_an_application_has_no_summary():
    page = laid_out(centred("ĐƠN ĐỀ NGHỊ"), centred("V/v cấp bản sao trích lục khai sinh"))
    assert extract_fields("don_de_nghi", [page]).fields.trich_yeu is None


def test_the_main_person_is_the_value_of_the_first_name_label():
    page = laid_out(
        body("Họ, chữ đệm và tên: Dương Quang Đức"),
        body("Họ, chữ đệm, tên người mẹ: NGUYỄN THỊ LAN"),
    )
    assert extract_fields("don_de_nghi", [page]).fields.ho_ten == "Dương Quang Đức"


def test_a_name_in_capitals_on_the_next_line_is_read_in_title_case():
    page = laid_out([(480, "Họ và tên / Full name:")], [(480, "VÕ THỊ THUỶ")])
    assert extract_fields("cccd", [page]).fields.ho_ten == "Võ Thị Thủy"


def test_a_party_name_stops_at_the_next_label():
    page = laid_out(
        body("BÊN A (Bên cho thuê):"), body("Bà: Đặng Ngọc Phương Sinh ngày: 18/09/1970")
    )
    assert extract_fields("hop_dong", [page]).fields.ho_ten == "Đặng Ngọc Phương"


def test_a_name_in_capitals_stops_at_the_next_columns_label_standing_close():
    page = laid_out(
        [(259, "Họ, chữ đệm và tên chồng: BÙI XUÂN HÙNG"), (788, "Họ và tên vợ: PHẠM MINH HẰNG")]
    )
    assert extract_fields("giay_chung_nhan_ket_hon", [page]).fields.ho_ten == "Bùi Xuân Hùng"


def test_a_name_in_running_text_broken_at_the_line_end_goes_on_to_its_comma():
    page = laid_out(
        body("Điều 1. Hỗ trợ kinh phí sửa chữa nhà ở cho hộ gia đình bà Phan Thanh"),
        body("Quyên, số CCCD 040175813141, sinh năm 1975, nơi cư trú: Số 86 đường Trần"),
    )
    assert extract_fields("quyet_dinh", [page]).fields.ho_ten == "Phan Thanh Quyên"


def test_a_name_at_the_line_end_does_not_take_a_capitalised_word_that_opens_a_phrase():
    page = laid_out(
        body("Điều 1. Hỗ trợ kinh phí sửa chữa nhà ở cho hộ gia đình bà Phan Thanh Quyên"),
        body("Ủy ban nhân dân xã có trách nhiệm thi hành Quyết định này."),
    )
    assert extract_fields("quyet_dinh", [page]).fields.ho_ten == "Phan Thanh Quyên"


def test_a_name_keeps_its_last_word_with_an_underscore_ocr_glued_to_it():
    page = laid_out(body("Họ và tên chồng: TRẦN MINH KHOA_"))
    assert extract_fields("giay_chung_nhan_ket_hon", [page]).fields.ho_ten == "Trần Minh Khoa"


def test_particulars_under_a_title_split_at_the_header_edge_are_no_header():
    title = [(657, "GIẤY CHỨNG NHẬN"), (913, "KẾT HÔN")]  # a wide gap near the motto's edge
    page = laid_out(*official(), title, body("Họ và tên chồng: HOÀNG ĐỨC HƯỞNG"))
    assert extract_fields("giay_chung_nhan_ket_hon", [page]).fields.ho_ten == "Hoàng Đức Hưởng"


def test_a_common_surname_gets_its_marks_back():
    page = laid_out([(480, "Họ và tên / Full name:")], [(480, "NGUYÊN BẢO KHOA")])
    assert extract_fields("cccd", [page]).fields.ho_ten == "Nguyễn Bảo Khoa"


def test_a_name_is_taken_as_the_document_writes_it_best():
    page = laid_out(
        body("Họ, chữ đệm và tên: Bùi MinhYến"), body("Trân trọng cảm ơn!"), body("Bùi Minh Yến")
    )
    assert extract_fields("don_de_nghi", [page]).fields.ho_ten == "Bùi Minh Yến"


def test_a_name_with_a_word_that_lost_its_marks_is_kept_and_put_up_for_review():
    page = laid_out(body("Họ và tên / Full name:"), body("HOÀNG THỊ HUYEN"))
    extraction = extract_fields("cccd", [page])
    assert extraction.fields.ho_ten == "Hoàng Thị Huyen"
    assert "ho_ten" in extraction.review


def test_a_name_whose_unmarked_words_are_syllables_in_use_is_not_put_up_for_review():
    page = laid_out(body("Họ và tên / Full name:"), body("VÕ BAO NHUNG"))
    assert "ho_ten" not in extract_fields("cccd", [page]).review


def test_an_owner_after_a_speck_read_as_an_underscore_is_read():
    page = laid_out(body("_Ông: BÙI QUANG HUỲNH Năm sinh: 1988"))
    assert extract_fields("gcn_quyen_su_dung_dat", [page]).fields.ho_ten == "Bùi Quang Huỳnh"


def test_the_first_person_listed_is_the_owner_whatever_their_label():
    page = laid_out(
        body("Ông: LÊ MINH DŨNG Năm sinh: 1960"),
        body("Họ và tên: VŨ PHƯƠNG HUYỀN Năm sinh: 1984"),
    )
    assert extract_fields("gcn_quyen_su_dung_dat", [page]).fields.ho_ten == "Lê Minh Dũng"


def test_a_name_stops_at_the_next_column():
    page = laid_out([(250, "Họ và tên chồng: TRẦN MẠNH VIỆT"), (900, "Họ và tên vợ: HỒ NGỌC")])
    assert extract_fields("giay_chung_nhan_ket_hon", [page]).fields.ho_ten == "Trần Mạnh Việt"


def test_a_name_in_capitals_wrapped_in_its_column_goes_on_at_the_columns_start():
    page = laid_out(
        [(250, "Họ, chữ đệm và tên chồng: PHẠM QUỐC"), (900, "Họ và tên vợ: HỒ NGỌC")],
        [(250, "VIỆT"), (900, "Ngày, tháng, năm sinh: 10/10/1999")],
    )
    assert extract_fields("giay_chung_nhan_ket_hon", [page]).fields.ho_ten == "Phạm Quốc Việt"


def test_a_name_stops_before_the_birth_year_label():
    page = laid_out(body("Họ, chữ đệm và tên: TRẦN MINH LUYỆN Năm sinh: 1983"))
    assert extract_fields("gcn_quyen_su_dung_dat", [page]).fields.ho_ten == "Trần Minh Luyện"


def test_minutes_are_about_the_first_citizen_listed_with_an_id():
    page = laid_out(
        body("- Bà Trần Thị Lan, công chức Địa chính - Xây dựng"),
        body("- Bà Trần Khánh Thủy, số định danh cá nhân 066303429162, cư trú"),
    )
    assert extract_fields("bien_ban", [page]).fields.ho_ten == "Trần Khánh Thủy"


def test_a_person_named_in_running_text_is_found_after_ong_or_ba():
    page = decision(body("Điều 1. Cấp giấy chứng nhận cho bà Lê Thanh Huyền, sinh năm 1993."))
    assert extract_fields("quyet_dinh", [page]).fields.ho_ten == "Lê Thanh Huyền"


def test_personal_ids_are_listed_in_the_order_printed():
    page = laid_out(
        body("Số định danh cá nhân: 036189001234"), body("Số định danh cá nhân: 001091183173")
    )
    ids = extract_fields("giay_uy_quyen", [page]).fields.so_dinh_danh
    assert ids == ["036189001234", "001091183173"]


def test_a_persons_id_is_checked_against_the_honorific_opening_their_line():
    page = laid_out(
        body("- Bà Lê Thanh Trang, công chức Địa chính - Xây dựng"),
        body("- Ông Ngô Bảo Huỳnh, số định danh cá nhân 038063129808, cư trú tại"),
    )
    assert extract_fields("bien_ban", [page]).fields.so_dinh_danh == ["038063129808"]


def test_a_personal_id_cut_in_two_by_ocr_is_joined():
    page = laid_out(body("Số định danh cá nhân: 0361890 01234 Cấp ngày: 07/03/2024"))
    assert extract_fields("to_khai", [page]).fields.so_dinh_danh == ["036189001234"]


def test_two_ids_side_by_side_are_two_ids():
    page = laid_out([(250, "046076362716"), (900, "046197315788")])
    ids = extract_fields("giay_chung_nhan_ket_hon", [page]).fields.so_dinh_danh
    assert ids == ["046076362716", "046197315788"]


def couples_ids(*id_rows: list[tuple[int, str]]) -> list[str]:
    """The IDs read from a marriage paper: husband left, wife right, each with the birth year
    their ID encodes (1996 and 1999), then `id_rows`."""
    page = laid_out(
        [(250, "Họ và tên chồng: PHẠM QUỐC VIỆT"), (900, "Họ và tên vợ: HOÀNG KHÁNH NGUYỆT")],
        [(250, "Ngày, tháng, năm sinh: 18/04/1996"), (900, "Ngày, tháng, năm sinh: 10/10/1999")],
        *id_rows,
    )
    return extract_fields("giay_chung_nhan_ket_hon", [page]).fields.so_dinh_danh


def test_each_column_of_particulars_checks_its_own_persons_id():
    ids = couples_ids([(250, "CCCD số 092096210849"), (900, "CCCD số 048199530142")])
    assert ids == ["092096210849", "048199530142"]


def test_a_speck_read_between_two_columns_does_not_join_them():
    speck = (540, "_" * 24)  # reaching from the husband's ID nearly to the wife's column
    ids = couples_ids([(250, "CCCD số 092096210849"), speck, (900, "CCCD số 048199530142")])
    assert ids == ["092096210849", "048199530142"]


def test_an_id_alone_on_its_line_in_the_right_column_is_checked_against_that_column():
    ids = couples_ids([(250, "CCCD số 092096210849")], [(900, "CCCD số 048199530142")])
    assert ids == ["092096210849", "048199530142"]


def test_a_street_named_after_a_lady_names_no_woman():
    ids = couples_ids(
        [(250, "Nơi cư trú: Số 60 đường Hai Bà Trưng,"), (900, "Nơi cư trú: Thôn Nam,")],
        [(250, "CCCD số 092096210849"), (900, "CCCD số 048199530142")],
    )
    assert ids == ["092096210849", "048199530142"]


def test_ids_of_columns_ocr_ran_together_are_checked_against_either_birth_year():
    ids = couples_ids([(250, "Giấy tờ tùy thân: CCCD số 092096210849 Giấy tờ tùy thân: CCCD số "
                              "048199530142")])  # fmt: skip
    assert ids == ["092096210849", "048199530142"]


def test_an_id_in_an_indented_paragraph_is_checked_against_the_year_on_its_next_line():
    page = laid_out(
        [(436, "Điều 1. Công nhận bà Phạm Minh Nguyệt, số CCCD 092150384536, sinh năm")],
        [(362, "1950, nơi cư trú: Số 141 đường Điện Biên Phủ, phường Hưng Dũng, thành phố Vinh,")],
        [(362, "tỉnh Nghệ An, giữ chức vụ Tổ trưởng Tổ hòa giải thôn, nhiệm kỳ 2024 - 2029.")],
    )
    assert extract_fields("quyet_dinh", [page]).fields.so_dinh_danh == ["092150384536"]


def test_a_birth_year_ocr_split_with_a_space_still_checks_the_id():
    page = laid_out(
        body("Họ và tên: Nguyễn Thị Lan"),
        body("Số CCCD: 046181363708"),
        body("Ngày, tháng, năm sinh: 09/02/1 981, cấp ngày 13/03/2019"),
    )
    assert extract_fields("don_de_nghi", [page]).fields.so_dinh_danh == ["046181363708"]


def test_a_twelve_digit_number_failing_its_checks_is_not_an_id_and_goes_to_review():
    page = laid_out(body("Số định danh cá nhân: 999189001234"))
    extraction = extract_fields("to_khai", [page])
    assert extraction.fields.so_dinh_danh == []
    assert "so_dinh_danh" in extraction.review


def test_a_personal_id_disagreeing_with_the_birth_year_beside_it_is_left_out():
    page = laid_out(
        body("Họ và tên: Nguyễn Thị Lan"),
        body("Ngày, tháng, năm sinh: 05/01/1998"),
        body("Số định danh cá nhân: 036189001234"),
    )
    extraction = extract_fields("to_khai", [page])
    assert extraction.fields.so_dinh_danh == []
    assert "so_dinh_danh" in extraction.review


def test_a_personal_id_disagreeing_with_the_sex_is_left_out():
    page = laid_out(body("Họ và tên: Nguyễn Văn Nam Giới tính: Nam"), body("Số CCCD: 036189001234"))
    assert extract_fields("to_khai", [page]).fields.so_dinh_danh == []


def test_an_id_card_falls_back_on_its_machine_readable_zone():
    page = laid_out([(480, "Số / No.: 0792O4635O5O")], [(490, "IDVNM2046350509079204635050<<6")])
    assert extract_fields("cccd", [page]).fields.so_dinh_danh == ["079204635050"]


def test_a_tax_code_after_its_label_is_read_when_its_check_digit_holds():
    page = laid_out(body("Mã số thuế: 0100109106"), body("Điện thoại: 0912345678"))
    assert extract_fields("hop_dong", [page]).fields.ma_so_thue == ["0100109106"]


def test_a_tax_code_with_a_wrong_check_digit_is_left_out_for_review():
    extraction = extract_fields("to_khai", [laid_out(body("Mã số thuế: 0100109107"))])
    assert extraction.fields.ma_so_thue == []
    assert "ma_so_thue" in extraction.review


def test_a_tax_code_whose_label_wrapped_onto_the_next_line_is_read():
    page = laid_out(
        body("Thôn Nam, phường Trại Cau, quận Lê Chân, thành phố Hải Phòng, mã"),
        body("số thuế 0100109106, do ngừng hoạt động kinh doanh."),
    )
    assert extract_fields("quyet_dinh", [page]).fields.ma_so_thue == ["0100109106"]


def test_a_tax_code_on_the_line_after_its_label_is_read():
    page = laid_out(
        body("Phùng, xã Hòa Khương, huyện Hòa Vang, thành phố Đà Nẵng, mã số thuế"),
        body("0100109106, do ngừng hoạt động kinh doanh."),
    )
    assert extract_fields("quyet_dinh", [page]).fields.ma_so_thue == ["0100109106"]


def test_a_tax_code_with_a_branch_number_keeps_it():
    page = laid_out(body("Mã số thuế: 0100109106-001"))
    assert extract_fields("hop_dong", [page]).fields.ma_so_thue == ["0100109106-001"]


def test_ids_from_a_qr_code_win_over_an_ocr_misreading():
    payload = '{"ma_ho_so": "H41.22-240101-0001", "so_dinh_danh": "036189001234"}'
    page = laid_out(body("Số định danh cá nhân: 036189001284"), codes=[payload])
    assert extract_fields("giay_tiep_nhan_ho_so", [page]).fields.so_dinh_danh == ["036189001234"]


CARD_QR = "036189001234||Trần Thành Khải|14021989|Nam|Thôn Nam, xã Hải Hậu, tỉnh Nam Định|04062021"


def test_an_id_cards_qr_code_names_its_holder_with_the_marks_ocr_lost():
    card = laid_out(
        centred("CĂN CƯỚC CÔNG DÂN"),
        body("Họ và tên / Full name:"),
        body("TRẦN THANH KHAI"),
        codes=[CARD_QR],
    )
    extraction = extract_fields("cccd", [card])
    assert extraction.fields.ho_ten == "Trần Thành Khải"
    assert "ho_ten" not in extraction.review


def test_an_id_cards_qr_code_gives_its_issue_date_where_ocr_misread_it():
    card = laid_out(
        centred("CĂN CƯỚC CÔNG DÂN"),
        body("Ngày, tháng, năm / Date, month, year: 09/] /2018"),
        codes=[CARD_QR],
    )
    assert extract_fields("cccd", [card]).fields.ngay_ban_hanh == "2021-06-04"


def test_an_id_card_qr_code_with_an_impossible_personal_id_is_not_believed():
    card = laid_out(body("Họ và tên / Full name:"), body("TRẦN THÀNH KHẢI"), codes=[
        CARD_QR.replace("036189001234", "999189001234")
    ])  # fmt: skip
    assert extract_fields("cccd", [card]).fields.ho_ten == "Trần Thành Khải"
    assert extract_fields("cccd", [card]).fields.ngay_ban_hanh is None


def test_a_free_text_qr_code_gives_its_ids():
    page = laid_out(body("GIẤY TIẾP NHẬN"), codes=["Ma ho so: 123; CCCD: 001091183173"])
    assert extract_fields("giay_tiep_nhan_ho_so", [page]).fields.so_dinh_danh == ["001091183173"]


def test_a_qr_codes_document_number_wins():
    page = decision(codes=['{"so_ky_hieu": "16/QĐ-UBND"}'])
    assert extract_fields("quyet_dinh", [page]).fields.so_ky_hieu == "16/QĐ-UBND"


def test_a_field_read_from_unsure_words_is_kept_and_put_up_for_review():
    page = laid_out(body("Số định danh cá nhân: 036189001234"), confidence=REVIEW_CONFIDENCE - 20)
    extraction = extract_fields("to_khai", [page])
    assert extraction.fields.so_dinh_danh == ["036189001234"]
    assert "so_dinh_danh" in extraction.review


def test_one_slightly_unsure_word_of_a_long_issuer_does_not_put_it_up_for_review():
    page = with_confidence(decision(), {"HẢI"}, REVIEW_CONFIDENCE - 10)
    assert "co_quan_ban_hanh" not in extract_fields("quyet_dinh", [page]).review


def test_a_word_ocr_could_not_read_at_all_puts_its_field_up_for_review():
    page = with_confidence(decision(), {"HẢI"}, UNREAD_CONFIDENCE - 5)
    assert "co_quan_ban_hanh" in extract_fields("quyet_dinh", [page]).review


def test_nothing_found_means_empty_fields_and_nothing_to_review():
    extraction = extract_fields("other", [laid_out(body("Trân trọng cảm ơn!"))])
    assert extraction.fields.model_dump() == {
        "so_ky_hieu": None,
        "ngay_ban_hanh": None,
        "co_quan_ban_hanh": None,
        "co_quan_chu_quan": None,
        "trich_yeu": None,
        "so_dinh_danh": [],
        "so_cmnd": [],
        "ho_ten": None,
        "ma_so_thue": [],
    }
    assert extraction.review == []


def test_blank_pages_give_empty_fields():
    extraction = extract_fields("other", [PageContent(blank=True, text=None)])
    assert extraction.fields.so_dinh_danh == [] and extraction.fields.ho_ten is None


def test_a_place_and_date_line_whose_year_does_not_read_goes_to_review_empty():
    page = decision(date_line="Buôn Ma Thuột, ngày 23 tháng 1 0 năm")
    extraction = extract_fields("to_khai", [page])
    assert extraction.fields.ngay_ban_hanh is None
    assert "ngay_ban_hanh" in extraction.review


def test_an_id_card_issue_date_that_does_not_read_goes_to_review_empty():
    card = laid_out(
        centred("CĂN CƯỚC CÔNG DÂN"),
        body("Ngày, tháng, năm / Date, month, year: 09/] /2018"),
    )
    extraction = extract_fields("cccd", [card])
    assert extraction.fields.ngay_ban_hanh is None
    assert "ngay_ban_hanh" in extraction.review


def test_an_id_card_issue_date_with_a_one_read_as_a_bracket_reads():
    card = laid_out(
        centred("CĂN CƯỚC CÔNG DÂN"),
        body("Ngày, tháng, năm / Date, month, year: 09/] 1/2018"),
    )
    assert extract_fields("cccd", [card]).fields.ngay_ban_hanh == "2018-11-09"


def test_the_header_is_found_by_the_mottos_second_line_where_ocr_lost_the_first():
    page = laid_out(
        [(300, "ĐIỀN"), (880, "Độc lập - Tự do - Hạnh phúc")],
        [(300, "CÔNG AN XÃ MỸ KHÁNH"), (850, "Cần Thơ, ngày 24 tháng 8 năm 2022")],
        [(330, "Số: 3507/XN-CAX")],
        centred("XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"),
    )
    fields = extract_fields("xac_nhan_cu_tru", [page]).fields
    assert (fields.co_quan_ban_hanh, fields.so_ky_hieu) == ("Công an xã Mỹ Khánh", "3507/XN-CAX")


def card_back(*signature: str) -> PageContent:
    return laid_out(
        body("Ngày, tháng, năm / Date, month, year: 08/04/2017"),
        *(centred(line) for line in signature),
        centred("Ngô Mạnh Quyết"),
    )


def test_an_id_card_is_issued_by_the_department_its_director_signs_for():
    page = card_back("CỤC TRƯỞNG CỤC CẢNH SÁT", "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI")
    issuer = extract_fields("cccd", [page]).fields.co_quan_ban_hanh
    assert issuer == "Cục Cảnh sát quản lý hành chính về trật tự xã hội"


def test_an_id_cards_issuer_reads_with_a_few_letters_misread_or_glued():
    page = card_back("CỤCTRƯỞNG CỤC CANH SÁT và", "QUẦN LÝ HANH CHINH VE TRẠT TỰ XÃ HỌI")
    issuer = extract_fields("cccd", [page]).fields.co_quan_ban_hanh
    assert issuer == "Cục Cảnh sát quản lý hành chính về trật tự xã hội"


def test_an_id_cards_signature_block_naming_no_known_department_names_no_issuer():
    page = card_back("CỤC TRƯỞNG CỤC QUẢN LÝ XUẤT NHẬP CẢNH")
    assert extract_fields("cccd", [page]).fields.co_quan_ban_hanh is None


# A body line from margin to margin, its middle where `centred` puts a line's.
FULL_LINE = [(250, "Căn cứ Luật Tổ chức chính quyền"), (1282, "năm 2015;")]


def test_a_summary_goes_on_to_a_centred_line_with_a_speck_beside_it():
    wrapped = centred("thủ tục hành chính")
    page = laid_out(
        *official(number="Số: 72/TTr-UBND"),
        centred("TỜ TRÌNH"),
        centred("Về việc đề nghị phê duyệt kế hoạch số hóa hồ sơ"),
        [*wrapped, (1300, ":")],
        centred("Kính gửi: Hội đồng nhân dân xã"),
        FULL_LINE,
    )
    assert extract_fields("to_trinh", [page]).fields.trich_yeu == (
        "đề nghị phê duyệt kế hoạch số hóa hồ sơ thủ tục hành chính"
    )


def test_a_title_with_specks_ocr_was_unsure_of_is_still_the_title():
    page = laid_out(
        *official(number="Số: 12/TB-UBND"),
        centred("SỐ củ THÔNG BÁO"),
        centred("Về việc thay đổi địa điểm tiếp nhận hồ sơ"),
        centred("Kính gửi: Các phòng, ban chuyên môn"),
        FULL_LINE,
    )
    page = with_confidence(page, {"SỐ", "củ"}, 30.0)
    summary = extract_fields("thong_bao", [page]).fields.trich_yeu
    assert summary == "thay đổi địa điểm tiếp nhận hồ sơ"


def test_a_speck_read_as_a_stop_before_a_word_of_the_summary_is_dropped():
    page = laid_out(
        *official(number="Số: 8/UBND-TP", under_number=("V/v xác minh thông tin hồ sơ :đăng ký",)),
        centred("Kính gửi: Công an xã"),
    )
    assert extract_fields("cong_van", [page]).fields.trich_yeu == "xác minh thông tin hồ sơ đăng ký"


def test_a_place_word_in_capitals_gets_back_the_one_tone_mark_its_letters_can_take():
    page = decision(issuer=("UBND HUYỆN HOĂNG HÓA", "PHÒNG TÀI CHÍNH - KẾ HOẠCH"))
    issuer = extract_fields("gcn_dang_ky_doanh_nghiep", [page]).fields.co_quan_ban_hanh
    assert issuer == "Phòng Tài chính - Kế hoạch Ủy ban nhân dân huyện Hoằng Hóa"


def test_a_place_word_in_capitals_whose_lost_mark_could_be_one_of_several_is_kept():
    page = decision(issuer=("ỦY BAN NHÂN DÂN", "XÃ ĐIÊM TRUNG"))
    issuer = extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh
    assert issuer == "Ủy ban nhân dân xã Điêm Trung"


def test_a_known_organisation_whose_wrapped_last_word_ocr_lost_is_named_in_full():
    page = decision(issuer=("UBND TỈNH THỪA THIÊN HUẾ", "SỞ TÀI NGUYÊN VÀ MÔI"))
    issuer = extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh
    assert issuer == "Sở Tài nguyên và Môi trường tỉnh Thừa Thiên Huế"


def test_a_type_abbreviation_with_a_stroke_read_as_an_i_inside_is_restored():
    page = decision(number="Số: 336/TTIr-STP")
    assert extract_fields("to_trinh", [page]).fields.so_ky_hieu == "336/TTr-STP"


def test_an_issuer_abbreviation_that_is_no_type_abbreviation_is_kept_as_read():
    page = decision(number="Số: 12/QĐ-BQLI")
    assert extract_fields("quyet_dinh", [page]).fields.so_ky_hieu == "12/QĐ-BQLI"


def test_a_name_read_from_capitals_says_so():
    card = laid_out(body("Họ và tên / Full name:"), body("TRẦN THANH KHAI"))
    form = laid_out(body("Họ và tên: Trần Thành Khải"))
    assert extract_fields("cccd", [card]).name_source.capitals
    assert not extract_fields("don_de_nghi", [form]).name_source.capitals


def test_a_name_up_for_review_for_its_marks_alone_says_so():
    page = laid_out(body("Họ và tên / Full name:"), body("HOÀNG THỊ HUYEN"))
    unsure = with_confidence(page, {"HOÀNG", "THỊ", "HUYEN"}, REVIEW_CONFIDENCE - 1)
    assert extract_fields("cccd", [page]).name_source.review_for_marks_only
    assert not extract_fields("cccd", [unsure]).name_source.review_for_marks_only


def test_a_stamp_in_lower_case_above_an_applications_motto_is_no_issuer():
    page = laid_out(
        body("[am] : bó : -—_"),
        *motto(),
        [(900, "Cần Thơ, ngày 29 tháng 10 năm 2023")],
        centred("ĐƠN ĐỀ NGHỊ"),
    )
    assert extract_fields("don_de_nghi", [page]).fields.co_quan_ban_hanh is None


def test_a_place_whose_second_word_ocr_lost_from_the_header_is_completed_from_the_body():
    page = laid_out(
        *official(issuer=("CÔNG AN QUẬN THỦ ĐỨC", "CÔNG AN PHƯỜNG HIỆP"), number="Số: 259/XN-CAX"),
        centred("XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"),
        body("Công an phường Hiệp Phú xác nhận thông tin về cư trú của công dân như sau:"),
    )
    issuer = extract_fields("xac_nhan_cu_tru", [page]).fields.co_quan_ban_hanh
    assert issuer == "Công an phường Hiệp Phú"


def test_a_place_is_not_completed_by_the_first_word_of_the_next_sentence():
    page = laid_out(
        *official(issuer=("UBND TỈNH NGHỆ AN", "UBND THÀNH PHỐ VINH")),
        centred("QUYẾT ĐỊNH"),
        body("Theo đề nghị của Ủy ban nhân dân thành phố Vinh"),
        body("Căn cứ Luật Tổ chức chính quyền địa phương;"),
    )
    issuer = extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh
    assert issuer == "Ủy ban nhân dân thành phố Vinh"


def test_an_issuer_whose_first_word_a_seal_took_is_the_peoples_committee():
    page = decision(issuer=(": BAN NHÂN DÂN", "PHƯỜNG PHÚC XÁ"))
    issuer = extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh
    assert issuer == "Ủy ban nhân dân phường Phúc Xá"


def test_a_subject_as_wide_as_a_paragraph_is_the_summary_where_the_addressee_follows_it():
    page = laid_out(
        *official(number="Số: 515/TTr-SKHĐT"),
        centred("TỜ TRÌNH"),
        [(330, "Đề nghị phê duyệt kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính")],
        centred("Kính gửi: Hội đồng nhân dân xã."),
        [(330, "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 của Chính phủ")],
        body("về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục;"),
    )
    summary = extract_fields("to_trinh", [page]).fields.trich_yeu
    assert summary == (
        "Đề nghị phê duyệt kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính"
    )


def test_the_province_an_issuer_ends_with_is_spelled_as_it_is():
    page = decision(issuer=("UBND THÀNH PHỐ CÂN THƠ", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"))
    issuer = extract_fields("cong_van", [page]).fields.co_quan_ban_hanh
    assert issuer == "Sở Giáo dục và Đào tạo thành phố Cần Thơ"


def on_axis(text: str, axis: int = 827) -> list[tuple[int, str]]:
    """`text` laid out with the middle of its words exactly on `axis`."""
    tokens = text.split()
    width = CHAR_WIDTH * sum(len(t) for t in tokens) + WORD_GAP * (len(tokens) - 1)
    return [(axis - width // 2, text)]


def _report_under_uneven_margins(*under_title: str) -> PageContent:
    """A report whose body text reaches further right than left of the page's middle, where
    its title and the lines of its summary are centred."""
    return laid_out(
        *official(number="Số: 397/BC-UBND"),
        on_axis("BÁO CÁO"),
        *(on_axis(line) for line in under_title),
        body("I. KẾT QUẢ THỰC HIỆN"),
        body("Thực hiện Quyết định số 357/QĐ-UBND và Tờ trình số 233/TTr-UBND, trong kỳ báo cáo"),
        body("đã tiếp nhận 3547 hồ sơ, giải quyết đúng hạn 3532 hồ sơ; số hóa 180 giấy tờ khác"),
    )


def test_a_wide_summary_is_read_where_it_is_centred_on_the_title_not_on_the_text():
    summary = "Kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại các xã"
    page = _report_under_uneven_margins(summary)
    assert extract_fields("bao_cao", [page]).fields.trich_yeu == summary


def test_a_summary_wrapped_under_its_first_line_goes_on_along_that_lines_axis():
    page = _report_under_uneven_margins(
        "Kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại các xã",
        "6 tháng đầu năm 2023",
    )
    assert extract_fields("bao_cao", [page]).fields.trich_yeu == (
        "Kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại các xã "
        "6 tháng đầu năm 2023"
    )


def test_specks_inside_a_summary_are_dropped():
    page = laid_out(
        *official(number="Số: 12/TB-UBND"),
        centred("THÔNG BÁO"),
        centred("Về việc niêm yết công khai kết quả giải quyết thủ tục hành . _—_ chính"),
        body("Hồ sơ, giấy tờ đã được số hóa và lưu trữ trong kho dữ liệu điện tử của tổ chức,"),
    )
    assert extract_fields("thong_bao", [page]).fields.trich_yeu == (
        "niêm yết công khai kết quả giải quyết thủ tục hành chính"
    )


TEXT_AXIS = 774  # the middle of the body lines below


def test_a_ragged_paragraph_under_a_summary_is_not_read_on_into_it():
    page = laid_out(
        *official(number="Số: 111/TB-UBND"),
        on_axis("THÔNG BÁO", axis=TEXT_AXIS),
        on_axis(
            "Kết luận của Chủ tịch Ủy ban nhân dân tại cuộc họp giao ban tháng", axis=TEXT_AXIS
        ),
        # indented, ragged, and by chance centred
        on_axis("Định kỳ hằng quý, các đơn vị báo cáo kết quả thực hiện về Ủy ban", axis=TEXT_AXIS),
        body("nhân dân để theo dõi, chỉ đạo; thời hạn gửi báo cáo trước ngày 20 của"),
        body("tháng cuối quý."),
        body("Hồ sơ, giấy tờ đã được số hóa và lưu trữ trong kho dữ liệu điện tử của tổ chức,"),
    )
    summary = extract_fields("thong_bao", [page]).fields.trich_yeu
    assert summary == "Kết luận của Chủ tịch Ủy ban nhân dân tại cuộc họp giao ban tháng"


def test_a_word_in_lower_case_after_an_issuer_line_in_capitals_is_a_seals_edge():
    page = decision(issuer=(".UỶ BẠN NHÂN DÂN", "XÃ UY NỖ Tỷ"), number="Số: 562/TTr-UBND")
    issuer = extract_fields("to_trinh", [page]).fields.co_quan_ban_hanh
    assert issuer == "Ủy ban nhân dân xã Uy Nỗ"


def test_a_ward_named_by_its_number_keeps_it():
    page = decision(issuer=("UBND QUẬN GÒ VẤP", "UBND PHƯỜNG 5"))
    issuer = extract_fields("quyet_dinh", [page]).fields.co_quan_ban_hanh
    assert issuer == "Ủy ban nhân dân phường 5"

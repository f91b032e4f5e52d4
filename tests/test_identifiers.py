from datetime import date

import pytest

from sohoa.pipeline.identifiers import parse_date, personal_id_problem, tax_code_valid

# Nam Định (036), a woman born in the 1900s (1), in 1989, then six digits.
WOMAN_1989 = "036189001234"


def test_a_well_formed_personal_id_has_no_problem():
    assert personal_id_problem(WOMAN_1989) is None


def test_a_personal_id_agreeing_with_birth_year_and_sex_has_no_problem():
    assert personal_id_problem(WOMAN_1989, birth_year=1989, female=True) is None


def test_a_man_born_in_the_2000s_has_digit_2():
    assert personal_id_problem("079204635050", birth_year=2004, female=False) is None


@pytest.mark.parametrize(
    "value", ["03618900123", "0361890012345", "03618900123O", "036 189001234", ""]
)
def test_a_personal_id_must_be_twelve_digits(value):
    assert personal_id_problem(value) == "not 12 digits"


def test_a_personal_id_must_open_with_a_real_province_code():
    assert "province" in (personal_id_problem("003189001234") or "")


def test_a_personal_id_century_digit_must_be_0_to_3():
    assert "century" in (personal_id_problem("036589001234") or "")


def test_a_personal_id_must_agree_with_the_birth_year():
    assert "born 1989" in (personal_id_problem(WOMAN_1989, birth_year=1998) or "")


def test_a_personal_id_in_the_wrong_century_disagrees_with_the_birth_year():
    assert personal_id_problem("036389001234", birth_year=1989) is not None


def test_a_personal_id_must_agree_with_the_sex():
    assert "sex" in (personal_id_problem(WOMAN_1989, female=False) or "")


@pytest.mark.parametrize("value", ["0100109106", "4811406819", "0100109106-001"])
def test_a_tax_code_with_its_check_digit_is_valid(value):
    assert tax_code_valid(value)


@pytest.mark.parametrize(
    "value", ["0100109107", "010010910", "01001091066", "0100109106-01", "0100109106 001"]
)
def test_a_tax_code_with_a_wrong_check_digit_or_shape_is_invalid(value):
    assert not tax_code_valid(value)


def test_a_tax_code_asking_for_check_digit_ten_is_invalid():
    # 5 * 1 + 3 * 2 = 11: the check digit would have to be 10; some implementations write 0
    assert not tax_code_valid("0000000120")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Hà Nội, ngày 05 tháng 01 năm 2020", date(2020, 1, 5)),
        ("ngày 5 tháng 1 năm 2020", date(2020, 1, 5)),
        ("Đà Nẵng, ngày 26tháng 3năm 2024", date(2024, 3, 26)),
        ("Ngay 26 thang 03 nam 2024", date(2024, 3, 26)),
        ("Trực Ninh, ngày 18 tháng 6.năm 2025", date(2025, 6, 18)),
        ("Trực Ninh, ngày 11 tháng 04 năm: 2021", date(2021, 4, 11)),
        ("Hải Phòng, ngày 19 thúng 5 năm 2025", date(2025, 5, 19)),
        ("Sinh ngày: 05/01/2020", date(2020, 1, 5)),
        ("05.01.2020", date(2020, 1, 5)),
    ],
)
def test_parse_date_reads_worded_and_slashed_dates(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Hà Nội, ngày 05 tháng 1 0 năm 2020", date(2020, 10, 5)),
        ("Hà Nội, ngày 09/] 1/2018", date(2018, 11, 9)),
        ("ngày l2 tháng |0 năm 2O21", date(2021, 10, 12)),
        ("Hà Nội, ngày 24 tháng T1 năm 2023", date(2023, 11, 24)),
        ("Buôn Ma Thuột, ngày 01 tháng 12 năm - | 2021", date(2021, 12, 1)),
        ("Nghi Lộc, ngày Z5 tháng 03 năm 2025", date(2025, 3, 25)),
    ],
)
def test_parse_date_reads_digits_ocr_split_or_misread_as_look_alikes(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "text",
    ["ngày l tháng ] năm 2020", "ngày … tháng 10 năm 2023", "ngày 20 tháng 1 11 năm 2014"],
)
def test_parse_date_does_not_guess_a_number_without_digits_or_with_too_many(text):
    assert parse_date(text) is None


def test_parse_date_reads_across_quotes_ocr_read_before_a_wrapped_year():
    assert parse_date('Hồ Chí Minh, ngày 21 tháng 08 "“năm2024 -') == date(2024, 8, 21)


def test_parse_date_reads_a_month_word_ocr_misread():
    assert parse_date("Phú Vang, ngày 04 thư 01 năm 2023") == date(2023, 1, 4)


def test_parse_date_finds_a_date_after_a_stray_number():
    assert parse_date("Số: 5 12/01/2020") == date(2020, 1, 12)


def test_parse_date_takes_the_first_date_in_the_text():
    assert parse_date("ngày 05 tháng 01 năm 2020, cấp ngày 07/04/2023") == date(2020, 1, 5)


@pytest.mark.parametrize(
    "text", ["ngày 31 tháng 02 năm 2020", "13/13/2020", "ngày 05 tháng 01 năm 1850", "năm 2020"]
)
def test_parse_date_rejects_impossible_dates(text):
    assert parse_date(text) is None


def test_parse_date_skips_an_impossible_date_for_a_real_one():
    assert parse_date("32/01/2020 hoặc 07/04/2023") == date(2023, 4, 7)

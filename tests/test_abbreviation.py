import pytest

from sohoa.pipeline.abbreviation import number_abbreviation, number_on_line, read_number
from sohoa.pipeline.taxonomy import load_taxonomy


@pytest.mark.parametrize(
    ("number", "abbreviation"),
    [
        ("729/QĐ-TTg", "QĐ"),
        ("21/2026/TT-BCT", "TT"),
        ("115/NQ-CP", "NQ"),
        ("45/2020/NĐ-CP", "NĐ"),
        ("15/2020/TTLT-BTC-BNV", "TTLT"),
        ("391-TTr/VTCCB", "TTr"),
        ("02-NQ/TW", "NQ"),
        ("3722/VPCP-CN", "VPCP"),
    ],
)
def test_the_type_part_is_read_from_state_legal_and_party_numbers(number, abbreviation):
    assert number_abbreviation(number) == abbreviation


@pytest.mark.parametrize(
    ("number", "abbreviation"),
    [
        ("445 /NQ-CP", "NQ"),
        ("2 † /2026/TT-BCT", "TT"),
        ("O{_ /TTr-UBND", "TTr"),
        ("Øf_ /CT-UBND", "CT"),
    ],
)
def test_a_misread_handwritten_number_keeps_its_printed_abbreviation(number, abbreviation):
    assert number_abbreviation(number) == abbreviation


@pytest.mark.parametrize("number", ["64/2023/QH15", "12", "Hà Nội, ngày 5 tháng 1"])
def test_a_number_without_a_type_part_has_none(number):
    assert number_abbreviation(number) is None


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("729/QĐ-TTg", "quyet_dinh"),
        ("21/2026/TT-BCT", "thong_tu"),
        ("115/NQ-CP", "nghi_quyet"),
        ("391-TTr/VTCCB", "to_trinh"),
        ("01/CT-UBND", "chi_thi"),
        ("01/QD-UBND", "quyet_dinh"),  # Đ read as D
        ("01/TTR-UBND", "to_trinh"),  # case lost
        ("12/HD-UBND", "huong_dan"),  # as written: not hợp đồng
        ("12/HĐ-UBND", "hop_dong"),
    ],
)
def test_an_abbreviation_names_its_type(number, code):
    evidence = read_number(number, load_taxonomy())
    assert (evidence.type, evidence.copy_form) == (code, None)


def test_a_copy_abbreviation_names_a_copy_form_not_a_type():
    evidence = read_number("05/SY-UBND", load_taxonomy())
    assert (evidence.type, evidence.copy_form) == (None, "sao_y")


def test_an_issuer_where_a_type_would_stand_names_nothing():
    evidence = read_number("3722/VPCP-CN", load_taxonomy())
    assert (evidence.abbreviation, evidence.type) == ("VPCP", None)


def test_the_number_is_what_follows_its_label():
    assert number_on_line("Số: 445 /NQ-CP") == "445 /NQ-CP"
    assert number_on_line("Sở Tư pháp tỉnh Quảng Ngãi") is None

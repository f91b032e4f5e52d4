"""Personal IDs wherever a paper states them: 12-digit IDs and legacy 9-digit CMND numbers in
running text on any document type, checked, and found again by `--person` in the catalogue."""

from __future__ import annotations

from datetime import date

import pytest

from sohoa.pipeline.extract import extract_fields
from sohoa.pipeline.identifiers import cmnd_problem, personal_id_problem
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.search_terms import parse_query
from tests.postgres import postgres_url  # noqa: F401 (the fixture of the PostgreSQL runs)
from tests.test_catalogue import document, ids, manifest
from tests.test_extract import body, decision, laid_out

TODAY = date(2026, 12, 6)


def read(doc_type: str, *lines: str):
    page = decision(*map(body, lines)) if doc_type == "quyet_dinh" else laid_out(*map(body, lines))
    return extract_fields(doc_type, [page], TODAY)


def test_an_id_in_a_decisions_article_is_found():
    extraction = read(
        "quyet_dinh",
        "Điều 1. Công nhận hộ ông (bà) Nguyễn Văn An, số định danh cá nhân 054192623902, "
        "cư trú tại thôn Phú Long",
    )
    assert extraction.fields.so_dinh_danh == ["054192623902"]
    assert "so_dinh_danh" not in extraction.review


def test_an_id_in_minutes_is_found():
    extraction = read(
        "bien_ban",
        "BIÊN BẢN",
        "Hôm nay có mặt ông Lê Văn Tám và ông (bà) Trần Thị Bình, số định danh cá nhân "
        "030174959335, người sử dụng đất",
    )
    assert extraction.fields.so_dinh_danh == ["030174959335"]
    assert "so_dinh_danh" not in extraction.review


def test_a_forms_ong_ba_says_nothing_of_the_persons_sex():
    # 1: a woman; the form's "ông (bà)" must not make her a man and her ID a misread.
    for honorific in ("ông (bà)", "ông/ bà", "Ông (Bà)"):
        line = f"Cấp cho {honorific} Trần Thị Bình, số định danh cá nhân 030174959335"
        assert read("bien_ban", line).fields.so_dinh_danh == ["030174959335"]


def test_the_name_after_a_forms_ong_ba_is_the_persons():
    line = "Điều 1. Công nhận hộ ông (bà) Nguyễn Văn An, số định danh cá nhân 054192623902"
    assert read("quyet_dinh", line).fields.ho_ten == "Nguyễn Văn An"


@pytest.mark.parametrize(
    "label",
    [
        "số định danh cá nhân",
        "so dinh danh ca nhan",  # OCR dropped every mark
        "CCCD số",
        "căn cước số",
        "căn cước công dân số",
        "can cuoc cong dan so",
        "CMND số",  # a 12-digit CMND number is the personal ID
        "chứng minh nhân dân số",
    ],
)
def test_a_twelve_digit_id_is_found_after_any_label(label):
    extraction = read("hop_dong", f"Bên A: ông Lê Văn Tám, {label} 036089001234, cư trú tại")
    assert extraction.fields.so_dinh_danh == ["036089001234"]
    assert extraction.fields.so_cmnd == []


@pytest.mark.parametrize(
    "line",
    [
        "Ông Lê Văn Tám, CMND số 162345678 cấp ngày 01/02/2010 tại Công an tỉnh Nam Định",
        "Ông Lê Văn Tám, số CMND: 162345678",
        "Ông Lê Văn Tám, chứng minh nhân dân số 162345678",
        "Ong Le Van Tam, chung minh nhan dan so 162345678",
        "Ông Lê Văn Tám, CMTND số 162 345 678",  # OCR's spaces inside the number
    ],
)
def test_a_legacy_cmnd_number_is_kept_in_its_own_field(line):
    extraction = read("hop_dong", line)
    assert extraction.fields.so_cmnd == ["162345678"]
    assert extraction.fields.so_dinh_danh == []
    assert extraction.review == []


def test_nine_digits_without_a_card_label_are_no_cmnd_number():
    extraction = read("hop_dong", "Giá chuyển nhượng: 162345678 đồng, số tài khoản 162345678")
    assert extraction.fields.so_cmnd == []


def test_a_cmnd_number_from_no_province_is_left_out_for_review():
    extraction = read("hop_dong", "Ông Lê Văn Tám, CMND số 992345678")
    assert extraction.fields.so_cmnd == []
    assert "so_cmnd" in extraction.review


def test_an_id_of_someone_born_after_today_is_a_misread_for_review():
    # Century digit 3 and year 45: a woman born in 2045.
    extraction = read("hop_dong", "Bà Trần Thị Bình, số định danh cá nhân 036345001234")
    assert extraction.fields.so_dinh_danh == []
    assert "so_dinh_danh" in extraction.review


def test_an_id_of_someone_born_this_century_before_today_is_kept():
    extraction = read("hop_dong", "Bà Trần Thị Bình, số định danh cá nhân 036305001234")
    assert extraction.fields.so_dinh_danh == ["036305001234"]


def test_a_cmnd_number_opens_with_a_province_code_from_01_to_38():
    assert cmnd_problem("162345678") is None
    assert cmnd_problem("381234567") is None
    assert "province" in (cmnd_problem("392345678") or "")
    assert "province" in (cmnd_problem("002345678") or "")


@pytest.mark.parametrize("value", ["16234567", "1623456789", "16234567O", ""])
def test_a_cmnd_number_is_nine_digits(value):
    assert cmnd_problem(value) == "not 9 digits"


def test_a_personal_id_is_checked_against_today_only_when_given():
    assert personal_id_problem("036345001234") is None
    assert "to come" in (personal_id_problem("036345001234", today=TODAY) or "")
    assert personal_id_problem("036226001234", today=TODAY) is None


def test_a_query_picks_out_a_cmnd_number_but_not_part_of_a_longer_number():
    assert parse_query("162345678").person_ids == ["162345678"]
    assert parse_query("1623456789").person_ids == []


def test_a_paper_is_found_by_the_cmnd_number_it_states(catalogue: Catalogue) -> None:
    catalogue.index_manifest(
        manifest(
            "d1",
            document("contract", "hop_dong", so_cmnd=["162345678"]),
            document("decision", "quyet_dinh", so_dinh_danh=["036089001234"]),
        ),
        {"contract": ["CMND số 162345678"], "decision": ["số định danh 036089001234"]},
    )
    assert ids(catalogue, person_id="162345678") == ["contract"]
    assert ids(catalogue, person_id="036089001234") == ["decision"]
    assert ids(catalogue, "162345678") == ["contract"]

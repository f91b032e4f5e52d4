import unicodedata

import pytest

from sohoa.pipeline.text import fold, nfc, normalise, place_tone, split_tone, syllables


def test_nfc_composes_decomposed_marks():
    assert nfc("Vie\u0302\u0323t") == "Việt"


@pytest.mark.parametrize(
    ("written", "agreed"),
    [
        ("hoà", "hòa"),
        ("Hoà", "Hòa"),
        ("thuý", "thúy"),
        ("khoẻ", "khỏe"),
        ("Uỷ", "Ủy"),
        ("hoàn", "hoàn"),
        ("quý", "quý"),
        ("già", "già"),
        ("gì", "gì"),
        ("mía", "mía"),
        ("mưa", "mưa"),
        ("người", "người"),
        ("khuỷu", "khuỷu"),
        ("huýt", "huýt"),
        ("QUYẾT", "QUYẾT"),
    ],
)
def test_place_tone_puts_the_mark_on_the_agreed_vowel(written, agreed):
    assert place_tone(written) == agreed


def test_normalise_unifies_tone_placement_in_running_text():
    assert normalise("Cộng hoà, Uỷ ban") == "Cộng hòa, Ủy ban"


def test_normalise_returns_nfc():
    assert unicodedata.is_normalized("NFC", normalise("Ho\u0300a"))


def test_fold_strips_marks_and_maps_d_bar():
    assert fold("ĐỘC LẬP - Tự do - Hạnh phúc") == "doc lap - tu do - hanh phuc"


def test_fold_agrees_on_both_tone_placements():
    assert fold("hoà") == fold("hòa") == "hoa"


def test_split_tone_separates_the_mark():
    assert split_tone("quyết") == ("quyêt", "\u0301")


def test_split_tone_leaves_syllables_with_two_tone_marks_alone():
    garbled = nfc("a\u0301\u0300")
    assert split_tone(garbled) == (garbled, None)


def test_syllables_split_on_punctuation_and_keep_digits():
    assert syllables("Số: 245/QĐ-UBND ngày 14") == ["Số", "245", "QĐ", "UBND", "ngày", "14"]

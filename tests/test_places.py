from sohoa.pipeline.places import PROVINCES, province_named


def test_there_are_the_63_provinces_and_cities_and_hue():
    assert len(set(PROVINCES)) == 64


def test_a_province_whose_marks_ocr_lost_is_named_as_it_is_spelled():
    assert province_named("CÂN THƠ") == "Cần Thơ"
    assert province_named("Đẳk Lắk") == "Đắk Lắk"


def test_a_place_that_is_no_province_is_named_by_none():
    assert province_named("Buôn Ma Thuột") is None

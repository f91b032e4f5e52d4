import pytest

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.correct import Lexicon, best_syllable, correct_page, is_valid_syllable


def corrected(text: str) -> str:
    """`text` as one OCR line, corrected."""
    words = tuple(Word(w, Box(0, 0, 10, 10), 90.0) for w in text.split())
    page = PageText(100, 100, (Line(Box(0, 0, 100, 10), 0.0, 0.0, words),))
    return correct_page(page).plain_text()


@pytest.mark.parametrize("syllable", ["ma", "mà", "má", "mả", "mã", "mạ"])
def test_an_open_syllable_takes_all_six_tones(syllable):
    assert is_valid_syllable(syllable)


@pytest.mark.parametrize(
    "syllable",
    ["quyết", "người", "nghĩa", "giếng", "gì", "khuỷu", "thuở", "yêu", "uyên", "ĐỘC", "Hòa", "hoà"],
)
def test_real_syllables_are_valid(syllable):
    assert is_valid_syllable(syllable)


@pytest.mark.parametrize(
    ("syllable", "broken_rule"),
    [
        ("quyêt", "a stop final takes only sắc or nặng"),
        ("tầt", "a stop final takes only sắc or nặng"),
        ("cem", "k before e"),
        ("ghă", "g before a, and ă needs a final"),
        ("ngĩa", "ngh before i"),
        ("iêu", "iê without an onset is written yê"),
        ("mả̀", "two tone marks"),
        ("ubnd", "no such rhyme"),
    ],
)
def test_impossible_syllables_are_invalid(syllable, broken_rule):
    assert not is_valid_syllable(syllable), broken_rule


def test_an_impossible_syllable_gets_its_stacked_mark_back():
    assert corrected("Quyêt định số 15") == "Quyết định số 15"


def test_an_eth_read_for_d_with_stroke_becomes_d_with_stroke():
    assert corrected("Ðộc lập - Tự do") == "Độc lập - Tự do"


def test_a_neighbour_forming_a_word_chooses_the_repair():
    assert corrected("phòng chông dịch") == "phòng chống dịch"


def test_an_unknown_syllable_becomes_the_known_one_its_context_asks_for():
    assert corrected("khẩn trương triên khai") == "khẩn trương triển khai"


def test_a_comma_parts_syllables_that_would_otherwise_form_a_word():
    assert corrected("tô chức") == "tổ chức"
    assert corrected("tô, chức") == "tô, chức"


def test_a_small_lexicon_decides_between_same_letter_syllables():
    lexicon = Lexicon.build({"tô": 4.2, "tổ": 4.0}, ["tổ chức"])
    assert best_syllable("tô", None, "chức", lexicon) == "tổ"
    assert best_syllable("tô", None, "bát", lexicon) == "tô"


def test_a_neighbour_already_in_a_word_gives_no_context():
    # "lực kế" is a word, but "lực" already belongs to "hiệu lực".
    assert corrected("hiệu lực kể từ ngày") == "hiệu lực kể từ ngày"


def test_frequency_alone_does_not_change_a_known_word():
    assert corrected("thông tin nêu trên") == "thông tin nêu trên"


@pytest.mark.parametrize(
    "line",
    [
        "Số: 15/QĐ-UBND ngày 05/01/2020",
        "UBND THÀNH PHỐ ĐÀ NẴNG",
        "NGUYEN VAN PHUC",
        "do bà Lê Thanh Hương ký",
        "Date of birth: 01/02/1990",
        "IDVNM0939978678040093997867<<<",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    ],
)
def test_numbers_abbreviations_names_english_and_valid_text_are_left_alone(line):
    assert corrected(line) == line


def test_words_keep_their_boxes_and_confidences():
    words = (Word("Quyêt", Box(1, 2, 30, 12), 41.5), Word("định", Box(33, 2, 60, 12), 88.0))
    page = PageText(200, 100, (Line(Box(1, 2, 60, 12), 0.01, -2.0, words),))

    fixed = correct_page(page)

    assert [w.text for w in fixed.words] == ["Quyết", "định"]
    assert [(w.box, w.confidence) for w in fixed.words] == [(w.box, w.confidence) for w in words]
    assert fixed.lines[0].box == page.lines[0].box
    assert (fixed.width, fixed.height) == (200, 100)

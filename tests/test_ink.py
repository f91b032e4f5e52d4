"""Digits written by hand into a printed form are told from printed ones by their ink."""

from PIL import Image, ImageDraw, ImageFont

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.ink import handwritten_digits
from tests.pages import FONT

PRINTED = ["ngày", "19", "tháng", "6", "năm", "2015", "số", "39", "2022", "điều", "12", "2024"]


def _page(
    fill_ins: dict[str, dict[str, object]], printed_ink: int = 0
) -> tuple[Image.Image, PageText]:
    """A page of printed words and digits in `printed_ink`, and the words of `fill_ins` drawn
    as they say (a wider stroke, another ink); its OCR words boxed where they are drawn."""
    page = Image.new("L", (1654, 600), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 32)
    words, x, y = [], 100, 100
    for text, style in [*((t, {}) for t in PRINTED), *fill_ins.items()]:
        fill = style.get("fill", printed_ink)
        stroke = int(style.get("stroke", 0))  # type: ignore[call-overload]
        draw.text((x, y), text, font=font, fill=fill, stroke_width=stroke, stroke_fill=fill)
        x0, y0, x1, y1 = draw.textbbox((x, y), text, font=font, stroke_width=stroke)
        words.append(Word(text, Box(int(x0), int(y0), int(x1), int(y1)), 95.0))
        x = int(x1) + 30
        if x > 1400:
            x, y = 100, y + 80
    lines = tuple(Line(w.box, 0.0, 0.0, (w,)) for w in words)
    return page, PageText(1654, 600, lines)


def _found(page: Image.Image, text: PageText) -> set[str]:
    boxes = set(handwritten_digits(page, text))
    return {w.text for w in text.words if w.box in boxes}


def test_a_page_of_printed_digits_has_none_written_by_hand():
    assert _found(*_page({})) == set()


def test_digits_drawn_with_wider_strokes_than_the_printed_ones_are_written_by_hand():
    assert _found(*_page({"115": {"stroke": 2}})) == {"115"}


def test_digits_in_darker_ink_than_the_printed_ones_are_written_by_hand():
    assert _found(*_page({"24": {"fill": 0}}, printed_ink=90)) == {"24"}


def test_ink_on_a_scan_that_saturates_all_ink_to_black_says_nothing():
    assert _found(*_page({"24": {"fill": 0}}, printed_ink=0)) == set()


def test_letters_are_never_taken_for_handwritten_digits():
    assert _found(*_page({"QĐ": {"stroke": 2}})) == set()


def test_with_too_few_printed_digits_to_compare_nothing_is_said():
    page = Image.new("L", (400, 100), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 32)
    draw.text((20, 20), "115", font=font, fill=0, stroke_width=2, stroke_fill=0)
    word = Word("115", Box(*map(int, draw.textbbox((20, 20), "115", font=font))), 95.0)
    assert handwritten_digits(page, PageText(400, 100, (Line(word.box, 0.0, 0.0, (word,)),))) == ()


def test_boxes_of_a_reading_at_twice_the_size_are_measured_on_the_page_itself():
    page, text = _page({"115": {"stroke": 2}})

    def doubled(box: Box) -> Box:
        return Box(box.x0 * 2, box.y0 * 2, box.x1 * 2, box.y1 * 2)

    lines = tuple(
        Line(
            doubled(line.box),
            0.0,
            0.0,
            tuple(Word(w.text, doubled(w.box), 95.0) for w in line.words),
        )
        for line in text.lines
    )
    enlarged = PageText(text.width * 2, text.height * 2, lines)
    boxes = set(handwritten_digits(page, enlarged, scale=2))
    assert {w.text for w in enlarged.words if w.box in boxes} == {"115"}

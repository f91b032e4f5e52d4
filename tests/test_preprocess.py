import pytest
from PIL import Image, ImageFilter

from sohoa.pipeline import preprocess
from sohoa.pipeline.preprocess import analyse_page, grey_for_ocr, inked_part, upright
from tests.pages import text_page


def test_white_page_is_blank() -> None:
    assert analyse_page(Image.new("L", (1654, 2339), 250), 200).blank


def test_duplex_back_with_speckle_is_blank() -> None:
    page = Image.effect_noise((1654, 2339), 12).point(lambda v: 255 if v > 60 else 200)
    assert analyse_page(page, 200).blank


def test_printed_page_is_not_blank() -> None:
    assert not analyse_page(text_page().convert("L"), 200).blank


@pytest.mark.parametrize("angle", [-3.0, -1.2, 0.8, 2.5])
def test_skew_is_measured_within_a_quarter_degree(angle: float) -> None:
    page = text_page().convert("L").rotate(angle, fillcolor=255, resample=Image.Resampling.BICUBIC)
    assert analyse_page(page, 200).skew == pytest.approx(angle, abs=0.25)


@pytest.mark.parametrize(("turn", "rotation"), [(0, 0), (90, 90), (180, 180), (270, 270)])
def test_the_ink_tells_which_way_up_the_page_is(turn: int, rotation: int) -> None:
    # PIL turns anticlockwise; `rotation` is the clockwise turn that undoes it.
    page = text_page().convert("L").rotate(turn, expand=True)
    assert analyse_page(page, 200).rotation_hint == rotation


def test_upright_turns_clockwise() -> None:
    page = Image.new("L", (200, 100), 255)
    page.putpixel((0, 0), 0)  # top left corner
    turned = upright(page, 90)
    assert turned.size == (100, 200)
    assert turned.getpixel((99, 0)) == 0  # a clockwise quarter turn moves it top right


@pytest.mark.parametrize("angle", [-2.5, 1.5])
def test_upright_takes_the_skew_out_and_keeps_the_size(angle: float) -> None:
    page = text_page().convert("L").rotate(angle, fillcolor=255, resample=Image.Resampling.BICUBIC)
    straight = upright(page, 0, straighten=angle)
    assert straight.size == page.size and straight.mode == "L"
    assert analyse_page(straight, 200).skew == pytest.approx(0, abs=0.25)
    assert straight.getpixel((0, 0)) == 255  # where no page was: white


def test_red_seal_ink_is_whitened_for_ocr_and_black_text_kept() -> None:
    page = Image.new("RGB", (30, 10), "white")
    page.paste((200, 30, 40), (0, 0, 10, 10))  # seal red
    page.paste((20, 20, 20), (10, 0, 20, 10))  # black print
    page.paste((60, 15, 20), (20, 0, 30, 10))  # black print where it crosses the seal
    grey = grey_for_ocr(page)
    assert grey.getpixel((5, 5)) == 255
    assert grey.getpixel((15, 5)) < 40
    assert grey.getpixel((25, 5)) < 80


def test_red_seal_ink_on_a_palette_page_is_whitened_for_ocr_too() -> None:
    page = Image.new("RGB", (30, 10), "white")
    page.paste((200, 30, 40), (0, 0, 10, 10))  # seal red
    page.paste((20, 20, 20), (10, 0, 20, 10))  # black print
    grey = grey_for_ocr(page.convert("P", palette=Image.Palette.ADAPTIVE))
    assert grey.getpixel((5, 5)) == 255
    assert grey.getpixel((15, 5)) < 40


def test_a_bilevel_page_is_made_grey_without_looking_for_seals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(preprocess, "cv2", None)  # the colour path would need OpenCV
    page = Image.new("1", (20, 10), 1)
    page.paste(0, (0, 0, 10, 10))
    grey = grey_for_ocr(page)
    assert grey.mode == "L"
    assert (grey.getpixel((5, 5)), grey.getpixel((15, 5))) == (0, 255)


def faint_print(ink: int, paper: int) -> Image.Image:
    """A printed page in two grey levels only, as a 16-colour palette leaves a sparse page: the
    print merged with its anti-aliased edges into one light grey."""
    printed = text_page().convert("L")
    return printed.point(lambda v: ink if v < 128 else paper)


def test_faint_print_is_not_blank() -> None:
    assert not analyse_page(faint_print(ink=190, paper=233), 200).blank


def test_faint_print_still_tells_which_way_up_it_is() -> None:
    page = faint_print(ink=190, paper=233).rotate(90, expand=True)
    assert analyse_page(page, 200).rotation_hint == 90


def test_duplex_back_with_bleed_through_is_blank() -> None:
    front = text_page().convert("L").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    ghost = front.filter(ImageFilter.GaussianBlur(2)).point(lambda v: round(233 - (255 - v) * 0.06))
    assert analyse_page(ghost, 200).blank


def test_the_inked_part_keeps_a_quarter_inch_of_paper_around_the_print() -> None:
    page = text_page(dpi=200).convert("L")
    part = inked_part(page, 200)
    assert part is not None
    left, top, right, bottom = part
    # The print starts 0.8 inch from the left and 1 inch from the top.
    assert 160 - 50 - 10 <= left <= 160 - 50 and 200 - 50 - 10 <= top <= 200 - 50
    # Every dark pixel of the page is inside it.
    ink_box = page.point(lambda v: 255 if v < 200 else 0).getbbox()
    assert ink_box is not None
    assert left <= ink_box[0] and top <= ink_box[1]
    assert ink_box[2] <= right and ink_box[3] <= bottom


def test_a_page_inked_to_its_edges_is_read_whole() -> None:
    page = text_page(dpi=200).convert("L")
    page.paste(0, (0, 0, page.width, 8))  # a scanner's dark edge along the top
    page.paste(0, (0, page.height - 8, page.width, page.height))
    assert inked_part(page, 200) is None


def test_a_blank_page_has_no_inked_part() -> None:
    assert inked_part(Image.new("L", (1654, 2338), 255), 200) is None

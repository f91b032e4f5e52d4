from pathlib import Path

import pytest

from sohoa.ocr.tesseract import TesseractEngine, parse_hocr
from tests.pages import text_page

HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body>
<div class='ocr_page' id='page_1' title='image "x.pgm"; bbox 0 0 1654 2339; ppageno 0'>
 <span class='ocr_line' id='line_1_1' title="bbox 157 138 600 268; baseline -0.045 -12; x_size 66">
  <span class='ocrx_word' id='word_1_1' title='bbox 157 214 317 268; x_wconf 93'>CỘNG</span>
  <span class='ocrx_word' id='word_1_2' title='bbox 332 219 414 261; x_wconf 71'>HÒA</span>
 </span>
</div></body></html>""".encode()


def test_hocr_gives_words_boxes_confidences_and_baselines() -> None:
    page = parse_hocr(HOCR)
    assert (page.width, page.height) == (1654, 2339)
    [line] = page.lines
    assert [w.text for w in line.words] == ["CỘNG", "HÒA"]
    assert line.words[1].box.x0 == 332 and line.words[1].confidence == 71
    assert line.baseline_y(157) == pytest.approx(268 - 12)
    assert page.mean_confidence == pytest.approx(82)


def test_hocr_text_is_nfc() -> None:
    decomposed = "Ho\u0302\u0300ng"  # "Hồng" typed with combining marks
    page = parse_hocr(HOCR.replace("HÒA".encode(), decomposed.encode()))
    assert page.lines[0].words[1].text == "Hồng"


@pytest.mark.slow
def test_tesseract_reads_vietnamese_print(tmp_path: Path) -> None:
    path = tmp_path / "page.pgm"
    text_page(dpi=200).convert("L").save(path)
    page = TesseractEngine("vie").recognise(path, dpi=200)
    words = {w.text for w in page.words}
    assert {"QUYẾT", "ĐỊNH", "Hưởng", "Phương", "Định"} <= words
    assert (page.mean_confidence or 0) > 80


@pytest.mark.slow
def test_tesseract_tells_an_upside_down_page(tmp_path: Path) -> None:
    path = tmp_path / "page.pgm"
    text_page(dpi=200).convert("L").rotate(180).save(path)
    orientation = TesseractEngine("vie").detect_orientation(path, dpi=200)
    assert orientation is not None and orientation.rotation == 180

import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from PIL import Image

from sohoa.ocr.engine import OcrError
from sohoa.ocr.tesseract import TesseractEngine, _Reader, parse_hocr
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
def test_tesseract_reads_vietnamese_print() -> None:
    page = TesseractEngine("vie").recognise(text_page(dpi=200), dpi=200)
    words = {w.text for w in page.words}
    assert {"QUYẾT", "ĐỊNH", "Hưởng", "Phương", "Định"} <= words
    assert (page.mean_confidence or 0) > 80


@pytest.mark.slow
@pytest.mark.parametrize("turned", [90, 180, 270])
def test_tesseract_tells_how_to_turn_a_page_upright_as_its_command_does(
    tmp_path: Path, turned: int
) -> None:
    image = text_page(dpi=200).convert("L").rotate(turned, expand=True)  # anticlockwise
    path = tmp_path / "page.pgm"
    image.save(path)  # for the `tesseract` command

    orientation = TesseractEngine("vie").detect_orientation(image, dpi=200)

    command = subprocess.run(
        ["tesseract", str(path), "-", "--psm", "0", "--dpi", "200"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert orientation is not None and orientation.rotation == turned
    assert f"Rotate: {turned}" in command
    assert f"Orientation confidence: {orientation.confidence:.2f}" in command


@pytest.mark.slow
def test_a_page_with_too_little_text_has_no_orientation() -> None:
    blank = Image.new("L", (1654, 2339), 255)
    assert TesseractEngine("vie").detect_orientation(blank, dpi=200) is None


def _page_readers() -> list[psutil.Process]:
    """This process's long-lived Tesseract readers."""
    return [
        child for child in psutil.Process().children() if "sohoa.ocr.page_reader" in child.cmdline()
    ]


@pytest.fixture
def page() -> Image.Image:
    return text_page(dpi=200)


@pytest.mark.slow
def test_engines_share_readers_that_outlive_them(page: Image.Image) -> None:
    TesseractEngine("vie").recognise(page, dpi=200)
    readers = _page_readers()

    TesseractEngine("vie").recognise(page, dpi=200)

    assert readers and _page_readers() == readers


@pytest.mark.slow
def test_readers_started_ahead_read_the_pages_read_at_once(page: Image.Image) -> None:
    engine = TesseractEngine("vie+eng")  # readers of their own: the other tests' stay as many
    engine.start_readers(3)
    readers = _page_readers()
    assert len(readers) >= 3

    with ThreadPoolExecutor(max_workers=3) as pool:
        read = list(pool.map(lambda _: engine.recognise(page, dpi=200), range(3)))

    assert all("Định" in {w.text for w in text.words} for text in read)
    assert _page_readers() == readers  # none started while the pages waited


@pytest.mark.slow
def test_a_page_that_hangs_tesseract_times_out_and_the_next_page_is_read(page: Image.Image) -> None:
    engine = TesseractEngine("vie", timeout_s=10)
    engine.recognise(page, dpi=200)
    for reader in _page_readers():
        os.kill(reader.pid, signal.SIGSTOP)  # stuck, as on a page that never ends

    with pytest.raises(OcrError, match="timed out"):
        engine.recognise(page, dpi=200)

    assert "Định" in {w.text for w in engine.recognise(page, dpi=200).words}


@pytest.mark.slow
def test_a_reader_that_died_while_waiting_is_replaced_and_no_page_fails(
    page: Image.Image,
) -> None:
    engine = TesseractEngine("vie")
    engine.recognise(page, dpi=200)
    dead = _page_readers()
    for reader in dead:
        reader.kill()
        reader.wait()

    assert "Định" in {w.text for w in engine.recognise(page, dpi=200).words}
    assert not {r.pid for r in dead} & {r.pid for r in _page_readers()}


@pytest.mark.slow
def test_an_image_tesseract_cannot_read_fails_its_page_and_the_reader_goes_on(
    page: Image.Image,
) -> None:
    engine = TesseractEngine("vie")
    engine.recognise(page, dpi=200)
    readers = _page_readers()

    with pytest.raises(OcrError, match=r"tesseract failed: .*could not recognise the page"):
        engine.recognise(Image.new("L", (0, 0)), dpi=200)

    assert "Định" in {w.text for w in engine.recognise(page, dpi=200).words}
    assert _page_readers() == readers


@pytest.mark.slow
def test_a_reader_that_stops_reading_its_pipe_times_out(page: Image.Image) -> None:
    engine = TesseractEngine("vie", timeout_s=10)
    engine.recognise(page, dpi=200)
    for reader in _page_readers():
        os.kill(reader.pid, signal.SIGSTOP)  # the page's pixels fill the pipe and stay there

    with pytest.raises(OcrError, match="timed out"):
        engine.recognise(text_page(dpi=300), dpi=300)

    assert "Định" in {w.text for w in engine.recognise(page, dpi=200).words}


@pytest.mark.slow
def test_a_reader_that_cannot_start_says_why() -> None:
    with pytest.raises(OcrError, match=r"could not start: .*language data 'xx'"):
        _Reader("xx", deadline=time.monotonic() + 30)

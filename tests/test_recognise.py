from pathlib import Path

from PIL import Image, ImageChops

from sohoa.ocr.engine import Box, Line, Orientation, PageText, Word
from sohoa.ocr.tesseract import TesseractEngine
from sohoa.pipeline.ingest import PageImage, iter_pages, open_source
from sohoa.pipeline.preprocess import inked_part, upright
from sohoa.pipeline.recognise import PageReading, read_page
from tests.pages import save_jpeg, text_page


class FakeEngine:
    """Reads confidently only when the page is turned the way `upright_at` says. It tells
    which turn it was given by comparing the image with the scan (`scan`) turned each way."""

    def __init__(self, upright_at: int, osd: int | None) -> None:
        self.upright_at, self.osd = upright_at, osd
        self.scan: Image.Image | None = None
        self.read_rotations: list[int] = []
        self.read_sizes: list[tuple[int, int, int]] = []  # width, height, dpi
        self.orientation_calls = 0

    def recognise(self, image: Image.Image, *, dpi: int) -> PageText:
        rotation = self._turn_of(image, dpi)
        self.read_rotations.append(rotation)
        self.read_sizes.append((image.width, image.height, dpi))
        confidence = 92.0 if rotation == self.upright_at else 35.0
        word = Word("Quyết", Box(10, 10, 60, 30), confidence)
        return PageText(image.width, image.height, (Line(Box(10, 10, 60, 30), 0.0, 0.0, (word,)),))

    def detect_orientation(self, image: Image.Image, *, dpi: int) -> Orientation | None:
        self.orientation_calls += 1
        return Orientation(self.osd, 5.0) if self.osd is not None else None

    def _turn_of(self, image: Image.Image, dpi: int) -> int:
        assert self.scan is not None
        scan = self.scan.convert("L")
        thumb = image.convert("L").resize((64, 64))
        # Each turn of the scan, whole (as a page read enlarged is given) and its inked part.
        turns = [
            (rotation, shown)
            for rotation in (0, 90, 180, 270)
            for shown in _as_read(upright(scan, rotation), dpi)
            if _landscape(shown) == _landscape(image)
        ]

        def difference(turn: tuple[int, Image.Image]) -> int:
            changed = ImageChops.difference(thumb, turn[1].resize((64, 64))).histogram()
            return sum(level * count for level, count in enumerate(changed))

        return min(turns, key=difference)[0]


def _as_read(turned: Image.Image, dpi: int) -> list[Image.Image]:
    """What OCR may be given of a turned scan: the whole of it, and its inked part."""
    part = inked_part(turned, dpi)
    return [turned, turned.crop(part)] if part else [turned]


def _landscape(image: Image.Image) -> bool:
    return image.width > image.height


def _page(tmp_path: Path, image: Image.Image, dpi: int = 200) -> PageImage:
    path = save_jpeg(image, tmp_path / "page.jpg", dpi=dpi)
    [page] = list(iter_pages(open_source(path, path.name)))
    return page


def _read(tmp_path: Path, image: Image.Image, engine: FakeEngine, dpi: int = 200) -> PageReading:
    page = _page(tmp_path, image, dpi)
    engine.scan = page.raster
    return read_page(page, engine)


def test_upright_page_costs_one_engine_call(tmp_path: Path) -> None:
    engine = FakeEngine(upright_at=0, osd=0)
    reading = _read(tmp_path, text_page(), engine)
    assert (reading.rotation, engine.read_rotations, engine.orientation_calls) == (0, [0], 0)


def test_upside_down_page_is_read_the_right_way_first(tmp_path: Path) -> None:
    engine = FakeEngine(upright_at=180, osd=180)
    reading = _read(tmp_path, text_page().rotate(180), engine)
    assert (reading.rotation, engine.read_rotations, engine.orientation_calls) == (180, [180], 0)


def test_page_on_its_side_is_read_the_right_way_first(tmp_path: Path) -> None:
    engine = FakeEngine(upright_at=270, osd=270)
    reading = _read(tmp_path, text_page().rotate(-90, expand=True), engine)
    assert (reading.rotation, engine.read_rotations, engine.orientation_calls) == (270, [270], 0)
    assert (reading.width_px, reading.height_px) == text_page().size


def test_when_the_ink_misleads_the_engine_decides(tmp_path: Path) -> None:
    # The page looks upright but only reads well turned over: the engine's guess wins.
    engine = FakeEngine(upright_at=180, osd=180)
    reading = _read(tmp_path, text_page(), engine)
    assert reading.rotation == 180
    assert engine.read_rotations == [0, 180]
    assert engine.orientation_calls == 1


def test_without_an_orientation_guess_the_other_way_up_is_tried(tmp_path: Path) -> None:
    engine = FakeEngine(upright_at=180, osd=None)
    assert _read(tmp_path, text_page(), engine).rotation == 180


def test_blank_page_is_not_read(tmp_path: Path) -> None:
    engine = FakeEngine(upright_at=0, osd=0)
    reading = _read(tmp_path, Image.new("RGB", (1654, 2339), "white"), engine)
    assert reading.blank and reading.text is None
    assert engine.read_rotations == []


def test_reading_survives_a_json_round_trip(tmp_path: Path) -> None:
    reading = _read(tmp_path, text_page(), FakeEngine(upright_at=0, osd=0))
    assert PageReading.from_json(reading.to_json()) == reading


def test_low_resolution_page_is_read_at_twice_its_size(tmp_path: Path) -> None:
    engine = FakeEngine(upright_at=0, osd=0)
    page = text_page(dpi=100)
    reading = _read(tmp_path, page, engine, dpi=100)
    assert engine.read_sizes == [(page.width * 2, page.height * 2, 200)]
    assert (reading.width_px, reading.height_px, reading.ocr_scale) == (*page.size, 2)


def test_page_scanned_at_200_dpi_is_read_at_its_own_size(tmp_path: Path) -> None:
    engine = FakeEngine(upright_at=0, osd=0)
    page = text_page(dpi=200)
    _read(tmp_path, page, engine)
    [(width, height, dpi)] = engine.read_sizes
    assert dpi == 200 and width <= page.width and height <= page.height


def test_only_the_inked_part_of_a_scan_is_read_and_its_words_are_placed_on_the_page(
    tmp_path: Path,
) -> None:
    engine = FakeEngine(upright_at=0, osd=0)
    page = text_page(dpi=200)
    reading = _read(tmp_path, page, engine)
    [(width, height, _)] = engine.read_sizes
    assert width * height < 0.8 * page.width * page.height
    assert reading.text is not None
    assert (reading.text.width, reading.text.height) == page.size
    # The fake reads its word at (10, 10) of what it was given: the print starts 0.8 inch
    # from the left and 1 inch from the top, and a quarter inch of paper is kept around it.
    [word] = reading.text.words
    assert 150 - 50 - 10 < word.box.x0 - 10 <= 160 - 50
    assert 200 - 50 - 10 < word.box.y0 - 10 <= 200 - 50
    assert (word.box.width, word.box.height) == (50, 20)


def test_a_photo_of_unknown_resolution_is_read_whole(tmp_path: Path) -> None:
    engine = FakeEngine(upright_at=0, osd=0)
    page = text_page(dpi=200)
    path = tmp_path / "photo.png"
    page.save(path)  # no resolution in the file
    [image] = list(iter_pages(open_source(path, path.name)))
    assert image.dpi_assumed
    engine.scan = image.raster
    read_page(image, engine)
    assert [(w, h) for w, h, _ in engine.read_sizes] == [image.raster.size]


def test_words_read_from_the_inked_part_sit_where_the_scan_shows_them(tmp_path: Path) -> None:
    page = _page(tmp_path, text_page(dpi=200))
    reading = read_page(page, TesseractEngine("vie"))
    assert reading.text is not None and (reading.text.width, reading.text.height) == (1654, 2338)
    # The first line is printed from 0.8 inch left and 1 inch down: (160, 200) at 200 dpi.
    first = reading.text.lines[0].words[0]
    assert abs(first.box.x0 - 160) <= 6
    assert 200 <= first.box.y0 <= 200 + 20

from pathlib import Path

from PIL import Image, ImageChops

from sohoa.ocr.engine import Box, Line, Orientation, PageText, Word
from sohoa.pipeline.ingest import PageImage, iter_pages, open_source
from sohoa.pipeline.preprocess import upright
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
        rotation = self._turn_of(image)
        self.read_rotations.append(rotation)
        self.read_sizes.append((image.width, image.height, dpi))
        confidence = 92.0 if rotation == self.upright_at else 35.0
        word = Word("Quyết", Box(10, 10, 60, 30), confidence)
        return PageText(image.width, image.height, (Line(Box(10, 10, 60, 30), 0.0, 0.0, (word,)),))

    def detect_orientation(self, image: Image.Image, *, dpi: int) -> Orientation | None:
        self.orientation_calls += 1
        return Orientation(self.osd, 5.0) if self.osd is not None else None

    def _turn_of(self, image: Image.Image) -> int:
        assert self.scan is not None
        scan = self.scan.convert("L")
        thumb = image.convert("L").resize((64, 64))
        turns = [upright(scan, r) for r in (0, 90, 180, 270)]

        def difference(turn: int) -> int:
            changed = ImageChops.difference(thumb, turns[turn].resize((64, 64))).histogram()
            return sum(level * count for level, count in enumerate(changed))

        shaped = [t for t in range(4) if _landscape(turns[t]) == _landscape(image)]
        return 90 * min(shaped, key=difference)


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


def test_page_scanned_at_200_dpi_is_read_as_is(tmp_path: Path) -> None:
    engine = FakeEngine(upright_at=0, osd=0)
    _read(tmp_path, text_page(dpi=200), engine)
    assert engine.read_sizes == [(*text_page(dpi=200).size, 200)]

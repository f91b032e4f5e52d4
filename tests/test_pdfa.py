import math
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline import pdfa
from sohoa.pipeline.embed import EncodedImage
from sohoa.pipeline.ingest import iter_pages, open_source
from sohoa.pipeline.pdfa import DocumentInfo, PageSpec, assemble_pdfa, validate, write_page_fragment
from sohoa.pipeline.xmp import SOHOA_NS
from tests.pages import save_jpeg, text_page

INFO = DocumentInfo("hs-1 tài liệu", "hs-1", "other", "sohoa test")


def _words_line() -> Line:
    words = (
        Word("Quyết", Box(100, 200, 300, 250), 95.0),
        Word("định", Box(320, 200, 480, 250), 93.0),
    )
    return Line(Box(100, 200, 480, 250), 0.0, -10.0, words)


def _page(
    tmp_path: Path, rotation: int = 0, skew: float = 0.0, ocr_straightened: float = 0.0
) -> tuple[EncodedImage, PageSpec]:
    jpeg = save_jpeg(text_page(dpi=100), tmp_path / "page.jpg", dpi=100)
    [page] = list(iter_pages(open_source(jpeg, jpeg.name)))
    width, height = page.raster.size
    if rotation % 180:
        width, height = height, width
    text = PageText(width, height, (_words_line(),))
    spec = PageSpec(
        original=page.original,
        rotation=rotation,
        skew=skew,
        ocr_straightened=ocr_straightened,
        dpi=100,
        width_px=width,
        height_px=height,
        text=text,
    )
    return page.original, spec


def _build(tmp_path: Path, specs: list[PageSpec]) -> Path:
    tmp_path.mkdir(exist_ok=True)
    fragments = []
    for i, spec in enumerate(specs):
        fragments.append(tmp_path / f"fragment-{i}.pdf")
        write_page_fragment(spec, fragments[-1])
    out = tmp_path / "document.pdf"
    assemble_pdfa(fragments, out, INFO)
    return out


def test_document_is_valid_pdfa_2b(tmp_path: Path) -> None:
    _, spec = _page(tmp_path)
    assert validate(_build(tmp_path, [spec, spec])).passed


def test_jpeg_scan_is_embedded_without_reencoding(tmp_path: Path) -> None:
    original, spec = _page(tmp_path)
    with pikepdf.open(_build(tmp_path, [spec])) as pdf:
        [image] = [x for x in pdf.pages[0].Resources.XObject.values()]
        assert image.Filter == pikepdf.Name.DCTDecode
        assert image.read_raw_bytes() == original.data


def test_text_layer_is_extractable_vietnamese(tmp_path: Path) -> None:
    _, spec = _page(tmp_path)
    text = subprocess.run(
        ["pdftotext", str(_build(tmp_path, [spec])), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Quyết định" in text


def _word_box(pdf: Path, word: str) -> tuple[float, float, float, float]:
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(
        rf'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">{word}<', html
    )
    assert match
    x_min, y_min, x_max, y_max = (float(v) for v in match.groups())
    return x_min, y_min, x_max, y_max


def test_words_sit_where_the_image_shows_them(tmp_path: Path) -> None:
    _, spec = _page(tmp_path)
    x_min, y_min, x_max, y_max = _word_box(_build(tmp_path, [spec]), "Quyết")
    # The word's box is pixels 100-300 x 200-250 at 100 dpi: 72-216 x 144-180 points.
    assert x_min == pytest.approx(72, abs=2)
    assert x_max == pytest.approx(216, abs=2)
    assert y_min >= 140 and y_max <= 184


@pytest.mark.parametrize(("skew", "ocr_straightened"), [(3.0, 0.0), (3.0, 3.0), (-2.0, 0.0)])
def test_words_of_a_skewed_scan_are_straightened_with_it(
    tmp_path: Path, skew: float, ocr_straightened: float
) -> None:
    _, level = _page(tmp_path)
    x_min, y_min, x_max, y_max = _word_box(_build(tmp_path / "level", [level]), "Quyết")
    _, spec = _page(tmp_path, skew=skew, ocr_straightened=ocr_straightened)
    x_min_s, y_min_s, x_max_s, y_max_s = _word_box(_build(tmp_path, [spec]), "Quyết")
    width, height = spec.width_px * 72 / 100, spec.height_px * 72 / 100
    # The word's centre on the level page, turned clockwise about the page's centre by the
    # skew that OCR's image still had (pdftotext's y runs down).
    dx, dy = (x_min + x_max) / 2 - width / 2, height / 2 - (y_min + y_max) / 2
    turn = math.radians(skew - ocr_straightened)
    x = width / 2 + dx * math.cos(turn) + dy * math.sin(turn)
    y = height / 2 - (-dx * math.sin(turn) + dy * math.cos(turn))
    assert (x_min_s + x_max_s) / 2 == pytest.approx(x, abs=2)
    assert (y_min_s + y_max_s) / 2 == pytest.approx(y, abs=2)


def test_page_turned_a_quarter_is_shown_upright(tmp_path: Path) -> None:
    original, spec = _page(tmp_path, rotation=90)
    with pikepdf.open(_build(tmp_path, [spec])) as pdf:
        page = pdf.pages[0]
        width, height = float(page.mediabox[2]), float(page.mediabox[3])
    # The scan is portrait; after the quarter turn the page is landscape.
    assert original.height > original.width
    assert width > height


def test_metadata_names_dossier_type_and_language(tmp_path: Path) -> None:
    _, spec = _page(tmp_path)
    with pikepdf.open(_build(tmp_path, [spec])) as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:title"] == "hs-1 tài liệu"
        assert set(meta["dc:language"]) == {"vi"}
        assert meta["dc:identifier"] == "hs-1"
        assert meta["xmp:CreatorTool"] == "sohoa test"
        assert str(pdf.docinfo["/Title"]) == "hs-1 tài liệu"


def test_font_is_stored_once_for_all_pages(tmp_path: Path) -> None:
    _, spec = _page(tmp_path)
    with pikepdf.open(_build(tmp_path, [spec, spec, spec])) as pdf:
        fonts = {page.Resources.Font.F1.objgen for page in pdf.pages}
    assert len(fonts) == 1


def test_long_document_is_joined_in_batches_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdfa, "OPEN_FRAGMENTS", 2)
    _, spec = _page(tmp_path)
    fragments = []
    for i in range(5):
        words = (Word(f"trang{i}", Box(100, 200, 300, 250), 95.0),)
        text = PageText(
            spec.width_px, spec.height_px, (Line(Box(100, 200, 300, 250), 0, -10, words),)
        )
        fragments.append(tmp_path / f"fragment-{i}.pdf")
        write_page_fragment(replace(spec, text=text), fragments[-1])
    out = tmp_path / "long.pdf"
    assemble_pdfa(fragments, out, INFO)
    assert validate(out).passed
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert [page.strip() for page in text.split("\f")][:5] == [f"trang{i}" for i in range(5)]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_words_read_on_an_enlarged_page_land_on_the_scan(tmp_path: Path) -> None:
    _, level = _page(tmp_path)
    expected = _word_box(_build(tmp_path / "level", [level]), "Quyết")
    doubled = tuple(
        Line(
            Box(line.box.x0 * 2, line.box.y0 * 2, line.box.x1 * 2, line.box.y1 * 2),
            line.baseline_slope,
            line.baseline_offset * 2,
            tuple(
                Word(w.text, Box(w.box.x0 * 2, w.box.y0 * 2, w.box.x1 * 2, w.box.y1 * 2), 95)
                for w in line.words
            ),
        )
        for line in level.text.lines  # type: ignore[union-attr]
    )
    enlarged = replace(
        level, text=PageText(level.width_px * 2, level.height_px * 2, doubled), ocr_scale=2
    )
    assert _word_box(_build(tmp_path, [enlarged]), "Quyết") == pytest.approx(expected, abs=0.5)


def test_document_type_and_fields_are_in_the_sohoa_xmp_namespace(tmp_path: Path) -> None:
    _, spec = _page(tmp_path)
    fragment = tmp_path / "fragment.pdf"
    write_page_fragment(spec, fragment)
    info = DocumentInfo(
        "hs-1 quyết định",
        "hs-1",
        "quyet_dinh",
        "sohoa test",
        sohoa={
            "type": "quyet_dinh",
            "so_ky_hieu": "245/QĐ-UBND",
            "so_dinh_danh": ["036089001234"],
            "trich_yeu": "cấp <giấy> & xác nhận",
            "ho_ten": None,
        },
    )
    out = tmp_path / "doc.pdf"
    assemble_pdfa([fragment], out, info)
    assert validate(out).passed
    with pikepdf.open(out) as pdf:
        packet = pdf.Root.Metadata.read_bytes().decode()
    assert f'xmlns:sohoa="{SOHOA_NS}"' in packet
    assert "<sohoa:so_ky_hieu>245/QĐ-UBND</sohoa:so_ky_hieu>" in packet
    assert "<rdf:li>036089001234</rdf:li>" in packet
    assert "cấp &lt;giấy&gt; &amp; xác nhận" in packet
    assert "<pdfaProperty:name>so_ky_hieu</pdfaProperty:name>" in packet
    assert "ho_ten" not in packet


def test_a_reviewed_documents_metadata_is_rewritten_and_it_stays_pdfa(tmp_path: Path) -> None:
    _, spec = _page(tmp_path)
    fragment = tmp_path / "fragment.pdf"
    write_page_fragment(spec, fragment)
    read = DocumentInfo("hs-1", "hs-1", "other", "sohoa test", sohoa={"so_ky_hieu": "245/QĐ"})
    first = tmp_path / "doc.pdf"
    assemble_pdfa([fragment], first, read)
    reviewed = replace(
        read, document_type="quyet_dinh", sohoa={"so_ky_hieu": "245/QĐ-UBND", "type": "quyet_dinh"}
    )
    second = tmp_path / "doc.r1.pdf"
    pdfa.rewrite_metadata(first, second, reviewed)
    assert validate(second).passed
    with pikepdf.open(second) as pdf:
        packet = pdf.Root.Metadata.read_bytes().decode()
        text = pdf.pages[0].Contents.read_bytes()
        with pdf.open_metadata() as meta:
            assert meta["dc:type"] == {"quyet_dinh"}
    assert packet.count(f'xmlns:sohoa="{SOHOA_NS}"') == 1
    assert "<sohoa:so_ky_hieu>245/QĐ-UBND</sohoa:so_ky_hieu>" in packet
    with pikepdf.open(first) as pdf:
        assert pdf.pages[0].Contents.read_bytes() == text  # the pages are the same

"""The sample generator: valid identifiers, reproducible output, truth that matches the files."""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageStat

from samples.degrade import Effects, apply_effects
from samples.generate import (
    COMMITTED,
    COMMITTED_DIR,
    committed_plan,
    generate_dossier,
    main,
    plan_dossier,
    truth_json,
)
from samples.identity import PROVINCES, make_company, make_person
from samples.render import FAMILIES, PageLayout, a4_pixels, available_families

PROVINCE_CODES = {p.id_code for p in PROVINCES}


def tax_check_digit(first_nine: str) -> int:
    """Written apart from the generator's, so the two must agree by arithmetic, not by sharing."""
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    return 10 - sum(w * int(d) for w, d in zip(weights, first_nine, strict=True)) % 11


def pages_in(path: Path) -> list[Image.Image]:
    if path.suffix == ".pdf":
        raise ValueError("PDF pages are counted with pikepdf")
    image = Image.open(path)
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.copy())
    return frames


def count_pages(folder: Path, name: str) -> int:
    if name.endswith(".pdf"):
        with pikepdf.open(folder / name) as pdf:
            return len(pdf.pages)
    return len(pages_in(folder / name))


@pytest.fixture(scope="module")
def small_dossiers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("samples")
    return {
        fmt: generate_dossier(40 + i, out, n_pages=3, dpi=200, fmt=fmt, dossier_id=fmt)
        for i, fmt in enumerate(("pdf", "tiff", "jpeg", "png"))
    }


def test_personal_ids_are_consistent_with_birth_year_and_sex() -> None:
    rng = random.Random(1)
    for _ in range(500):
        person = make_person(rng, born=(1950, 2024))
        pid = person.personal_id
        assert len(pid) == 12 and pid.isdigit()
        assert pid[:3] == person.birth_province.id_code and pid[:3] in PROVINCE_CODES
        century = 0 if person.birth_date.year < 2000 else 2
        assert int(pid[3]) == century + (1 if person.sex == "Nữ" else 0)
        assert pid[4:6] == f"{person.birth_date.year % 100:02d}"


def test_tax_codes_carry_a_valid_check_digit() -> None:
    rng = random.Random(2)
    codes = {make_company(rng).tax_code for _ in range(300)}
    assert len(codes) > 250  # they vary
    for code in codes:
        assert len(code) == 10 and code.isdigit()
        assert int(code[9]) == tax_check_digit(code[:9])


def test_same_seed_same_truth_and_bytes(tmp_path: Path) -> None:
    first = generate_dossier(5, tmp_path / "one", n_pages=2, dpi=200, fmt="pdf")
    second = generate_dossier(5, tmp_path / "two", n_pages=2, dpi=200, fmt="pdf")
    assert (first / "truth.json").read_text() == (second / "truth.json").read_text()
    assert (first / "scan.pdf").read_bytes() == (second / "scan.pdf").read_bytes()
    other = truth_json(plan_dossier(6, dossier_id="sample-5", n_pages=2, dpi=200, fmt="pdf"))
    assert other != json.loads((first / "truth.json").read_text())


def test_a_named_format_gives_one_file() -> None:
    for seed in range(20):
        plan = plan_dossier(seed, dossier_id="x", n_documents=4, fmt="pdf")
        assert plan.files == ["scan.pdf"]


def test_exact_page_count_is_honoured() -> None:
    for n_pages in (1, 7, 20):
        plan = plan_dossier(n_pages, dossier_id="x", n_pages=n_pages, dpi=300)
        assert len(plan.pages) == n_pages


@pytest.mark.parametrize("fmt", ["pdf", "tiff", "jpeg", "png"])
def test_truth_matches_the_files(small_dossiers: dict[str, Path], fmt: str) -> None:
    folder = small_dossiers[fmt]
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    on_disk = sorted(p.name for p in folder.iterdir() if p.name != "truth.json")
    assert truth["files"] == on_disk
    assert len(truth["pages"]) == sum(count_pages(folder, name) for name in truth["files"])
    for page in truth["pages"]:
        name, number = page["source"].split("#")
        assert name in truth["files"] and int(number) >= 1
        assert page["text"] == unicodedata.normalize("NFC", page["text"])
        assert (page["text"] == "") == page["blank"]
    covered = sorted(i for doc in truth["documents"] for i in doc["pages"])
    assert covered == list(range(len(truth["pages"])))


def test_pdf_page_size_gives_back_the_resolution(small_dossiers: dict[str, Path]) -> None:
    folder = small_dossiers["pdf"]
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    with pikepdf.open(folder / "scan.pdf") as pdf:
        for page, expected in zip(pdf.pages, truth["pages"], strict=True):
            (image,) = [xobject for _, xobject in page.Resources.XObject.items()]
            width_pt, height_pt = float(page.mediabox[2]), float(page.mediabox[3])
            assert [image.Width, image.Height] == expected["size"]
            assert width_pt == pytest.approx(image.Width / expected["dpi"] * 72, abs=0.01)
            assert height_pt == pytest.approx(image.Height / expected["dpi"] * 72, abs=0.01)


def test_image_files_have_the_truth_size_and_dpi(small_dossiers: dict[str, Path]) -> None:
    for fmt in ("tiff", "jpeg", "png"):
        folder = small_dossiers[fmt]
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        images = [image for name in truth["files"] for image in pages_in(folder / name)]
        for image, page in zip(images, truth["pages"], strict=True):
            assert list(image.size) == page["size"]
            assert image.mode == {"rgb": "RGB", "gray": "L", "bilevel": "1"}[page["colour"]]
            if page["dpi_in_file"]:
                assert image.info["dpi"] == pytest.approx((page["dpi"], page["dpi"]), abs=0.01)


def test_png_without_dpi_really_has_none() -> None:
    folder = COMMITTED_DIR / "dossier-c"
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    missing = [p for p in truth["pages"] if not p["dpi_in_file"]]
    assert missing, "dossier-c is meant to show a PNG without resolution"
    for page in missing:
        with Image.open(folder / page["source"].split("#")[0]) as image:
            assert image.format == "PNG"
            assert "dpi" not in image.info


def printed_test_page() -> tuple[Image.Image, PageLayout]:
    """A grey page with a dark bar near its top edge: enough to see which way it turned."""
    size = a4_pixels(100)
    printed = Image.new("L", size, 255)
    ImageDraw.Draw(printed).rectangle((100, 100, size[0] - 100, 110), fill=0)
    return printed, PageLayout(size, 100)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotation_truth_turns_the_page_upright(rotation: int) -> None:
    printed, layout = printed_test_page()
    scanned = apply_effects(
        printed, layout, Effects(rotation=rotation, colour="gray"), random.Random()
    )  # type: ignore[arg-type]
    portrait = scanned.height > scanned.width
    assert portrait == (rotation in (0, 180))
    upright = scanned.rotate(-rotation, expand=True)  # PIL turns anticlockwise; minus: clockwise
    assert upright.tobytes() == printed.tobytes()


def test_positive_skew_turns_content_anticlockwise() -> None:
    printed, layout = printed_test_page()
    scanned = apply_effects(printed, layout, Effects(skew=2.0, colour="gray"), random.Random())

    def bar_row(x: int) -> int:
        column = [scanned.getpixel((x, y)) for y in range(scanned.height // 2)]
        return min(range(len(column)), key=column.__getitem__)

    # anticlockwise: the bar's right end rises above its left end
    assert bar_row(scanned.width - 200) < bar_row(200)


def test_clean_pages_are_upright_and_unskewed() -> None:
    plan = plan_dossier(9, dossier_id="x", n_pages=6, degrade=False)
    assert all(p.effects == Effects() for p in plan.pages)
    assert not any(p.blank for p in plan.pages)


def test_blank_backs_are_nearly_white(tmp_path: Path) -> None:
    def has_bleeding_blank(seed: int) -> bool:
        plan = plan_dossier(seed, dossier_id="x", n_pages=3, dpi=200, fmt="png")
        return any(
            p.blank and p.bleed_through and p.effects.colour != "bilevel" for p in plan.pages
        )

    seed = next(s for s in range(200) if has_bleeding_blank(s))
    folder = generate_dossier(seed, tmp_path, n_pages=3, dpi=200, fmt="png")
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    for page in (p for p in truth["pages"] if p["blank"]):
        with Image.open(folder / page["source"].split("#")[0]) as image:
            gray = image.convert("L")
            assert ImageStat.Stat(gray).mean[0] > 200
            assert gray.getextrema()[0] < 250  # not pure white: noise, bleed-through


@pytest.mark.skipif(
    len(available_families()) < len(FAMILIES), reason="other fonts lay the pages out differently"
)
def test_committed_dossiers_are_what_the_generator_makes() -> None:
    for spec in COMMITTED:
        stored = json.loads((COMMITTED_DIR / spec.name / "truth.json").read_text(encoding="utf-8"))
        assert truth_json(committed_plan(spec)) == stored, (
            "run python -m samples.generate --committed"
        )


def test_committed_dossiers_show_what_they_promise() -> None:
    def truth(name: str) -> dict:
        return json.loads((COMMITTED_DIR / name / "truth.json").read_text(encoding="utf-8"))

    a = truth("dossier-a")
    assert [d["type"] for d in a["documents"]] == ["don_de_nghi", "cccd", "quyet_dinh"]
    assert any(p["blank"] for p in a["pages"])
    assert any(p["rotation"] in (90, 180) for p in a["pages"])
    b = truth("dossier-b")
    assert {p["colour"] for p in b["pages"]} >= {"bilevel", "rgb"}
    with Image.open(COMMITTED_DIR / "dossier-b" / "scan.tif") as tiff:
        compressions = set()
        for index in range(tiff.n_frames):
            tiff.seek(index)
            compressions.add(tiff.info["compression"])
    assert "group4" in compressions
    total = sum(f.stat().st_size for f in COMMITTED_DIR.rglob("*") if f.is_file())
    assert total < 3_500_000


def test_fields_are_printed_on_their_document() -> None:
    for seed in range(30):
        plan = plan_dossier(seed, dossier_id="x", n_documents=4)
        for planned in plan.documents:
            pages = [plan.pages[i] for i in planned.pages if not plan.pages[i].blank]
            text = " ".join(page.layout.text for page in pages).replace("\n", " ")
            fields = planned.document.fields
            for value in (*fields.so_dinh_danh, *fields.ma_so_thue):
                assert value in text
            for value in (fields.so_ky_hieu, fields.trich_yeu):
                assert value is None or value in text
            if fields.ho_ten:
                assert fields.ho_ten in text or fields.ho_ten.upper() in text


def test_command_line_writes_an_exact_clean_dossier(tmp_path: Path) -> None:
    assert main(["--seed", "3", "--pages", "2", "--format", "png", "--dpi", "200",
                 "--clean", "--out", str(tmp_path)]) == 0  # fmt: skip
    (folder,) = tmp_path.iterdir()
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    assert len(truth["pages"]) == 2 == len(list(folder.glob("page-*.png")))
    assert all(p["rotation"] == 0 and p["skew"] == 0.0 for p in truth["pages"])

"""The sample generator: valid identifiers, reproducible output, truth that matches the files."""

from __future__ import annotations

import json
import random
import unicodedata
from datetime import date
from pathlib import Path
from typing import cast

import pikepdf
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageStat

from samples.codes import SEPARATOR_PAYLOAD
from samples.degrade import ROTATIONS, Effects, Rotation, apply_effects
from samples.generate import (
    COMMITTED,
    COMMITTED_DIR,
    DECREE30_WEIGHTS,
    FORMATS,
    committed_plan,
    document_type_stream,
    generate_dossier,
    main,
    plan_dossier,
    truth_json,
)
from samples.identity import PROVINCES, make_company, make_person
from samples.render import (
    FAMILIES,
    DocStyle,
    PageLayout,
    a4_pixels,
    available_families,
    layout_document,
)
from samples.templates import TEMPLATES, make_document

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
        for i, fmt in enumerate(FORMATS)
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
        if page["blank"]:
            assert page["text"] == ""
        elif not page["separator"]:
            assert page["text"]
        assert (page["document"] is None) == page["separator"]
    covered = sorted(i for doc in truth["documents"] for i in doc["pages"])
    separators = [i for i, page in enumerate(truth["pages"]) if page["separator"]]
    assert sorted(covered + separators) == list(range(len(truth["pages"])))


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


@pytest.mark.parametrize("rotation", ROTATIONS)
def test_rotation_truth_turns_the_page_upright(rotation: Rotation) -> None:
    printed, layout = printed_test_page()
    scanned = apply_effects(
        printed, layout, Effects(rotation=rotation, colour="gray"), random.Random()
    )
    portrait = scanned.height > scanned.width
    assert portrait == (rotation in (0, 180))
    upright = scanned.rotate(-rotation, expand=True)  # PIL turns anticlockwise; minus: clockwise
    assert upright.tobytes() == printed.tobytes()


def test_positive_skew_turns_content_anticlockwise() -> None:
    printed, layout = printed_test_page()
    scanned = apply_effects(printed, layout, Effects(skew=2.0, colour="gray"), random.Random())

    gray = scanned.convert("L")

    def bar_row(x: int) -> int:
        column = [gray.getpixel((x, y)) for y in range(gray.height // 2)]
        return min(range(len(column)), key=lambda y: cast(int, column[y]))

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
            darkest, _ = cast(tuple[int, int], gray.getextrema())
            assert darkest < 250  # not pure white: noise, bleed-through


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
    assert a["documents"][0]["qr"]["so_dinh_danh"] == a["documents"][0]["fields"]["so_dinh_danh"][0]
    assert any(p["separator"] for p in truth("dossier-c")["pages"])
    b = truth("dossier-b")
    assert {p["colour"] for p in b["pages"]} >= {"bilevel", "rgb"}
    with Image.open(COMMITTED_DIR / "dossier-b" / "scan.tif") as tiff:
        compressions = set()
        for index in range(getattr(tiff, "n_frames", 1)):
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
            for printed in (fields.so_ky_hieu, fields.trich_yeu):
                assert printed is None or printed in text
            if fields.ho_ten:
                assert fields.ho_ten in text or fields.ho_ten.upper() in text


def test_command_line_writes_an_exact_clean_dossier(tmp_path: Path) -> None:
    assert main(["--seed", "3", "--pages", "2", "--format", "png", "--dpi", "200",
                 "--clean", "--out", str(tmp_path)]) == 0  # fmt: skip
    (folder,) = tmp_path.iterdir()
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    assert len(truth["pages"]) == 2 == len(list(folder.glob("page-*.png")))
    assert all(p["rotation"] == 0 and p["skew"] == 0.0 for p in truth["pages"])


def document_text(pages: list[PageLayout]) -> str:
    return " ".join(page.text for page in pages).replace("\n", " ")


@pytest.mark.parametrize("doc_type", sorted(TEMPLATES))
def test_every_type_prints_its_true_fields(doc_type: str) -> None:
    for seed in range(15):
        rng = random.Random(seed)
        document = make_document(rng, doc_type)
        assert document.type == doc_type
        fields = document.fields
        text = document_text(layout_document(document, DocStyle.draw(rng), 200))
        for value in (
            *fields.so_dinh_danh,
            *fields.ma_so_thue,
            fields.so_ky_hieu,
            fields.trich_yeu,
        ):
            assert value is None or value in text
        assert fields.ho_ten is None or fields.ho_ten in text or fields.ho_ten.upper() in text
        assert fields.ngay_ban_hanh is not None
        for pid in fields.so_dinh_danh:
            assert len(pid) == 12 and pid[:3] in PROVINCE_CODES
        for code in fields.ma_so_thue:
            assert int(code[9]) == tax_check_digit(code[:9])


def test_business_certificates_carry_a_valid_tax_code() -> None:
    for seed in range(30):
        fields = make_document(random.Random(seed), "gcn_dang_ky_doanh_nghiep").fields
        (code,) = fields.ma_so_thue
        assert len(code) == 10 and code.isdigit()
        assert int(code[9]) == tax_check_digit(code[:9])


def test_continuation_pages_are_mostly_numbered() -> None:
    numbered = unnumbered = 0
    for seed in range(40):
        rng = random.Random(seed)
        document = make_document(rng, "bao_cao")
        style = DocStyle.draw(rng)
        pages = layout_document(document, style, 200)
        for number, page in enumerate(pages[1:], start=2):
            if style.page_numbers:
                assert page.lines[0] == str(number)
                numbered += 1
            else:
                unnumbered += 1
    assert numbered > unnumbered > 0


def decoded(path: Path) -> list[zxingcpp.Barcode]:
    with Image.open(path) as image:
        return list(zxingcpp.read_barcodes(image.convert("L")))


def test_receipt_qr_code_reads_back_the_applicant_id_at_200_dpi(tmp_path: Path) -> None:
    for seed in range(3):
        folder = generate_dossier(
            seed, tmp_path, dpi=200, fmt="jpeg", document_types=["giay_tiep_nhan_ho_so"]
        )
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        (document,) = truth["documents"]
        first_page = truth["pages"][document["pages"][0]]
        codes = decoded(folder / first_page["source"].split("#")[0])
        payloads = [json.loads(c.text) for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode]
        assert payloads == [document["qr"]]
        assert payloads[0]["so_dinh_danh"] == document["fields"]["so_dinh_danh"][0]
        assert set(payloads[0]) == {"ma_ho_so", "ma_thu_tuc", "so_dinh_danh", "ten_giay_to"}


def test_land_use_certificate_names_the_body_it_is_signed_for_above_the_signer() -> None:
    for seed in range(5):
        document = TEMPLATES["gcn_quyen_su_dung_dat"](random.Random(seed), date(2023, 5, 2))
        signing = next(c for row in document.rows for c in row.columns if c.signer)
        lines = [para.text for para in signing.paras]
        council, district = lines[0], lines[1]
        assert council.startswith("TM. ") and council.endswith("BAN NHÂN DÂN")
        issuer = cast(str, document.fields.co_quan_ban_hanh)
        assert issuer.upper().endswith(district)


def test_id_card_qr_code_reads_back_the_holder_at_200_dpi(tmp_path: Path) -> None:
    for seed in range(3):
        folder = generate_dossier(seed, tmp_path, dpi=200, fmt="jpeg", document_types=["cccd"])
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        (document,) = truth["documents"]
        first_page = truth["pages"][document["pages"][0]]
        codes = decoded(folder / first_page["source"].split("#")[0])
        (card,) = [c.text.split("|") for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode]
        fields = document["fields"]
        assert card[0] == fields["so_dinh_danh"][0] and card[2] == fields["ho_ten"]
        issued = card[6]
        assert f"{issued[4:]}-{issued[2:4]}-{issued[:2]}" == fields["ngay_ban_hanh"]


def test_separator_sheets_belong_to_no_document_and_read_patcht(tmp_path: Path) -> None:
    seed = next(
        s
        for s in range(100)
        if any(p.separator for p in plan_dossier(s, dossier_id="x", n_documents=3, fmt="png").pages)
    )
    folder = generate_dossier(seed, tmp_path, n_documents=3, dpi=200, fmt="png")
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    separators = [p for p in truth["pages"] if p["separator"]]
    assert separators
    in_documents = {i for doc in truth["documents"] for i in doc["pages"]}
    for index, page in enumerate(truth["pages"]):
        assert page["separator"] == (index not in in_documents)
    for page in separators:
        assert page["document"] is None and not page["blank"]
        codes = decoded(folder / page["source"].split("#")[0])
        assert [c.text for c in codes] == [SEPARATOR_PAYLOAD]


def test_some_dossiers_have_separators_and_qr_codes() -> None:
    plans = [plan_dossier(s, dossier_id="x", n_documents=4) for s in range(50)]
    with_separators = sum(any(p.separator for p in plan.pages) for plan in plans)
    assert 3 <= with_separators <= 20
    assert any(d.document.qr for plan in plans for d in plan.documents)


def test_the_default_sets_never_draw_a_decree_30_type_so_held_out_sets_stay_the_same():
    drawn = set(document_type_stream(random.Random(9001), None, 400))
    assert not drawn & set(DECREE30_WEIGHTS)


def test_decree30_draws_nghi_quyet_chi_thi_thong_tu_ke_hoach_and_giay_moi_too():
    drawn = set(document_type_stream(random.Random(9001), None, 400, decree30=True))
    assert set(DECREE30_WEIGHTS) <= drawn


def test_a_thong_tu_is_numbered_with_its_year_and_issued_by_a_ministry():
    document = make_document(random.Random(3), "thong_tu")
    number, fields = document.fields.so_ky_hieu or "", document.fields
    assert fields.ngay_ban_hanh is not None
    assert number.split("/")[1] == str(fields.ngay_ban_hanh.year)
    assert number.split("/")[2].startswith("TT-B")
    assert (fields.co_quan_ban_hanh or "").startswith("Bộ ")

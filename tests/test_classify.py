import json
import unicodedata

import numpy as np
import pytest

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.classify import (
    MODEL_DIR,
    MODEL_FORMAT,
    ClassifierModel,
    ModelError,
    classify_document,
    find_title,
    hashed_features,
    load_model,
    number_evidence,
    title_region,
)
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.taxonomy import load_taxonomy
from sohoa.pipeline.text import TONE_MARKS, fold

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"


def page(*lines: str | tuple[str, str]) -> PageContent:
    """An A4 page at 200 dpi, lines stacked from the top; a pair is two columns on one line."""
    text_lines = []
    for number, line in enumerate(lines):
        y = 150 + 50 * number
        columns = line if isinstance(line, tuple) else (line,)
        words = []
        for x0, text in zip((250, 900), columns, strict=False):
            for i, w in enumerate(text.split()):
                words.append(Word(w, Box(x0 + 60 * i, y, x0 + 60 * i + 50, y + 40), 90.0))
        box = Box(words[0].box.x0, y, words[-1].box.x1, y + 40)
        text_lines.append(Line(box, 0.0, 0.0, tuple(words)))
    return PageContent(False, PageText(1654, 2339, tuple(text_lines)))


BLANK = PageContent(True, None)


def test_title_found_without_tone_marks_and_with_a_swapped_one():
    taxonomy = load_taxonomy()
    for title in ("QUYET DINH", "QUYỂT ĐINH", "QUYẾTĐỊNH"):
        match = find_title([title], taxonomy)
        assert match is not None and match.code == "quyet_dinh", title


def test_title_tolerates_a_misread_letter_in_a_long_phrase():
    match = find_title(["GIAY CHUNG NHAN KET H0N"], load_taxonomy())
    assert match is not None and match.code == "giay_chung_nhan_ket_hon"


def test_longest_matching_title_wins():
    match = find_title(["CĂN CƯỚC CÔNG DÂN"], load_taxonomy())
    assert match is not None and match.phrase == "CĂN CƯỚC CÔNG DÂN"


def test_title_next_to_the_other_header_column_is_its_own_segment():
    content = page(("UBND XÃ PHƯƠNG ĐỊNH", MOTTO), ("THÔNG BÁO", ""))
    assert content.text is not None
    assert title_region(content.text)[:3] == ["UBND XÃ PHƯƠNG ĐỊNH", MOTTO, "THÔNG BÁO"]


def test_body_text_in_sentence_case_is_no_title():
    assert find_title(["Hợp đồng thuê đất số 94/2019/HĐTĐ"], load_taxonomy()) is None


def test_a_quyet_dinh_quoting_a_certificate_title_is_a_quyet_dinh():
    document = page(
        ("ỦY BAN NHÂN DÂN", MOTTO),
        ("XÃ PHƯƠNG ĐỊNH", MOTTO_2),
        ("Số: 245/QĐ-UBND", "Nam Định, ngày 14 tháng 3 năm 2024"),
        "QUYẾT ĐỊNH",
        "Về việc thu hồi",
        "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ PHƯƠNG ĐỊNH",
        "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;",
        "QUYẾT ĐỊNH:",
        "Điều 1. Thu hồi GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT số BX 123456.",
    )
    classification = classify_document([document])
    assert (classification.type, classification.needs_review) == ("quyet_dinh", False)


def test_an_application_mentioning_a_contract_is_an_application():
    document = page(
        MOTTO,
        MOTTO_2,
        "ĐƠN ĐỀ NGHỊ",
        "V/v thanh lý hợp đồng thuê đất số 94/2019/HĐTĐ",
        "Kính gửi: Ủy ban nhân dân phường Hòa Cường Bắc.",
        "Họ, chữ đệm và tên: Dương Quang Đức",
        "Nay tôi làm đơn này kính đề nghị thanh lý hợp đồng thuê đất.",
        "HỢP ĐỒNG thuê đất đã hết thời hạn.",
    )
    assert classify_document([document]).type == "don_de_nghi"


def test_leading_blank_pages_are_skipped():
    document = page(MOTTO, MOTTO_2, "TỜ KHAI", "Mẫu số 01", "Tôi cam đoan đúng sự thật.")
    assert classify_document([BLANK, document]).type == "to_khai"


def test_an_unsure_model_gives_other_for_review():
    undecided = ClassifierModel(
        classes=("quyet_dinh", "thong_bao"),
        idf=np.ones(16),
        columns=np.arange(16),
        coef=np.zeros((2, 16)),
        intercept=np.zeros(2),
        temperature=1.0,
        title_rule_precision=1.0,
        metadata={},
    )
    classification = classify_document([page("Một trang không rõ là gì")], model=undecided)
    assert classification.type == "other"
    assert classification.needs_review
    assert classification.confidence == pytest.approx(0.5)


def test_text_of_no_known_type_gives_other_for_review():
    classification = classify_document([page("Danh mục tài liệu lưu trữ", "hộp số 12, kệ 3")])
    assert (classification.type, classification.needs_review) == ("other", True)


@pytest.mark.parametrize("pages", [[], [BLANK, BLANK]], ids=["no pages", "blank pages"])
def test_a_document_without_text_is_other_for_review(pages):
    classification = classify_document(pages)
    assert (classification.type, classification.needs_review) == ("other", True)


def test_shipped_model_loads_and_its_metadata_matches_it():
    model = load_model()
    metadata = json.loads((MODEL_DIR / f"classifier-v{MODEL_FORMAT}.json").read_text())
    assert metadata["format"] == MODEL_FORMAT
    assert list(model.classes) == metadata["classes"]
    assert set(model.classes) <= set(load_taxonomy().codes)
    assert model.coef.shape == (len(model.classes), len(model.columns))
    assert metadata["training"]["seed"] != 9001
    assert model.temperature > 0.0


def test_shipped_model_is_small_enough_to_commit():
    assert (MODEL_DIR / f"classifier-v{MODEL_FORMAT}.npz").stat().st_size < 5_000_000


def test_a_missing_model_names_the_training_command(tmp_path):
    with pytest.raises(ModelError, match=r"python -m bench\.train_classifier"):
        load_model(tmp_path)


def test_a_model_of_another_format_names_the_training_command(tmp_path):
    load_model().save(tmp_path)
    metadata_path = tmp_path / f"classifier-v{MODEL_FORMAT}.json"
    metadata = json.loads(metadata_path.read_text())
    metadata_path.write_text(json.dumps({**metadata, "format": MODEL_FORMAT + 1}))
    with pytest.raises(ModelError, match=r"format .*python -m bench\.train_classifier"):
        load_model(tmp_path)


def test_letter_without_title_and_with_a_misread_number_is_a_cong_van():
    letter = page(
        ("ỦY BAN NHÂN DÂN", MOTTO),
        ("THÀNH PHỐ ĐÀ NẴNG", MOTTO_2),
        ("Số: Ø74Ð /UBND-SGDĐT", "Đà Nẵng, ngày 19 tháng 10 năm 2023"),
        "V/ triển khai chương trình giáo dục phổ thông",
        "Kính gửi: Các sở, ban, ngành",
        "Ủy ban nhân dân thành phố đề nghị các cơ quan, đơn vị triển khai thực hiện",
    )
    result = classify_document([letter])
    assert (result.type, result.needs_review) == ("cong_van", False)


def test_tokens_hash_to_the_columns_scikit_learn_gave_them_when_the_model_was_trained() -> None:
    from sklearn.utils import murmurhash3_32

    tokens = ["giấy", "khai sinh", "cộng hòa", "rule:cue=HT01", "đ", "", "Số: 12/2024/QĐ-UBND"]
    n_features = 2**18
    expected: dict[int, int] = {}
    for token in tokens:
        column = murmurhash3_32(token, positive=True) % n_features
        expected[column] = expected.get(column, 0) + 1
    assert hashed_features(tokens, n_features) == expected


# --- Decree 30/2020 types, their numbers, copies --------------------------------------------------

# Types the generator does not make (so the model was not trained on them), with a title and
# the number abbreviation their documents carry; a type without an abbreviation has None.
DECREE_30_TITLES = [
    (t.code, title, t.number_abbreviations[0] if t.number_abbreviations else None)
    for t in load_taxonomy().types
    if t.code not in load_model().classes and t.code != "other"
    for title in t.titles[:1]
]


def _swap_tones(title: str) -> str:
    """OCR's way with capitals: the first syllable's marks dropped, the last one's tone
    swapped for another."""
    words = title.split()
    words[0] = "".join(
        c
        for c in unicodedata.normalize("NFD", words[0])
        if c not in TONE_MARKS and c != "\u0302"  # its circumflex too
    )
    swap = {"\u0301": "\u0300", "\u0300": "\u0301", "\u0309": "\u0303", "\u0303": "\u0309"}
    last = unicodedata.normalize("NFD", words[-1])
    words[-1] = "".join(swap.get(c, c) for c in last)
    return unicodedata.normalize("NFC", " ".join(words))


def official(title: str, number: str | None, *body: str) -> PageContent:
    number_line = ("Số: " + number, "Hà Nội, ngày 5 tháng 3 năm 2025") if number else ""
    return page(
        ("ỦY BAN NHÂN DÂN", MOTTO),
        ("TỈNH QUẢNG NGÃI", MOTTO_2),
        *([number_line] if number_line else []),
        *([title] if title else []),
        "Về việc triển khai nhiệm vụ năm 2025",
        *body,
    )


@pytest.mark.parametrize(("code", "title", "abbreviation"), DECREE_30_TITLES)
def test_each_decree_30_title_is_recognised_folded_and_with_tone_errors(code, title, abbreviation):
    for seen in (fold(title).upper(), _swap_tones(title)):
        match = find_title(["TỈNH QUẢNG NGÃI", seen], load_taxonomy())
        assert match is not None and match.code == code, seen


@pytest.mark.parametrize(("code", "title", "abbreviation"), DECREE_30_TITLES)
def test_each_decree_30_type_with_title_and_number_is_that_type_unflagged(
    code, title, abbreviation
):
    number = f"12/{abbreviation}-UBND" if abbreviation else None
    document = official(_swap_tones(title), number, "Căn cứ Luật Tổ chức chính quyền địa phương;")
    result = classify_document([document])
    assert (result.type, result.needs_review) == (code, False)


def test_a_long_title_with_a_misread_letter_is_still_recognised():
    match = find_title(["THONG TU LIEN TICH"[:-1] + "K"], load_taxonomy())
    assert match is not None and match.code == "thong_tu_lien_tich"


NGHI_QUYET_115 = (  # the title region of real_nq_115_ba_vi_p1.png as Tesseract read it
    "Số: 445 /NQ-CP",
    "NGHỊ QUYẾT",
    "Về việc chuyển giao Vườn quốc gia Ba Vì",
    "về Ủy ban nhân dân Thành phố Hà Nội quản lý",
    "CHÍNH PHỦ",
    "Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025;",
    "Căn cứ Nghị định số 39/2022/NĐ-CP ngày 18 tháng 6 năm 2022 của Chính",
    "Xét đề nghị của Bộ trưởng Bộ Nông nghiệp và Môi trường tại Tờ trình số 12/TTr-BNNMT;",
)


def test_a_nghi_quyet_whose_title_and_number_agree_is_sure_of_it():
    titled_only = classify_document([page(MOTTO, *NGHI_QUYET_115[1:])])
    both = classify_document([page(MOTTO, *NGHI_QUYET_115)])
    assert (both.type, both.needs_review) == ("nghi_quyet", False)
    assert both.confidence > titled_only.confidence


def test_a_title_and_a_number_that_disagree_go_to_review():
    result = classify_document([official("NGHỊ QUYẾT", "12/QĐ-UBND")])
    assert result.needs_review
    assert result.type == "nghi_quyet"  # the title, over its number


def test_a_known_title_and_a_disagreeing_number_go_to_review():
    result = classify_document([official("THÔNG BÁO", "46/TTr-UBND")])
    assert (result.type, result.needs_review) == ("thong_bao", True)


def test_a_number_decides_where_the_title_is_lost():
    result = classify_document([official("", "01/CT-UBND", "Thực hiện Nghị định số 123/2020")])
    assert result.type == "chi_thi"


def test_a_number_quoted_in_the_body_is_no_evidence():
    quoting = page(MOTTO, "Căn cứ Nghị định số 39/2022/NĐ-CP ngày 18 tháng 6 năm 2022")
    assert number_evidence(title_region(quoting.text), load_taxonomy()).type is None  # type: ignore[arg-type]


def test_a_copy_keeps_the_type_it_copies_and_records_its_form():
    copied = official("QUYẾT ĐỊNH", "245/QĐ-UBND", "Điều 1. Phê duyệt kế hoạch.")
    stamp = page("SAO Y BẢN CHÍNH", "Số: 05/SY-UBND", "Quảng Ngãi, ngày 10 tháng 3 năm 2025")
    result = classify_document([copied, stamp])
    assert (result.type, result.copy_form) == ("quyet_dinh", "sao_y")


def test_an_original_has_no_copy_form():
    assert classify_document([official("QUYẾT ĐỊNH", "245/QĐ-UBND")]).copy_form is None


@pytest.mark.parametrize("ward", ["PHƯỜNG AN KHÁNH", "PHƯỜNG TÂN LỢI"])
def test_a_ward_issuer_line_is_no_phuong_an_title(ward):
    notice = page(("ỦY BAN NHÂN DÂN", MOTTO), (ward, MOTTO_2), "THÔNG BÁO", "Về lịch tiếp dân")
    assert classify_document([notice]).type == "thong_bao"


def test_a_title_standing_alone_is_found_under_junk_from_a_stamp():
    match = find_title(["* ` THÔNG TƯ"], load_taxonomy())
    assert match is not None and match.code == "thong_tu"


def test_a_name_that_opens_like_a_copy_mark_is_no_copy():
    letter = official("THÔNG BÁO", "12/TB-UBND", "SAO YẾN KHÁNH HÒA")
    assert classify_document([letter]).copy_form is None

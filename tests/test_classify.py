import json

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
    title_region,
)
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.taxonomy import load_taxonomy

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

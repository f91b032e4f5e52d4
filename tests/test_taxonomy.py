from pathlib import Path

import pytest

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.classify import classify_document, find_title
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.taxonomy import DEFAULT_TAXONOMY, TaxonomyError, load_taxonomy

# The codes of /work/shared/taxonomy.md.
SHARED_CODES = {
    "cccd", "giay_khai_sinh", "giay_chung_nhan_ket_hon", "xac_nhan_tinh_trang_hon_nhan",
    "trich_luc_khai_tu", "xac_nhan_cu_tru", "gcn_quyen_su_dung_dat", "gcn_dang_ky_doanh_nghiep",
    "quyet_dinh", "cong_van", "thong_bao", "to_trinh", "bao_cao", "to_khai", "don_de_nghi",
    "giay_uy_quyen", "hop_dong", "bien_ban", "giay_tiep_nhan_ho_so", "other",
}  # fmt: skip

NEW_TYPE = """
[[type]]
code = "giay_moi"
names = ["Giấy mời"]
titles = ["GIẤY MỜI"]
cues = ["Trân trọng kính mời"]
number_abbreviations = ["GM"]
"""


def copy_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "taxonomy.toml"
    path.write_text(DEFAULT_TAXONOMY.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def title_page(*lines: str) -> PageContent:
    text_lines = []
    for number, text in enumerate(lines):
        y = 150 + 50 * number
        words = tuple(
            Word(w, Box(300 + 150 * i, y, 440 + 150 * i, y + 40), 90.0)
            for i, w in enumerate(text.split())
        )
        text_lines.append(Line(Box(300, y, 300 + 150 * len(words), y + 40), 0.0, 0.0, words))
    return PageContent(False, PageText(1654, 2339, tuple(text_lines)))


def test_shipped_taxonomy_lists_every_shared_code():
    assert set(load_taxonomy().codes) == SHARED_CODES


def test_a_type_added_to_the_file_is_recognised_without_code_changes(tmp_path):
    taxonomy = load_taxonomy(copy_with(tmp_path, NEW_TYPE))
    page = title_page(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY MỜI",
        "Trân trọng kính mời ông đến dự họp",
    )

    match = find_title(["GIAY MOI"], taxonomy)
    classification = classify_document([page], taxonomy=taxonomy)

    assert match is not None and match.code == "giay_moi"
    assert classification.type == "giay_moi"


def test_a_repeated_code_is_refused_with_the_file_named(tmp_path):
    path = copy_with(tmp_path, '\n[[type]]\ncode = "cccd"\nnames = ["again"]\n')
    with pytest.raises(TaxonomyError, match=r"(?s)taxonomy\.toml.*more than once: cccd"):
        load_taxonomy(path)


def test_a_file_without_other_is_refused(tmp_path):
    path = tmp_path / "taxonomy.toml"
    path.write_text('[[type]]\ncode = "cccd"\nnames = ["Căn cước"]\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="other"):
        load_taxonomy(path)


def test_an_unknown_field_is_refused(tmp_path):
    path = copy_with(tmp_path, '\n[[type]]\ncode = "x"\nnames = ["X"]\ntitle = ["X"]\n')
    with pytest.raises(TaxonomyError, match="title"):
        load_taxonomy(path)


def test_invalid_toml_is_refused(tmp_path):
    path = copy_with(tmp_path, "\n[[type]\n")
    with pytest.raises(TaxonomyError, match="not valid TOML"):
        load_taxonomy(path)

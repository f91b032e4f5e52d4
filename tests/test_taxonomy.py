from pathlib import Path

import pytest

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.abbreviation import read_number
from sohoa.pipeline.classify import classify_document, find_title
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.taxonomy import DEFAULT_TAXONOMY, TaxonomyError, load_taxonomy

# The codes of /work/shared/taxonomy.md.
SHARED_CODES = {
    "cccd", "giay_khai_sinh", "giay_chung_nhan_ket_hon", "xac_nhan_tinh_trang_hon_nhan",
    "trich_luc_khai_tu", "xac_nhan_cu_tru", "gcn_quyen_su_dung_dat", "gcn_dang_ky_doanh_nghiep",
    "quyet_dinh", "cong_van", "thong_bao", "to_trinh", "bao_cao", "to_khai", "don_de_nghi",
    "giay_uy_quyen", "hop_dong", "bien_ban", "giay_tiep_nhan_ho_so", "other",
    # Decree 30/2020 (Art. 7, App. III) and legal normative documents.
    "nghi_quyet", "chi_thi", "quy_che", "quy_dinh", "thong_cao", "huong_dan", "chuong_trinh",
    "ke_hoach", "phuong_an", "de_an", "du_an", "cong_dien", "ban_ghi_nho", "ban_thoa_thuan",
    "giay_moi", "giay_gioi_thieu", "giay_nghi_phep", "phieu_gui", "phieu_chuyen", "phieu_bao",
    "thu_cong", "luat", "nghi_dinh", "thong_tu", "thong_tu_lien_tich", "phieu_trinh",
}  # fmt: skip
# Decree 30/2020 App. III: every abbreviation, with the code of its type.
DECREE_30_ABBREVIATIONS = {
    "NQ": "nghi_quyet", "QĐ": "quyet_dinh", "CT": "chi_thi", "QC": "quy_che",
    "QyĐ": "quy_dinh", "TC": "thong_cao", "TB": "thong_bao", "HD": "huong_dan",
    "CTr": "chuong_trinh", "KH": "ke_hoach", "PA": "phuong_an", "ĐA": "de_an", "DA": "du_an",
    "BC": "bao_cao", "BB": "bien_ban", "TTr": "to_trinh", "HĐ": "hop_dong", "CĐ": "cong_dien",
    "BGN": "ban_ghi_nho", "BTT": "ban_thoa_thuan", "GUQ": "giay_uy_quyen", "GM": "giay_moi",
    "GGT": "giay_gioi_thieu", "GNP": "giay_nghi_phep", "PG": "phieu_gui", "PC": "phieu_chuyen",
    "PB": "phieu_bao", "NĐ": "nghi_dinh", "TT": "thong_tu", "TTLT": "thong_tu_lien_tich",
}  # fmt: skip
COPY_FORMS = {"SY": "sao_y", "SL": "sao_luc", "TrS": "trich_sao"}

NEW_TYPE = """
[[type]]
code = "phieu_lay_y_kien"
names = ["Phiếu lấy ý kiến"]
titles = ["PHIẾU LẤY Ý KIẾN"]
cues = ["Ý kiến góp ý"]
number_abbreviations = ["PLYK"]
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


def test_every_decree_30_abbreviation_names_its_type():
    taxonomy = load_taxonomy()
    named = {a: t.code for t in taxonomy.types for a in t.number_abbreviations}
    assert named == DECREE_30_ABBREVIATIONS


def test_copies_are_forms_not_types():
    taxonomy = load_taxonomy()
    named = {a: c.code for c in taxonomy.copy_forms for a in c.number_abbreviations}
    assert named == COPY_FORMS
    assert not set(COPY_FORMS.values()) & set(taxonomy.codes)


def test_a_type_added_to_the_file_is_recognised_without_code_changes(tmp_path):
    taxonomy = load_taxonomy(copy_with(tmp_path, NEW_TYPE))
    page = title_page(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "PHIẾU LẤY Ý KIẾN",
        "Ý kiến góp ý của ông về dự thảo",
    )

    match = find_title(["PHIEU LAY Y KIEN"], taxonomy)
    classification = classify_document([page], taxonomy=taxonomy)

    assert match is not None and match.code == "phieu_lay_y_kien"
    assert classification.type == "phieu_lay_y_kien"


def test_a_number_abbreviation_added_to_the_file_is_read_without_code_changes(tmp_path):
    taxonomy = load_taxonomy(copy_with(tmp_path, NEW_TYPE))
    assert read_number("12/PLYK-UBND", taxonomy).type == "phieu_lay_y_kien"


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

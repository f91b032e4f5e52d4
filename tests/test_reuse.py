"""Reuse: a paper already on file is linked to its earlier digitisation, and a different paper
never is, however alike its template makes it."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

import samples.citizen
from samples.generate import plan_dossier
from samples.identity import make_person
from samples.render import layout_document
from samples.templates import make_document
from sohoa.pipeline.model import DocumentFields
from sohoa.pipeline.reuse import NEAR_DUPLICATE, Paper, ReuseMatch, find_reuse
from sohoa.pipeline.similarity import estimated_similarity, text_signature
from tests.ocr_noise import rescan

PERSON_ID = "036089001234"
RESIDENCE = (
    "CÔNG AN XÃ PHƯƠNG ĐỊNH\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: {number}/XN-CAX\n"
    "Độc lập - Tự do - Hạnh phúc\nPhương Định, ngày {day} tháng {month} năm {year}\n"
    "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ\nCông an xã Phương Định xác nhận ông Nguyễn Văn Hưởng, "
    "sinh ngày 12/05/1989, số định danh cá nhân 036089001234, nơi thường trú: xóm Trại, xã "
    "Phương Định, huyện Trực Ninh, tỉnh Nam Định. Họ và tên chủ hộ: Nguyễn Văn Hưởng. Quan hệ "
    "với chủ hộ: Chủ hộ. Các thành viên khác trong hộ gia đình: Trần Thị Lan, vợ; Nguyễn Minh "
    "Khôi, con. Giấy xác nhận này có giá trị sáu tháng kể từ ngày cấp."
)


def residence(number: int, day: int, month: int, year: int, *, doc_id: str = "d-old") -> Paper:
    """A residence confirmation for one person: the template varies only in number and date."""
    text = RESIDENCE.format(number=number, day=day, month=month, year=year)
    fields = DocumentFields(
        so_ky_hieu=f"{number}/XN-CAX",
        ngay_ban_hanh=date(year, month, day).isoformat(),
        co_quan_ban_hanh="Công an xã Phương Định",
        so_dinh_danh=[PERSON_ID],
        ho_ten="Nguyễn Văn Hưởng",
    )
    return Paper(doc_id, "xac_nhan_cu_tru", fields, text_signature(text), f"sha-{doc_id}", (1,))


def rescanned(paper: Paper, text: str, *, doc_id: str = "d-new") -> Paper:
    """`paper` scanned again: other bytes, the text as OCR read it this time."""
    noisy = rescan(text, random.Random(7), misread_words=3)
    return replace(paper, id=doc_id, signature=text_signature(noisy), source_sha256="sha-new")


def test_the_same_original_is_reused_whatever_was_read() -> None:
    earlier = residence(1724, 24, 10, 2023)
    new = replace(earlier, id="d-new", fields=DocumentFields(), type="other")
    assert find_reuse(new, [earlier]) == ReuseMatch("d-old", "same_original", 1.0)


def test_other_pages_of_the_same_original_are_not_the_same_original() -> None:
    earlier = residence(1724, 24, 10, 2023)
    new = replace(earlier, id="d-new", source_pages=(2,), fields=DocumentFields())
    assert find_reuse(new, [earlier]) is None


def test_identical_text_of_the_same_person_is_the_same_paper() -> None:
    earlier = residence(1724, 24, 10, 2023)
    new = replace(
        earlier,
        id="d-new",
        source_sha256="sha-new",
        fields=DocumentFields(so_dinh_danh=[PERSON_ID]),
    )
    assert find_reuse(new, [earlier]) == ReuseMatch("d-old", "same_text", 1.0)


@pytest.mark.parametrize("doc_type", ["cccd", "don_de_nghi", "giay_khai_sinh", "to_khai"])
def test_a_rescan_with_other_ocr_noise_is_linked(doc_type: str) -> None:
    document = make_document(random.Random(11), doc_type)
    style = plan_dossier(1, dossier_id="hs-style", n_documents=1).documents[0].style
    text = "\f".join(page.text for page in layout_document(document, style, 200))
    fields = DocumentFields(**document.fields.to_json())
    earlier = Paper("d-old", doc_type, fields, text_signature(text), "sha-old", (1, 2))
    match = find_reuse(rescanned(earlier, text), [earlier])
    assert match is not None and match.reuse_of == "d-old"
    assert match.similarity >= NEAR_DUPLICATE


def test_a_different_paper_from_the_same_template_is_not_linked() -> None:
    earlier = residence(1724, 24, 10, 2023)
    later = residence(6095, 12, 8, 2024, doc_id="d-new")
    # no text measure tells them apart: only their number and date differ
    assert estimated_similarity(earlier.signature, later.signature) >= NEAR_DUPLICATE
    assert find_reuse(later, [earlier]) is None


def test_a_different_paper_whose_number_was_not_read_is_told_apart_by_its_date() -> None:
    earlier = residence(1724, 24, 10, 2023)
    later = residence(6095, 12, 8, 2024, doc_id="d-new")
    later = replace(later, fields=later.fields.model_copy(update={"so_ky_hieu": None}))
    assert find_reuse(later, [earlier]) is None


def test_two_applications_of_one_person_for_different_requests_are_not_linked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    applicant = make_person(random.Random(7))
    monkeypatch.setattr(samples.citizen, "make_person", lambda rng, **kw: applicant)
    style = plan_dossier(1, dossier_id="hs-style", n_documents=1).documents[0].style
    papers = []
    for seed in range(4):
        document = make_document(random.Random(seed), "don_de_nghi")
        text = "\f".join(page.text for page in layout_document(document, style, 200))
        # the same day, so that only the text can tell them apart
        fields = DocumentFields(so_dinh_danh=[applicant.personal_id], ngay_ban_hanh="2024-03-14")
        papers.append(
            Paper(f"d-{seed}", "don_de_nghi", fields, text_signature(text), f"{seed}", ())
        )
    for i, new in enumerate(papers):
        assert find_reuse(new, papers[:i]) is None


def test_the_same_number_and_issuer_is_the_same_paper_whatever_the_text() -> None:
    earlier = residence(245, 14, 3, 2024)
    new = replace(
        earlier,
        id="d-new",
        source_sha256="sha-new",
        signature=text_signature("a page that read badly"),
        fields=earlier.fields.model_copy(
            update={"so_ky_hieu": "245 /XN-CAX", "co_quan_ban_hanh": "CONG AN XA PHUONG DINH"}
        ),
    )
    match = find_reuse(new, [earlier])
    assert match is not None and (match.reuse_of, match.reason) == ("d-old", "same_number")


def test_the_same_number_from_another_issuer_is_not_linked() -> None:
    earlier = residence(245, 14, 3, 2024)
    new = replace(
        earlier,
        id="d-new",
        source_sha256="sha-new",
        signature=text_signature("another body's paper"),
        fields=earlier.fields.model_copy(
            update={"co_quan_ban_hanh": "Công an xã Trực Hưng", "so_dinh_danh": []}
        ),
    )
    assert find_reuse(new, [earlier]) is None


def test_the_same_number_in_another_year_is_not_linked() -> None:
    # numbering starts again every year
    earlier = residence(245, 14, 3, 2023)
    assert find_reuse(residence(245, 14, 3, 2024, doc_id="d-new"), [earlier]) is None


def test_a_paper_of_another_type_is_not_linked() -> None:
    earlier = residence(1724, 24, 10, 2023)
    new = replace(earlier, id="d-new", source_sha256="sha-new", type="giay_khai_sinh")
    assert find_reuse(new, [earlier]) is None


def test_near_identical_text_without_a_shared_person_is_not_linked() -> None:
    earlier = residence(1724, 24, 10, 2023)
    new = replace(
        earlier,
        id="d-new",
        source_sha256="sha-new",
        fields=earlier.fields.model_copy(update={"so_ky_hieu": None, "so_dinh_danh": []}),
    )
    assert find_reuse(new, [earlier]) is None


def test_the_same_original_wins_over_a_textual_match() -> None:
    textual = residence(1724, 24, 10, 2023, doc_id="d-text")
    original = replace(textual, id="d-original", source_sha256="sha-new")
    new = replace(textual, id="d-new", source_sha256="sha-new")
    match = find_reuse(new, [textual, original])
    assert match is not None and match.reuse_of == "d-original"


def test_among_equal_matches_the_first_candidate_wins() -> None:
    first = residence(1724, 24, 10, 2023, doc_id="d-first")
    second = replace(first, id="d-second", source_sha256="sha-second")
    new = replace(first, id="d-new", source_sha256="sha-new")
    match = find_reuse(new, [first, second])
    assert match is not None and match.reuse_of == "d-first"


def test_a_document_is_not_a_reuse_of_itself() -> None:
    paper = residence(1724, 24, 10, 2023)
    assert find_reuse(paper, [paper]) is None

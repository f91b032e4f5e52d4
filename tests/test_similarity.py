"""Near-duplicate measure: a paper and its rescans read alike, other papers do not, and
signatures are the same everywhere."""

from __future__ import annotations

import hashlib
import random

import pytest

from samples.generate import plan_dossier
from samples.render import layout_document
from samples.templates import make_document
from sohoa.pipeline.reuse import NEAR_DUPLICATE
from sohoa.pipeline.similarity import (
    PERMUTATIONS,
    Signature,
    band_keys,
    estimated_similarity,
    text_signature,
)
from sohoa.pipeline.text import fold
from tests.ocr_noise import rescan

DECISION = (
    "ỦY BAN NHÂN DÂN\nXÃ PHƯƠNG ĐỊNH\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\nSố: 245/QĐ-UBND\nPhương Định, ngày 14 tháng 3 năm 2024\n"
    "QUYẾT ĐỊNH\nVề việc hỗ trợ kinh phí cho hộ gia đình có hoàn cảnh khó khăn\n"
    "Hỗ trợ kinh phí sửa chữa nhà ở cho hộ gia đình ông Nguyễn Văn Hưởng, số định danh cá nhân "
    "036089001234, thường trú tại xóm Trại, xã Phương Định, với số tiền 30.000.000 đồng."
)
# The SHA-256 of DECISION's signature bytes: a change here makes every stored signature
# incomparable with new ones, so the catalogue must be reindexed.
DECISION_SIGNATURE_SHA256 = "eac6262b8a7cfeebb5972cafcf425b1e4b5226685924f1c3434044ade9d62766"


def page_texts(doc_type: str, seed: int) -> str:
    document = make_document(random.Random(seed), doc_type)
    style = plan_dossier(1, dossier_id="hs-style", n_documents=1).documents[0].style
    return "\f".join(page.text for page in layout_document(document, style, 200))


def test_identical_texts_are_fully_similar() -> None:
    assert estimated_similarity(text_signature(DECISION), text_signature(DECISION)) == 1.0


def test_tone_marks_case_and_line_breaks_do_not_change_the_signature() -> None:
    flattened = " ".join(fold(DECISION).upper().split())
    assert text_signature(flattened) == text_signature(DECISION)


@pytest.mark.parametrize(
    "doc_type", ["quyet_dinh", "don_de_nghi", "cccd", "xac_nhan_cu_tru", "giay_khai_sinh"]
)
def test_a_rescan_with_ocr_noise_stays_near_identical(doc_type: str) -> None:
    for seed in range(3):
        text = page_texts(doc_type, seed)
        noisy = rescan(text, random.Random(seed), misread_words=max(1, len(text.split()) // 50))
        assert estimated_similarity(text_signature(text), text_signature(noisy)) >= NEAR_DUPLICATE


def test_papers_with_other_content_fall_below_the_threshold() -> None:
    signatures = [text_signature(page_texts("quyet_dinh", seed)) for seed in range(6)]
    for i, a in enumerate(signatures):
        for b in signatures[i + 1 :]:
            assert estimated_similarity(a, b) < NEAR_DUPLICATE


def test_a_fixed_text_has_a_fixed_signature() -> None:
    digest = hashlib.sha256(text_signature(DECISION).to_bytes()).hexdigest()
    assert digest == DECISION_SIGNATURE_SHA256


def test_signatures_round_trip_through_bytes() -> None:
    signature = text_signature(DECISION)
    assert len(signature.to_bytes()) == PERMUTATIONS * 4
    assert Signature.from_bytes(signature.to_bytes()) == signature


def test_bytes_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(ValueError):
        Signature.from_bytes(b"\x00" * 100)


def test_a_text_with_nothing_read_is_like_nothing() -> None:
    empty = text_signature(" \n\f ")
    assert empty.empty
    assert estimated_similarity(empty, empty) == 0.0
    assert band_keys(empty) == []


def test_a_rescan_shares_a_band_key_with_its_original() -> None:
    noisy = rescan(DECISION, random.Random(3), misread_words=1, header_lines=2)
    original_keys = band_keys(text_signature(DECISION))
    assert len(original_keys) == 32
    assert set(original_keys) & set(band_keys(text_signature(noisy)))


def test_unrelated_papers_share_no_band_key() -> None:
    a = band_keys(text_signature(page_texts("quyet_dinh", 1)))
    b = band_keys(text_signature(page_texts("giay_khai_sinh", 1)))
    assert not set(a) & set(b)

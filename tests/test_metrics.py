"""Unit tests of the benchmark's text metrics, on hand-made strings."""

import random
import unicodedata

import pytest

from bench.metrics import (
    character_error_rate,
    edit_distance,
    fold,
    folded_word_recall,
    normalise_whitespace,
    word_accuracy,
    word_recall,
)


def reference_edit_distance(a: str, b: str) -> int:
    """The textbook dynamic programme, to check the bit-parallel one against."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            substitution = previous[j - 1] + (char_a != char_b)
            current.append(min(previous[j] + 1, current[j - 1] + 1, substitution))
        previous = current
    return previous[-1]


def test_edit_distance_matches_textbook_dp_on_random_strings() -> None:
    rng = random.Random(7)
    for _ in range(500):
        # A small alphabet makes many matches, lengths past 64 cross machine-word boundaries.
        a = "".join(rng.choices("abcđ ", k=rng.randint(0, 90)))
        b = "".join(rng.choices("abcđ ", k=rng.randint(0, 90)))
        assert edit_distance(a, b) == reference_edit_distance(a, b), (a, b)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("", "", 0), ("", "abc", 3), ("abc", "", 3), ("kitten", "sitting", 3), ("ổn", "ôn", 1)],
)
def test_edit_distance_known_cases(a: str, b: str, expected: int) -> None:
    assert edit_distance(a, b) == expected


def test_edit_distance_on_word_sequences() -> None:
    assert edit_distance(["quyết", "định", "số"], ["quyết", "đinh", "số"]) == 1


def test_cer_of_identical_strings_is_zero() -> None:
    text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    assert character_error_rate(text, text) == 0.0


def test_cer_of_one_substitution() -> None:
    # A stacked tone mark read as a single mark: ế -> ê, one character in ten.
    assert character_error_rate("Quyết định", "Quyêt định") == pytest.approx(1 / 10)


def test_cer_ignores_layout_whitespace() -> None:
    assert character_error_rate("Số: 15/QĐ-UBND\nHà Nội", "  Số:  15/QĐ-UBND Hà\tNội \n") == 0.0


def test_cer_with_empty_reference() -> None:
    assert character_error_rate("", " \n") == 0.0
    assert character_error_rate("", "rác") == 1.0


def test_nfc_and_nfd_inputs_are_equal() -> None:
    composed = "Nguyễn Văn Hưởng, Phường Đống Đa"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert character_error_rate(composed, decomposed) == 0.0
    assert word_recall(composed, decomposed) == 1.0
    assert normalise_whitespace(decomposed) == composed


def test_fold_strips_tone_marks_and_maps_d_bar() -> None:
    assert fold("Đồng Hới, đường Lê Duẩn") == "dong hoi, duong le duan"
    assert fold("ỦY BAN NHÂN DÂN") == "uy ban nhan dan"
    assert fold(unicodedata.normalize("NFD", "Nghệ An")) == "nghe an"


def test_word_recall_with_tone_mark_errors_differs_from_folded() -> None:
    reference = "Quyết định về việc"
    hypothesis = "Quyêt đinh về việc"
    assert word_recall(reference, hypothesis) == pytest.approx(2 / 4)
    assert folded_word_recall(reference, hypothesis) == 1.0


def test_word_recall_counts_duplicates_as_a_multiset() -> None:
    # The reference has "ủy" twice; the hypothesis only once, so one of the two is missed.
    reference = "ủy ban ủy quyền"
    assert word_recall(reference, "ủy ban quyền") == pytest.approx(3 / 4)
    # Extra copies in the hypothesis do not earn more than the reference holds.
    assert word_recall("số", "số số số") == 1.0


def test_word_recall_is_case_and_punctuation_insensitive_and_order_free() -> None:
    assert word_recall("Số: 15/QĐ-UBND", "qđ ubnd 15 SỐ") == 1.0


def test_word_recall_of_empty_reference_is_perfect() -> None:
    assert word_recall("", "bất kỳ") == 1.0


def test_word_accuracy_counts_order_and_errors() -> None:
    assert word_accuracy("một hai ba bốn", "một hai ba bốn") == 1.0
    assert word_accuracy("một hai ba bốn", "một hai ba bôn") == pytest.approx(3 / 4)
    # Recall forgives swapped words, aligned accuracy does not.
    assert word_recall("một hai", "hai một") == 1.0
    assert word_accuracy("một hai", "hai một") == 0.0

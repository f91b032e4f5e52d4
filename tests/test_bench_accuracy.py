"""The accuracy report's figures of silent errors and flags, from scores made by hand."""

from bench.accuracy import DossierScore, summarise


def _score() -> DossierScore:
    score = DossierScore("d")
    # Four comparisons: right, right but flagged, wrong and flagged, wrong and not flagged.
    score.fields = {"so_ky_hieu": [True, True], "trich_yeu": [False, False]}
    score.flagged_fields = {"so_ky_hieu": [False, True], "trich_yeu": [True, False]}
    score.silent_fields = {"so_ky_hieu": [False, False], "trich_yeu": [False, True]}
    return score


def test_the_share_of_fields_flagged_counts_right_and_wrong_values_flagged():
    assert summarise([_score()]).field_flag_rate == 0.5


def test_a_wrong_value_without_a_flag_is_a_silent_error():
    summary = summarise([_score()])
    assert summary.field_silent_error_rate == 0.25
    assert summary.field_silent_errors["trich_yeu"] == 1

"""Refitting the type confidence's calibration on review exports: the temperature fitted on the
documents people confirmed, put in use where classifying reads it, and rolled back."""

from __future__ import annotations

import dataclasses
import json
import stat
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.train_classifier import generated_examples
from sohoa.flows.calibrating import (
    NothingToRollBack,
    UnreadableExport,
    calibration_path,
    model_in_use,
    previous_calibration_path,
    refit_calibration,
    roll_back_calibration,
)
from sohoa.pipeline.calibration import (
    Calibration,
    ConfirmedDocument,
    TooFewDocuments,
    confirmed_documents,
    expected_calibration_error,
    model_sha256,
    refit,
)
from sohoa.pipeline.classify import (
    ClassifierModel,
    document_tokens,
    load_model,
)
from sohoa.pipeline.page import PageContent, plain_page
from sohoa.pipeline.taxonomy import load_taxonomy
from sohoa.pipeline.understand import understand_dossier

TYPES = sorted(load_model().classes)


def exported(
    documents: list[tuple[str, list[str]]], read: dict[int, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """A review export of one dossier holding `documents` (type, page texts), document k with
    what the machine read of the fields a person changed, `read[k]`."""
    pages: list[dict[str, Any]] = []
    records = []
    for k, (doc_type, texts) in enumerate(documents):
        first = len(pages)
        pages += [
            {"source": f"scan.pdf#{len(pages) + 1}", "text": t, "blank": False} for t in texts
        ]
        records.append(
            {
                "id": f"d-{k}",
                "type": doc_type,
                "pages": list(range(first, len(pages))),
                "fields": {},
                "read": (read or {}).get(k, {}),
            }
        )
    return [{"dossier_id": "d", "pages": pages, "documents": records}]


def generated(count: int) -> list[tuple[str, list[str]]]:
    """`count` generated documents of each type, read roughly (half without their title)."""
    return [
        (example.type, [page.plain_text for page in example.pages])
        for example in generated_examples(7, count, 2.5, 0.5)
    ]


def mislabelled(documents: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """The documents with every other one confirmed as the next type: a classifier sure of
    what it reads is then often wrong."""
    return [
        (TYPES[(TYPES.index(t) + 1) % len(TYPES)] if k % 2 else t, texts)
        for k, (t, texts) in enumerate(documents)
    ]


def refitted(documents: list[tuple[str, list[str]]], minimum: int = 20) -> Any:
    return refit(
        load_model(),
        confirmed_documents([exported(documents)]),
        model_sha256=model_sha256(),
        fitted="2026-12-06T04:00:00+00:00",
        sources=["export.json"],
        minimum=minimum,
    )


@pytest.fixture(scope="module")
def documents() -> list[tuple[str, list[str]]]:
    return generated(2)


def test_confirmations_the_classifier_disagrees_with_soften_its_confidence(
    documents: list[tuple[str, list[str]]],
) -> None:
    agreeing, disagreeing = refitted(documents), refitted(mislabelled(documents))
    assert disagreeing.calibration.temperature > agreeing.calibration.temperature
    assert disagreeing.calibration.temperature > load_model().temperature


def log_likelihood(model: ClassifierModel, documents: list[ConfirmedDocument]) -> float:
    taxonomy = load_taxonomy()
    return sum(
        float(
            np.log(
                model.probabilities(document_tokens(d.pages, taxonomy))[model.classes.index(d.type)]
            )
        )
        for d in documents
    )


def test_the_refit_makes_the_confirmed_types_more_likely_than_the_trained_temperature(
    documents: list[tuple[str, list[str]]],
) -> None:
    confirmed = confirmed_documents([exported(mislabelled(documents))])
    done = refitted(mislabelled(documents))
    trained = load_model()
    after = dataclasses.replace(trained, temperature=done.calibration.temperature)
    assert log_likelihood(after, confirmed) > log_likelihood(trained, confirmed)
    for error in (done.calibration_error_before, done.calibration_error_after):
        assert error is not None and 0.0 <= error <= 1.0
    assert done.calibration.documents == len(documents)


def test_too_few_confirmed_documents_are_refused_with_the_reason(
    documents: list[tuple[str, list[str]]],
) -> None:
    with pytest.raises(TooFewDocuments, match="at least 20"):
        refitted(documents[:19])


def test_a_document_confirmed_in_two_exports_counts_once_as_its_latest() -> None:
    text = "QUYẾT ĐỊNH\nVề việc cấp phép"
    first = exported([("quyet_dinh", [text])])
    second = exported([("thong_bao", [text])])
    [document] = confirmed_documents([first, second])
    assert (document.id, document.type) == ("d-0", "thong_bao")
    assert document.pages[0].plain_text == plain_page(text).plain_text()


def test_corrections_are_counted_per_field(documents: list[tuple[str, list[str]]]) -> None:
    read = {0: {"so_ky_hieu": "1634/QĐ-STP", "type": "other"}, 3: {"so_ky_hieu": None}}
    found = confirmed_documents([exported(documents, read)])
    done = refit(
        load_model(),
        found,
        model_sha256=model_sha256(),
        fitted="2026-12-06T04:00:00+00:00",
        sources=[],
    )
    assert done.corrections_by_field == {"so_ky_hieu": 2, "type": 1}


def write_calibration(data_dir: Path, temperature: float, model: str | None = None) -> None:
    path = calibration_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    calibration = Calibration(
        model_sha256=model or model_sha256(),
        temperature=temperature,
        documents=30,
        fitted="2026-12-06T04:00:00+00:00",
        sources=[],
    )
    path.write_text(calibration.model_dump_json())


def test_the_model_in_use_takes_the_refitted_temperature(tmp_path: Path) -> None:
    write_calibration(tmp_path, 3.5)
    model = model_in_use(tmp_path)
    assert model.temperature == 3.5
    assert model.coef is load_model().coef  # the trained weights, only rescaled


def test_a_calibration_fitted_for_another_model_is_not_used(tmp_path: Path) -> None:
    write_calibration(tmp_path, 3.5, model="0" * 64)
    assert model_in_use(tmp_path).temperature == load_model().temperature


def test_an_unreadable_calibration_is_not_used(tmp_path: Path) -> None:
    calibration_path(tmp_path).parent.mkdir(parents=True)
    calibration_path(tmp_path).write_text("{half")
    assert model_in_use(tmp_path).temperature == load_model().temperature


def test_understanding_tells_types_with_the_data_dirs_calibration(
    tmp_path: Path, documents: list[tuple[str, list[str]]]
) -> None:
    untitled = [  # decided by the model, not by a title rule
        PageContent(False, plain_page("\n".join(texts[0].splitlines()[8:])))
        for _, texts in documents
    ]
    today = date(2026, 12, 6)
    trained = [d.type_confidence for d in understand_dossier(untitled, today)]
    write_calibration(tmp_path, 8.0)
    softened = dataclasses.replace(load_model(), temperature=8.0)
    in_use = understand_dossier(untitled, today, model_in_use(tmp_path))
    assert in_use == understand_dossier(untitled, today, softened)
    assert [d.type_confidence for d in in_use] != trained


def export_file(tmp_path: Path, documents: list[tuple[str, list[str]]], name: str) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(exported(documents), ensure_ascii=False))
    return path


def test_a_refit_is_put_in_use_private_and_the_one_before_kept(
    tmp_path: Path, documents: list[tuple[str, list[str]]]
) -> None:
    data_dir = tmp_path / "data"
    first = refit_calibration(data_dir, [export_file(tmp_path, documents, "a.json")])
    second = refit_calibration(data_dir, [export_file(tmp_path, mislabelled(documents), "b.json")])
    assert model_in_use(data_dir).temperature == second.calibration.temperature
    assert second.temperature_before == first.calibration.temperature
    kept = Calibration.model_validate_json(previous_calibration_path(data_dir).read_bytes())
    assert kept.temperature == first.calibration.temperature
    for path in (calibration_path(data_dir), previous_calibration_path(data_dir)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(calibration_path(data_dir).parent.stat().st_mode) == 0o700


def test_rolling_back_puts_the_calibration_before_back_then_the_trained_one(
    tmp_path: Path, documents: list[tuple[str, list[str]]]
) -> None:
    data_dir = tmp_path / "data"
    first = refit_calibration(data_dir, [export_file(tmp_path, documents, "a.json")])
    refit_calibration(data_dir, [export_file(tmp_path, mislabelled(documents), "b.json")])
    assert roll_back_calibration(data_dir) is True
    assert model_in_use(data_dir).temperature == first.calibration.temperature
    assert roll_back_calibration(data_dir) is False
    assert model_in_use(data_dir).temperature == load_model().temperature
    with pytest.raises(NothingToRollBack):
        roll_back_calibration(data_dir)


def test_too_few_documents_write_nothing(
    tmp_path: Path, documents: list[tuple[str, list[str]]]
) -> None:
    few = list(islice(documents, 5))
    with pytest.raises(TooFewDocuments):
        refit_calibration(tmp_path / "data", [export_file(tmp_path, few, "few.json")])
    assert not calibration_path(tmp_path / "data").exists()


def test_a_file_that_is_no_export_is_refused_by_name(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"documents": []}))
    with pytest.raises(UnreadableExport, match=r"wrong\.json"):
        refit_calibration(tmp_path / "data", [wrong])


def test_the_calibration_error_is_zero_when_confidence_matches_accuracy() -> None:
    assert expected_calibration_error([0.75] * 4, [True, True, True, False]) == 0.0

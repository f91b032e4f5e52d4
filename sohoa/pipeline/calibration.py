"""The type confidence's calibration: whether a confidence of p is right p of the time
(reliability, ECE), the classifier's temperature that makes it so, and that temperature fitted
again on the documents people confirmed (`sohoa review refit`).

The temperature is first fitted when the classifier is trained (`bench.train_classifier`), on
generated documents; people's confirmations are the real documents of the agency. A refit
keeps the trained model and replaces only its temperature, fitted by the same function on the
confirmed documents; the result is a `Calibration`, which names the model it was fitted for,
so that a retrained model is never scaled by a temperature fitted for another.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from sohoa.pipeline.classify import (
    MODEL_DIR,
    ClassifierModel,
    classify_document,
    document_tokens,
    model_arrays_path,
)
from sohoa.pipeline.page import PageContent, plain_page
from sohoa.pipeline.taxonomy import Taxonomy, load_taxonomy

# One temperature fitted to fewer confirmed documents follows their noise: a handful of
# documents all typed right pushes it to sharpen every confidence without limit.
MIN_REFIT_DOCUMENTS = 20

# --- reliability ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReliabilityBin:
    """Decisions whose confidence fell in [low, high): how sure, how often right."""

    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


def reliability(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> list[ReliabilityBin]:
    """Equal-width confidence bins (the last one closed at 1), empty ones left out."""
    found = []
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        inside = [
            (c, ok)
            for c, ok in zip(confidences, correct, strict=True)
            if low <= c < high or (i == bins - 1 and c == high)
        ]
        if inside:
            found.append(
                ReliabilityBin(
                    low,
                    high,
                    len(inside),
                    sum(c for c, _ in inside) / len(inside),
                    sum(ok for _, ok in inside) / len(inside),
                )
            )
    return found


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float | None:
    """Mean over decisions of |accuracy - confidence| of their bin: 0 when a confidence of p
    is right p of the time."""
    if not confidences:
        return None
    table = reliability(confidences, correct, bins)
    return sum(b.count * abs(b.accuracy - b.mean_confidence) for b in table) / len(confidences)


# --- the temperature -----------------------------------------------------------------------------


def fitted_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of the held-out labels."""
    # Imported here: digitising imports this module (for the model in use), and scipy's import
    # takes 0.3 s.
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        scaled = scores / np.exp(log_t)
        scaled -= scaled.max(axis=1, keepdims=True)
        log_p = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(truth)), truth].mean())

    return float(np.exp(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))


# --- refitting on people's confirmations ---------------------------------------------------------


@dataclass(frozen=True)
class ConfirmedDocument:
    """A document as a person confirmed it: its type, and its pages as text."""

    id: str
    type: str
    pages: list[PageContent]
    corrected: list[str]  # the fields the person changed


class TooFewDocuments(ValueError):
    """Not enough confirmed documents to fit a temperature on."""


class Calibration(BaseModel):
    """A temperature refitted on confirmed documents, for the model with `model_sha256`."""

    format: int = 1
    model_sha256: str
    temperature: float
    documents: int  # the confirmed documents it was fitted on
    fitted: str  # when (ISO, UTC)
    sources: list[str]  # the export files it was fitted on


@dataclass(frozen=True)
class Refit:
    calibration: Calibration
    temperature_before: float
    calibration_error_before: float | None
    calibration_error_after: float | None
    corrections_by_field: dict[str, int]


def confirmed_documents(exports: Iterable[Sequence[Mapping[str, Any]]]) -> list[ConfirmedDocument]:
    """The documents of review exports (`sohoa review export`, one list of dossiers each), each
    once: a document in several exports counts as its latest confirmation."""
    found: dict[str, ConfirmedDocument] = {}
    for export in exports:
        for dossier in export:
            pages = dossier["pages"]
            for document in dossier["documents"]:
                contents = [
                    PageContent(False, plain_page(pages[i]["text"]))
                    for i in document["pages"]
                    if not pages[i]["blank"] and pages[i]["text"].strip()
                ]
                found[document["id"]] = ConfirmedDocument(
                    document["id"], document["type"], contents, sorted(document.get("read", {}))
                )
    return list(found.values())


def corrections_by_field(documents: Iterable[ConfirmedDocument]) -> dict[str, int]:
    """How many of the documents a person corrected, field by field, the most corrected first."""
    counted = Counter(field for d in documents for field in d.corrected)
    return dict(counted.most_common())


def refit(
    model: ClassifierModel,
    documents: Sequence[ConfirmedDocument],
    *,
    model_sha256: str,
    fitted: str,
    sources: Sequence[str],
    minimum: int = MIN_REFIT_DOCUMENTS,
    taxonomy: Taxonomy | None = None,
) -> Refit:
    """`model`'s temperature fitted again, on the confirmed `documents` of a type it knows,
    with the type confidence's calibration error on them before and after."""
    taxonomy = taxonomy or load_taxonomy()
    usable = [d for d in documents if d.type in model.classes and d.pages]
    if len(usable) < minimum:
        raise TooFewDocuments(
            f"{len(usable)} confirmed document(s) of a type the classifier knows; a refit needs "
            f"at least {minimum}: one temperature fitted to fewer follows their noise"
        )
    unscaled = dataclasses.replace(model, temperature=1.0)
    tokens = [document_tokens(d.pages, taxonomy) for d in usable]
    scores = np.log([unscaled.probabilities(t) for t in tokens])
    truth = np.array([model.classes.index(d.type) for d in usable])
    temperature = fitted_temperature(scores, truth)
    after = dataclasses.replace(model, temperature=temperature)
    return Refit(
        calibration=Calibration(
            model_sha256=model_sha256,
            temperature=temperature,
            documents=len(usable),
            fitted=fitted,
            sources=list(sources),
        ),
        temperature_before=model.temperature,
        calibration_error_before=type_calibration_error(model, usable, taxonomy),
        calibration_error_after=type_calibration_error(after, usable, taxonomy),
        corrections_by_field=corrections_by_field(documents),
    )


def type_calibration_error(
    model: ClassifierModel, documents: Sequence[ConfirmedDocument], taxonomy: Taxonomy
) -> float | None:
    """The ECE of the type confidence classifying `documents` with `model` gives."""
    decided = [classify_document(d.pages, taxonomy=taxonomy, model=model) for d in documents]
    return expected_calibration_error(
        [c.confidence for c in decided],
        [c.type == d.type for c, d in zip(decided, documents, strict=True)],
    )


# --- the calibration in use ----------------------------------------------------------------------


@functools.cache
def model_sha256(folder: Path = MODEL_DIR) -> str:
    """What names the trained model a calibration was fitted for: its arrays' SHA-256."""
    return hashlib.sha256(model_arrays_path(folder).read_bytes()).hexdigest()

"""A dossier whose task failed because the object store was away is started again, and only
then, through Prefect's real task engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sohoa.pipeline.model import Manifest
from sohoa.storage.objects import StorageAuthError, StorageError, StorageUnavailable

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def prefect_harness() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


class FlakyDigitise:
    """Stands for `digitise`: fails the first `failures` calls with `error`, then digitises."""

    def __init__(self, failures: int, error: StorageError) -> None:
        self.failures, self.error = failures, error
        self.attempts = 0

    def __call__(self, paths: list[str], dossier_id: str | None = None, **_: Any) -> Any:
        from sohoa.flows.digitise import Digitised

        self.attempts += 1
        if self.attempts <= self.failures:
            raise self.error
        manifest = Manifest(
            dossier_id=dossier_id or "d1", status="done", pipeline_version="test", created="now"
        )
        return Digitised(manifest, fresh=True)


def _digitise_one(flaky: FlakyDigitise, monkeypatch: pytest.MonkeyPatch) -> str:
    """The `digitise-dossier` task of a single-dossier flow run; returns the dossier id."""
    from prefect import flow

    from sohoa.flows import digitise

    monkeypatch.setattr(digitise, "digitise", flaky)

    @flow
    def one_dossier() -> str:
        task = digitise.digitise_retried.with_options(retry_delay_seconds=0)
        return task(["scan.pdf"], "d1").manifest.dossier_id

    return one_dossier()


def test_a_dossier_that_met_the_object_store_away_is_started_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flaky = FlakyDigitise(failures=2, error=StorageUnavailable("connection refused"))
    assert _digitise_one(flaky, monkeypatch) == "d1"
    assert flaky.attempts == 3


def test_a_dossier_refused_by_the_object_store_is_not_started_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flaky = FlakyDigitise(failures=1, error=StorageAuthError("SignatureDoesNotMatch"))
    with pytest.raises(StorageAuthError):
        _digitise_one(flaky, monkeypatch)
    assert flaky.attempts == 1


def test_a_dossier_of_a_batch_that_met_the_object_store_away_is_started_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect import flow

    from sohoa.flows import backlog

    flaky = FlakyDigitise(failures=2, error=StorageUnavailable("connection refused"))
    monkeypatch.setattr(backlog, "digitise", flaky)

    @flow
    def one_batch() -> str:
        task = backlog.digitise_in_batch.with_options(retry_delay_seconds=0)
        return task(backlog.DossierInput(name="ho-so-1", paths=["scan.pdf"]), 1).result

    assert one_batch() == "digitised"
    assert flaky.attempts == 3

"""Storage tasks retry transient errors, and only those, through Prefect's real task engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.config import Settings
from sohoa.pipeline.dossier import Rejected
from sohoa.pipeline.ingest import open_source
from sohoa.pipeline.model import QuarantineRecord
from sohoa.storage.objects import ObjectNotFound, StorageAuthError, StorageUnavailable
from tests.pages import save_jpeg, text_page

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


class FlakyStore:
    """Fails the first `failures` puts with `error`, then stores."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error = failures, error
        self.attempts = 0
        self.keys: list[str] = []

    def exists(self, key: str) -> bool:
        return key in self.keys

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise self.error
        self.keys.append(key)


def _store_originals(store: FlakyStore, tmp_path: Path) -> None:
    """The read-pages task on a dossier of one unusable file, which it keeps in quarantine."""
    from prefect import flow

    from sohoa.flows.digitise import read_pages

    path = save_jpeg(text_page(), tmp_path / "page.jpg")
    digest = open_source(path, path.name).sha256
    unusable = Rejected(path, QuarantineRecord(source=path.name, reason="test", sha256=digest))

    @flow
    def store_one() -> None:
        read_pages.with_options(retry_delay_seconds=0)(
            store, [], [unusable], Settings(), tmp_path, 1
        )

    store_one()


def test_transient_storage_errors_are_retried(tmp_path: Path) -> None:
    store = FlakyStore(failures=2, error=StorageUnavailable("connection refused"))
    _store_originals(store, tmp_path)
    assert store.attempts == 3 and len(store.keys) == 1


def test_permanent_storage_errors_are_not_retried(tmp_path: Path) -> None:
    store = FlakyStore(failures=1, error=StorageAuthError("SignatureDoesNotMatch"))
    with pytest.raises(StorageAuthError):
        _store_originals(store, tmp_path)
    assert store.attempts == 1


class StoreAwayAtFirst:
    """Refuses connections for the first `failures` calls, then holds no manifest."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0

    def ensure_bucket(self) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise StorageUnavailable("connection refused")

    def get_bytes(self, key: str) -> bytes:
        raise ObjectNotFound(key)


def test_an_object_store_away_when_a_dossier_starts_is_waited_for() -> None:
    from prefect import flow

    from sohoa.flows.digitise import open_dossier

    store = StoreAwayAtFirst(failures=2)

    @flow
    def open_one() -> object:
        return open_dossier.with_options(retry_delay_seconds=0)(store, "d1")

    assert open_one() is None
    assert store.attempts == 3

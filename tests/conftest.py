"""Shared fixtures."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sohoa.config import Settings
from sohoa.flows import prefect_server, worker
from sohoa.storage import embedded
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectStore

# --- storage and servers ------------------------------------------------------------------


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings on ``data_dir`` and the embedded S3 server, whatever the environment says."""
    values: dict[str, Any] = {"data_dir": data_dir, "s3_endpoint": None, **overrides}
    return Settings(**values)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data dir for the sohoa processes of a test (its embedded S3 server stands for a
    cluster's one S3 endpoint); what sohoa started there is stopped at the end."""
    data = tmp_path / "data"
    yield data
    settings = make_settings(data)
    worker.stop_all(settings)
    prefect_server.stop(settings)
    embedded.stop(settings)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    """A catalogue on SQLite, and in the slow runs on the session's PostgreSQL (a module using
    it imports `tests.postgres.postgres_url`), empty at the start of each test."""
    if request.param == "sqlite":
        opened = Catalogue(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    else:
        opened = Catalogue(request.getfixturevalue("postgres_url"))
        opened.clear()  # one server for the session: each test starts empty
    yield opened
    opened.close()


@pytest.fixture
def sohoa_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def s3_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A real embedded SeaweedFS in its own data dir, for the whole session."""
    settings = make_settings(tmp_path_factory.mktemp("s3-session"))
    embedded.ensure_running(settings)
    yield settings
    embedded.stop(settings)


@pytest.fixture(scope="session")
def s3_store(s3_settings: Settings) -> ObjectStore:
    """An ObjectStore on a fresh bucket of the session's embedded server."""
    settings = s3_settings.model_copy(update={"s3_bucket": f"test-{secrets.token_hex(4)}"})
    store = ObjectStore.from_settings(settings)
    store.ensure_bucket()
    return store

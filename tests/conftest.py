"""Shared fixtures."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sohoa.config import Settings
from sohoa.storage import embedded
from sohoa.storage.objects import ObjectStore

# --- storage and servers ------------------------------------------------------------------


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings on ``data_dir`` and the embedded S3 server, whatever the environment says."""
    values: dict[str, Any] = {"data_dir": data_dir, "s3_endpoint": None, **overrides}
    return Settings(**values)


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

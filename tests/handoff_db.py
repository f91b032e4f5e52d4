"""A catalogue of its own for each test of the hand-off's tables: on SQLite a new file, on the
session's PostgreSQL a new database (the audit log is append-only, so a shared one could never
be emptied between tests)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sohoa.storage.catalogue import Catalogue


@pytest.fixture(
    name="catalogue", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]
)
def own_catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "sqlite":
        opened = Catalogue(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    else:
        server: str = request.getfixturevalue("postgres_url")
        name = f"handoff_{secrets.token_hex(4)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        opened = Catalogue(f"{server.rsplit('/', 1)[0]}/{name}")
    yield opened
    opened.close()

"""The audit log: rows appended, read back by day and by person, never changed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from sohoa.storage.audit import AuditLog, audit_log
from sohoa.storage.catalogue import Catalogue
from tests.handoff_db import own_catalogue  # noqa: F401  (one of its own per test)
from tests.postgres import postgres_url  # noqa: F401  (the slow runs' PostgreSQL)


def test_the_audit_log_refuses_deletes_and_updates(catalogue: Catalogue) -> None:
    log = AuditLog(catalogue)
    log.record("portal", "pdf", "api", document_id="decision")
    with pytest.raises(Exception, match="append-only"), catalogue.begin() as conn:
        conn.execute(delete(audit_log))
    with pytest.raises(Exception, match="append-only"), catalogue.begin() as conn:
        conn.execute(update(audit_log).values(token="someone-else"))
    assert [(e.token, e.document_id) for e in log.entries()] == [("portal", "decision")]


def test_since_leaves_out_earlier_days(catalogue: Catalogue) -> None:
    log = AuditLog(catalogue)
    log.record("portal", "search", "api", person_id="036089001234")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert len(log.entries(since=date.today() - timedelta(days=1))) == 1
    assert log.entries(since=tomorrow) == []


def test_a_person_filter_finds_searches_for_them(catalogue: Catalogue) -> None:
    log = AuditLog(catalogue)
    log.record("portal", "search", "api", person_id="036089001234")
    log.record("portal", "search", "api", person_id="001200000001")
    assert [e.person_id for e in log.entries(person_id="001200000001")] == ["001200000001"]

"""`sohoa report` after `sohoa digitise`, as a province's officer runs it: real OCR, the embedded
SeaweedFS and the default SQLite catalogue in a private data dir. A generated application is
filed with a broken file, then filed again in another dossier."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from samples.degrade import Effects, apply_effects
from samples.render import DocStyle, draw_page, layout_document
from samples.templates import TEMPLATES
from tests.clerk import Clerk

pytestmark = pytest.mark.slow


@dataclass
class Filed:
    clerk: Clerk
    manifests: list[dict[str, Any]]
    seconds: float  # wall time of both `sohoa digitise` runs

    def report(self, *args: str) -> dict[str, Any]:
        done = self.clerk.run("report", "--json", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]


def scan_application(folder: Path) -> Path:
    paper = TEMPLATES["don_de_nghi"](random.Random(7), date(2024, 5, 2))
    [layout] = layout_document(paper, DocStyle.draw(random.Random(7)), dpi=200)
    scanned = apply_effects(
        draw_page(layout), layout, Effects(skew=0.5, noise=3.0), random.Random(7)
    )
    folder.mkdir(parents=True)
    scanned.save(folder / "page-1.jpg", quality=85, dpi=(200, 200))
    return folder


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Filed]:
    clerk = Clerk(tmp_path_factory.mktemp("report-data"))
    application = scan_application(tmp_path_factory.mktemp("papers") / "application")
    broken = tmp_path_factory.mktemp("broken") / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    manifests = []
    began = time.monotonic()
    for dossier_id, paths, code in (
        ("hs-with-broken-file", [application, broken], 4),  # partial
        ("hs-filed-again", [application], 0),
    ):
        done = clerk.run("digitise", *paths, "--dossier-id", dossier_id, "--json")
        assert done.returncode == code, done.stderr
        manifests.append(json.loads(done.stdout))
    yield Filed(clerk, manifests, time.monotonic() - began)
    clerk.stop_services()


def test_dossiers_are_counted_by_status(filed: Filed) -> None:
    assert filed.report()["dossiers"] == {"total": 2, "done": 1, "partial": 1, "failed": 0}


def test_pages_and_documents_are_counted(filed: Filed) -> None:
    figures = filed.report()
    assert figures["pages"] == {"total": 2, "blank": 0, "ocr_failed": 0}
    assert figures["documents"]["total"] == 2
    assert figures["documents"]["by_type"] == {"don_de_nghi": 2}


def test_the_paper_filed_again_counts_as_reused(filed: Filed) -> None:
    documents = filed.report()["documents"]
    assert (documents["reused"], documents["reused_share"]) == (1, 0.5)
    flagged = sum(d["needs_review"] for m in filed.manifests for d in m["documents"])
    assert documents["needs_review"] == flagged


def test_the_broken_file_is_a_corrupt_file_failure(filed: Filed) -> None:
    failures = filed.report()["failures"]
    assert failures["total"] == 1
    assert {k: v for k, v in failures["by_reason"].items() if v} == {"corrupt": 1}


def test_pages_per_second_is_over_the_time_spent_digitising(filed: Filed) -> None:
    throughput = filed.report()["throughput"]
    assert (throughput["dossiers"], throughput["pages"]) == (2, 2)
    spans = sorted(
        (datetime.fromisoformat(m["started"]), datetime.fromisoformat(m["created"]))
        for m in filed.manifests
    )
    assert spans[0][1] <= spans[1][0]  # digitised one after the other: the spans add up
    digitising = sum((end - start).total_seconds() for start, end in spans)
    assert 0 < digitising <= filed.seconds
    assert throughput["busy_seconds"] == pytest.approx(digitising, abs=1e-6)
    assert throughput["pages_per_second"] == pytest.approx(2 / throughput["busy_seconds"])


def test_dossiers_handed_over_directly_have_no_arrival_delay(filed: Filed) -> None:
    delay = filed.report()["arrival_to_searchable"]
    assert delay == {"dossiers": 0, "p50_seconds": None, "p95_seconds": None}


def test_the_period_is_the_day_the_dossiers_became_searchable(filed: Filed) -> None:
    day = date.fromisoformat(filed.manifests[0]["created"][:10])  # written in UTC
    assert filed.report("--from", str(day), "--to", str(day))["dossiers"]["total"] == 2
    after = filed.report("--from", str(day + timedelta(days=1)))
    assert after["dossiers"]["total"] == 0
    assert after["period"] == {"from": str(day + timedelta(days=1)), "to": None}


def test_the_report_is_a_table_without_json(filed: Filed) -> None:
    done = filed.clerk.run("report")
    assert done.returncode == 0, done.stderr
    assert "Pages per second" in done.stdout
    assert "don_de_nghi" in done.stdout


def test_a_period_ending_before_it_begins_is_bad_usage(filed: Filed) -> None:
    done = filed.clerk.run("report", "--from", "2025-03-02", "--to", "2025-03-01")
    assert done.returncode == 1
    assert "after" in done.stderr


def test_reindex_rebuilds_the_figures_from_storage(filed: Filed) -> None:
    before = filed.report()
    (filed.clerk.data_dir / "catalogue.sqlite").unlink()
    for leftover in filed.clerk.data_dir.glob("catalogue.sqlite-*"):  # WAL files
        leftover.unlink()
    assert filed.report()["dossiers"]["total"] == 0
    done = filed.clerk.run("reindex")
    assert done.returncode == 0, done.stderr
    assert filed.report() == before

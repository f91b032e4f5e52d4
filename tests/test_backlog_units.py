"""The backlog's pieces that need no OCR: finding dossiers, the summary, work folders."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sohoa.config import Settings
from sohoa.flows import backlog, workdir
from sohoa.pipeline.model import QuarantineRecord


def test_each_sub_folder_and_file_is_a_dossier_hidden_names_are_not(tmp_path: Path) -> None:
    (tmp_path / "b-folder").mkdir()
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / ".partial").write_bytes(b"")

    found = backlog.find_dossiers(tmp_path)

    assert [d.name for d in found] == ["a.pdf", "b-folder"]
    assert found[1].paths == [str((tmp_path / "b-folder").resolve())]


def test_batches_keep_order_and_cover_every_dossier() -> None:
    dossiers = [backlog.DossierInput(name=str(i), paths=[]) for i in range(5)]

    assert [[d.name for d in b] for b in backlog.batches(dossiers, 2)] == [
        ["0", "1"],
        ["2", "3"],
        ["4"],
    ]


def test_the_summary_counts_outcomes_types_reviews_reuse_and_reasons() -> None:
    outcome = backlog.DossierOutcome
    outcomes = [
        outcome(
            name="a",
            result="digitised",
            status="done",
            pages=3,
            documents={"cccd": 1, "don": 1},
            review=1,
            reused=1,
        ),
        outcome(
            name="b",
            result="on_file",
            status="partial",
            pages=2,
            documents={"cccd": 1},
            quarantined=[QuarantineRecord(source="x.pdf", reason="encrypted PDF")],
        ),
        outcome(name="c", result="failed", error="object storage failed: refused"),
    ]

    rows = {r["measure"]: r["value"] for r in backlog.summary_table(outcomes)}

    assert rows["dossiers"] == 3
    assert rows["digitised now, done"] == 1
    assert rows["already on file"] == 1
    assert rows["not digitised (a re-run retries them)"] == 1
    assert rows["pages"] == 5
    assert rows["documents: cccd"] == 2 and rows["documents"] == 3
    assert rows["documents flagged for review"] == 1
    assert rows["documents already on file (reused)"] == 1
    assert rows["quarantined: x.pdf: encrypted PDF"] == 1
    assert rows["not digitised: c: object storage failed: refused"] == 1


def test_work_folders_of_processes_that_are_gone_are_removed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    gone = subprocess.Popen(["true"])
    gone.wait()
    abandoned = settings.work_root / f"dossier-{gone.pid}-abc"
    mine = settings.work_root / f"dossier-{os.getpid()}-def"
    abandoned.mkdir(parents=True)
    mine.mkdir()

    assert workdir.remove_abandoned(settings) == 1
    assert not abandoned.exists() and mine.exists()


def test_a_dossier_work_folder_is_removed_when_done(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with workdir.dossier_dir(settings) as work:
        (work / "page.pdf").write_bytes(b"x")
    assert not work.exists()

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
    assert [d.folder for d in found] == [False, True]


def test_a_link_in_the_backlog_folder_is_a_dossier_of_its_own_never_followed(
    tmp_path: Path,
) -> None:
    (tmp_path / "elsewhere").mkdir()
    backlog_folder = tmp_path / "backlog"
    backlog_folder.mkdir()
    (backlog_folder / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)

    [found] = backlog.find_dossiers(backlog_folder)

    assert found.paths == [str(backlog_folder.resolve() / "linked")]  # the link, not its target
    assert not found.folder


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
    assert rows["quarantined: b/x.pdf: encrypted PDF"] == 1
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


def test_the_summary_names_the_dossier_of_each_quarantined_file() -> None:
    bad = [QuarantineRecord(source="scan.pdf", reason="not a PDF, TIFF, JPEG or PNG file")]
    outcomes = [
        backlog.DossierOutcome(
            name=name, result="digitised", status="failed", dossier_id=dossier_id, quarantined=bad
        )
        for name, dossier_id in (
            ("000.00.12.H52-241203-0001", "000.00.12.H52-241203-0001"),
            ("Hồ sơ bà Lan", "hs-0123456789ab"),
        )
    ]
    outcomes.append(
        backlog.DossierOutcome(
            name="scan.pdf", result="digitised", status="failed", dossier_id="hs-x", quarantined=bad
        )
    )

    measures = [r["measure"] for r in backlog.summary_table(outcomes)]

    assert [m for m in measures if m.startswith("quarantined")] == [
        "quarantined: 000.00.12.H52-241203-0001/scan.pdf: not a PDF, TIFF, JPEG or PNG file",
        "quarantined: Hồ sơ bà Lan/scan.pdf (hs-0123456789ab): not a PDF, TIFF, JPEG or PNG file",
        "quarantined: scan.pdf (hs-x): not a PDF, TIFF, JPEG or PNG file",
    ]


def test_the_summary_says_which_manifests_were_replaced() -> None:
    note = "replaces the manifest of 2026-01-01 (done), made from other files (a.jpg)"
    outcome = backlog.DossierOutcome(name="hs-1", result="digitised", status="done", replaced=note)

    rows = {r["measure"]: r["value"] for r in backlog.summary_table([outcome])}

    assert rows["manifests replaced, made from other files (kept)"] == 1
    assert rows[f"replaced: hs-1: {note}"] == 1

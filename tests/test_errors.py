"""One error model: each error a user can meet carries its exit code and what to do, and the
command line turns it into one line of text, never a traceback."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sohoa.daemon import DaemonError
from sohoa.errors import ExitCode, SohoaError, failure_reason
from sohoa.flows.prefect_server import PrefectUnreachable
from sohoa.flows.workdir import WorkDirFull
from sohoa.flows.worker import WorkerFailure
from sohoa.ocr.tesseract import TesseractMissing
from sohoa.pipeline.ingest import InputRejected
from sohoa.storage.catalogue import CatalogueError
from sohoa.storage.embedded import WeedNotFound
from sohoa.storage.objects import ObjectNotFound, StorageAuthError, StorageUnavailable

SOHOA = [sys.executable, "-m", "sohoa.cli"]


def test_exit_codes_are_the_designed_ones() -> None:
    assert [int(c) for c in ExitCode][:7] == [0, 1, 2, 3, 4, 5, 6]
    assert ExitCode.WORKER == 6  # documented in docs/design.md and the README


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputRejected("encrypted PDF"), ExitCode.INPUT),
        (TesseractMissing("tesseract is not installed"), ExitCode.DEPENDENCY),
        (WeedNotFound("weed is not installed"), ExitCode.DEPENDENCY),
        (StorageUnavailable("refused"), ExitCode.STORAGE),
        (StorageAuthError("SignatureDoesNotMatch"), ExitCode.STORAGE),
        (ObjectNotFound("dossiers/x/manifest.json"), ExitCode.INPUT),
        (CatalogueError("cannot open"), ExitCode.STORAGE),
        (DaemonError("weed exited"), ExitCode.STORAGE),
        (PrefectUnreachable("no answer"), ExitCode.STORAGE),
        (WorkerFailure("killed", "the worker stopped"), ExitCode.WORKER),
    ],
)
def test_each_error_a_user_meets_carries_its_exit_code(error: SohoaError, code: int) -> None:
    assert isinstance(error, SohoaError)
    assert error.exit_code == code


def test_a_storage_error_says_what_to_check() -> None:
    message = StorageUnavailable("the store cannot be reached").clerk_message
    assert message.startswith("object storage failed: the store cannot be reached. ")
    assert "SOHOA_S3_ENDPOINT" in message


def test_a_missing_object_points_to_reindex() -> None:
    assert "sohoa reindex" in ObjectNotFound("dossiers/x/manifest.json").clerk_message


def test_a_full_work_folder_says_where_and_what_to_do() -> None:
    error = WorkDirFull(errno.ENOSPC, "no space left in the work folder /w: free some space")
    assert isinstance(error, OSError)
    assert failure_reason(error) == "no space left in the work folder /w: free some space"


def test_a_dossier_failure_reason_is_the_clerk_message_or_the_error_named() -> None:
    assert failure_reason(StorageUnavailable("refused")).startswith("object storage failed: ")
    assert failure_reason(KeyError("page")) == "KeyError: 'page'"


def _sohoa(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    return subprocess.run(
        [*SOHOA, *args],
        capture_output=True,
        text=True,
        env={**env, "SOHOA_DATA_DIR": str(tmp_path / "data")},
        timeout=120,
    )


@pytest.mark.parametrize("command", ["report", "search"])
def test_a_bad_date_is_bad_usage_in_one_line(tmp_path: Path, command: str) -> None:
    done = _sohoa(tmp_path, command, "--from", "2026-13-01")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert "--from" in line and "2026-13-01" in line
    assert f"{command} --help" in line


def test_an_unknown_option_is_bad_usage_in_one_line(tmp_path: Path) -> None:
    done = _sohoa(tmp_path, "report", "--since", "2026-01-01")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert "--since" in line


def test_an_error_raised_by_a_command_becomes_its_message_and_exit_code(tmp_path: Path) -> None:
    done = _sohoa(tmp_path, "show", "no-such-document")
    assert done.returncode == ExitCode.INPUT
    [line] = done.stderr.splitlines()
    assert line.startswith("error: no document 'no-such-document'")
    assert "sohoa reindex" in line

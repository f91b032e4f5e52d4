"""Work folders: where a dossier's page PDFs wait to be assembled.

Each dossier gets its own folder under the work root (`Settings.work_root`), named after the
process that owns it and removed when the dossier is done, whatever happens. A process killed
outright (`kill -9`, a power cut) cannot clean up: the next sohoa process to start work removes
the folders of processes that no longer run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sohoa.config import Settings
from sohoa.errors import ExitCode, SohoaError
from sohoa.private import private_dir

_PREFIX = "dossier-"


class WorkDirFull(SohoaError, OSError):
    """The work folder's disk is full: nothing of the dossier was committed."""

    exit_code = ExitCode.STORAGE

    @property
    def clerk_message(self) -> str:
        return str(self.strerror)


@contextlib.contextmanager
def dossier_dir(settings: Settings) -> Iterator[Path]:
    """A fresh folder for one dossier's work, removed on the way out.

    A full disk comes out as :class:`WorkDirFull`, saying where, whatever wrote the file.
    """
    root = settings.work_root
    try:
        private_dir(root)
        with tempfile.TemporaryDirectory(prefix=f"{_PREFIX}{os.getpid()}-", dir=root) as work:
            yield Path(work)
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT) and not isinstance(e, WorkDirFull):
            raise WorkDirFull(
                e.errno,
                f"no space left in the work folder {root}: free some space, or set "
                "SOHOA_WORK_DIR to a folder on a larger disk; nothing of this dossier was "
                "committed",
            ) from e
        raise


def remove_abandoned(settings: Settings) -> int:
    """Remove the work folders of processes that are gone; how many were removed."""
    root = settings.work_root
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.glob(f"{_PREFIX}*"):
        owner = folder.name.removeprefix(_PREFIX).split("-", 1)[0]
        if owner.isdigit() and not _running(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True

"""Data at rest is private: what sohoa keeps is readable by the user who runs it, no one else.

Folders are 0700 and files 0600 whatever the umask, which only ever takes bits away from what
``mkdir`` and ``open`` ask for (a umask of 0o000 would leave 0777 folders). Server processes
that sohoa starts (weed, the Prefect server, workers, OCR readers) run under :data:`UMASK`, so
what they create is private too.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from sohoa.config import Settings

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077

log = logging.getLogger(__name__)


def private_dir(path: Path) -> Path:
    """``path`` as a folder of mode 0700, its missing parents made 0700 too."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        folder.chmod(DIR_MODE)
    if stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` as an existing file of mode 0600, created empty when missing; never truncated."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def new_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists; an existing file is never opened.

    For a file that SQLite may hold open in this process: closing any descriptor of a file drops
    every POSIX lock the process holds on it, SQLite's included, and another process would then
    take the database for unused and delete its write-ahead log.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def replace_private_file(path: Path, data: bytes) -> None:
    """Put `data` in `path` (mode 0600) at once: a reader sees the old file or the new one,
    never half of it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def secret_file(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    """The secret kept in ``path`` (mode 0600), and whether it was made (by ``make``) just now.

    Written aside, complete and private from its first byte, then hard-linked into place: the
    link fails if another process got there first, and then its secret wins.
    """
    created = False
    if not path.exists():
        private_dir(path.parent)
        aside = path.with_name(f"{path.name}.{os.getpid()}.partial")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, FILE_MODE)
        with os.fdopen(fd, "w") as file:
            file.write(make())
        try:
            os.link(aside, path)
            created = True
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return path.read_text(), created


def secure_data_dir(settings: Settings) -> list[str]:
    """Make the data dir (and the work dir) 0700 and what is in them 0700/0600.

    A data dir made by an older sohoa, or under a wide umask, is tightened here, with a warning
    naming each path whose mode changed. Only the user's own entries are changed and symbolic
    links are neither followed nor changed. Returns the warnings' lines.
    """
    changed: list[str] = []
    for root in dict.fromkeys((settings.data_dir, settings.work_root)):
        if not root.exists():
            private_dir(root)
            continue
        changed += _tighten(root)
    if changed:
        log.warning(
            "sohoa's data was readable by other users; made private: %s", ", ".join(changed)
        )
    return changed


def _tighten(root: Path) -> list[str]:
    """Tighten `root` and what is in it; the lines name what others could reach before. An
    entry in a folder they could not enter is tightened without a word: weed makes its volume
    files 0644 in sohoa's 0700 folders, and those were never exposed."""
    changed: list[str] = []
    enterable = {root.parent}  # the data dir's parent is the user's, not sohoa's, to guard
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        entries = [here / name for name in dirs + files]
        if here == root:
            entries.insert(0, root)
        for path in entries:
            mode = _tighten_one(path)
            if mode is None or path.parent not in enterable:
                continue
            if mode & 0o077:
                changed.append(f"{path} {mode:04o} -> {mode & ~0o077:04o}")
            if mode & 0o011 and stat.S_ISDIR(path.lstat().st_mode):
                enterable.add(path)
    return changed


def _tighten_one(path: Path) -> int | None:
    """Take group's and others' bits off `path`; its mode before, or None when it is not ours
    to change (a symbolic link, another user's, gone meanwhile)."""
    try:
        info = path.lstat()
    except FileNotFoundError:  # removed meanwhile (a work folder, a server's temporary file)
        return None
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return None
    mode = stat.S_IMODE(info.st_mode)
    wanted = mode & ~0o077  # for a socket too: whoever may write to one may talk to its server
    if mode != wanted:
        try:
            os.chmod(path, wanted)
        except FileNotFoundError:
            return None
    return mode

"""Inputs as the user gave them: the files named, and the files found in the folders named.

A folder is read as it is, never followed out of: a symbolic link inside it is refused (its
target is never read, so a link to a root-only file in a drop folder others can write to
gives them nothing), and so is anything that is not a regular file (a named pipe, which would
block the reader, a socket, a device). Each refused entry keeps its reason, for the manifest.
A path named directly is the user's own choice: a link there is resolved once, and the file
keeps the name it was given.

What the walk saw is what is read: each file is opened without following a link
(``O_NOFOLLOW``), and the opened file must be the regular file the walk found (same device
and inode), so that a file swapped for a link, or a folder for a link to another, in between
is refused too (`InputChanged`). Opened files are read afterwards through their open
descriptor (`VerifiedInput.path`), never again through the name others can change.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

LINK_REFUSED = (
    "a symbolic link: links inside an input folder are not followed; put the file itself there"
)
LOOP_REFUSED = "a symbolic link loop: it leads to no file"


@dataclass(frozen=True)
class InputFile:
    """One input: where it is, the name it goes by in the manifest (relative to the folder
    given), and why it is refused without being read, if it is."""

    path: Path
    name: str
    refused: str | None = None
    identity: tuple[int, int] | None = None  # (device, inode) of the regular file found


class InputChanged(Exception):
    """The file is no longer the one the walk found (replaced, or swapped for a link)."""


def collect_files(paths: list[Path], *, follow_named_links: bool = True) -> list[InputFile]:
    """The files named, and those under the folders named sorted by path, hidden names
    skipped. `follow_named_links`: resolve a link named directly (the command line); False
    where the paths are themselves entries of a folder (a backlog's, an incoming folder's)."""
    found: list[InputFile] = []
    for named in paths:
        path = named
        if follow_named_links:
            try:
                path = named.resolve(strict=True)
            except (OSError, RuntimeError) as e:  # a loop, or a link to nothing
                found.append(InputFile(named, shown(named.name), _unresolved(e)))
                continue
        try:
            status = path.lstat()
        except OSError as e:
            reason = f"cannot read the file: {e.strerror}"
            found.append(InputFile(path, shown(named.name), reason))
            continue
        if stat.S_ISDIR(status.st_mode):
            found += [
                _entry(file, name, file_status)
                for file, name, file_status in walk(path)
                if not stat.S_ISDIR(file_status.st_mode)
            ]
        else:
            found.append(_entry(path, shown(named.name), status))
    return found


def shown(name: str) -> str:
    """A file name or path as people and the manifest see it: bytes that are not UTF-8 (a name
    written by a system in another encoding) as U+FFFD, which JSON and the catalogue can hold."""
    return os.fsencode(name).decode("utf-8", "replace")


def walk(folder: Path) -> Iterator[tuple[Path, str, os.stat_result]]:
    """Every entry under `folder` with its name relative to it and its own status (links not
    followed), sorted by path, folders before what they hold; hidden names and what is under
    them are skipped, and links to folders are entries, not walked."""
    yield from _walk(folder, "")


def _walk(folder: Path, prefix: str) -> Iterator[tuple[Path, str, os.stat_result]]:
    for path, status in entries(folder):
        name = f"{prefix}{shown(path.name)}"
        yield path, name, status
        if stat.S_ISDIR(status.st_mode):
            yield from _walk(path, f"{name}/")


def entries(folder: Path) -> list[tuple[Path, os.stat_result]]:
    """The entries of `folder` itself with their own status (links not followed), sorted by
    name, hidden names skipped."""
    with os.scandir(folder) as scanned:
        found = [
            (Path(e.path), e.stat(follow_symlinks=False))
            for e in scanned
            if not e.name.startswith(".")
        ]
    return sorted(found)


def _entry(path: Path, name: str, status: os.stat_result) -> InputFile:
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return InputFile(path, name, identity=(status.st_dev, status.st_ino))
    return InputFile(path, name, refused_reason(path, mode))


def refused_reason(path: Path, mode: int) -> str:
    """Why an entry that is not a regular file is not read, in words a clerk can act on."""
    if stat.S_ISLNK(mode):
        try:
            path.stat()  # the link's target's status: its content is never read
        except OSError as e:
            if e.errno == errno.ELOOP:
                return LOOP_REFUSED
        return LINK_REFUSED
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file: it is not read"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file: it is not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file: it is not read"
    return "not a regular file: it is not read"


def _unresolved(error: OSError | RuntimeError) -> str:
    if isinstance(error, RuntimeError) or error.errno == errno.ELOOP:
        return LOOP_REFUSED
    return f"cannot read the file: {error.strerror}"


def open_verified(found: InputFile) -> BinaryIO:
    """The file the walk found, opened for reading; `InputChanged` if it is not that file
    any more. Never blocks on a named pipe put in its place."""
    assert found.identity is not None, "a refused input is never opened"
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(found.path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise InputChanged("it was replaced by a symbolic link, which is not followed") from e
        raise
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or (status.st_dev, status.st_ino) != found.identity:
            raise InputChanged("it was replaced while it was being read: digitise it again")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def descriptor_path(file: BinaryIO) -> Path:
    """A path that opens the very file `file` is open on, whatever happens to its name
    meanwhile: Linux's /proc/<pid>/fd link (with this process's id, so that a helper program
    such as poppler's opens it too)."""
    return Path(f"/proc/{os.getpid()}/fd/{file.fileno()}")

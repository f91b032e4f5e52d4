"""Arrivals: dossiers dropped into incoming by a scanner or a post office, and where they go
once digitised.

Two places are watched:

- the bucket's ``incoming/`` prefix: each object directly under it is a one-file dossier, each
  "folder" ``incoming/<name>/…`` a dossier of the objects under it;
- an incoming folder (``sohoa watch --incoming DIR``): each file, and each sub-folder, of it.

Hidden names (starting with ``.``) are skipped in both, as scanners write partial files under
such names. A folder is read as it is (`sohoa.pipeline.inputs`): a link or a special file in
it is an arrival, or a file of one, that digitising refuses with the reason; never followed.

An arrival is taken once it has *settled*: nothing in it changed for the settle time (a
scanner may still be writing it). Its arrival time is its newest change: the objects'
LastModified, or the files' (and folders') modification or status-change time, whichever is
later, so a file moved in whole by a rename counts from the rename.

After digitising, an arrival leaves incoming, so that the next sweep does not see it again:

- from the bucket, its objects are deleted: their content is kept under ``originals/`` (or
  ``quarantine/``) by SHA-256, and the manifest lists each file's name and hash. A dossier of
  which nothing was usable (status ``failed``) is copied first to
  ``failed/<dossier id>/…`` with ``reasons.json`` saying why, so that a person finds it;
- from the folder, the file or sub-folder is moved to the done folder (default ``DIR.done``
  beside ``DIR``), or to the failed folder (``DIR.failed``) with ``<name>.reasons.json``.

An object or file that changed while it was being digitised is left in incoming (the next sweep
digitises the new version); object deletes are conditional on the ETag that was digitised.

An arrival that could not be digitised (an error, not a quarantine) stays in incoming for the
next sweep; once it has failed the same way again (`note_failure`, counted in the store under
``watch/failures/`` for every watcher), it goes to failed like one with nothing usable, its
reasons file holding the error (`move_failed`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sohoa.flows.keys import manifest_key
from sohoa.pipeline.inputs import entries, shown, walk
from sohoa.pipeline.model import Manifest
from sohoa.pipeline.text import fold
from sohoa.storage.objects import ListedObject, ObjectNotFound, ObjectStore, safe_key_part

INCOMING_PREFIX = "incoming/"
FAILED_PREFIX = "failed/"
# What arrivals failed for, and how many sweeps in a row: `note_failure`.
FAILURES_PREFIX = "watch/failures/"
REASONS_NAME = "reasons.json"

Where = Literal["bucket", "folder"]
_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ArrivalFile:
    """One file of an arrival."""

    name: str  # relative to the arrival, '/'-separated: how the manifest names it
    locator: str  # the object key, or the absolute path
    size: int
    modified: datetime
    version: str  # the ETag, or the modification time in nanoseconds


@dataclass(frozen=True)
class Arrival:
    """One dossier waiting in incoming: a file or a folder, in the bucket or on disk."""

    where: Where
    name: str  # the file's or folder's name in incoming, for people (never in a key)
    locator: str  # `incoming/<name>` (a folder: with a final '/'), or the absolute path
    is_folder: bool
    files: tuple[ArrivalFile, ...]
    modified: datetime  # the newest change to it: its arrival time

    @property
    def identity(self) -> str:
        """What two watchers agree this arrival is: where it is and its locator."""
        return f"{self.where}:{self.locator}"

    @property
    def fingerprint(self) -> tuple[tuple[str, int, str], ...]:
        """What changes when anything in the arrival changes."""
        return tuple((f.locator, f.size, f.version) for f in self.files)

    @property
    def received(self) -> str:
        """Its arrival time as the manifest records it (ISO 8601 UTC)."""
        return self.modified.astimezone(UTC).isoformat(timespec="seconds")

    def settled(self, now: datetime, settle_s: float) -> bool:
        return settled(self.modified, now, settle_s)


def settled(modified: datetime, now: datetime, settle_s: float) -> bool:
    """True when nothing changed for ``settle_s`` seconds up to ``now``. A change stamped in the
    future (another machine's clock ahead of ours) waits until it is ``settle_s`` in the past."""
    return (now - modified).total_seconds() >= settle_s


def hidden(name: str) -> bool:
    return name.startswith(".")


# --- Finding arrivals -------------------------------------------------------------------------


def bucket_arrivals(listed: Iterable[ListedObject]) -> list[Arrival]:
    """The arrivals that a listing of ``incoming/`` holds, by name."""
    groups: dict[tuple[str, bool], list[ArrivalFile]] = {}
    for found in listed:
        parts = [p for p in found.key.removeprefix(INCOMING_PREFIX).split("/") if p]
        if not parts or any(hidden(p) for p in parts) or found.key.endswith("/"):
            continue  # a folder marker, or a hidden (partial) upload
        is_folder = len(parts) > 1
        name = "/".join(parts[1:]) if is_folder else parts[0]
        file = ArrivalFile(name, found.key, found.size, found.last_modified, found.etag)
        groups.setdefault((parts[0], is_folder), []).append(file)
    arrivals = []
    for (name, is_folder), files in sorted(groups.items()):
        locator = f"{INCOMING_PREFIX}{name}/" if is_folder else f"{INCOMING_PREFIX}{name}"
        modified = max(f.modified for f in files)
        arrivals.append(Arrival("bucket", name, locator, is_folder, tuple(files), modified))
    return arrivals


def folder_arrivals(folder: Path) -> list[Arrival]:
    """The arrivals in ``folder``: each entry and each non-empty sub-folder, by name. Entries
    are taken as they are: a link or a special file is an arrival (its digitising refuses it
    with the reason), never followed nor dropped."""
    arrivals = []
    for path, _ in entries(folder):
        arrival = folder_arrival(path)
        if arrival is not None:
            arrivals.append(arrival)
    return arrivals


def folder_arrival(path: Path) -> Arrival | None:
    """The arrival at ``path`` as it is now; None if it is gone or an empty folder."""
    try:
        status = path.lstat()
        if not stat.S_ISDIR(status.st_mode):
            file = _arrival_file(path, shown(path.name), status)
            return Arrival("folder", path.name, str(path), False, (file,), file.modified)
        files, changes = [], [_changed(status)]
        for sub, name, sub_status in walk(path):
            if stat.S_ISDIR(sub_status.st_mode):
                changes.append(_changed(sub_status))
            else:
                files.append(_arrival_file(sub, name, sub_status))
    except FileNotFoundError:
        return None  # moved away while we looked
    if not files:
        return None
    modified = max([*changes, *(f.modified for f in files)])
    return Arrival("folder", path.name, str(path), True, tuple(files), modified)


def _arrival_file(path: Path, name: str, status: os.stat_result) -> ArrivalFile:
    version = f"{status.st_mtime_ns}:{status.st_ctime_ns}"
    return ArrivalFile(name, str(path), status.st_size, _changed(status), version)


def _changed(status: os.stat_result) -> datetime:
    return datetime.fromtimestamp(max(status.st_mtime, status.st_ctime), UTC)


def look_again(store: ObjectStore, arrival: Arrival) -> Arrival | None:
    """The arrival as it is now (None if it left incoming), to compare with what was listed."""
    if arrival.where == "folder":
        return folder_arrival(Path(arrival.locator))
    prefix = arrival.locator
    found = bucket_arrivals(
        o for o in store.list_objects(prefix) if arrival.is_folder or o.key == prefix
    )
    return next((a for a in found if a.identity == arrival.identity), None)


# --- Digitising it ----------------------------------------------------------------------------


def stage(store: ObjectStore, arrival: Arrival, work: Path) -> list[str]:
    """The local paths to digitise the arrival from: its own path on disk, or a copy of its
    objects in ``work``, named as in the bucket (folders kept), so the manifest names the files
    the same way."""
    if arrival.where == "folder":
        return [arrival.locator]
    top = work / local_name(arrival.name)
    for file in arrival.files:
        target = top / Path(*map(local_name, file.name.split("/"))) if arrival.is_folder else top
        target.parent.mkdir(parents=True, exist_ok=True)
        # Dropped by a scanner: no checksum of ours to verify it against.
        store.download_file(file.locator, target, verify=False)
    return [str(top)]


def local_name(part: str) -> str:
    """A part of an object key as a file name: kept as it is (Vietnamese names included), but
    never empty, ``.`` or ``..`` (listing already skips hidden parts) nor holding a NUL."""
    if part in ("", ".", ".."):
        raise ValueError(f"{part!r} cannot be a file name")
    return part.replace("\0", "_")


def key_name(name: str) -> str:
    """A file name made safe for an object key: folded to ASCII (``Đơn đăng ký.pdf`` gives
    ``don_dang_ky.pdf``), anything else but ``A-Z a-z 0-9 . _ -`` as ``_``."""
    safe = _UNSAFE_KEY_CHARS.sub("_", fold(name)).lstrip(".") or "_"
    return safe_key_part(safe)


# --- Leaving incoming -------------------------------------------------------------------------


@dataclass(frozen=True)
class Destinations:
    """Where a folder's arrivals go once digitised."""

    done: Path
    failed: Path

    @classmethod
    def beside(cls, incoming: Path, done: Path | None, failed: Path | None) -> Destinations:
        """``DIR.done`` and ``DIR.failed`` beside the incoming folder ``DIR``, unless given."""
        incoming = incoming.resolve()
        return cls(
            done=done or incoming.with_name(f"{incoming.name}.done"),
            failed=failed or incoming.with_name(f"{incoming.name}.failed"),
        )


@dataclass(frozen=True)
class Why:
    """Why an arrival goes to failed, for the reasons file kept beside it."""

    facts: dict[str, object]  # of the arrival: its dossier and manifest, or the error
    file_reasons: dict[str, str]  # by the file's name in the arrival


def move_out(
    store: ObjectStore, arrival: Arrival, manifest: Manifest, destinations: Destinations | None
) -> str:
    """Take the digitised arrival out of incoming; what became of it, for people. A file that
    changed since it was listed stays (the next sweep digitises the new version)."""
    if manifest.status != "failed":
        return _leave(store, arrival, destinations, None, "")
    why = Why(
        facts={"dossier_id": manifest.dossier_id, "manifest": manifest_key(manifest.dossier_id)},
        file_reasons={q.source: q.reason for q in manifest.quarantined},
    )
    return _leave(store, arrival, destinations, why, f"{FAILED_PREFIX}{manifest.dossier_id}/")


def move_failed(
    store: ObjectStore,
    arrival: Arrival,
    error: str,
    attempts: int,
    destinations: Destinations | None,
) -> str:
    """Take an arrival that could not be digitised, `attempts` times for the same `error`, out
    of incoming to failed, with the error; what became of it, for people."""
    why = Why(facts={"error": error, "attempts": attempts}, file_reasons={})
    digest = hashlib.sha256(arrival.identity.encode()).hexdigest()[:8]
    prefix = f"{FAILED_PREFIX}{key_name(arrival.name)}-{digest}/"
    return _leave(store, arrival, destinations, why, prefix)


def _leave(
    store: ObjectStore,
    arrival: Arrival,
    destinations: Destinations | None,
    why: Why | None,
    failed_prefix: str,
) -> str:
    """Remove the arrival from incoming, or move it to failed with `why` when given."""
    if arrival.where == "bucket":
        if why is not None:
            _keep_failed_objects(store, arrival, why, failed_prefix)
        changed = [f.name for f in arrival.files if not store.delete(f.locator, if_match=f.version)]
        if why is not None:
            went = f"moved to {failed_prefix} with the reasons"
        else:
            went = "removed from incoming (its files are kept under originals/)"
        return went + (f"; changed meanwhile, left in incoming: {changed}" if changed else "")
    assert destinations is not None, "a folder arrival needs a done and a failed folder"
    now = folder_arrival(Path(arrival.locator))
    if now is None or now.fingerprint != arrival.fingerprint:
        return "left in incoming: it changed while it was digitised"
    folder = destinations.done if why is None else destinations.failed
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, arrival.name)
    if why is not None:
        kept = [str(target / f.name) if arrival.is_folder else str(target) for f in arrival.files]
        reasons = target.with_name(f"{target.name}.{REASONS_NAME}")
        reasons.write_text(_reasons(arrival, why, kept))
    # A rename when the destination is on the same disk, else a copy and a delete.
    shutil.move(arrival.locator, target)
    return f"moved to {shown(str(target))}" + ("" if why is None else " with the reasons")


def _keep_failed_objects(store: ObjectStore, arrival: Arrival, why: Why, prefix: str) -> None:
    kept = []
    for index, file in enumerate(arrival.files):
        key = f"{prefix}{index:03d}-{key_name(file.name)}"
        store.copy(file.locator, key)
        kept.append(key)
    store.put_bytes(
        f"{prefix}{REASONS_NAME}", _reasons(arrival, why, kept).encode(), "application/json"
    )


def _reasons(arrival: Arrival, why: Why, kept: list[str]) -> str:
    """Why an arrival could not be digitised, for the person who finds it in failed."""
    files = [
        {
            "name": f.name,
            "from": shown(f.locator),
            "kept_as": shown(kept_as),
            "reason": why.file_reasons.get(f.name),
        }
        for f, kept_as in zip(arrival.files, kept, strict=True)
    ]
    record = {
        "arrival": shown(arrival.locator),
        "received": arrival.received,
        **why.facts,
        "files": files,
    }
    return json.dumps(record, ensure_ascii=False, indent=2)


# --- Failing the same way again ---------------------------------------------------------------


def note_failure(store: ObjectStore, arrival: Arrival, error: str) -> int:
    """Record that the arrival, as it is now, could not be digitised for `error`; how many
    sweeps in a row it failed so, counting this one (an arrival that changed, or failed
    otherwise, starts again at 1). Kept in the store, where every watcher sees it."""
    key = _failures_key(arrival)
    fingerprint = [list(f) for f in arrival.fingerprint]
    times = 1
    try:
        earlier = json.loads(store.get_bytes(key))
        if earlier["fingerprint"] == fingerprint and earlier["error"] == error:
            times = int(earlier["times"]) + 1
    except ObjectNotFound:
        pass
    record = {"arrival": arrival.identity, "fingerprint": fingerprint, "error": error}
    store.put_bytes(key, json.dumps({**record, "times": times}).encode(), "application/json")
    return times


def forget_failures(store: ObjectStore, arrival: Arrival) -> None:
    """The arrival left incoming: its failures, if any, are forgotten."""
    store.delete(_failures_key(arrival))


def _failures_key(arrival: Arrival) -> str:
    return f"{FAILURES_PREFIX}{hashlib.sha256(arrival.identity.encode()).hexdigest()}.json"


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/<stem>-2<suffix>`` and so on when that is taken (a scanner
    reuses its file names)."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    count = 1
    while target.exists() or target.with_name(f"{target.name}.{REASONS_NAME}").exists():
        count += 1
        target = folder / f"{stem}-{count}{suffix}"
    return target

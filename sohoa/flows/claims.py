"""Claims: which watcher digitises an incoming dossier, decided in object storage.

Several `sohoa watch` processes (on one machine or many) may sweep the same incoming prefix or
folder. Before taking an arrival a watcher claims it with a *lease*: a small JSON object at
``leases/<sha256 of the arrival's identity>.json`` (the key never holds a file name) saying who
holds it and until when.

- **Claiming** creates the lease with a conditional PUT, ``If-None-Match: *``: of several
  watchers racing for one arrival, the store lets exactly one create it; the others get
  412 Precondition Failed and move on.
- **Renewing**: the holder rewrites its lease every third of the lease time from a background
  thread, with ``If-Match: <the ETag of its last write>``, so it never overwrites a lease that
  someone else took over.
- **Expiry**: a watcher that dies stops renewing. Once the lease's ``expires`` has passed, another
  watcher takes it over with ``If-Match: <the ETag it read>``: if two try at once, the store lets
  one replace it and refuses the other. (SeaweedFS 4.48, MinIO and AWS S3 honour ``If-Match``
  on PUT; see tests/test_objects_conditional.py.) Expiry compares the holder's clock with the
  taker's: watchers' clocks must agree to well within the lease time (NTP does).
- **Releasing**: the holder deletes its lease (``If-Match`` its last ETag) when done, after the
  arrival has left incoming, so a watcher that claims it afterwards finds nothing to take.

A holder that could not renew in time (the store away longer than the lease, a paused machine)
has *lost* its lease: it must not move the arrival out of incoming, since another watcher may
be working on it. Digitising twice is harmless (a dossier is digitised idempotently, its id
derived from content); moving files under another watcher's feet is not.

The decisions are plain functions of a lease and the time (:func:`claim_action`,
:meth:`Lease.expired`), testable without a store.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import socket
import threading
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ValidationError

from sohoa.storage.objects import ObjectNotFound, ObjectStore, StorageError

LEASES_PREFIX = "leases/"
LEASE_CONTENT_TYPE = "application/json"
# A lease is renewed this many times within its lease time, so a late renewal or two still
# keeps it.
RENEWALS_PER_LEASE = 3

ClaimAction = Literal["create", "take_over", "held"]


def lease_key(identity: str) -> str:
    """Where the lease on the arrival with this identity lives; never a file name."""
    return f"{LEASES_PREFIX}{hashlib.sha256(identity.encode()).hexdigest()}.json"


def watcher_id() -> str:
    """This watcher, for people reading a lease: host, process and a random tag."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Lease(BaseModel):
    """A claim on one arrival: who holds it, since when, and until when unless renewed."""

    identity: str
    watcher: str
    claimed: datetime
    expires: datetime

    @classmethod
    def new(cls, identity: str, watcher: str, now: datetime, duration_s: float) -> Lease:
        return cls(
            identity=identity,
            watcher=watcher,
            claimed=now,
            expires=now + timedelta(seconds=duration_s),
        )

    @classmethod
    def parse(cls, data: bytes) -> Lease | None:
        """The lease in ``data``; None if it is not one (then it protects nothing)."""
        try:
            return cls.model_validate_json(data)
        except ValidationError:
            return None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires

    def renewed(self, now: datetime, duration_s: float) -> Lease:
        return self.model_copy(update={"expires": now + timedelta(seconds=duration_s)})

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()


def claim_action(existing: Lease | None, found: bool, now: datetime) -> ClaimAction:
    """What a watcher may do about an arrival, given the lease it found on it (if any).

    No lease: create one. An expired lease, or an object that is no lease at all: take it over.
    A live lease: leave the arrival to its holder.
    """
    if not found:
        return "create"
    if existing is None or existing.expired(now):
        return "take_over"
    return "held"


def renew_interval(duration_s: float) -> float:
    return duration_s / RENEWALS_PER_LEASE


class Claim:
    """A lease this watcher holds, renewed in a background thread until released."""

    def __init__(self, store: ObjectStore, lease: Lease, etag: str, duration_s: float) -> None:
        self.key = lease_key(lease.identity)
        self._store = store
        self._lease = lease
        self._etag = etag
        self._duration_s = duration_s
        self._lost = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name="sohoa-lease", daemon=True)
        self._thread.start()

    @property
    def lease(self) -> Lease:
        with self._lock:
            return self._lease

    @property
    def held(self) -> bool:
        """True while the lease is still ours: renewed in time and not taken over."""
        with self._lock:
            return not self._lost and not self._lease.expired(utc_now())

    def release(self) -> None:
        """Stop renewing and delete the lease, unless it was lost to another watcher."""
        self._stop.set()
        self._thread.join()
        with self._lock:
            if self._lost:
                return
            with contextlib.suppress(StorageError):  # then it simply expires
                self._store.delete(self.key, if_match=self._etag)

    def _keep(self) -> None:
        while not self._stop.wait(renew_interval(self._duration_s)):
            if not self._renew():
                return

    def _renew(self) -> bool:
        with self._lock:
            now = utc_now()
            renewed = self._lease.renewed(now, self._duration_s)
            try:
                etag = self._store.replace_if_match(
                    self.key, self._etag, renewed.to_json(), LEASE_CONTENT_TYPE
                )
            except StorageError:
                # Try again at the next renewal; by then the lease may have run out.
                self._lost = self._lease.expired(now)
                return not self._lost
            if etag is None:
                self._lost = True  # taken over: we were too late
                return False
            self._lease, self._etag = renewed, etag
            return True


def try_claim(
    store: ObjectStore,
    identity: str,
    watcher: str,
    duration_s: float,
    now: datetime | None = None,
) -> Claim | None:
    """Claim the arrival with this identity for ``duration_s`` seconds (renewed while held);
    None when another watcher holds it, or took it first."""
    now = now or utc_now()
    lease = Lease.new(identity, watcher, now, duration_s)
    key = lease_key(identity)
    etag = store.put_if_absent(key, lease.to_json(), LEASE_CONTENT_TYPE)
    if etag is not None:
        return Claim(store, lease, etag, duration_s)
    try:
        # Unverified: a lease that fails its checksum is no lease, and may be taken over.
        data, current = store.get_with_etag(key, verify=False)
    except ObjectNotFound:
        return None  # released just now: its arrival has left incoming, or the next sweep sees
    if claim_action(Lease.parse(data), True, now) != "take_over":
        return None
    etag = store.replace_if_match(key, current, lease.to_json(), LEASE_CONTENT_TYPE)
    return Claim(store, lease, etag, duration_s) if etag is not None else None

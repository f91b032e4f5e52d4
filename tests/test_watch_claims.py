"""Claims on incoming arrivals: lease decisions as plain functions, then leases in the real
embedded SeaweedFS (created once, renewed, released, taken over when expired)."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest

from sohoa.flows.claims import (
    LEASES_PREFIX,
    Lease,
    claim_action,
    lease_key,
    renew_interval,
    try_claim,
    utc_now,
)
from sohoa.storage.objects import ObjectStore
from tests.racing import race

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _lease(expires_in_s: float, watcher: str = "w1") -> Lease:
    return Lease(
        identity="bucket:incoming/scan.pdf",
        watcher=watcher,
        claimed=NOW - timedelta(seconds=60),
        expires=NOW + timedelta(seconds=expires_in_s),
    )


# --- decisions, no store -----------------------------------------------------------------------


def test_an_unclaimed_arrival_is_claimed_by_creating_a_lease() -> None:
    assert claim_action(None, found=False, now=NOW) == "create"


def test_a_live_lease_is_left_to_its_holder() -> None:
    assert claim_action(_lease(expires_in_s=30), found=True, now=NOW) == "held"


def test_an_expired_lease_may_be_taken_over() -> None:
    assert claim_action(_lease(expires_in_s=-1), found=True, now=NOW) == "take_over"


def test_a_lease_expires_at_its_expiry_time_not_before() -> None:
    lease = _lease(expires_in_s=10)

    assert not lease.expired(NOW + timedelta(seconds=9.999))
    assert lease.expired(NOW + timedelta(seconds=10))


def test_an_object_that_is_no_lease_protects_nothing() -> None:
    assert Lease.parse(b"not json") is None
    assert claim_action(Lease.parse(b"{}"), found=True, now=NOW) == "take_over"


def test_renewing_a_lease_pushes_its_expiry_from_now_and_keeps_the_rest() -> None:
    lease = _lease(expires_in_s=1)

    renewed = lease.renewed(NOW + timedelta(seconds=5), duration_s=120)

    assert renewed.expires == NOW + timedelta(seconds=125)
    assert (renewed.identity, renewed.watcher, renewed.claimed) == (
        lease.identity,
        lease.watcher,
        lease.claimed,
    )


def test_a_lease_round_trips_through_json() -> None:
    lease = _lease(expires_in_s=30)

    assert Lease.parse(lease.to_json()) == lease


def test_a_lease_is_renewed_several_times_within_its_lease_time() -> None:
    assert renew_interval(120) * 2 < 120


@pytest.mark.parametrize("identity", ["bucket:incoming/Đơn xin/../../x.pdf", "folder:/srv/in/a b"])
def test_a_lease_key_is_a_hash_of_the_identity_never_a_file_name(identity: str) -> None:
    key = lease_key(identity)

    assert key.startswith(LEASES_PREFIX) and key.endswith(".json")
    name = key.removeprefix(LEASES_PREFIX).removesuffix(".json")
    assert len(name) == 64 and all(c in "0123456789abcdef" for c in name)
    assert lease_key(identity) == key != lease_key(identity + "x")


# --- leases in the embedded SeaweedFS ----------------------------------------------------------


def _identity() -> str:
    return f"bucket:incoming/{secrets.token_hex(4)}.pdf"


def test_the_first_watcher_claims_and_the_second_is_refused(s3_store: ObjectStore) -> None:
    identity = _identity()
    first = try_claim(s3_store, identity, "w1", duration_s=60)
    try:
        assert first is not None and first.held
        assert try_claim(s3_store, identity, "w2", duration_s=60) is None
    finally:
        assert first is not None
        first.release()


def test_of_watchers_racing_for_one_arrival_exactly_one_claims_it(s3_store: ObjectStore) -> None:
    identity = _identity()
    claims = race(6, lambda i: try_claim(s3_store, identity, f"w{i}", duration_s=60))

    assert len(claims) == 1
    claims[0][1].release()


def test_a_lease_records_its_holder_and_expiry(s3_store: ObjectStore) -> None:
    identity = _identity()
    before = utc_now()
    claim = try_claim(s3_store, identity, "scanner-room-1", duration_s=60)
    assert claim is not None
    try:
        stored = Lease.parse(s3_store.get_bytes(lease_key(identity)))
        assert stored is not None
        assert (stored.identity, stored.watcher) == (identity, "scanner-room-1")
        assert before + timedelta(seconds=59) <= stored.expires <= utc_now() + timedelta(seconds=60)
    finally:
        claim.release()


def test_a_released_claim_deletes_its_lease_and_frees_the_arrival(s3_store: ObjectStore) -> None:
    identity = _identity()
    claim = try_claim(s3_store, identity, "w1", duration_s=60)
    assert claim is not None

    claim.release()

    assert not s3_store.exists(lease_key(identity))
    again = try_claim(s3_store, identity, "w2", duration_s=60)
    assert again is not None
    again.release()


def test_a_held_claim_is_renewed_past_its_first_expiry(s3_store: ObjectStore) -> None:
    identity = _identity()
    claim = try_claim(s3_store, identity, "w1", duration_s=1.5)
    assert claim is not None
    first_expiry = claim.lease.expires
    try:
        time.sleep(2.5)

        assert claim.held
        stored = Lease.parse(s3_store.get_bytes(lease_key(identity)))
        assert stored is not None and stored.expires > first_expiry
        assert try_claim(s3_store, identity, "w2", duration_s=1.5) is None
    finally:
        claim.release()


def test_the_lease_of_a_watcher_that_died_is_taken_over_once_expired(
    s3_store: ObjectStore,
) -> None:
    identity = _identity()
    # A watcher that claimed, then died: its lease is never renewed.
    dead = Lease.new(identity, "dead-watcher", utc_now(), duration_s=1.0)
    assert s3_store.put_if_absent(lease_key(identity), dead.to_json(), "application/json")

    assert try_claim(s3_store, identity, "w2", duration_s=60) is None  # still live
    time.sleep(1.2)
    claim = try_claim(s3_store, identity, "w2", duration_s=60)

    assert claim is not None
    stored = Lease.parse(s3_store.get_bytes(lease_key(identity)))
    assert stored is not None and stored.watcher == "w2"
    claim.release()


def test_of_watchers_taking_over_one_expired_lease_exactly_one_gets_it(
    s3_store: ObjectStore,
) -> None:
    identity = _identity()
    dead = Lease.new(identity, "dead-watcher", utc_now() - timedelta(seconds=10), duration_s=1)
    s3_store.put_if_absent(lease_key(identity), dead.to_json(), "application/json")
    claims = race(6, lambda i: try_claim(s3_store, identity, f"w{i}", duration_s=60))

    assert len(claims) == 1
    claims[0][1].release()


def test_a_holder_whose_lease_was_taken_over_knows_and_leaves_it_alone(
    s3_store: ObjectStore,
) -> None:
    identity = _identity()
    claim = try_claim(s3_store, identity, "slow", duration_s=1.5)
    assert claim is not None
    # Another watcher took the lease over (as if "slow" had stalled past its expiry).
    taker = Lease.new(identity, "taker", utc_now(), duration_s=60)
    s3_store.put_bytes(lease_key(identity), taker.to_json(), "application/json")

    time.sleep(1.0)  # the next renewal finds the lease changed

    assert not claim.held
    claim.release()
    stored = Lease.parse(s3_store.get_bytes(lease_key(identity)))
    assert stored is not None and stored.watcher == "taker"

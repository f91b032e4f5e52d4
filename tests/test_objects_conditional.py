"""Conditional writes, deletes, copies and listings against the real embedded SeaweedFS: what
the incoming watcher's claims rely on."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sohoa.storage.objects import ObjectStore
from tests.racing import race


def _key(name: str) -> str:
    return f"conditional/{secrets.token_hex(4)}/{name}"


def test_put_if_absent_creates_an_object_and_returns_its_etag(s3_store: ObjectStore) -> None:
    key = _key("lease.json")

    etag = s3_store.put_if_absent(key, b'{"a": 1}', "application/json")

    assert etag
    data, stored_etag = s3_store.get_with_etag(key)
    assert (data, stored_etag) == (b'{"a": 1}', etag)


def test_put_if_absent_leaves_an_existing_object_alone(s3_store: ObjectStore) -> None:
    key = _key("lease.json")
    s3_store.put_if_absent(key, b"first", "application/json")

    assert s3_store.put_if_absent(key, b"second", "application/json") is None
    assert s3_store.get_bytes(key) == b"first"


def test_put_if_absent_records_the_checksum_like_put_bytes(s3_store: ObjectStore) -> None:
    key = _key("lease.json")
    s3_store.put_if_absent(key, b"data", "application/json", {"watcher": "w1"})

    info = s3_store.stat(key)

    assert info is not None
    assert info.sha256 == s3_store.put_bytes(_key("other"), b"data", "text/plain").sha256
    assert info.content_type == "application/json"
    assert info.metadata["watcher"] == "w1"


def test_only_one_of_many_racing_put_if_absent_wins(s3_store: ObjectStore) -> None:
    key = _key("lease.json")
    racers = 8
    winners = race(
        racers, lambda i: s3_store.put_if_absent(key, f"racer {i}".encode(), "text/plain")
    )

    assert len(winners) == 1
    assert s3_store.get_bytes(key) == f"racer {winners[0][0]}".encode()


def test_replace_if_match_replaces_the_version_it_names(s3_store: ObjectStore) -> None:
    key = _key("lease.json")
    etag = s3_store.put_if_absent(key, b"old", "text/plain")
    assert etag is not None

    new_etag = s3_store.replace_if_match(key, etag, b"new", "text/plain")

    assert new_etag and new_etag != etag
    assert s3_store.get_with_etag(key) == (b"new", new_etag)


def test_replace_if_match_refuses_a_stale_etag(s3_store: ObjectStore) -> None:
    key = _key("lease.json")
    stale = s3_store.put_if_absent(key, b"v1", "text/plain")
    assert stale is not None
    assert s3_store.replace_if_match(key, stale, b"v2", "text/plain") is not None

    assert s3_store.replace_if_match(key, stale, b"v3 from a late writer", "text/plain") is None
    assert s3_store.get_bytes(key) == b"v2"


def test_replace_if_match_refuses_a_missing_object(s3_store: ObjectStore) -> None:
    key = _key("gone.json")
    etag = s3_store.put_if_absent(key, b"v1", "text/plain")
    assert etag is not None
    s3_store.delete(key)

    assert s3_store.replace_if_match(key, etag, b"v2", "text/plain") is None
    assert not s3_store.exists(key)


def test_only_one_of_racing_replace_if_match_wins(s3_store: ObjectStore) -> None:
    key = _key("lease.json")
    etag = s3_store.put_if_absent(key, b"expired lease", "text/plain")
    assert etag is not None
    racers = 8
    winners = race(
        racers,
        lambda i: s3_store.replace_if_match(key, etag, f"taken by {i}".encode(), "text/plain"),
    )

    assert len(winners) == 1
    assert s3_store.get_bytes(key) == f"taken by {winners[0][0]}".encode()


def test_delete_if_match_keeps_an_object_that_changed(s3_store: ObjectStore) -> None:
    key = _key("lease.json")
    mine = s3_store.put_if_absent(key, b"mine", "text/plain")
    assert mine is not None
    theirs = s3_store.replace_if_match(key, mine, b"theirs", "text/plain")
    assert theirs is not None

    assert s3_store.delete(key, if_match=mine) is False
    assert s3_store.get_bytes(key) == b"theirs"
    assert s3_store.delete(key, if_match=theirs) is True
    assert not s3_store.exists(key)


def test_delete_of_a_missing_object_succeeds(s3_store: ObjectStore) -> None:
    assert s3_store.delete(_key("never-there")) is True


def test_copy_keeps_content_and_checksum(s3_store: ObjectStore) -> None:
    source, target = _key("a.pdf"), _key("b.pdf")
    s3_store.put_bytes(source, b"%PDF-1.7 scan", "application/pdf")

    s3_store.copy(source, target)

    assert s3_store.get_bytes(target) == b"%PDF-1.7 scan"  # verifies the copied checksum
    assert s3_store.exists(source)


def test_list_objects_gives_sizes_etags_and_times(s3_store: ObjectStore) -> None:
    prefix = _key("")
    before = datetime.now(UTC) - timedelta(seconds=5)
    etag = s3_store.put_if_absent(f"{prefix}x/one", b"12345", "text/plain")

    (listed,) = list(s3_store.list_objects(prefix))

    assert (listed.key, listed.size, listed.etag) == (f"{prefix}x/one", 5, etag)
    assert before <= listed.last_modified <= datetime.now(UTC) + timedelta(seconds=5)

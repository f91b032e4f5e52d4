"""An arrival that fails the same way twice goes to failed with its reason, on the real
embedded store, instead of being tried again for ever."""

from __future__ import annotations

import json
import secrets

from sohoa.flows.arrivals import (
    INCOMING_PREFIX,
    Arrival,
    bucket_arrivals,
    forget_failures,
    move_failed,
    note_failure,
)
from sohoa.storage.objects import ObjectStore


def _arrival(store: ObjectStore, name: str, content: bytes) -> Arrival:
    store.put_bytes(f"{INCOMING_PREFIX}{name}/a.tif", content, "image/tiff")
    (arrival,) = bucket_arrivals(store.list_objects(f"{INCOMING_PREFIX}{name}/"))
    return arrival


def test_an_arrival_failing_the_same_way_again_is_counted(s3_store: ObjectStore) -> None:
    arrival = _arrival(s3_store, f"hs-{secrets.token_hex(4)}", b"II*\x00 truncated")

    assert note_failure(s3_store, arrival, "TypeError: Missing dimensions") == 1
    assert note_failure(s3_store, arrival, "TypeError: Missing dimensions") == 2


def test_a_different_failure_starts_counting_again(s3_store: ObjectStore) -> None:
    arrival = _arrival(s3_store, f"hs-{secrets.token_hex(4)}", b"II*\x00 truncated")

    note_failure(s3_store, arrival, "TypeError: Missing dimensions")

    assert note_failure(s3_store, arrival, "ValueError: something else") == 1


def test_an_arrival_that_changed_starts_counting_again(s3_store: ObjectStore) -> None:
    name = f"hs-{secrets.token_hex(4)}"
    first = _arrival(s3_store, name, b"II*\x00 truncated")
    note_failure(s3_store, first, "TypeError: Missing dimensions")

    again = _arrival(s3_store, name, b"II*\x00 scanned again, whole this time")

    assert note_failure(s3_store, again, "TypeError: Missing dimensions") == 1


def test_failures_of_an_arrival_that_left_are_forgotten(s3_store: ObjectStore) -> None:
    arrival = _arrival(s3_store, f"hs-{secrets.token_hex(4)}", b"II*\x00 truncated")
    note_failure(s3_store, arrival, "TypeError: Missing dimensions")

    forget_failures(s3_store, arrival)

    assert note_failure(s3_store, arrival, "TypeError: Missing dimensions") == 1


def test_a_bucket_arrival_that_failed_moves_to_failed_with_the_reason(
    s3_store: ObjectStore,
) -> None:
    name = f"hs-{secrets.token_hex(4)}"
    arrival = _arrival(s3_store, name, b"II*\x00 truncated")

    what = move_failed(s3_store, arrival, "TypeError: Missing dimensions", 2, None)

    assert list(s3_store.list_keys(f"{INCOMING_PREFIX}{name}/")) == []
    (prefix,) = {k.rsplit("/", 1)[0] for k in s3_store.list_keys(f"failed/{name}-")}
    assert prefix in what
    reasons = json.loads(s3_store.get_bytes(f"{prefix}/reasons.json"))
    assert (reasons["error"], reasons["attempts"]) == ("TypeError: Missing dimensions", 2)
    (file,) = reasons["files"]
    assert s3_store.get_bytes(file["kept_as"], verify=False) == b"II*\x00 truncated"

"""Arrivals in incoming, without a store: how listings and folders become dossiers, when one
has settled, and how names are made safe."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest

from sohoa.flows.arrivals import (
    Destinations,
    bucket_arrivals,
    folder_arrival,
    folder_arrivals,
    key_name,
    local_name,
    move_failed,
    move_out,
    settled,
)
from sohoa.pipeline.model import Manifest, QuarantineRecord
from sohoa.storage.objects import ListedObject, ObjectStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _listed(key: str, seconds: float = 0, size: int = 10) -> ListedObject:
    return ListedObject(key, size, f"etag-{key}", T0 + timedelta(seconds=seconds))


# --- the bucket's incoming/ ----------------------------------------------------------------


def test_an_object_directly_under_incoming_is_a_one_file_dossier() -> None:
    (arrival,) = bucket_arrivals([_listed("incoming/scan 1.pdf")])

    assert (arrival.name, arrival.is_folder, arrival.locator) == (
        "scan 1.pdf",
        False,
        "incoming/scan 1.pdf",
    )
    assert [f.name for f in arrival.files] == ["scan 1.pdf"]


def test_a_folder_under_incoming_is_one_dossier_of_all_its_objects() -> None:
    listed = [_listed("incoming/hs-7/đơn.pdf"), _listed("incoming/hs-7/phụ lục/cccd.jpg")]

    (arrival,) = bucket_arrivals(listed)

    assert (arrival.name, arrival.is_folder, arrival.locator) == ("hs-7", True, "incoming/hs-7/")
    assert [f.name for f in arrival.files] == ["đơn.pdf", "phụ lục/cccd.jpg"]


def test_hidden_objects_and_folder_markers_are_not_arrivals() -> None:
    listed = [
        _listed("incoming/.upload-in-progress.pdf"),
        _listed("incoming/hs-7/.partial"),
        _listed("incoming/hs-7/../x.pdf"),
        _listed("incoming/empty/", size=0),
        _listed("incoming/hs-7/a.pdf"),
    ]

    (arrival,) = bucket_arrivals(listed)

    assert [f.locator for f in arrival.files] == ["incoming/hs-7/a.pdf"]


def test_a_file_and_a_folder_of_the_same_name_are_two_arrivals() -> None:
    arrivals = bucket_arrivals([_listed("incoming/x"), _listed("incoming/x/a.pdf")])

    assert len({a.identity for a in arrivals}) == 2


def test_an_arrival_arrived_when_its_newest_object_was_written() -> None:
    listed = [_listed("incoming/hs/a.pdf", 0), _listed("incoming/hs/b.pdf", 42)]

    (arrival,) = bucket_arrivals(listed)

    assert arrival.modified == T0 + timedelta(seconds=42)
    assert arrival.received == "2026-11-23T09:00:42+00:00"


# --- settling ------------------------------------------------------------------------------


def test_an_arrival_changed_within_the_settle_time_waits() -> None:
    assert not settled(T0, T0 + timedelta(seconds=4.9), settle_s=5)


def test_an_arrival_unchanged_for_the_settle_time_is_taken() -> None:
    assert settled(T0, T0 + timedelta(seconds=5), settle_s=5)


def test_an_arrival_stamped_in_the_future_waits_until_it_has_settled() -> None:
    assert not settled(T0 + timedelta(seconds=30), T0, settle_s=0)


# --- an incoming folder --------------------------------------------------------------------


def test_each_file_and_sub_folder_of_the_incoming_folder_is_a_dossier(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(b"%PDF")
    (tmp_path / "hs-1" / "sub").mkdir(parents=True)
    (tmp_path / "hs-1" / "a.jpg").write_bytes(b"a")
    (tmp_path / "hs-1" / "sub" / "b.jpg").write_bytes(b"b")
    (tmp_path / "hs-1" / ".tmp-b.jpg").write_bytes(b"partial")
    (tmp_path / ".scanner-tmp").write_bytes(b"partial")
    (tmp_path / "empty").mkdir()

    arrivals = folder_arrivals(tmp_path)

    assert [(a.name, a.is_folder) for a in arrivals] == [("hs-1", True), ("scan.pdf", False)]
    assert [f.name for f in arrivals[0].files] == ["a.jpg", "sub/b.jpg"]
    assert arrivals[0].identity == f"folder:{(tmp_path / 'hs-1').resolve()}"


def test_a_link_in_the_incoming_folder_is_an_arrival_of_its_own_never_followed(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret"
    (secret / "sub").mkdir(parents=True)
    (secret / "sub" / "key.pdf").write_bytes(b"%PDF secret")
    incoming = tmp_path / "in"
    (incoming / "hs-1").mkdir(parents=True)
    (incoming / "hs-1" / "a.jpg").write_bytes(b"a")
    (incoming / "hs-1" / "linked").symlink_to(secret / "sub", target_is_directory=True)
    (incoming / "secret.pdf").symlink_to(secret / "sub" / "key.pdf")

    arrivals = folder_arrivals(incoming)

    assert [(a.name, a.locator) for a in arrivals] == [
        ("hs-1", str(incoming / "hs-1")),
        ("secret.pdf", str(incoming / "secret.pdf")),  # the link, not its target
    ]
    assert [f.name for f in arrivals[0].files] == ["a.jpg", "linked"]  # not walked into


def test_special_files_are_files_of_their_arrival_never_dropped(tmp_path: Path) -> None:
    incoming = tmp_path / "in"
    (incoming / "hs-1").mkdir(parents=True)
    os.mkfifo(incoming / "hs-1" / "pipe.pdf")
    os.mkfifo(incoming / "pipe.pdf")

    arrivals = folder_arrivals(incoming)

    assert [(a.name, [f.name for f in a.files]) for a in arrivals] == [
        ("hs-1", ["pipe.pdf"]),
        ("pipe.pdf", ["pipe.pdf"]),
    ]


def test_a_file_still_being_written_changes_the_arrival(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.7 first half")
    before = folder_arrival(scan)

    with scan.open("ab") as f:
        f.write(b" second half")
    after = folder_arrival(scan)

    assert before is not None and after is not None
    assert before.fingerprint != after.fingerprint


def test_a_file_moved_in_whole_arrives_when_it_was_moved(tmp_path: Path) -> None:
    written = tmp_path / "elsewhere.pdf"
    written.write_bytes(b"%PDF")
    an_hour_ago = time.time() - 3600
    os.utime(written, (an_hour_ago, an_hour_ago))
    (tmp_path / "in").mkdir()
    moved = written.rename(tmp_path / "in" / "scan.pdf")

    arrival = folder_arrival(moved)

    assert arrival is not None
    assert arrival.modified > datetime.now(UTC) - timedelta(minutes=1)


def test_done_and_failed_folders_default_beside_the_incoming_folder(tmp_path: Path) -> None:
    destinations = Destinations.beside(tmp_path / "incoming", None, None)

    assert destinations.done == tmp_path / "incoming.done"
    assert destinations.failed == tmp_path / "incoming.failed"


def _manifest(status: str, quarantined: list[QuarantineRecord] | None = None) -> Manifest:
    return Manifest.model_validate(
        {
            "dossier_id": "hs-000000000001",
            "status": status,
            "quarantined": quarantined or [],
            "pipeline_version": "test",
            "created": "2026-11-23T09:00:00+00:00",
        }
    )


# Moving a folder's arrival never touches the store.
NO_STORE = cast(ObjectStore, None)


def test_a_digitised_folder_arrival_moves_to_the_done_folder(tmp_path: Path) -> None:
    incoming = tmp_path / "in"
    (incoming / "hs-1").mkdir(parents=True)
    (incoming / "hs-1" / "a.jpg").write_bytes(b"a")
    (arrival,) = folder_arrivals(incoming)
    destinations = Destinations.beside(incoming, None, None)

    move_out(NO_STORE, arrival, _manifest("done"), destinations)

    assert not (incoming / "hs-1").exists()
    assert (destinations.done / "hs-1" / "a.jpg").read_bytes() == b"a"


def test_a_reused_scanner_file_name_does_not_overwrite_one_already_done(tmp_path: Path) -> None:
    incoming = tmp_path / "in"
    incoming.mkdir()
    destinations = Destinations.beside(incoming, None, None)
    destinations.done.mkdir()
    (destinations.done / "scan.pdf").write_bytes(b"yesterday")
    (incoming / "scan.pdf").write_bytes(b"today")
    (arrival,) = folder_arrivals(incoming)

    move_out(NO_STORE, arrival, _manifest("done"), destinations)

    assert (destinations.done / "scan.pdf").read_bytes() == b"yesterday"
    assert (destinations.done / "scan-2.pdf").read_bytes() == b"today"


def test_a_folder_arrival_with_nothing_usable_moves_to_failed_with_the_reason(
    tmp_path: Path,
) -> None:
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "broken.pdf").write_bytes(b"not a pdf")
    (arrival,) = folder_arrivals(incoming)
    destinations = Destinations.beside(incoming, None, None)
    reason = QuarantineRecord(source="broken.pdf", reason="not a PDF, TIFF, JPEG, PNG or HEIF file")

    move_out(NO_STORE, arrival, _manifest("failed", [reason]), destinations)

    assert (destinations.failed / "broken.pdf").read_bytes() == b"not a pdf"
    reasons = (destinations.failed / "broken.pdf.reasons.json").read_text()
    assert "not a PDF, TIFF, JPEG, PNG or HEIF file" in reasons
    assert "dossiers/hs-000000000001/manifest.json" in reasons


def test_a_folder_arrival_that_changed_while_digitised_stays_in_incoming(tmp_path: Path) -> None:
    incoming = tmp_path / "in"
    (incoming / "hs-1").mkdir(parents=True)
    (incoming / "hs-1" / "a.jpg").write_bytes(b"a")
    (arrival,) = folder_arrivals(incoming)
    (incoming / "hs-1" / "b.jpg").write_bytes(b"a page the scanner added late")

    what = move_out(NO_STORE, arrival, _manifest("done"), Destinations.beside(incoming, None, None))

    assert "left in incoming" in what
    assert (incoming / "hs-1" / "b.jpg").exists()


# --- names ---------------------------------------------------------------------------------


def test_a_file_name_in_a_key_is_folded_to_safe_ascii() -> None:
    assert key_name("Đơn đăng ký (bản 2).pdf") == "don_dang_ky_ban_2_.pdf"
    assert key_name("../../etc/passwd") == "_.._etc_passwd"
    assert key_name(".hidden") == "hidden"


@pytest.mark.parametrize("part", ["", ".", ".."])
def test_a_key_part_that_is_no_file_name_is_refused(part: str) -> None:
    with pytest.raises(ValueError):
        local_name(part)


def test_a_vietnamese_key_part_keeps_its_name_as_a_file() -> None:
    assert local_name("Giấy khai sinh.pdf") == "Giấy khai sinh.pdf"


# --- failing the same way twice ------------------------------------------------------------


def test_a_folder_arrival_that_failed_moves_to_failed_with_the_reason_beside_it(
    tmp_path: Path,
) -> None:
    incoming = tmp_path / "in"
    (incoming / "hs-1").mkdir(parents=True)
    (incoming / "hs-1" / "a.tif").write_bytes(b"II*\x00 truncated")
    (arrival,) = folder_arrivals(incoming)
    destinations = Destinations.beside(incoming, None, None)

    what = move_failed(NO_STORE, arrival, "TypeError: Missing dimensions", 2, destinations)

    assert not (incoming / "hs-1").exists()
    assert (destinations.failed / "hs-1" / "a.tif").read_bytes() == b"II*\x00 truncated"
    reasons = json.loads((destinations.failed / "hs-1.reasons.json").read_text())
    assert reasons["error"] == "TypeError: Missing dimensions" and reasons["attempts"] == 2
    assert [f["name"] for f in reasons["files"]] == ["a.tif"]
    assert str(destinations.failed / "hs-1") in what


def test_an_arrival_whose_name_is_not_utf8_moves_to_failed_with_readable_reasons(
    tmp_path: Path,
) -> None:
    incoming = tmp_path / "in"
    incoming.mkdir()
    Path(os.fsdecode(bytes(incoming) + b"/scan-\xff.pdf")).write_bytes(b"not a pdf")
    (arrival,) = folder_arrivals(incoming)
    destinations = Destinations.beside(incoming, None, None)
    reason = QuarantineRecord(source="scan-\ufffd.pdf", reason="not a PDF, TIFF, JPEG or PNG file")

    move_out(NO_STORE, arrival, _manifest("failed", [reason]), destinations)

    (reasons_file,) = destinations.failed.glob("*.reasons.json")
    reasons = json.loads(reasons_file.read_text())
    assert reasons["files"][0]["reason"] == "not a PDF, TIFF, JPEG or PNG file"
    assert reasons["files"][0]["name"] == "scan-\ufffd.pdf"

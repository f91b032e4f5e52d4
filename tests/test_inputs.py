"""Input collection: folders read as given, links and special files refused with a reason."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.pipeline.dossier import admit, default_dossier_id
from sohoa.pipeline.inputs import InputChanged, collect_files, open_verified
from tests.pages import save_jpeg, text_page


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "in" / "sock"
    path.parent.mkdir(exist_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    yield path
    server.close()


def _refused(paths: list[Path]) -> dict[str, str | None]:
    return {f.name: f.refused for f in collect_files(paths, follow_named_links=False)}


def test_folders_are_read_in_name_order_without_hidden_files(tmp_path: Path) -> None:
    for name in ("b.jpg", "a.jpg", ".partial.jpg", "sub/c.png", ".hidden/d.png"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert [f.name for f in collect_files([tmp_path])] == ["a.jpg", "b.jpg", "sub/c.png"]


def test_a_link_inside_a_folder_is_refused_and_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 secret")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "scan.pdf").symlink_to(secret)
    (folder / "sub").symlink_to(tmp_path, target_is_directory=True)
    refused = _refused([folder])
    assert set(refused) == {"scan.pdf", "sub"}  # the linked folder is not walked
    assert all(r is not None and "symbolic link" in r for r in refused.values())


def test_a_link_loop_inside_a_folder_is_refused_with_a_reason(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").symlink_to(folder / "b.pdf")
    (folder / "b.pdf").symlink_to(folder / "a.pdf")
    refused = _refused([folder])
    assert set(refused) == {"a.pdf", "b.pdf"}
    assert all(r is not None and "loop" in r for r in refused.values())


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.pdf")
    # Opening a FIFO to read blocks until a writer comes: this test would hang if it were.
    assert "named pipe" in str(_refused([folder])["pipe.pdf"])


def test_a_socket_is_refused(unix_socket: Path) -> None:
    assert "socket" in str(_refused([unix_socket.parent])["sock"])


def test_a_device_is_refused(tmp_path: Path) -> None:
    assert "device" in str(_refused([Path("/dev/null")])["null"])


def test_a_link_named_directly_is_followed_once_under_the_name_given(tmp_path: Path) -> None:
    target = save_jpeg(text_page(), tmp_path / "IMG_0001.jpg")
    link = tmp_path / "don-de-nghi.jpg"
    link.symlink_to(target)
    [found] = collect_files([link])
    assert found.name == "don-de-nghi.jpg" and found.refused is None
    assert found.path == target


def test_a_link_named_directly_is_refused_inside_a_watched_or_backlog_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "scan.jpg").symlink_to(tmp_path / "elsewhere.jpg")
    assert "symbolic link" in str(_refused([tmp_path / "scan.jpg"])["scan.jpg"])


def test_a_file_swapped_for_a_link_after_the_walk_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root only")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "scan.jpg").write_bytes(b"\xff\xd8\xff scan")
    [found] = collect_files([folder])
    (folder / "scan.jpg").unlink()
    (folder / "scan.jpg").symlink_to(secret)
    with pytest.raises(InputChanged):
        open_verified(found).close()


def test_a_file_replaced_by_another_after_the_walk_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "scan.jpg").write_bytes(b"first")
    [found] = collect_files([folder])
    (folder / "other.jpg").write_bytes(b"second")
    (folder / "other.jpg").replace(folder / "scan.jpg")
    with pytest.raises(InputChanged):
        open_verified(found).close()


def test_refused_inputs_are_quarantined_with_their_reason_and_no_content(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root only")
    folder = tmp_path / "in"
    folder.mkdir()
    save_jpeg(text_page(), folder / "good.jpg")
    (folder / "secret.pdf").symlink_to(secret)
    os.mkfifo(folder / "pipe.pdf")
    with admit([folder], follow_named_links=False) as (sources, rejected):
        assert [s.name for s in sources] == ["good.jpg"]
        records = {r.record.source: r.record for r in rejected}
    assert set(records) == {"secret.pdf", "pipe.pdf"}
    assert all(r.sha256 is None for r in records.values())


def test_a_reason_names_the_file_as_given_never_its_path(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    with admit([folder]) as (_, rejected):
        [bad] = rejected
    assert str(tmp_path) not in bad.record.reason and "/proc/" not in bad.record.reason


def test_submissions_that_differ_only_in_their_quarantined_files_get_different_ids(
    tmp_path: Path,
) -> None:
    ids = set()
    for n, bad in enumerate([b"%PDF-1.4 one", b"%PDF-1.4 two", None]):
        folder = tmp_path / f"sub-{n}"
        folder.mkdir()
        save_jpeg(text_page(), folder / "good.jpg")
        if bad is not None:
            (folder / "bad.pdf").write_bytes(bad)
        else:
            os.mkfifo(folder / "bad.pdf")
        with admit([folder]) as (sources, rejected):
            ids.add(default_dossier_id(sources, rejected))
    assert len(ids) == 3


def test_a_file_name_that_is_not_utf8_is_shown_with_replacement_characters(
    tmp_path: Path,
) -> None:
    (Path(os.fsdecode(bytes(tmp_path) + b"/h\xf4 s\xf5.txt"))).write_bytes(b"notes")
    with admit([tmp_path]) as (_, rejected):
        [bad] = rejected
    assert bad.record.source == "h\ufffd s\ufffd.txt"
    bad.record.model_dump_json()  # a manifest can hold it

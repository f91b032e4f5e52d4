"""`sohoa backlog` end to end: real Tesseract, SeaweedFS and Prefect, and the faults a backlog
that runs for days meets: being killed, the object store going away, a page that hangs OCR,
a full disk."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from sohoa.config import Settings
from sohoa.flows import prefect_server
from sohoa.flows.keys import DOSSIERS_PREFIX, MANIFEST_NAME
from sohoa.pipeline.model import Manifest
from sohoa.storage import embedded
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectStore
from sohoa.storage.weed_security import s3_tls_flags
from tests.conftest import make_settings
from tests.pages import save_jpeg, text_page

pytestmark = pytest.mark.slow

SOHOA = [sys.executable, "-m", "sohoa.cli"]


def _dossier_name(i: int) -> str:
    """A receipt number, which is the dossier's id, or a name a clerk gave, which is not."""
    return f"000.00.12.H52-241203-{i:04d}" if i % 2 else f"Hồ sơ bà Lan {i:02d}"


def _backlog_folder(folder: Path, good: int, broken: int) -> Path:
    """`good` one-page dossiers (a folder each, told apart by their text) and `broken` files."""
    folder.mkdir()
    for i in range(good):
        dossier = folder / _dossier_name(i)
        dossier.mkdir()
        lines = [f"Hồ sơ số {i} của ông Nguyễn Văn Hưởng", "Độc lập - Tự do - Hạnh phúc"]
        save_jpeg(text_page(dpi=150, lines=lines), dossier / "trang-1.jpg", dpi=150)
    for i in range(broken):
        (folder / f"hong-{i}.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(64))
    return folder


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    return {**env, "SOHOA_DATA_DIR": str(data_dir), "SOHOA_WORKERS": "2", **extra}


def _backlog(data_dir: Path, folder: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*SOHOA, "backlog", str(folder), "--json", "--batch-size", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(data_dir, **env),
        start_new_session=True,  # so that a kill takes its tesseract processes with it
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, list[dict[str, object]], str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, json.loads(out) if out.strip() else [], err


def _manifests(store: ObjectStore) -> list[Manifest]:
    return [
        Manifest.model_validate_json(store.get_bytes(key))
        for key in store.list_keys(DOSSIERS_PREFIX)
        if key.endswith(f"/{MANIFEST_NAME}")
    ]


def _wait_for_manifests(store: ObjectStore, count: int, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while len(_manifests(store)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} manifests after {timeout} s"
        time.sleep(0.5)


def test_a_killed_backlog_resumes_losing_and_duplicating_nothing(
    tmp_path: Path, data_dir: Path
) -> None:
    folder = _backlog_folder(tmp_path / "backlog", good=9, broken=1)
    store = ObjectStore.from_settings(make_settings(data_dir))
    store.ensure_bucket()
    chance = random.Random(5)
    # Killed twice, outright, with its OCR processes: once after a first dossier is committed,
    # once at a random moment of the next run.
    first = _backlog(data_dir, folder)
    _wait_for_manifests(store, 1)
    time.sleep(chance.uniform(0.0, 3.0))
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    second = _backlog(data_dir, folder)
    time.sleep(chance.uniform(4.0, 10.0))
    os.killpg(second.pid, signal.SIGKILL)
    second.wait()
    committed_before = {m.dossier_id for m in _manifests(store)}

    code, outcomes, err = _finish(_backlog(data_dir, folder))

    assert code == 4, err  # the broken file's dossier has nothing usable
    by_name = {o["name"]: o for o in outcomes}
    assert len(outcomes) == 10 and len(by_name) == 10
    broken = by_name["hong-0.pdf"]
    assert broken["status"] == "failed" and "corrupt" in broken["quarantined"][0]["reason"]
    good = [by_name[_dossier_name(i)] for i in range(9)]
    assert all(o["status"] == "done" for o in good)
    # Dossiers committed before a kill are found on file, not digitised again.
    assert {o["dossier_id"] for o in good if o["result"] == "on_file"} == committed_before - {
        broken["dossier_id"]
    }
    manifests = _manifests(store)
    assert sorted(m.dossier_id for m in manifests) == sorted(o["dossier_id"] for o in outcomes)
    catalogue = Catalogue.from_settings(make_settings(data_dir))
    try:
        for manifest in manifests:
            for document in manifest.documents:
                assert catalogue.document(document.id) is not None
        hits = catalogue.search("Nguyễn Văn Hưởng", limit=100)
        # Each dossier is found by its folder's name, its id or not.
        by_folder = {o["name"]: catalogue.search(str(o["name"])) for o in good}
    finally:
        catalogue.close()
    assert len(hits) == 9  # each good dossier's one document, once
    for i in range(9):
        (found,) = by_folder[_dossier_name(i)]
        assert (
            found.match == "dossier"
            and found.document.dossier_id == by_name[_dossier_name(i)]["dossier_id"]
        )
    assert by_name[_dossier_name(1)]["dossier_id"] == _dossier_name(1)  # a receipt number
    assert str(by_name[_dossier_name(0)]["dossier_id"]).startswith("hs-")  # derived
    named = {m.dossier_id: m.source_name for m in manifests}
    assert named[by_name[_dossier_name(0)]["dossier_id"]] == _dossier_name(0)
    assert not list((data_dir / "work").glob("dossier-*"))  # the killed runs' work is gone


def test_a_backlog_waits_for_an_object_store_that_stops_for_30_seconds(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "weed-data")
    launch = embedded._launch(settings)
    # weed as any S3 server at a configured endpoint: plain HTTP, no client certificate.
    tls_flags = s3_tls_flags(embedded.s3_dir(settings))
    argv = [argument for argument in launch.argv if argument not in tls_flags]
    access_key, secret_key = embedded.load_or_create_credentials(settings)
    endpoint = f"127.0.0.1:{launch.ports['s3']}"
    configured = Settings(
        data_dir=tmp_path / "data",
        s3_endpoint=endpoint,
        s3_access_key=access_key,
        s3_secret_key=secret_key,
    )
    env = {
        "SOHOA_S3_ENDPOINT": endpoint,
        "SOHOA_S3_ACCESS_KEY": access_key,
        "SOHOA_S3_SECRET_KEY": secret_key,
    }

    def start_weed() -> subprocess.Popen[bytes]:
        server = subprocess.Popen(
            argv, env=launch.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        store = ObjectStore.from_settings(configured)
        deadline = time.monotonic() + 60
        while True:
            try:
                store.ensure_bucket()
                return server
            except Exception:
                assert time.monotonic() < deadline, "weed did not start"
                time.sleep(0.5)

    folder = _backlog_folder(tmp_path / "backlog", good=6, broken=0)
    server = start_weed()
    try:
        run = _backlog(tmp_path / "data", folder, **env)
        store = ObjectStore.from_settings(configured)
        _wait_for_manifests(store, 1)
        assert len(_manifests(store)) < 6  # the outage falls in the middle of the backlog
        server.terminate()
        server.wait()
        time.sleep(30)
        server = start_weed()
        code, outcomes, err = _finish(run)
    finally:
        server.terminate()
        server.wait()
        prefect_server.stop(configured)

    assert code == 0, err
    assert [o["status"] for o in outcomes] == ["done"] * 6


def _stop_first_page_reader(run: subprocess.Popen[str], timeout: float = 120.0) -> None:
    """Stop (SIGSTOP) the first Tesseract reader the backlog starts: the page it is reading, or
    the next it is given, hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(run.pid).children(recursive=True):
            try:
                reader = "sohoa.ocr.page_reader" in child.cmdline()
            except psutil.Error:
                continue  # gone meanwhile: `tesseract --list-langs` and other short-lived ones
            if reader:
                child.send_signal(signal.SIGSTOP)
                return
        time.sleep(0.02)
    raise AssertionError(f"no Tesseract reader started in {timeout} s")


def test_a_page_that_hangs_ocr_times_out_and_the_backlog_goes_on(
    tmp_path: Path, data_dir: Path
) -> None:
    folder = _backlog_folder(tmp_path / "backlog", good=3, broken=0)
    # One page read at a time, so one reader: the one stopped is the one the next page waits
    # for. With two, the stopped one could sit idle in the pool while the other read the rest.
    run = _backlog(data_dir, folder, SOHOA_OCR_TIMEOUT_S="5", SOHOA_WORKERS="1")
    _stop_first_page_reader(run)

    code, outcomes, err = _finish(run)

    assert code == 4, err
    statuses = sorted(str(o["status"]) for o in outcomes)
    assert statuses == ["done", "done", "partial"], [o.get("error") for o in outcomes]
    (hung,) = [o for o in outcomes if o["status"] == "partial"]
    assert "OCR failed" in hung["quarantined"][0]["reason"]  # type: ignore[index]
    # A re-run reads the failed page again (and only it: the others are stored).
    code, outcomes, err = _finish(_backlog(data_dir, folder, SOHOA_OCR_TIMEOUT_S="5"))
    assert code == 0, err
    assert sorted(str(o["result"]) for o in outcomes) == ["digitised", "on_file", "on_file"]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_full_work_disk_fails_cleanly_and_commits_nothing(
    tmp_path: Path, data_dir: Path, tiny_disk: Path
) -> None:
    folder = _backlog_folder(tmp_path / "backlog", good=2, broken=0)

    code, outcomes, err = _finish(_backlog(data_dir, folder, SOHOA_WORK_DIR=str(tiny_disk)))

    assert code == 4, err
    assert [o["result"] for o in outcomes] == ["failed", "failed"]
    assert all("no space left in the work folder" in str(o["error"]) for o in outcomes), outcomes
    assert not _manifests(ObjectStore.from_settings(make_settings(data_dir)))
    assert not list(tiny_disk.iterdir())  # nothing left behind


def test_a_backlog_takes_its_folder_as_given_and_names_each_quarantined_files_dossier(
    tmp_path: Path, data_dir: Path
) -> None:
    outside = tmp_path / "root-only"
    outside.mkdir()
    secret = save_jpeg(text_page(lines=["BÍ MẬT 036089009999"]), outside / "s.jpg", dpi=200)
    folder = tmp_path / "backlog"
    folder.mkdir()
    receipt = folder / "000.00.12.H52-241203-0009"
    receipt.mkdir()
    lines = ["Đơn đề nghị cấp giấy chứng nhận", "Độc lập - Tự do - Hạnh phúc"]
    save_jpeg(text_page(dpi=150, lines=lines), receipt / "trang-1.jpg", dpi=150)
    (receipt / "scan.jpg").symlink_to(secret)
    os.mkfifo(receipt / "pipe.pdf")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    os.mkfifo(folder / "pipe")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock"))
    try:
        code, outcomes, err = _finish(_backlog(data_dir, folder))
        summary = subprocess.run(
            [*SOHOA, "backlog", str(folder)],
            capture_output=True,
            text=True,
            env=_env(data_dir),
            timeout=600,
        )
    finally:
        server.close()

    assert code == 4, err
    by_name = {o["name"]: o for o in outcomes}
    assert set(by_name) == {"000.00.12.H52-241203-0009", "linked", "pipe", "sock"}
    first = by_name["000.00.12.H52-241203-0009"]
    assert (first["dossier_id"], first["status"]) == ("000.00.12.H52-241203-0009", "partial")
    reasons = {q["source"]: q["reason"] for q in first["quarantined"]}  # type: ignore[union-attr]
    assert set(reasons) == {"scan.jpg", "pipe.pdf"}
    assert "symbolic link" in reasons["scan.jpg"] and "named pipe" in reasons["pipe.pdf"]
    for name, why in (("linked", "symbolic link"), ("pipe", "named pipe"), ("sock", "socket")):
        assert by_name[name]["status"] == "failed"
        assert why in by_name[name]["quarantined"][0]["reason"]  # type: ignore[index]
    store = ObjectStore.from_settings(make_settings(data_dir))
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    for key in store.list_keys():
        assert digest not in key
        assert secret.read_bytes()[-4096:] not in store.get_bytes(key, verify=False), key
    # The summary names the dossier of each quarantined file.
    assert "000.00.12.H52-241203-0009/scan.jpg: a symbolic link" in summary.stdout
    assert f"linked ({by_name['linked']['dossier_id']}): a symbolic link" in summary.stdout

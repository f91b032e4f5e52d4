"""`sohoa digitise` end to end: real Tesseract, the embedded SeaweedFS, a real Prefect flow."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image

from sohoa.flows import prefect_server, worker
from sohoa.pipeline.pdfa import validate
from sohoa.pipeline.text import fold
from sohoa.storage import embedded
from sohoa.storage.objects import ObjectStore
from tests.conftest import make_settings
from tests.pages import save_jpeg, text_page

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).parent.parent / "samples" / "dossiers"
SOHOA = [sys.executable, "-m", "sohoa.cli"]


@dataclass
class Run:
    code: int
    manifest: dict[str, Any] | None
    stderr: str


@dataclass
class Cli:
    data_dir: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
        return {**env, "SOHOA_DATA_DIR": str(self.data_dir), **extra}

    def digitise(self, *args: str | Path, **env: str) -> Run:
        done = subprocess.run(
            [*SOHOA, "digitise", *map(str, args), "--json"],
            capture_output=True,
            text=True,
            env=self.env(**env),
            timeout=600,
        )
        manifest = json.loads(done.stdout) if done.stdout.strip() else None
        return Run(done.returncode, manifest, done.stderr)

    def store(self) -> ObjectStore:
        return ObjectStore.from_settings(make_settings(self.data_dir))


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    data_dir = tmp_path_factory.mktemp("cli-data")
    yield Cli(data_dir)
    settings = make_settings(data_dir)
    worker.stop_all(settings)
    prefect_server.stop(settings)
    embedded.stop(settings)


def _sample_files(name: str) -> list[Path]:
    truth = json.loads((SAMPLES / name / "truth.json").read_text())
    return [SAMPLES / name / f for f in truth["files"]]


def _truth(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name / "truth.json").read_text())  # type: ignore[no-any-return]


def _non_blank(pages: list[int], truth: dict[str, Any]) -> list[int]:
    return [i for i in pages if not truth["pages"][i]["blank"]]


def test_sample_dossier_becomes_its_documents_each_a_valid_searchable_pdfa(
    cli: Cli, tmp_path: Path
) -> None:
    run = cli.digitise(*_sample_files("dossier-a"), "--dossier-id", "dossier-a", "--out", tmp_path)
    assert run.code == 0, run.stderr
    assert run.manifest is not None and run.manifest["status"] == "done"
    truth = _truth("dossier-a")
    assert [p["rotation"] for p in run.manifest["pages"]] == [p["rotation"] for p in truth["pages"]]
    assert [p["blank"] for p in run.manifest["pages"]] == [p["blank"] for p in truth["pages"]]
    documents = run.manifest["documents"]
    assert [d["pages"] for d in documents] == [
        _non_blank(d["pages"], truth) for d in truth["documents"]
    ]
    for document, expected in zip(documents, truth["documents"], strict=True):
        pdf = tmp_path / f"{document['id']}.pdf"
        assert validate(pdf).passed
        with pikepdf.open(pdf) as opened:
            assert len(opened.pages) == len(document["pages"])
            assert f"<sohoa:type>{document['type']}</sohoa:type>" in (
                opened.Root.Metadata.read_bytes().decode()
            )
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        if expected["fields"]["ho_ten"]:  # printed in capitals on some papers
            assert fold(expected["fields"]["ho_ten"]) in fold(" ".join(text.split()))
    assert json.loads((tmp_path / "manifest.json").read_text()) == run.manifest


def test_documents_are_classified_and_their_fields_extracted(cli: Cli) -> None:
    run = cli.digitise(*_sample_files("dossier-a"), "--dossier-id", "dossier-a")
    assert run.manifest is not None
    truth = _truth("dossier-a")
    found = run.manifest["documents"]
    assert [d["type"] for d in found] == [d["type"] for d in truth["documents"]]
    for document, expected in zip(found, truth["documents"], strict=True):
        fields = expected["fields"]
        assert document["fields"]["so_dinh_danh"] == fields["so_dinh_danh"]
        assert document["fields"]["so_ky_hieu"] == fields["so_ky_hieu"]
        assert document["fields"]["ngay_ban_hanh"] == fields["ngay_ban_hanh"]
        assert document["needs_review"] == bool(document["review"])


def test_separator_sheets_split_the_dossier_and_belong_to_no_document(cli: Cli) -> None:
    run = cli.digitise(*_sample_files("dossier-c"), "--dossier-id", "dossier-c")
    assert run.code == 0, run.stderr
    assert run.manifest is not None
    truth = _truth("dossier-c")
    separators = [i for i, page in enumerate(truth["pages"]) if page["separator"]]
    assert separators
    assert all(run.manifest["pages"][i]["document"] is None for i in separators)
    assert [(d["type"], d["pages"]) for d in run.manifest["documents"]] == [
        (d["type"], _non_blank(d["pages"], truth)) for d in truth["documents"]
    ]


def test_everything_is_stored_with_checksums_and_the_manifest(cli: Cli) -> None:
    run = cli.digitise(*_sample_files("dossier-b"), "--dossier-id", "dossier-b")
    assert run.code == 0, run.stderr
    assert run.manifest is not None
    store = cli.store()
    [source] = run.manifest["sources"]
    assert store.stat(source["key"]).sha256 == source["sha256"]  # type: ignore[union-attr]
    for document in run.manifest["documents"]:
        for part in ("pdf", "text", "metadata"):
            info = store.stat(document[part]["key"])
            assert info is not None and info.sha256 == document[part]["sha256"]
        text = store.get_bytes(document["text"]["key"]).decode()
        assert text.count("\f") == len(document["pages"]) - 1
        metadata = json.loads(store.get_bytes(document["metadata"]["key"]))
        assert metadata["type"] == document["type"]
        assert metadata["fields"] == document["fields"]
    stored = json.loads(store.get_bytes("dossiers/dossier-b/manifest.json"))
    assert stored == run.manifest


def test_digitising_again_changes_nothing(cli: Cli) -> None:
    files = _sample_files("dossier-c")
    first = cli.digitise(*files, "--dossier-id", "dossier-c")
    store = cli.store()
    keys = sorted(store.list_keys())
    second = cli.digitise(*files, "--dossier-id", "dossier-c")
    assert second.code == first.code == 0
    assert second.manifest == first.manifest  # same commit time: nothing was redone
    assert sorted(store.list_keys()) == keys


def test_pages_read_before_are_not_read_again(cli: Cli, tmp_path: Path) -> None:
    page = save_jpeg(text_page(), tmp_path / "page.jpg")
    assert cli.digitise(page, "--dossier-id", "first-reading").code == 0
    store = cli.store()
    [key] = [k for k in store.list_keys("readings/") if "/1." in k and _sha(page) in k]
    reading = json.loads(store.get_bytes(key))
    reading["text"]["lines"][0]["words"][0]["text"] = "SENTINEL"
    store.put_bytes(key, json.dumps(reading).encode(), "application/json")
    run = cli.digitise(page, "--dossier-id", "second-reading", "--out", tmp_path / "out")
    [document] = run.manifest["documents"]  # type: ignore[index]
    assert "SENTINEL" in (tmp_path / "out" / f"{document['id']}.txt").read_text()


def test_bad_files_are_quarantined_and_the_rest_goes_on(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.pdf").touch()
    (bad / "notes.txt").write_text("không phải bản quét")
    (bad / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    locked = pikepdf.new()
    locked.add_blank_page()
    locked.save(bad / "locked.pdf", encryption=pikepdf.Encryption(user="mk", owner="mk"))
    Image.new("1", (20000, 20000), 1).save(bad / "bomb.png")  # 400 MP, a few kB on disk
    save_jpeg(text_page(), bad / "good.jpg")
    run = cli.digitise(bad)
    assert run.code == 4, run.stderr
    assert run.manifest is not None and run.manifest["status"] == "partial"
    reasons = {q["source"]: q["reason"] for q in run.manifest["quarantined"]}
    assert set(reasons) == {"empty.pdf", "notes.txt", "broken.pdf", "locked.pdf", "bomb.png"}
    assert "empty" in reasons["empty.pdf"]
    assert "encrypted" in reasons["locked.pdf"]
    assert "corrupt" in reasons["broken.pdf"]
    assert "too large" in reasons["bomb.png"]
    assert [s["name"] for s in run.manifest["sources"]] == ["good.jpg"]
    assert len(run.manifest["documents"]) == 1
    # Nothing is lost: the bad files are kept too.
    store = cli.store()
    for q in run.manifest["quarantined"]:
        if q["sha256"]:
            assert store.exists(f"quarantine/{q['sha256'][:2]}/{q['sha256']}")


def test_nothing_usable_exits_2(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    run = cli.digitise(tmp_path / "notes.txt")
    assert run.code == 2
    assert run.manifest is not None and run.manifest["status"] == "failed"


def test_signed_pdf_is_kept_byte_for_byte(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    jpeg = save_jpeg(text_page(), tmp_path / "page.jpg")
    Image.open(jpeg).save(path, format="PDF", resolution=200)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        field = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Sig, V=pikepdf.Dictionary()))
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[field], SigFlags=3)
        pdf.save()
    before = path.read_bytes()
    run = cli.digitise(path)
    assert run.code == 0, run.stderr
    [source] = run.manifest["sources"]  # type: ignore[index]
    assert source["signed"] is True
    assert path.read_bytes() == before
    assert cli.store().get_bytes(source["key"]) == before
    assert run.manifest["documents"][0]["pdf"]["key"] != source["key"]  # type: ignore[index]


def test_unsafe_dossier_id_is_bad_usage(cli: Cli, tmp_path: Path) -> None:
    page = save_jpeg(text_page(), tmp_path / "page.jpg")
    assert cli.digitise(page, "--dossier-id", "../../etc").code == 1


def test_missing_path_is_bad_usage(cli: Cli, tmp_path: Path) -> None:
    run = cli.digitise(tmp_path / "nowhere.pdf")
    assert run.code == 1
    assert "no such file" in run.stderr


def test_unreachable_storage_exits_5_and_says_what_to_do(cli: Cli, tmp_path: Path) -> None:
    page = save_jpeg(text_page(), tmp_path / "page.jpg")
    run = cli.digitise(
        page,
        SOHOA_S3_ENDPOINT="127.0.0.1:9",
        SOHOA_S3_ACCESS_KEY="x",
        SOHOA_S3_SECRET_KEY="y",
    )
    assert run.code == 5
    assert "SOHOA_S3_ENDPOINT" in run.stderr
    assert "Traceback" not in run.stderr


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_commands_share_one_warm_worker_with_a_private_socket(cli: Cli, tmp_path: Path) -> None:
    page = save_jpeg(text_page(), tmp_path / "page.jpg")
    assert cli.digitise(page, "--dossier-id", "warm-1").code == 0
    settings = make_settings(cli.data_dir)
    folder = worker.workers_dir(settings) / worker.configuration_fingerprint(settings)
    pid = json.loads((folder / "server.json").read_text())["pid"]
    assert cli.digitise(page, "--dossier-id", "warm-2").code == 0
    assert json.loads((folder / "server.json").read_text())["pid"] == pid
    assert (folder / worker.SOCKET_NAME).stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_restarted_prefect_server_gets_a_fresh_worker(cli: Cli, tmp_path: Path) -> None:
    page = save_jpeg(text_page(), tmp_path / "page.jpg")
    assert cli.digitise(page, "--dossier-id", "before-restart").code == 0
    settings = make_settings(cli.data_dir)
    prefect_server.stop(settings)
    prefect_server.ensure_running(settings)  # on another port
    run = cli.digitise(page, "--dossier-id", "after-restart")
    assert run.code == 0, run.stderr


# --- inputs taken as given, ids that cover everything submitted ------------------------------


@dataclass
class Hostile:
    folder: Path
    secret: bytes  # a root-only file's content, that a link in the folder points to


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Hostile]:
    """A drop folder another local user filled: a good scan, a link to a file outside, a link
    loop, a named pipe and a Unix socket."""
    outside = tmp_path / "root-only"
    outside.mkdir()
    secret = save_jpeg(text_page(lines=["BÍ MẬT: số định danh 036089009999"]), outside / "s.jpg")
    folder = tmp_path / "drop"
    folder.mkdir()
    save_jpeg(text_page(lines=["Đơn đề nghị của bà Trần Thị Lan"]), folder / "good.jpg")
    (folder / "secret.jpg").symlink_to(secret)
    (folder / "loop-a.pdf").symlink_to(folder / "loop-b.pdf")
    (folder / "loop-b.pdf").symlink_to(folder / "loop-a.pdf")
    os.mkfifo(folder / "pipe.pdf")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.pdf"))
    yield Hostile(folder, secret.read_bytes())
    server.close()


def _nowhere_in_store(store: ObjectStore, content: bytes) -> None:
    digest = hashlib.sha256(content).hexdigest()
    for key in store.list_keys():
        assert digest not in key, key
        assert content[-4096:] not in store.get_bytes(key, verify=False), key


def test_links_loops_and_special_files_in_a_folder_are_quarantined_never_read(
    cli: Cli, hostile: Hostile
) -> None:
    run = cli.digitise(hostile.folder)

    assert run.code == 4, run.stderr
    assert run.manifest is not None
    assert [s["name"] for s in run.manifest["sources"]] == ["good.jpg"]
    reasons = {q["source"]: q["reason"] for q in run.manifest["quarantined"]}
    assert set(reasons) == {"secret.jpg", "loop-a.pdf", "loop-b.pdf", "pipe.pdf", "sock.pdf"}
    assert "symbolic link" in reasons["secret.jpg"]
    assert "loop" in reasons["loop-a.pdf"] and "loop" in reasons["loop-b.pdf"]
    assert "named pipe" in reasons["pipe.pdf"]
    assert "socket" in reasons["sock.pdf"]
    assert all(q["sha256"] is None for q in run.manifest["quarantined"])
    assert "root-only" not in json.dumps(run.manifest)
    _nowhere_in_store(cli.store(), hostile.secret)


def test_a_link_named_on_the_command_line_is_followed_under_its_own_name(
    cli: Cli, tmp_path: Path
) -> None:
    scan = save_jpeg(text_page(lines=["Giấy xác nhận cư trú"]), tmp_path / "IMG_0001.jpg")
    link = tmp_path / "giay-xac-nhan.jpg"
    link.symlink_to(scan)

    run = cli.digitise(link)

    assert run.code == 0, run.stderr
    assert run.manifest is not None
    assert [s["name"] for s in run.manifest["sources"]] == ["giay-xac-nhan.jpg"]


def test_a_reason_names_the_file_as_given_not_where_it_was_read(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)

    run = cli.digitise(tmp_path / "broken.pdf")

    assert run.manifest is not None
    (quarantined,) = run.manifest["quarantined"]
    assert str(tmp_path) not in quarantined["reason"] and "/proc/" not in quarantined["reason"]


def test_submissions_differing_only_in_what_was_quarantined_keep_their_own_manifests(
    cli: Cli, tmp_path: Path
) -> None:
    manifests = []
    for n in range(2):
        folder = tmp_path / f"submission-{n}"
        folder.mkdir()
        save_jpeg(text_page(lines=["Tờ khai đăng ký thường trú"]), folder / "to-khai.jpg")
        (folder / "ghi-chu.txt").write_text(f"ghi chú {n}")
        run = cli.digitise(folder)
        assert run.code == 4, run.stderr
        manifests.append(run.manifest)

    first, second = manifests
    assert first is not None and second is not None
    assert first["dossier_id"] != second["dossier_id"]
    stored = json.loads(cli.store().get_bytes(f"dossiers/{first['dossier_id']}/manifest.json"))
    assert stored["quarantined"] == first["quarantined"]


def test_a_dossier_id_used_again_for_other_files_keeps_and_names_the_earlier_manifest(
    cli: Cli, tmp_path: Path
) -> None:
    first_page = save_jpeg(text_page(lines=["Giấy khai sinh"]), tmp_path / "khai-sinh.jpg")
    other_page = save_jpeg(text_page(lines=["Sổ hộ khẩu"]), tmp_path / "ho-khau.jpg")
    first = cli.digitise(first_page, "--dossier-id", "hs-2024-000777")
    assert first.manifest is not None and first.manifest["replaces"] is None

    second = cli.digitise(other_page, "--dossier-id", "hs-2024-000777")

    assert second.code == 0, second.stderr
    assert second.manifest is not None
    replaced = second.manifest["replaces"]
    assert replaced["created"] == first.manifest["created"]
    assert replaced["sources"] == ["khai-sinh.jpg"]
    assert json.loads(cli.store().get_bytes(replaced["key"])) == first.manifest


def test_a_worker_killed_mid_dossier_exits_6_and_says_where_its_log_is(
    cli: Cli, tmp_path: Path
) -> None:
    import psutil

    pages = [
        save_jpeg(text_page(lines=[f"Trang {n} của hồ sơ bị dừng"]), tmp_path / f"{n}.jpg")
        for n in range(1, 5)
    ]
    assert cli.digitise(pages[0], "--dossier-id", "before-the-kill").code == 0  # a warm worker
    settings = make_settings(cli.data_dir)
    folder = worker.workers_dir(settings) / worker.configuration_fingerprint(settings)
    serving = psutil.Process(json.loads((folder / "server.json").read_text())["pid"])
    run = subprocess.Popen(
        [*SOHOA, "digitise", *map(str, pages), "--dossier-id", "killed"],
        stderr=subprocess.PIPE,
        text=True,
        env=cli.env(),
    )
    # The job is in the worker's hands once it holds a connection on its socket beside the
    # listening one.
    socket_path = str(folder / worker.SOCKET_NAME)
    while sum(c.laddr == socket_path for c in serving.net_connections(kind="unix")) < 2:
        assert run.poll() is None, "the dossier finished before the worker could be killed"
    serving.kill()
    _, stderr = run.communicate(timeout=120)

    assert run.returncode == 6
    assert "worker" in stderr and str(worker.workers_dir(settings)) in stderr
    assert "Traceback" not in stderr

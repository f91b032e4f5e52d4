"""Data at rest is the user's alone: folders 0700, files 0600, whatever the umask."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sohoa.flows import prefect_server, worker
from sohoa.private import private_dir, private_file, secure_data_dir
from sohoa.storage import embedded
from sohoa.storage.catalogue import Catalogue
from tests.conftest import make_settings
from tests.pages import save_jpeg, text_page

SOHOA = [sys.executable, "-m", "sohoa.cli"]
# What user nobody can run (this venv's Python may sit in a home folder closed to others).
SYSTEM_PYTHON = "/usr/bin/python3"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def weeds_volume_descriptor(path: Path) -> bool:
    """weed writes its volumes' descriptors (``<collection>_<n>.vif``: the bucket's name and
    the volume's format version, nothing of a dossier) 0644 whatever its umask; they sit in
    folders that are 0700 (checked), and the next start makes them 0600."""
    return path.suffix == ".vif" and mode(path) == 0o644 and mode(path.parent) == 0o700


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o000)
    yield
    os.umask(previous)


def test_private_dir_is_0700_with_its_missing_parents_under_any_umask(
    tmp_path: Path, open_umask: None
) -> None:
    folder = private_dir(tmp_path / "data" / "s3")

    assert mode(folder) == 0o700
    assert mode(folder.parent) == 0o700


def test_private_file_is_0600_and_keeps_its_content(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "token"
    path.write_text("kept")
    path.chmod(0o666)

    private_file(path)

    assert mode(path) == 0o600
    assert path.read_text() == "kept"


def test_sqlite_catalogue_and_its_wal_are_0600_under_any_umask(
    tmp_path: Path, open_umask: None
) -> None:
    database = tmp_path / "data" / "catalogue.sqlite"
    catalogue = Catalogue(f"sqlite:///{database}")
    try:
        catalogue.search("anything")
        modes = {path.name: mode(path) for path in database.parent.iterdir()}
    finally:
        catalogue.close()

    assert {"catalogue.sqlite", "catalogue.sqlite-wal"} <= modes.keys()
    assert modes == dict.fromkeys(modes, 0o600)
    assert mode(database.parent) == 0o700


def test_a_wide_data_dir_is_tightened_naming_what_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    (data / "work").mkdir(parents=True)
    (data / "catalogue.sqlite").write_text("names and CCCD numbers")
    for path, wide in ((data, 0o755), (data / "work", 0o777), (data / "catalogue.sqlite", 0o644)):
        path.chmod(wide)
    outside = tmp_path / "outside.txt"
    outside.write_text("not sohoa's")
    outside.chmod(0o644)
    (data / "link").symlink_to(outside)

    changed = secure_data_dir(make_settings(data))

    assert (mode(data), mode(data / "work"), mode(data / "catalogue.sqlite")) == (
        0o700,
        0o700,
        0o600,
    )
    assert mode(outside) == 0o644  # a link's target is not the data dir's
    assert sorted(changed) == [
        f"{data} 0755 -> 0700",
        f"{data / 'catalogue.sqlite'} 0644 -> 0600",
        f"{data / 'work'} 0777 -> 0700",
    ]
    assert "catalogue.sqlite 0644 -> 0600" in caplog.text
    assert secure_data_dir(make_settings(data)) == []  # nothing left to change


def test_a_file_no_one_else_could_reach_is_tightened_without_a_warning(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "s3").mkdir(parents=True, mode=0o700)
    data.chmod(0o700)
    volume_info = data / "s3" / "sohoa_1.vif"  # weed makes these 0644 whatever the umask
    volume_info.write_text("{}")
    volume_info.chmod(0o644)

    changed = secure_data_dir(make_settings(data))

    assert mode(volume_info) == 0o600
    assert changed == []


@dataclass(frozen=True)
class Digitised:
    data: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def digitised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Digitised]:
    """A data dir after a real `sohoa digitise` run under umask 000, in a folder that any
    local user may enter (as a home folder often is), so that only sohoa's modes stand
    between its data and another user."""
    shared = Path(tempfile.mkdtemp(prefix="sohoa-private-"))
    shared.chmod(0o755)
    data = shared / "data"
    page = save_jpeg(
        text_page(lines=["QUYẾT ĐỊNH", "Nguyễn Văn Hưởng"]),
        tmp_path_factory.mktemp("page") / "page.jpg",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env["SOHOA_DATA_DIR"] = str(data)
    try:
        done = subprocess.run(
            [*SOHOA, "digitise", str(page), "--dossier-id", "hs-private", "--json"],
            capture_output=True,
            text=True,
            env=env,
            umask=0o000,  # the widest: every mode below is sohoa's own doing
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["dossier_id"] == "hs-private"
        yield Digitised(data, env)
    finally:
        settings = make_settings(data)
        worker.stop_all(settings)
        prefect_server.stop(settings)
        embedded.stop(settings)
        shutil.rmtree(shared, ignore_errors=True)


@pytest.mark.slow
def test_everything_a_digitise_leaves_in_the_data_dir_is_private(digitised: Digitised) -> None:
    data = digitised.data
    wide = {
        str(path.relative_to(data)): f"{mode(path):04o}"
        for path in [data, *data.rglob("*")]
        if not path.is_symlink()
        and mode(path) != (0o700 if path.is_dir() else 0o600)
        and not (path.is_socket() and not mode(path) & 0o077)
        and not weeds_volume_descriptor(path)
    }

    assert wide == {}
    assert (data / "catalogue.sqlite").is_file() and (data / "s3" / "server.log").is_file()


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to act as the user nobody")
@pytest.mark.skipif(not Path(SYSTEM_PYTHON).exists(), reason=f"needs {SYSTEM_PYTHON}")
def test_another_local_user_reads_nothing_of_it(digitised: Digitised) -> None:
    nobody = pwd.getpwnam("nobody")
    control = digitised.data.parent / "public.txt"
    control.write_text("anyone may read this")
    control.chmod(0o644)
    targets = [control, digitised.data / "catalogue.sqlite", digitised.data / "s3" / "server.log"]
    probe = (
        "import sys\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        open(path).read(1)\n"
        "        print('read', path)\n"
        "    except PermissionError:\n"
        "        print('refused', path)\n"
    )

    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", probe, *map(str, targets)],
        capture_output=True,
        text=True,
        user=nobody.pw_uid,
        group=nobody.pw_gid,
        extra_groups=[],
        env={"PATH": os.environ.get("PATH", "")},
        cwd="/",
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.splitlines()
        == [
            f"read {control}",  # the probe works: the folder above is open to everyone
            *(f"refused {path}" for path in targets[1:]),
        ]
    )


@pytest.mark.slow
def test_a_command_tightens_a_file_left_wide_and_says_so(digitised: Digitised) -> None:
    catalogue = digitised.data / "catalogue.sqlite"
    for path, wide in ((digitised.data, 0o755), (catalogue, 0o644)):  # as an older sohoa left them
        path.chmod(wide)

    again = subprocess.run(
        [*SOHOA, "search", "Hưởng"], capture_output=True, text=True, env=digitised.env, timeout=300
    )

    assert again.returncode == 0, again.stderr
    assert f"{catalogue} 0644 -> 0600" in again.stderr
    assert mode(catalogue) == 0o600

"""`sohoa watch` for real: watcher processes on one data dir (embedded SeaweedFS, local Prefect
server, Tesseract) digitising what a scanner drops into incoming, each dossier once."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sohoa.flows import prefect_server
from sohoa.flows.arrivals import INCOMING_PREFIX
from sohoa.flows.claims import LEASES_PREFIX, Lease, utc_now
from sohoa.flows.keys import manifest_key, reading_key
from sohoa.storage.objects import ObjectStore
from tests import prefect_api
from tests.clerk import SOHOA, Clerk
from tests.conftest import make_settings
from tests.pages import save_jpeg, text_page

pytestmark = pytest.mark.slow


@dataclass
class Watchers:
    """`sohoa watch` processes on a shared data dir, each scenario on its own bucket."""

    data_dir: Path
    bucket: str

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
        return {**env, "SOHOA_DATA_DIR": str(self.data_dir), "SOHOA_S3_BUCKET": self.bucket}

    def start(self, *args: str | Path) -> subprocess.Popen[str]:
        """A watcher in its own process group (so that a test can kill it and its children)."""
        return subprocess.Popen(
            [*SOHOA, "watch", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(),
            start_new_session=True,
        )

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*SOHOA, "watch", *map(str, args)],
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=600,
        )

    def store(self) -> ObjectStore:
        store = ObjectStore.from_settings(make_settings(self.data_dir, s3_bucket=self.bucket))
        store.ensure_bucket()
        return store

    def drop(self, key: str, tag: str, work: Path) -> None:
        """A scanner drops a one-page scan (its text unique to `tag`) at `key`."""
        page = text_page(dpi=150, lines=[f"GIẤY XÁC NHẬN số {tag}", "Ủy ban nhân dân xã Hòa An"])
        self.store().put_file(key, save_jpeg(page, work / f"{tag}.jpg", dpi=150), "image/jpeg")


def taken(done: subprocess.CompletedProcess[str] | tuple[str, str]) -> list[dict[str, Any]]:
    """The dossiers a watcher took, from its --json lines."""
    stdout = done[0] if isinstance(done, tuple) else done.stdout
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def received_of(store: ObjectStore, prefix: str) -> str:
    newest = max(o.last_modified for o in store.list_objects(prefix))
    return newest.isoformat(timespec="seconds")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir whose storage and Prefect server run before any watcher starts."""
    data_dir = tmp_path_factory.mktemp("watch-data")
    (data_dir / "sohoa.toml").write_text("workers = 1\n")  # two watchers share 2 cores
    clerk = Clerk(data_dir)
    for service in ("storage", "prefect"):
        started = clerk.run(service, "start")
        assert started.returncode == 0, started.stderr
    yield data_dir
    clerk.stop_services()


# --- two watchers at once on the same incoming -------------------------------------------


@dataclass
class TwoWatchers:
    watchers: Watchers
    arrivals: dict[str, str]  # locator -> when it arrived
    runs: list[tuple[int, str, str]]  # exit code, stdout, stderr of each watcher

    @property
    def outcomes(self) -> list[dict[str, Any]]:
        return [o for _, stdout, _ in self.runs for o in taken((stdout, ""))]


@pytest.fixture(scope="module")
def two_watchers(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TwoWatchers:
    watchers = Watchers(data_dir, "watch-two")
    work = tmp_path_factory.mktemp("watch-two-pages")
    for key, tag in [
        ("incoming/Đơn đề nghị 1.jpg", "1"),
        ("incoming/scan-0002.jpg", "2"),
        ("incoming/scan-0003.jpg", "3"),
        ("incoming/hs-4/trang-1.jpg", "4a"),
        ("incoming/hs-4/trang-2.jpg", "4b"),
    ]:
        watchers.drop(key, tag, work)
    store = watchers.store()
    locators = [
        "incoming/Đơn đề nghị 1.jpg",
        "incoming/scan-0002.jpg",
        "incoming/scan-0003.jpg",
        "incoming/hs-4/",
    ]
    arrivals = {locator: received_of(store, locator) for locator in locators}
    args = ("--once", "--settle", "0", "--lease", "30", "--json")
    processes = [watchers.start(*args), watchers.start(*args)]  # at the same time
    runs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        runs.append((process.returncode, stdout, stderr))
    return TwoWatchers(watchers, arrivals, runs)


def test_two_watchers_together_digitise_every_dossier_that_arrived(
    two_watchers: TwoWatchers,
) -> None:
    assert {o["arrival"] for o in two_watchers.outcomes} == set(two_watchers.arrivals)
    assert {o["result"] for o in two_watchers.outcomes} == {"digitised"}


def test_no_dossier_is_taken_by_both_watchers(two_watchers: TwoWatchers) -> None:
    arrivals = [o["arrival"] for o in two_watchers.outcomes]

    assert len(arrivals) == len(set(arrivals))


def test_both_watchers_finish_their_sweep_with_success(two_watchers: TwoWatchers) -> None:
    assert [code for code, _, _ in two_watchers.runs] == [0, 0], [
        e for _, _, e in two_watchers.runs
    ]


def test_each_dossier_taken_is_committed_with_the_time_it_arrived(
    two_watchers: TwoWatchers,
) -> None:
    store = two_watchers.watchers.store()
    for outcome in two_watchers.outcomes:
        manifest = json.loads(store.get_bytes(manifest_key(outcome["dossier_id"])))
        assert manifest["received"] == two_watchers.arrivals[outcome["arrival"]]
        assert manifest["received"] == outcome["received"]


def test_a_folder_in_incoming_is_one_dossier_of_its_files(two_watchers: TwoWatchers) -> None:
    (folder,) = [o for o in two_watchers.outcomes if o["arrival"] == "incoming/hs-4/"]
    manifest = json.loads(
        two_watchers.watchers.store().get_bytes(manifest_key(folder["dossier_id"]))
    )

    assert [s["name"] for s in manifest["sources"]] == ["trang-1.jpg", "trang-2.jpg"]


def test_incoming_is_empty_and_no_lease_is_left_after_the_sweep(two_watchers: TwoWatchers) -> None:
    store = two_watchers.watchers.store()

    assert list(store.list_keys(INCOMING_PREFIX)) == []
    assert list(store.list_keys(LEASES_PREFIX)) == []


def test_each_watcher_tells_the_delay_from_arrival_to_searchable(
    two_watchers: TwoWatchers,
) -> None:
    for outcome in two_watchers.outcomes:
        arrived = datetime.fromisoformat(outcome["received"])
        searchable = datetime.fromisoformat(outcome["searchable"])
        assert outcome["delay_s"] == pytest.approx((searchable - arrived).total_seconds(), abs=1)
        assert outcome["delay_s"] >= 0
    stderr = "".join(err for _, _, err in two_watchers.runs)
    assert stderr.count("s after it arrived") == len(two_watchers.arrivals)


def test_dossiers_digitised_by_a_watcher_are_searchable(two_watchers: TwoWatchers) -> None:
    clerk = Clerk(two_watchers.watchers.data_dir)

    hits = clerk.search("xác nhận", "--limit", "50")

    dossiers = {o["dossier_id"] for o in two_watchers.outcomes}
    assert dossiers <= {hit["document"]["dossier_id"] for hit in hits}


# --- an incoming folder, and dossiers with nothing usable ---------------------------------


@dataclass
class FolderSweep:
    incoming: Path
    watchers: Watchers
    done: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def folder_sweep(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> FolderSweep:
    root = tmp_path_factory.mktemp("scanner-share")
    incoming = root / "incoming"
    (incoming / "hs-5").mkdir(parents=True)
    save_jpeg(text_page(dpi=150, lines=["GIẤY XÁC NHẬN số 5"]), incoming / "hs-5" / "trang.jpg")
    (incoming / "hỏng.pdf").write_bytes(b"this is no PDF")
    (incoming / ".scanning-now.pdf").write_bytes(b"%PDF-1.7 half written")
    watchers = Watchers(data_dir, "watch-folder")
    watchers.store().put_bytes("incoming/Giấy hỏng.pdf", b"no PDF either", "application/pdf")

    done = watchers.run("--once", "--settle", "0", "--incoming", incoming, "--json")

    return FolderSweep(incoming, watchers, done)


def test_a_folder_dossier_is_digitised_and_moved_to_the_done_folder(
    folder_sweep: FolderSweep,
) -> None:
    (outcome,) = [o for o in taken(folder_sweep.done) if o["arrival"].endswith("hs-5")]
    done_folder = folder_sweep.incoming.with_name("incoming.done")

    assert (outcome["where"], outcome["status"]) == ("folder", "done")
    assert (done_folder / "hs-5" / "trang.jpg").is_file()
    assert not (folder_sweep.incoming / "hs-5").exists()


def test_a_file_with_nothing_usable_moves_to_the_failed_folder_with_why(
    folder_sweep: FolderSweep,
) -> None:
    failed_folder = folder_sweep.incoming.with_name("incoming.failed")

    assert (failed_folder / "hỏng.pdf").read_bytes() == b"this is no PDF"
    reasons = json.loads((failed_folder / "hỏng.pdf.reasons.json").read_text())
    assert reasons["files"][0]["reason"] == "not a PDF, TIFF, JPEG, PNG or HEIF file"


def test_a_hidden_file_being_written_is_left_in_the_incoming_folder(
    folder_sweep: FolderSweep,
) -> None:
    assert [p.name for p in folder_sweep.incoming.iterdir()] == [".scanning-now.pdf"]


def test_an_object_with_nothing_usable_moves_to_failed_in_the_bucket_with_why(
    folder_sweep: FolderSweep,
) -> None:
    (outcome,) = [o for o in taken(folder_sweep.done) if o["where"] == "bucket"]
    store = folder_sweep.watchers.store()
    prefix = f"failed/{outcome['dossier_id']}/"

    assert outcome["status"] == "failed"
    reasons = json.loads(store.get_bytes(f"{prefix}reasons.json"))
    (file,) = reasons["files"]
    assert (file["from"], file["reason"]) == (
        "incoming/Giấy hỏng.pdf",
        "not a PDF, TIFF, JPEG, PNG or HEIF file",
    )
    assert file["kept_as"] == f"{prefix}000-giay_hong.pdf"
    assert store.get_bytes(file["kept_as"], verify=False) == b"no PDF either"
    assert list(store.list_keys(INCOMING_PREFIX)) == []


def test_a_sweep_with_a_dossier_of_nothing_usable_exits_partial(folder_sweep: FolderSweep) -> None:
    assert folder_sweep.done.returncode == 4, folder_sweep.done.stderr


# --- hostile entries, and a dossier that fails the same way twice --------------------------


@dataclass
class HostileSweeps:
    incoming: Path
    watchers: Watchers
    secret: bytes
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def hostile_sweeps(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> HostileSweeps:
    """Two sweeps of a drop folder with a link to a root-only file, a named pipe, and a dossier
    whose page reading in the store is corrupt (so digitising it fails the same way each time)."""
    root = tmp_path_factory.mktemp("shared-drop")
    secret = save_jpeg(text_page(lines=["BÍ MẬT 036089009999"]), root / "root-only.jpg")
    incoming = root / "incoming"
    (incoming / "hs-9").mkdir(parents=True)
    page = text_page(dpi=150, lines=["GIẤY XÁC NHẬN số 9", "hỏng trong kho"])
    broken = save_jpeg(page, incoming / "hs-9" / "trang.jpg", dpi=150)
    (incoming / "secret.jpg").symlink_to(secret)
    os.mkfifo(incoming / "pipe.pdf")
    watchers = Watchers(data_dir, "watch-hostile")
    digest = hashlib.sha256(broken.read_bytes()).hexdigest()
    watchers.store().put_bytes(reading_key(digest, 1, "vie"), b"garbage", "application/json")
    args = ("--once", "--settle", "0", "--incoming", incoming, "--json")
    first = watchers.run(*args)
    second = watchers.run(*args)
    return HostileSweeps(incoming, watchers, secret.read_bytes(), first, second)


def test_a_link_in_the_drop_folder_goes_to_failed_and_its_target_is_never_read(
    hostile_sweeps: HostileSweeps,
) -> None:
    failed = hostile_sweeps.incoming.with_name("incoming.failed")
    (outcome,) = [o for o in taken(hostile_sweeps.first) if o["arrival"].endswith("secret.jpg")]

    assert outcome["status"] == "failed"
    assert "symbolic link" in outcome["quarantined"][0]["reason"]
    assert (failed / "secret.jpg").is_symlink()  # the link itself was moved
    store = hostile_sweeps.watchers.store()
    digest = hashlib.sha256(hostile_sweeps.secret).hexdigest()
    for key in store.list_keys():
        assert digest not in key
        assert hostile_sweeps.secret[-4096:] not in store.get_bytes(key, verify=False), key


def test_a_named_pipe_in_the_drop_folder_goes_to_failed_with_why(
    hostile_sweeps: HostileSweeps,
) -> None:
    failed = hostile_sweeps.incoming.with_name("incoming.failed")
    reasons = json.loads((failed / "pipe.pdf.reasons.json").read_text())

    assert "named pipe" in reasons["files"][0]["reason"]


def test_a_dossier_failing_once_is_left_for_the_next_sweep(hostile_sweeps: HostileSweeps) -> None:
    (outcome,) = [o for o in taken(hostile_sweeps.first) if o["arrival"].endswith("hs-9")]

    assert outcome["result"] == "error" and outcome["moved"] is None
    assert "JSONDecodeError" in outcome["error"]


def test_a_dossier_failing_the_same_way_twice_moves_to_failed_with_its_reason(
    hostile_sweeps: HostileSweeps,
) -> None:
    (outcome,) = taken(hostile_sweeps.second)
    failed = hostile_sweeps.incoming.with_name("incoming.failed")

    assert outcome["arrival"].endswith("hs-9") and outcome["result"] == "error"
    assert not (hostile_sweeps.incoming / "hs-9").exists()
    assert (failed / "hs-9" / "trang.jpg").is_file()
    reasons = json.loads((failed / "hs-9.reasons.json").read_text())
    assert (reasons["error"], reasons["attempts"]) == (outcome["error"], 2)
    assert list(hostile_sweeps.incoming.iterdir()) == []


# --- a watcher that dies -------------------------------------------------------------------


@dataclass
class DeadWatcher:
    watchers: Watchers
    lease: Lease
    left_alone: subprocess.CompletedProcess[str]  # a watcher run while the lease lasted
    in_incoming_meanwhile: list[str]
    taken_over: subprocess.CompletedProcess[str]  # one run after it expired


@pytest.fixture(scope="module")
def dead_watcher(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> DeadWatcher:
    watchers = Watchers(data_dir, "watch-dead")
    work = tmp_path_factory.mktemp("watch-dead-pages")
    watchers.drop("incoming/hs-6/trang-1.jpg", "6a", work)
    watchers.drop("incoming/hs-6/trang-2.jpg", "6b", work)
    store = watchers.store()
    lease_s = "20"  # longer than a watcher takes to start, so the second one finds it live

    dying = watchers.start("--once", "--settle", "0", "--lease", lease_s)
    deadline = time.monotonic() + 300
    while not list(store.list_keys(LEASES_PREFIX)):
        assert dying.poll() is None and time.monotonic() < deadline, "the watcher never claimed"
        time.sleep(0.05)
    os.killpg(dying.pid, signal.SIGKILL)  # the watcher and its OCR processes, mid-dossier
    dying.communicate()
    (key,) = store.list_keys(LEASES_PREFIX)
    lease = Lease.parse(store.get_bytes(key))
    assert lease is not None

    left_alone = watchers.run("--once", "--settle", "0", "--lease", lease_s, "--json")
    assert utc_now() < lease.expires, "the second watcher started too late for this test"
    in_incoming_meanwhile = list(store.list_keys(INCOMING_PREFIX))
    time.sleep(max(0.0, (lease.expires - utc_now()).total_seconds()) + 0.5)
    taken_over = watchers.run("--once", "--settle", "0", "--lease", lease_s, "--json")
    return DeadWatcher(watchers, lease, left_alone, in_incoming_meanwhile, taken_over)


def test_a_dossier_claimed_by_a_watcher_that_died_waits_while_its_lease_lasts(
    dead_watcher: DeadWatcher,
) -> None:
    assert dead_watcher.left_alone.returncode == 0, dead_watcher.left_alone.stderr
    assert taken(dead_watcher.left_alone) == []
    assert dead_watcher.in_incoming_meanwhile == [
        "incoming/hs-6/trang-1.jpg",
        "incoming/hs-6/trang-2.jpg",
    ]


def test_another_watcher_takes_the_dossier_over_once_the_lease_expired(
    dead_watcher: DeadWatcher,
) -> None:
    (outcome,) = taken(dead_watcher.taken_over)

    assert (outcome["arrival"], outcome["result"]) == ("incoming/hs-6/", "digitised")
    assert outcome["watcher"] != dead_watcher.lease.watcher
    store = dead_watcher.watchers.store()
    assert store.exists(manifest_key(outcome["dossier_id"]))
    assert list(store.list_keys(INCOMING_PREFIX)) == []
    assert list(store.list_keys(LEASES_PREFIX)) == []


# --- settling, and serving as a Prefect deployment ------------------------------------------


def test_an_arrival_younger_than_the_settle_time_is_left_for_a_later_sweep(
    data_dir: Path, tmp_path: Path
) -> None:
    watchers = Watchers(data_dir, "watch-settle")
    watchers.drop("incoming/still-scanning.jpg", "7", tmp_path)

    done = watchers.run("--once", "--settle", "3600", "--json")

    assert (done.returncode, taken(done)) == (0, [])
    assert "Nothing settled" in done.stderr
    store = watchers.store()
    assert list(store.list_keys(INCOMING_PREFIX)) == ["incoming/still-scanning.jpg"]
    assert list(store.list_keys(LEASES_PREFIX)) == []


@dataclass
class Served:
    watchers: Watchers
    digitised: bool
    deployment: dict[str, Any]
    stderr: str


@pytest.fixture(scope="module")
def served(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Served:
    watchers = Watchers(data_dir, "watch-serve")
    watchers.drop("incoming/served.jpg", "8", tmp_path_factory.mktemp("watch-serve-pages"))
    store = watchers.store()
    server = subprocess.Popen(
        [*SOHOA, "watch", "--serve", "--interval", "2", "--settle", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=watchers.env(),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while list(store.list_keys(INCOMING_PREFIX)) and time.monotonic() < deadline:
            assert server.poll() is None, server.communicate()[1]
            time.sleep(1)
        digitised = not list(store.list_keys(INCOMING_PREFIX))
        deployment = _deployment(data_dir, "sweep-incoming/sohoa-watch")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            _, stderr = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            _, stderr = server.communicate()
    return Served(watchers, digitised, deployment, stderr)


def _deployment(data_dir: Path, name: str) -> dict[str, Any]:
    settings = make_settings(data_dir)
    state = prefect_server.status(settings)
    assert state is not None
    auth = prefect_server.auth_string(settings)
    path = f"/deployments/name/{name}"
    return prefect_api.call(prefect_server.api_url(state), auth, path)  # type: ignore[no-any-return]


def test_a_served_watcher_digitises_what_arrives(served: Served) -> None:
    assert served.digitised, served.stderr
    assert "incoming/served.jpg: digitised as" in served.stderr


def test_the_served_deployment_runs_one_sweep_at_a_time(served: Served) -> None:
    limit = served.deployment["global_concurrency_limit"]
    options = served.deployment["concurrency_options"]

    assert limit["limit"] == 1
    assert options["collision_strategy"] == "CANCEL_NEW"


def test_the_served_deployment_sweeps_on_an_interval(served: Served) -> None:
    (schedule,) = served.deployment["schedules"]

    assert schedule["schedule"]["interval"] == 2.0


def test_a_foreground_watcher_picks_up_a_dossier_dropped_while_it_watches(
    data_dir: Path, tmp_path: Path
) -> None:
    watchers = Watchers(data_dir, "watch-foreground")
    store = watchers.store()
    watcher = watchers.start("--interval", "1", "--settle", "1", "--json")
    try:
        time.sleep(3)  # watching an empty incoming
        watchers.drop("incoming/dropped-later.jpg", "9", tmp_path)
        deadline = time.monotonic() + 120
        while list(store.list_keys(INCOMING_PREFIX)) and time.monotonic() < deadline:
            assert watcher.poll() is None, watcher.communicate()[1]
            time.sleep(0.5)
    finally:
        os.killpg(watcher.pid, signal.SIGINT)
        try:
            stdout, stderr = watcher.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(watcher.pid, signal.SIGKILL)  # else it would start the store again
            stdout, stderr = watcher.communicate()
            pytest.fail(f"the watcher did not stop on Ctrl+C: {stderr}")

    outcomes = taken((stdout, stderr))
    assert len(outcomes) == 1, stderr
    (outcome,) = outcomes
    assert (outcome["arrival"], outcome["result"]) == ("incoming/dropped-later.jpg", "digitised")
    assert store.exists(manifest_key(outcome["dossier_id"]))
    assert watcher.returncode == 0

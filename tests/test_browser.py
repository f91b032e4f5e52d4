"""A clerk's visit, in a real browser: `sohoa serve` started for real on a data dir with a
digitised sample dossier, and Debian's Chromium (no browser downloads) driven by Playwright.

Screenshots of the search and document pages are saved under ``test-artifacts/`` at the
repository root, or under ``$SOHOA_TEST_ARTIFACTS`` when it is set.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from sohoa.flows import prefect_server, worker
from sohoa.storage import embedded
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

REPO = Path(__file__).parent.parent
SAMPLE = REPO / "samples" / "dossiers" / "dossier-a"
SOHOA = [sys.executable, "-m", "sohoa.cli"]
CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by `make install`
ARTIFACTS = Path(os.environ.get("SOHOA_TEST_ARTIFACTS") or REPO / "test-artifacts")
SERVER_START_SECONDS = 60


@dataclass
class Server:
    url: str
    token: str
    data_dir: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_listening(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "sohoa serve exited"
        try:
            urllib.request.urlopen(url, timeout=2)
        except urllib.error.HTTPError:
            return  # it answers (401: no token)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"sohoa serve did not answer at {url}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("browser-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env["SOHOA_DATA_DIR"] = str(data_dir)
    digitised = subprocess.run(
        [*SOHOA, "digitise", SAMPLE / "scan.pdf", "--dossier-id", "dossier-a"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert digitised.returncode == 0, digitised.stderr
    port = free_port()
    serving = subprocess.Popen(
        [*SOHOA, "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert serving.stderr is not None
        first_line = serving.stderr.readline()
        token = (data_dir / "web-token").read_text().strip()
        assert first_line.rstrip().endswith(f": {token}"), first_line  # shown on the first start
        url = f"http://127.0.0.1:{port}"
        wait_until_listening(url + "/", serving)
        yield Server(url, token, data_dir)
    finally:
        serving.terminate()
        serving.wait(timeout=30)
        settings = make_settings(data_dir)
        worker.stop_all(settings)
        prefect_server.stop(settings)
        embedded.stop(settings)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Chromium's sandbox cannot start as root (containers, CI); elsewhere it stays on.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield launched
        launched.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def test_a_clerk_logs_in_finds_a_person_without_marks_and_opens_the_pdf(
    server: Server, browser: Browser
) -> None:
    page = browser.new_page()
    page.goto(server.url + "/")
    page.fill("input[name=token]", server.token)
    page.click("button[type=submit]")

    page.fill("input[name=q]", "vo thanh thuy")
    page.click("text=Tìm")
    page.wait_for_load_state("load")
    assert page.locator("mark", has_text="Thủy").count() >= 1
    screenshot(page, "search.png")

    page.locator("tbody a").first.click()
    page.wait_for_load_state("load")
    assert "/documents/" in page.url
    assert "Võ Thanh Thủy" in page.content()
    pdf_url = page.locator("iframe").get_attribute("src")
    assert pdf_url is not None
    pdf = page.request.get(server.url + pdf_url)  # the page's cookie, as the iframe sends it
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    screenshot(page, "document.png")

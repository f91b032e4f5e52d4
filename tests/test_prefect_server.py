"""The background local Prefect server, and the client environment that points at it."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import textwrap
import types
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.config import Settings
from sohoa.daemon import AlreadyRunning
from sohoa.flows import prefect_server
from tests import prefect_api
from tests.conftest import make_settings

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_configure_client_env_sets_defaults_the_user_can_override(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "prefect", raising=False)
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "DEBUG")
    monkeypatch.setenv("PREFECT_API_URL", "http://elsewhere/api")

    prefect_server.configure_client_env("http://127.0.0.1:4200/api")

    assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "DEBUG"
    assert os.environ["DO_NOT_TRACK"] == "1"


def test_configure_client_env_refuses_once_prefect_is_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "prefect", types.ModuleType("prefect"))

    with pytest.raises(RuntimeError, match="before prefect is imported"):
        prefect_server.configure_client_env("http://127.0.0.1:4200/api")


@pytest.mark.slow
def test_server_starts_serves_a_quiet_client_is_reused_and_stops(
    sohoa_settings: Settings, tmp_path: Path
) -> None:
    try:
        url = prefect_server.ensure_running(sohoa_settings)
        state = prefect_server.status(sohoa_settings)
        assert state is not None
        assert url == f"http://127.0.0.1:{state.ports['api']}/api"
        with DIRECT.open(f"{url}/health", timeout=5) as health:
            assert health.status == 200
        assert (prefect_server.prefect_dir(sohoa_settings) / "prefect.db").exists()

        # Reused, not restarted.
        assert prefect_server.ensure_running(sohoa_settings) == url
        assert prefect_server.status(sohoa_settings) == state
        with pytest.raises(AlreadyRunning):
            prefect_server.start(sohoa_settings)

        # A client process set up by configure_client_env runs its flow there, quietly.
        auth = prefect_server.auth_string(sohoa_settings)
        client = run_client_flow(url, auth, tmp_path / "client-home")
        assert client.returncode == 0, client.stderr
        assert " INFO " not in client.stderr
        assert prefect_api.call(url, auth, "/flow_runs/count", {}) == 1

        assert prefect_server.stop(sohoa_settings)
        assert prefect_server.status(sohoa_settings) is None
    finally:
        prefect_server.stop(sohoa_settings)


def run_client_flow(
    api_url: str, auth: str, prefect_home: Path
) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(
        f"""
        import os
        from sohoa.flows.prefect_server import configure_client_env
        configure_client_env({api_url!r}, os.environ.pop("TEST_AUTH"))
        from prefect import flow

        @flow
        def hello() -> int:
            return 1

        assert hello() == 1
        """
    )
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "TEST_AUTH": auth}
    env.pop("PREFECT_LOGGING_LEVEL", None)
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def own_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("prefect") / "data")


@pytest.fixture(scope="module")
def server(own_settings: Settings) -> Iterator[str]:
    try:
        yield prefect_server.ensure_running(own_settings)
    finally:
        prefect_server.stop(own_settings)


def answer(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, data=b"{}", headers=headers, method="POST")
    try:
        with DIRECT.open(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


@pytest.mark.slow
def test_server_refuses_requests_without_its_auth_string(server: str) -> None:
    for headers in (
        {},
        {"Authorization": "Basic " + base64.b64encode(b"sohoa:guessed").decode()},
        {"Authorization": "Bearer anything"},
    ):
        status, _ = answer(f"{server}/flow_runs/filter", headers)
        assert status == 401, headers


@pytest.mark.slow
def test_server_lets_no_other_origin_read_its_answers(server: str, own_settings: Settings) -> None:
    auth = base64.b64encode(prefect_server.auth_string(own_settings).encode()).decode()
    for path in ("/flow_runs/filter", "/health"):
        status, headers = answer(
            f"{server}{path}",
            {"Origin": "http://attacker.example", "Authorization": f"Basic {auth}"},
        )
        assert status in (200, 405), path
        assert "access-control-allow-origin" not in {k.lower() for k in headers}, headers


@pytest.mark.slow
def test_auth_string_is_private_and_on_no_command_line(server: str, own_settings: Settings) -> None:
    auth = prefect_server.auth_string(own_settings)
    path = prefect_server.prefect_dir(own_settings) / prefect_server.AUTH_FILE
    state = prefect_server.status(own_settings)
    assert state is not None

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert auth.startswith("sohoa:") and len(auth) > 40
    assert auth.encode() not in Path(f"/proc/{state.pid}/cmdline").read_bytes()
    assert auth not in (prefect_server.prefect_dir(own_settings) / "server.json").read_text()
    assert prefect_server.auth_string(own_settings) == auth  # generated once

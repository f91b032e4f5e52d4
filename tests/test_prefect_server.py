"""The background local Prefect server, and the client environment that points at it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types
import urllib.request
from pathlib import Path

import pytest

from sohoa.config import Settings
from sohoa.daemon import AlreadyRunning
from sohoa.flows import prefect_server

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
        client = run_client_flow(url, tmp_path / "client-home")
        assert client.returncode == 0, client.stderr
        assert " INFO " not in client.stderr
        assert count_flow_runs(url) == 1

        assert prefect_server.stop(sohoa_settings)
        assert prefect_server.status(sohoa_settings) is None
    finally:
        prefect_server.stop(sohoa_settings)


def run_client_flow(api_url: str, prefect_home: Path) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(
        f"""
        from sohoa.flows.prefect_server import configure_client_env
        configure_client_env({api_url!r})
        from prefect import flow

        @flow
        def hello() -> int:
            return 1

        assert hello() == 1
        """
    )
    env = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    env.pop("PREFECT_LOGGING_LEVEL", None)
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )


def count_flow_runs(api_url: str) -> int:
    request = urllib.request.Request(
        f"{api_url}/flow_runs/count",
        data=json.dumps({}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with DIRECT.open(request, timeout=5) as response:
        return int(json.loads(response.read()))

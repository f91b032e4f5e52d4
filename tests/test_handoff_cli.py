"""`sohoa tokens`, `sohoa webhooks`, `sohoa audit` and `sohoa export` as commands, in a
subprocess each, on a data dir of their own (no storage needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SOHOA = [sys.executable, "-m", "sohoa.cli"]
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env["SOHOA_DATA_DIR"] = str(tmp_path / "data")

    def sohoa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*SOHOA, *args], capture_output=True, text=True, env=env, timeout=120)

    return sohoa


def test_a_new_token_is_alone_on_the_last_line_and_never_listed(run: Run) -> None:
    added = run("tokens", "add", "portal", "--role", "read")
    assert added.returncode == 0
    token = added.stdout.splitlines()[-1]
    assert added.stdout == token + "\n" and len(token) >= 40
    listed = run("tokens", "list", "--json")
    assert [(t["name"], t["role"], t["revoked"]) for t in json.loads(listed.stdout)] == [
        ("portal", "read", None)
    ]
    assert token not in listed.stdout


def test_a_role_that_is_none_of_the_four_is_bad_usage(run: Run) -> None:
    refused = run("tokens", "add", "portal", "--role", "owner")
    assert refused.returncode == 1 and "submit, read, review, admin" in refused.stderr


def test_a_revoked_token_is_listed_as_revoked(run: Run) -> None:
    run("tokens", "add", "portal", "--role", "read")
    assert run("tokens", "revoke", "portal").returncode == 0
    (token,) = json.loads(run("tokens", "list", "--json").stdout)
    assert token["revoked"] is not None
    assert run("tokens", "revoke", "portal").returncode == 1


def test_a_webhook_keeps_its_secret_out_of_sight(run: Run, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("a-long-enough-secret-of-ours\n")
    url = "http://127.0.0.1:9999/hook"
    added = run("webhooks", "add", url, "--secret-file", str(secret), "--events", "dossier.failed")
    assert added.returncode == 0, added.stderr
    listed = run("webhooks", "list", "--json")
    assert [(h["url"], h["events"]) for h in json.loads(listed.stdout)] == [
        (url, ["dossier.failed"])
    ]
    assert "a-long-enough-secret" not in listed.stdout + added.stderr + added.stdout
    assert run("webhooks", "remove", url).returncode == 0
    assert json.loads(run("webhooks", "list", "--json").stdout) == []


def test_a_webhook_for_an_unknown_event_is_bad_usage(run: Run, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("a-long-enough-secret-of-ours")
    added = run(
        "webhooks",
        "add",
        "http://127.0.0.1:9/h",
        "--secret-file",
        str(secret),
        "--events",
        "dossier.eaten",
    )
    assert added.returncode == 1


def test_the_audit_log_starts_empty_and_a_bad_person_id_is_bad_usage(run: Run) -> None:
    assert json.loads(run("audit", "--json").stdout) == []
    assert run("audit", "--person", "123").returncode == 1


def test_export_needs_dossiers_or_a_day(run: Run, tmp_path: Path) -> None:
    assert run("export", "--to", str(tmp_path / "out")).returncode == 1

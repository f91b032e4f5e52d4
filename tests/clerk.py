"""A clerk at the command line: `sohoa` run as a subprocess on a private data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sohoa.flows import prefect_server, worker
from sohoa.pipeline.model import Manifest
from sohoa.storage import embedded
from tests.conftest import make_settings

SOHOA = [sys.executable, "-m", "sohoa.cli"]


@dataclass
class Clerk:
    data_dir: Path

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
        return subprocess.run(
            [*SOHOA, *map(str, args)],
            capture_output=True,
            text=True,
            env={**env, "SOHOA_DATA_DIR": str(self.data_dir)},
            timeout=600,
        )

    def digitise(self, *args: str | Path) -> Manifest:
        """`sohoa digitise ARGS --json`, which must succeed: the committed manifest."""
        done = self.run("digitise", *args, "--json")
        assert done.returncode == 0, done.stderr
        return Manifest.model_validate_json(done.stdout)

    def search(self, *args: str) -> list[dict[str, Any]]:
        done = self.run("search", *args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    def stop_services(self) -> None:
        """Stop what the commands started in the background for this data dir."""
        settings = make_settings(self.data_dir)
        worker.stop_all(settings)
        prefect_server.stop(settings)
        embedded.stop(settings)

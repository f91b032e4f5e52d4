"""The `sohoa` command line: one module per group of commands, each parsing its options,
calling one function and rendering the result (`render`).

Logs and progress go to stderr; `--json` output alone goes to stdout.
"""

from sohoa.cli.main import app, main

__all__ = ["app", "main"]

"""The console entry point: every command registered, and every error turned into its message
and exit code here, in one place (the codes: `sohoa.errors.ExitCode`, docs/design.md)."""

from __future__ import annotations

import sys

from rich.markup import escape
from typer.exceptions import Abort, TyperException

# Each command module registers its commands on `app` as it is imported.
from sohoa.cli import (  # noqa: F401
    digitising,
    finding,
    handoff,
    report,
    review,
    serve,
    services,
    sign,
)
from sohoa.cli.common import app, err
from sohoa.errors import ExitCode, SohoaError


def main() -> None:
    """Console entry point: runs the app and turns errors into the documented exit codes."""
    try:
        code = app(standalone_mode=False)
    except Abort:
        err.print("Interrupted")
        code = ExitCode.INTERRUPTED
    except TyperException as e:
        # A bad option or argument (Typer's click): one line, never a traceback. Without a
        # message, it asked for the help, which Typer has printed.
        if e.format_message().strip():
            _error(_usage_message(e))
        code = ExitCode.USAGE
    except SohoaError as e:
        _error(e.clerk_message)
        code = e.exit_code
    sys.exit(code if isinstance(code, int) else ExitCode.DONE)


def _error(message: str) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True, highlight=False)


def _usage_message(error: TyperException) -> str:
    message = " ".join(error.format_message().split()).replace("Value error, ", "")
    command = getattr(getattr(error, "ctx", None), "command_path", "sohoa")
    return f"{message.rstrip('.')}. See `{command} --help`."

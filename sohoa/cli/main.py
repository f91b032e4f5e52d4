"""The console entry point: every command registered, and every failure turned into its
message and exit code here, in one place.

Exit codes (docs/design.md): 0 done; 1 bad usage; 2 input problem (nothing usable);
3 missing dependency; 4 partial (some inputs quarantined); 5 storage unreachable.
"""

from __future__ import annotations

import sys

import click

# Each command module registers its commands on `app` as it is imported.
from sohoa.cli import digitising, finding, report, serve, services  # noqa: F401
from sohoa.cli.common import EXIT_STORAGE, EXIT_USAGE, Failure, app, err


def main() -> None:
    """Console entry point: runs the app and turns failures into the documented exit codes."""
    from sohoa.daemon import DaemonError

    try:
        code = app(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("Interrupted")
        code = 130
    except click.exceptions.UsageError as e:
        e.show(file=sys.stderr)
        code = EXIT_USAGE
    except Failure as e:
        err.print(f"[red]error:[/red] {e}")
        code = e.code
    except DaemonError as e:
        err.print(f"[red]error:[/red] a background server did not start: {e}")
        code = EXIT_STORAGE
    sys.exit(code if isinstance(code, int) else 0)

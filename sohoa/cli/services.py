"""The background services sohoa starts by itself when needed: `storage`, `prefect`, `worker`."""

from __future__ import annotations

import typer

from sohoa.cli.common import app, err, load_settings

storage_app = typer.Typer(help="The embedded S3 server (used when no SOHOA_S3_ENDPOINT is set).")
prefect_app = typer.Typer(help="The local Prefect server that records sohoa's flow runs.")
worker_app = typer.Typer(help="The background worker that runs sohoa's flows for its commands.")
app.add_typer(storage_app, name="storage")
app.add_typer(prefect_app, name="prefect")
app.add_typer(worker_app, name="worker")


@storage_app.command("start")
def storage_start() -> None:
    """Start the embedded S3 server (it also starts by itself when needed)."""
    from sohoa.storage import embedded

    endpoint = embedded.ensure_running(load_settings())
    err.print(f"Embedded S3 server running at {endpoint.url}")


@storage_app.command("stop")
def storage_stop() -> None:
    """Stop the embedded S3 server."""
    from sohoa.storage import embedded

    stopped = embedded.stop(load_settings())
    err.print("Embedded S3 server stopped" if stopped else "Embedded S3 server was not running")


@storage_app.command("status")
def storage_status() -> None:
    """Say whether the embedded S3 server runs, and where."""
    from sohoa.storage import embedded

    settings = load_settings()
    if not settings.embedded_storage:
        err.print(f"Using the configured endpoint {settings.s3_endpoint}")
        return
    state = embedded.status(settings)
    if state is None:
        err.print("Embedded S3 server: not running (it starts by itself when needed)")
    else:
        endpoint = embedded.ensure_running(settings)
        err.print(
            f"Embedded S3 server: running at {endpoint.url} (pid {state.pid}), "
            f"data in {embedded.s3_dir(settings)}, bucket {settings.s3_bucket}"
        )


@prefect_app.command("start")
def prefect_start() -> None:
    """Start the local Prefect server (it also starts by itself when needed)."""
    from sohoa.flows import prefect_server

    err.print(f"Prefect server running at {prefect_server.ensure_running(load_settings())}")


@prefect_app.command("stop")
def prefect_stop() -> None:
    """Stop the local Prefect server."""
    from sohoa.flows import prefect_server

    stopped = prefect_server.stop(load_settings())
    err.print("Prefect server stopped" if stopped else "Prefect server was not running")


@prefect_app.command("status")
def prefect_status() -> None:
    """Say whether the local Prefect server runs, and where."""
    from sohoa.flows import prefect_server

    state = prefect_server.status(load_settings())
    if state is None:
        err.print("Prefect server: not running (it starts by itself when needed)")
    else:
        err.print(f"Prefect server: running at {prefect_server.api_url(state)} (pid {state.pid})")


@worker_app.command("status")
def worker_status() -> None:
    """Say whether a worker runs for the current configuration."""
    from sohoa.flows import worker

    running = worker.is_running(load_settings())
    err.print(
        "sohoa worker: running" if running else "sohoa worker: not running (starts when needed)"
    )


@worker_app.command("stop")
def worker_stop() -> None:
    """Stop the workers of this data dir (they also stop by themselves after 30 idle minutes)."""
    from sohoa.flows import worker

    err.print(f"Stopped {worker.stop_all(load_settings())} worker(s)")

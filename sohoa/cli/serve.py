"""`serve`: the clerks' search page and JSON API."""

from __future__ import annotations

from typing import Annotated

import typer

from sohoa.cli.common import app, err, load_settings, open_catalogue


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; other than loopback, anyone who can reach it")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 8000,
) -> None:
    """Serve the clerks' search page and JSON API; every request needs the data dir's token."""
    import uvicorn

    from sohoa.flows.serving import background
    from sohoa.storage.objects import ObjectStore
    from sohoa.web.app import create_app
    from sohoa.web.auth import load_or_create_token, token_path

    settings = load_settings()
    token, created = load_or_create_token(settings.data_dir)
    with open_catalogue() as catalogue:
        store = ObjectStore.from_settings(settings)
        web_app = create_app(
            catalogue, store, token, time_zone=settings.time_zone, ocr_lang=settings.ocr_lang
        )
        shown_host = f"[{host}]" if ":" in host else host
        # Unwrapped, so that the token can be copied whole.
        if created:
            # The only time the token is shown; it stays in the data dir for later.
            err.print(
                f"Access token (kept in {token_path(settings.data_dir)}): {token}", soft_wrap=True
            )
        else:
            err.print(f"Access token: in {token_path(settings.data_dir)}", soft_wrap=True)
        err.print(f"Serving http://{shown_host}:{port}/ — Ctrl+C stops", soft_wrap=True)
        # No access log: a `?token=` link would write the token into it.
        with background(settings, web_app, store):
            uvicorn.run(web_app, host=host, port=port, access_log=False, log_level="warning")

"""What `sohoa serve` runs beside the web app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from sohoa.config import Settings
    from sohoa.storage.objects import ObjectStore


@contextmanager
def background(settings: Settings, web_app: FastAPI, store: ObjectStore) -> Iterator[None]:
    """What `sohoa serve` runs beside the web app: the API's uploads digitised on the worker,
    and the outbox's events delivered to the webhooks."""
    from sohoa.flows import events
    from sohoa.flows.uploads import UploadRunner
    from sohoa.storage.catalogue import Catalogue

    catalogue = Catalogue.from_settings(settings)

    def failed(dossier_id: str, error: str) -> None:
        events.dossier_not_digitised(catalogue, dossier_id, error)

    runner = UploadRunner(store, settings, on_failure=failed)
    dispatcher = events.Dispatcher(catalogue)
    web_app.state.on_queued = runner.wake.set
    runner.start()
    dispatcher.start()
    try:
        yield
    finally:
        runner.stop()
        dispatcher.stop()
        catalogue.close()

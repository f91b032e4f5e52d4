"""The watcher's loop: a sweep of incoming every interval until stopped, a sweep that fails
on the object store tried again at the next interval, Ctrl+C finishing the dossier in hand."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

from sohoa.flows import incoming as sweeps
from sohoa.storage.objects import StorageError


def stop_on_signals(on_stopping: Callable[[], None]) -> threading.Event:
    """An event set by the first Ctrl+C (or SIGTERM): the watcher finishes the dossier in hand,
    then stops. A second one stops it at once, leaving that dossier in incoming.

    Not a KeyboardInterrupt at the first: one raised inside a Prefect flow run may be lost, and
    the watcher would go on sweeping."""
    stop = threading.Event()

    def handle(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        on_stopping()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


def watch(
    options: sweeps.Watch,
    *,
    interval: float,
    once: bool,
    stop: threading.Event,
    show: sweeps.OutcomeListener,
    on_error: Callable[[StorageError], None],
) -> None:
    """Sweep until `stop` is set (or once). With `once`, a storage error is raised; otherwise
    it goes to `on_error` and the next sweep tries again."""
    with sweeps.listening(show), sweeps.stoppable(stop):
        while not stop.is_set():
            try:
                sweeps.sweep(options)
            except StorageError as e:
                if once:
                    raise
                on_error(e)
            if once:
                break
            stop.wait(interval)

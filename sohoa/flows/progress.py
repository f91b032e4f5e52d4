"""Progress of long work, reported to whoever listens (the CLI's progress bar).

Pages are read in worker threads of the same process, so a plain callback is enough; the flow
never takes the listener as a parameter (Prefect would try to serialise it).
"""

from __future__ import annotations

from typing import Protocol


class ProgressListener(Protocol):
    def pages_total(self, count: int) -> None: ...

    def page_done(self) -> None: ...


_listener: ProgressListener | None = None


def listen(listener: ProgressListener | None) -> None:
    global _listener
    _listener = listener


def pages_total(count: int) -> None:
    if _listener is not None:
        _listener.pages_total(count)


def page_done() -> None:
    if _listener is not None:
        _listener.page_done()

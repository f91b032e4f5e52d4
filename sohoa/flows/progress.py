"""Progress of long work, reported to whoever listens (the CLI's progress bar, through the worker).

The listener belongs to the job being run (a context variable), never to the flow's parameters:
Prefect would try to serialise it. Threads started for a job see it only when handed
`current()` explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

T = TypeVar("T")


class ProgressListener(Protocol):
    def pages_total(self, count: int) -> None: ...

    def page_done(self) -> None: ...


class _Silent:
    def pages_total(self, count: int) -> None:
        pass

    def page_done(self) -> None:
        pass


_SILENT = _Silent()
_listener: ContextVar[ProgressListener] = ContextVar("sohoa_progress", default=_SILENT)


def current() -> ProgressListener:
    return _listener.get()


@contextmanager
def scoped(variable: ContextVar[T], value: T) -> Iterator[None]:
    """`variable` set to `value` for the work done in this context, then as it was."""
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)


def listening(listener: ProgressListener) -> AbstractContextManager[None]:
    return scoped(_listener, listener)

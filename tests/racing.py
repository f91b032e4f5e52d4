"""Racing threads: many attempts at once, released together, to show only one can win."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def race(racers: int, attempt: Callable[[int], T | None]) -> list[tuple[int, T]]:
    """Run `attempt(i)` for i in range(racers) in as many threads, all started at one barrier;
    the racers whose attempt returned something, with what it returned."""
    start = threading.Barrier(racers)
    won: list[tuple[int, T]] = []

    def run(i: int) -> None:
        start.wait()
        result = attempt(i)
        if result is not None:
            won.append((i, result))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won

"""Memo tables that every worker thread reads in hot paths.

On a free-threaded build a lookup in a dict shared by all workers contends: a key that is
not a ``str`` (a ``Tag``, a ``Target``, a type) takes the dict's lock (a quarter of the CPU
time of a top-1,000 status run on 3.13t was spent spinning in ``sched_yield``), and even
``str``-keyed lookups ran 20x slower on two threads than on one. There each thread gets its
own copy. With the GIL, threads never run at once, and one shared table is filled once
instead of once per thread (per-thread tables made 16 threads 1.7x slower on 3.11).
"""

from __future__ import annotations

import sys
import threading
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: Whether worker threads run Python code in parallel (decided once, at import).
FREE_THREADED = not getattr(sys, "_is_gil_enabled", lambda: True)()


class Tables:
    """Named memo tables; ``put`` empties a table when it is full (a long run's memory
    stays flat)."""

    LIMIT = 20_000

    def put(self, table: dict[K, V], key: K, value: V) -> V:
        if len(table) >= self.LIMIT:
            table.clear()
        table[key] = value
        return value


T = TypeVar("T", bound=Tables)


def per_thread(cls: type[T]) -> T:
    """One instance of ``cls`` per thread on a free-threaded build, else one for all."""
    if FREE_THREADED:
        local_cls = type(f"Local{cls.__name__}", (cls, threading.local), {})
        return local_cls()  # type: ignore[no-any-return]
    return cls()

"""Memo tables that every worker thread reads in hot paths: one copy per thread.

Why: on a free-threaded build a lookup in a dict shared by all workers contends: a key
that is not a ``str`` (a ``Tag``, a ``Target``, a type) takes the dict's lock (a quarter of
the CPU time of a top-1,000 status run on 3.13t was spent spinning in ``sched_yield``), and
even ``str``-keyed lookups ran 20x slower on two threads than on one. A copy per thread
costs a little memory and never waits.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class PerThreadDict(threading.local, Generic[K, V]):
    """``.table`` is this thread's own dict."""

    def __init__(self) -> None:
        self.table: dict[K, V] = {}

"""Which thread and iteration the current code runs in (thread-local).

The runner sets it before each call so that fixtures and tests can ask for
``thread_index`` / ``iteration_index`` without being handed them.
"""

from __future__ import annotations

import threading

_local = threading.local()


def set_current(thread_index: int, iteration_index: int) -> None:
    _local.indices = (thread_index, iteration_index)


def current() -> tuple[int, int]:
    """(thread_index, iteration_index) of the calling stress thread; (0, 0) elsewhere."""
    return getattr(_local, "indices", (0, 0))

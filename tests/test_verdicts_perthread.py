"""Memo tables: one per thread where threads run at once, one shared under the GIL."""

from __future__ import annotations

import sys
import threading

from gilfree.verdicts import perthread
from gilfree.verdicts.perthread import Tables, per_thread


class _Memo(Tables):
    LIMIT = 3

    def __init__(self) -> None:
        self.table: dict[str, int] = {}


def _tables_seen_by_two_threads(memo: _Memo) -> list[dict[str, int]]:
    seen: list[dict[str, int]] = []
    barrier = threading.Barrier(2)  # both alive at once: a finished thread's id may be reused

    def look() -> None:
        seen.append(memo.table)
        barrier.wait()

    threads = [threading.Thread(target=look) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen


def test_the_build_decides() -> None:
    assert perthread.FREE_THREADED == (not getattr(sys, "_is_gil_enabled", lambda: True)())


def test_each_thread_has_its_own_table_only_when_free_threaded() -> None:
    memo = per_thread(_Memo)
    memo.put(memo.table, "main", 1)
    a, b = _tables_seen_by_two_threads(memo)
    if perthread.FREE_THREADED:
        assert a is not b and a == b == {}  # each filled on its own, no lock shared
        assert memo.table == {"main": 1}
    else:
        assert a is b is memo.table and a == {"main": 1}


def test_a_full_table_is_emptied_before_the_next_entry() -> None:
    memo = per_thread(_Memo)
    for i in range(3):
        assert memo.put(memo.table, f"k{i}", i) == i
    assert len(memo.table) == 3
    memo.put(memo.table, "k3", 3)
    assert memo.table == {"k3": 3}

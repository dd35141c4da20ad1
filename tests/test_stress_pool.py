"""The pooled worker threads: reused across runs, fresh context per job, hung ones retired."""

from __future__ import annotations

import contextvars
import os
import sys
import threading

import pytest

from gilfree.stress import current, run_threaded
from gilfree.stress.pool import WorkerPool

FLAG: contextvars.ContextVar[str] = contextvars.ContextVar("FLAG", default="unset")


def _thread_of_each_call(threads: int, iterations: int = 2) -> set[int]:
    seen: set[int] = set()
    lock = threading.Lock()

    def record() -> None:
        with lock:
            seen.add(threading.get_ident())

    run_threaded(record, threads=threads, iterations=iterations)
    return seen


def test_runs_reuse_the_same_threads() -> None:
    first = _thread_of_each_call(4)
    assert len(first) == 4
    assert _thread_of_each_call(4) == first
    assert _thread_of_each_call(2) <= first


def test_threads_are_named_by_index_while_they_run() -> None:
    names: dict[int, str] = {}
    lock = threading.Lock()

    def record() -> None:
        with lock:
            names[current()[0]] = threading.current_thread().name

    run_threaded(record, threads=3, iterations=1)
    assert names == {0: "gilfree-0", 1: "gilfree-1", 2: "gilfree-2"}


def test_each_job_starts_in_a_fresh_context_like_a_new_thread() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def set_and_read() -> None:
        with lock:
            seen.append(FLAG.get())
        FLAG.set("left behind by an earlier job")

    token = FLAG.set("submitter")
    try:
        run_threaded(set_and_read, threads=2, iterations=1)
        run_threaded(set_and_read, threads=2, iterations=1)
    finally:
        FLAG.reset(token)
    expected = "submitter" if getattr(sys.flags, "thread_inherit_context", False) else "unset"
    assert seen == [expected] * 4


def test_nested_runs_get_their_own_workers() -> None:
    """A nested run never borrows a worker that is busy in the enclosing run (a worker
    that already finished its part there is idle, and fair game)."""
    outer_threads: set[int] = set()
    busy: set[int] = set()  # outer workers inside outer() right now
    clashes: list[int] = []
    inner_calls: list[int] = []
    lock = threading.Lock()

    def inner() -> None:
        me = threading.get_ident()
        with lock:
            inner_calls.append(me)
            if me in busy:
                clashes.append(me)

    def outer() -> None:
        me = threading.get_ident()
        with lock:
            outer_threads.add(me)
            busy.add(me)
        try:
            run_threaded(inner, threads=2, iterations=1)
        finally:
            with lock:
                busy.discard(me)

    run_threaded(outer, threads=2, iterations=2)
    assert len(outer_threads) == 2 and len(inner_calls) == 8 and clashes == []


def test_a_hung_worker_is_retired_and_never_handed_out_again() -> None:
    pool = WorkerPool()
    release, started, done = threading.Event(), threading.Event(), threading.Event()
    (stuck,) = pool.acquire(1)
    stuck.submit(lambda: (started.set(), release.wait()), done.set, "gilfree-0")
    assert started.wait(10)
    pool.retire(stuck)
    (other,) = pool.acquire(1)
    assert other is not stuck
    release.set()
    assert done.wait(10)
    stuck.thread.join(10)
    assert not stuck.thread.is_alive()  # a retired worker ends once its job returns
    pool.retire(other)
    other.stop()


def test_a_job_that_raises_leaves_the_worker_usable() -> None:
    pool = WorkerPool()
    done = threading.Event()
    (worker,) = pool.acquire(1)
    worker.submit(lambda: 1 / 0, done.set, "gilfree-0")
    assert done.wait(10)
    assert pool.acquire(1) == [worker]
    ran = threading.Event()
    worker.submit(ran.set, lambda: None, "gilfree-0")
    assert ran.wait(10)
    pool.stop_idle()
    assert not worker.thread.is_alive()


@pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="POSIX fork hooks")
def test_idle_workers_are_stopped_before_a_fork_and_the_child_has_its_own() -> None:
    run_threaded(lambda: None, threads=3, iterations=1)
    assert any(thread.name == "gilfree-idle" for thread in threading.enumerate())
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ok = False
        try:
            ok = run_threaded(lambda: None, threads=2, iterations=2, timeout=10, check=False).ok
        finally:
            os._exit(0 if ok else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert not any(thread.name == "gilfree-idle" for thread in threading.enumerate())
    assert run_threaded(lambda: None, threads=3, iterations=1).ok  # the pool grows again

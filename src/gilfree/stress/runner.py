"""Run one piece of work in N threads × M iterations, started together, with a deadline.

The threads are the session's pooled workers (:mod:`.pool`), not new ones. Everything
any thread raises is recorded (nothing is lost to ``threading.excepthook``); threads
still running at the deadline are abandoned (retired from the pool) after their stacks
are captured, so one deadlock cannot stop the session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from .barrier import BarrierAborted, SpinBarrier
from .context import set_current
from .pool import POOL
from .stacks import dump_threads

#: ``work(thread_index, iteration_index, start)``; ``start()`` is the point where all
#: threads meet (call it right before the code under test); if ``work`` never calls it,
#: the runner does so before ``work`` ends, so the others are never left waiting.
Work = Callable[[int, int, Callable[[], None]], object]

#: How long the supervisor waits, after the deadline, for threads that were only
#: blocked on the barrier to notice the abort and leave.
_ABORT_GRACE = 0.5


@dataclass(frozen=True)
class Raised:
    """One exception raised by one (thread, iteration)."""

    thread: int
    iteration: int
    error: BaseException


@dataclass
class RawRun:
    threads: int
    iterations: int
    completed: int = 0
    raised: list[Raised] = field(default_factory=list)
    hung_threads: list[int] = field(default_factory=list)
    stacks: str | None = None
    duration: float = 0.0

    @property
    def hung(self) -> bool:
        return bool(self.hung_threads)


def run_in_threads(
    work: Work,
    *,
    threads: int,
    iterations: int,
    timeout: float | None,
    name: str = "gilfree",
) -> RawRun:
    """Run ``work`` in ``threads`` threads, ``iterations`` times each; return what happened."""
    if threads < 1 or iterations < 1:
        raise ValueError("threads and iterations must be at least 1")
    run = RawRun(threads=threads, iterations=iterations)
    barrier = SpinBarrier(threads)
    lock = threading.Lock()
    stop = threading.Event()

    finished = [False] * threads
    remaining = [threads]
    all_done = threading.Event()  # one timed wait for the whole run

    def done(thread_index: int) -> None:
        """Called by the pool once the worker of ``thread_index`` is idle again."""
        with lock:
            finished[thread_index] = True
            remaining[0] -= 1
            if not remaining[0]:
                all_done.set()

    def iterate(thread_index: int) -> None:
        for iteration_index in range(iterations):
            if stop.is_set():
                return
            set_current(thread_index, iteration_index)
            met = False

            def start() -> None:
                nonlocal met
                if not met:
                    met = True
                    barrier.wait()

            try:
                work(thread_index, iteration_index, start)
                if not met:
                    start()
            except BarrierAborted:
                return
            except BaseException as exc:  # noqa: BLE001 - every outcome is recorded
                with lock:
                    run.raised.append(Raised(thread_index, iteration_index, exc))
                if not met:
                    try:
                        start()
                    except BarrierAborted:
                        return
            with lock:
                run.completed += 1

    workers = POOL.acquire(threads)
    began = time.perf_counter()
    deadline = None if not timeout else began + timeout
    try:
        for index, worker in enumerate(workers):
            worker.submit(partial(iterate, index), partial(done, index), f"{name}-{index}")
        all_done.wait(None if deadline is None else max(0.0, deadline - time.perf_counter()))
    except BaseException:
        stop.set()
        barrier.abort()
        raise
    finally:
        run.duration = time.perf_counter() - began
    if not all_done.is_set():
        stop.set()
        barrier.abort()
        all_done.wait(_ABORT_GRACE)
        with lock:
            stuck = [index for index, ended in enumerate(finished) if not ended]
        if stuck:
            for index in stuck:
                POOL.retire(workers[index])
            run.stacks = dump_threads([workers[index].thread for index in stuck])
            run.hung_threads = stuck
    with lock:  # abandoned threads may still append later: freeze what we report
        run.raised = list(run.raised)
    return run

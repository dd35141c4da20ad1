"""Long-lived worker threads, reused by every threaded run of the session.

Why not a new thread per run: on a free-threaded build each exiting thread abandons its
mimalloc heap, and every new thread then scans the abandoned segments to reclaim them
(``mi_segment_check_free``). With a few thread exits per test that scan became the
largest single cost of stressing a real suite (20% of the CPU on toolz's). Workers that
never exit abandon nothing.

Each job still starts the way a new ``threading.Thread`` would: in an empty
``contextvars`` context, or a copy of the submitter's where the interpreter makes
threads inherit it (``sys.flags.thread_inherit_context``). A worker that never
finishes its job (a hang) is retired: it is never handed out again and exits if its job
ever returns. Idle workers are stopped before ``os.fork()`` so that a process that was
single-threaded before gilfree stays so when it forks; a forked child starts with an
empty pool.
"""

from __future__ import annotations

import contextvars
import os
import queue
import sys
import threading
from collections.abc import Callable

#: What a worker runs: the job, and what to call once the worker is back in the pool.
_Task = tuple[Callable[[], object], Callable[[], object]]


class Worker:
    """One pooled daemon thread; ``thread`` is what stack dumps and names refer to."""

    def __init__(self, pool: WorkerPool) -> None:
        self._pool = pool
        self._inbox: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self.retired = False
        self.thread = threading.Thread(target=self._serve, name="gilfree-idle", daemon=True)
        self.thread.start()

    def submit(self, job: Callable[[], object], done: Callable[[], object], name: str) -> None:
        """Run ``job`` as thread ``name``; ``done()`` follows once this worker is idle again."""
        self.thread.name = name
        context = contextvars.copy_context() if _inherit_context() else contextvars.Context()
        self._inbox.put((lambda: context.run(job), done))

    def stop(self) -> None:
        self._inbox.put(None)

    def _serve(self) -> None:
        while (task := self._inbox.get()) is not None:
            job, done = task
            try:
                job()
            except BaseException:  # noqa: BLE001, S110 - jobs record their own errors; the worker must live on
                pass
            finally:
                back = self._pool._take_back(self)
                done()
            if not back:
                return


class WorkerPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[Worker] = []

    def acquire(self, count: int) -> list[Worker]:
        """``count`` workers for the caller alone (new ones when too few are idle)."""
        with self._lock:
            taken = self._idle[-count:] if count else []
            del self._idle[len(self._idle) - len(taken):]
        return taken + [Worker(self) for _ in range(count - len(taken))]

    def retire(self, worker: Worker) -> None:
        """Never hand ``worker`` out again: its job is stuck (it exits if that ever ends)."""
        with self._lock:
            worker.retired = True
            if worker in self._idle:  # it finished after all, just now
                self._idle.remove(worker)
                worker.stop()

    def stop_idle(self) -> None:
        """Stop the idle workers and wait for them to end (busy ones are left alone)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
        for worker in idle:
            worker.thread.join()

    def forget_all(self) -> None:
        """In a forked child: the workers are the parent's threads, which do not exist here."""
        self._lock = threading.Lock()
        self._idle = []

    def _take_back(self, worker: Worker) -> bool:
        with self._lock:
            if worker.retired:
                return False
            worker.thread.name = "gilfree-idle"
            self._idle.append(worker)
            return True


def _inherit_context() -> bool:
    return bool(getattr(sys.flags, "thread_inherit_context", False))


#: The process's pool: the plugin and run_threaded share it.
POOL = WorkerPool()

if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=POOL.stop_idle, after_in_child=POOL.forget_all)

"""A bounded pool of worker threads that yields results as they complete.

Not ``concurrent.futures``: its workers are joined at interpreter exit, so a Ctrl-C during
a slow request would hang until the request timed out. These workers are daemon threads;
on Ctrl-C the caller gets ``KeyboardInterrupt`` at once, queued items never start, and
waits between retries end (via the shared ``cancel`` event).

An item may take two steps on two sets of threads (``Then``): e.g. a page is fetched and
judged by the page workers, then its release's metadata is fetched by others. The first
set stays as small as the page concurrency (parsing threads beyond the cores only fight
over them, and each keeps its own memo tables on a free-threaded build), while
latency-bound second steps overlap freely.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, Union

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")

Progress = Callable[[int, int], None]  # (completed, total), called in the caller's thread
_POLL = 0.2  # seconds; how often a blocked caller checks for Ctrl-C (Windows needs this)


@dataclass(frozen=True)
class Then(Generic[A]):
    """A first step's answer when its item needs a second step: that step's argument."""

    arg: A


def bounded_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    cancel: threading.Event,
    progress: Progress | None = None,
    then: Callable[[Any], R] | None = None,
    then_workers: int = 0,
) -> Iterator[tuple[T, Union[R, Exception]]]:
    """Run ``fn`` over ``items`` on at most ``workers`` threads; yield (item, result or error).

    With ``then``, a ``Then(arg)`` returned by ``fn`` is finished by ``then(arg)`` on up to
    ``then_workers`` other threads, and its result is the item's.
    """
    todo = list(items)
    total = len(todo)
    if not total:
        return
    pending: queue.SimpleQueue[T] = queue.SimpleQueue()
    for item in todo:
        pending.put(item)
    second: queue.SimpleQueue[tuple[T, Any]] = queue.SimpleQueue()
    done: queue.SimpleQueue[tuple[T, Union[R, BaseException]]] = queue.SimpleQueue()
    stop = threading.Event()

    def run(step: Callable[[Any], Any], arg: Any) -> Any:
        try:
            return step(arg)
        except BaseException as exc:  # handed to the caller, who decides
            return exc

    def work() -> None:
        while not stop.is_set():
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            outcome = run(fn, item)
            if then is not None and isinstance(outcome, Then):
                second.put((item, outcome.arg))
            else:
                done.put((item, outcome))

    def work_then() -> None:
        assert then is not None
        while not stop.is_set():
            try:
                item, arg = second.get(timeout=_POLL)
            except queue.Empty:
                continue
            done.put((item, run(then, arg)))

    for n in range(min(max(1, workers), total)):
        threading.Thread(target=work, name=f"gilfree-index-{n}", daemon=True).start()
    if then is not None:
        for n in range(min(max(1, then_workers), total)):
            threading.Thread(target=work_then, name=f"gilfree-then-{n}", daemon=True).start()
    try:
        for completed in range(1, total + 1):
            while True:
                try:
                    item, outcome = done.get(timeout=_POLL)
                    break
                except queue.Empty:
                    continue
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome  # SystemExit and the like are not per-item results
            if progress is not None:
                progress(completed, total)
            yield item, outcome
    except KeyboardInterrupt:
        cancel.set()
        raise
    finally:
        stop.set()

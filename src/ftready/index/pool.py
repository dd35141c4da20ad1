"""A bounded pool of worker threads that yields results as they complete.

Not ``concurrent.futures``: its workers are joined at interpreter exit, so a Ctrl-C during
a slow request would hang until the request timed out. These workers are daemon threads;
on Ctrl-C the caller gets ``KeyboardInterrupt`` at once, queued items never start, and
waits between retries end (via the shared ``cancel`` event).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar, Union

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int, int], None]  # (completed, total), called in the caller's thread
_POLL = 0.2  # seconds; how often a blocked caller checks for Ctrl-C (Windows needs this)


def bounded_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    cancel: threading.Event,
    progress: Progress | None = None,
) -> Iterator[tuple[T, Union[R, Exception]]]:
    """Run ``fn`` over ``items`` on at most ``workers`` threads; yield (item, result or error)."""
    todo = list(items)
    total = len(todo)
    if not total:
        return
    pending: queue.SimpleQueue[T] = queue.SimpleQueue()
    for item in todo:
        pending.put(item)
    done: queue.SimpleQueue[tuple[T, Union[R, BaseException]]] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            try:
                outcome: Union[R, BaseException] = fn(item)
            except BaseException as exc:  # handed to the caller, who decides
                outcome = exc
            done.put((item, outcome))

    for n in range(min(max(1, workers), total)):
        threading.Thread(target=work, name=f"ftready-index-{n}", daemon=True).start()
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

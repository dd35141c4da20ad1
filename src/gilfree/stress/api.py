"""``run_threaded``: the stress engine as a plain function, for explicit regression tests.

    from gilfree.stress import run_threaded
    def test_cache_is_thread_safe():
        cache = Cache()
        run_threaded(lambda: cache.get_or_set("k", object), threads=8, iterations=200)
"""

from __future__ import annotations

from collections.abc import Callable

from .outcome import Outcome, summarize
from .runner import run_in_threads


class ThreadedFailure(AssertionError):
    """Some threads failed or hung; ``result`` holds every count and distinct error.

    An AssertionError so that test runners report a failure, not an error.
    """

    def __init__(self, result: Outcome) -> None:
        super().__init__(result.render())
        self.result = result


def run_threaded(
    fn: Callable[[], object],
    threads: int = 8,
    iterations: int = 10,
    timeout: float | None = 60.0,
    *,
    check: bool = True,
) -> Outcome:
    """Call ``fn()`` in ``threads`` threads released together, ``iterations`` times each.

    Inside ``fn``, :func:`gilfree.stress.current` tells (thread_index, iteration_index).
    Returns the :class:`Outcome`; with ``check`` (default) raises :class:`ThreadedFailure`
    if any call failed or the threads did not finish within ``timeout`` seconds.
    """

    def work(_thread: int, _iteration: int, start: Callable[[], None]) -> None:
        start()
        fn()

    outcome = summarize(run_in_threads(work, threads=threads, iterations=iterations, timeout=timeout))
    interrupts = outcome.special.get("interrupt")
    if interrupts:
        raise interrupts[0].error
    if check and not outcome.ok:
        raise ThreadedFailure(outcome)
    return outcome

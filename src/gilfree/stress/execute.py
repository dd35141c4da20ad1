"""Run one test item under stress: alone first (watched), then in N threads × M iterations.

The lone run tells failures that have nothing to do with threads ("fails when run
alone") from races, and lets :mod:`.statewatch` see process-wide changes that make
the test unfit for threads (it then stays single-threaded, with the reason).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from _pytest.outcomes import Exit, Skipped, XFailed

from .config import StressConfig
from .fixtures import ThreadFixtures
from .outcome import Outcome, summarize
from .runner import run_in_threads
from .statewatch import StateWatch


class StressFailure(AssertionError):
    """The test failed or hung under stress; ``text`` is what the report shows."""

    def __init__(self, text: str, details: dict[str, Any]) -> None:
        super().__init__(text)
        self.text = text
        self.details = details


def classify(error: BaseException) -> str:
    """pytest outcomes raised inside a thread keep their meaning."""
    if isinstance(error, (Exit, KeyboardInterrupt, SystemExit)):
        return "interrupt"
    if isinstance(error, Skipped):
        return "skipped"
    if isinstance(error, XFailed):
        return "xfailed"
    return "failed"  # pytest.fail() included: a failure, not an error


def item_work(item: pytest.Function) -> Callable[[int, int, Callable[[], None]], None]:
    """One (thread, iteration): own fixtures, meet the others, call the test, tear down."""

    def work(_thread: int, _iteration: int, start: Callable[[], None]) -> None:
        fixtures = ThreadFixtures(item)
        error: BaseException | None = None
        try:
            function = fixtures.test_function()
            arguments = fixtures.test_arguments()
            start()
            function(**arguments)
        except BaseException as exc:  # noqa: BLE001 - re-raised after teardown
            error = exc
        try:
            fixtures.teardown()
        except BaseException:
            if error is None:
                raise
        if error is not None:
            raise error

    return work


def run_stress(
    item: pytest.Function,
    *,
    threads: int,
    settings: StressConfig,
    round_index: int,
    watch: StateWatch,
) -> dict[str, Any]:
    """Details for the report; raises StressFailure, or a pytest outcome (skip, xfail)."""
    work = item_work(item)
    before = watch.start()
    try:
        alone = summarize(run_in_threads(work, threads=1, iterations=1, timeout=settings.timeout), classify)
    finally:
        changes = watch.stop(before)
    _raise_outcomes(alone)
    if not alone.ok:
        details = {"mode": "single", "reason": "fails when run alone (not a race)", "hung": alone.hung,
                   "stress": alone.to_json()}
        raise StressFailure("fails when run alone, before any threading (not a race):\n" + alone.render(), details)
    if changes:
        return {"mode": "single", "reason": "changes process-wide state: " + "; ".join(changes)}

    interval = settings.switch_interval(item.nodeid, round_index)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    try:
        outcome = summarize(
            run_in_threads(work, threads=threads, iterations=settings.iterations, timeout=settings.timeout),
            classify,
        )
    finally:
        sys.setswitchinterval(previous)
    details = {"mode": "threaded", "reason": None, "switch_interval": interval, "hung": outcome.hung,
               "stress": outcome.to_json()}
    _raise_outcomes(outcome)
    if not outcome.ok:
        raise StressFailure(outcome.render(), details)
    return details


def _raise_outcomes(outcome: Outcome) -> None:
    """Interrupts always propagate; a skip or xfail counts only if every run agreed."""
    if outcome.special.get("interrupt"):
        raise outcome.special["interrupt"][0].error
    if outcome.failed_runs or outcome.hung:
        return
    for kind in ("skipped", "xfailed"):
        raised = outcome.special.get(kind, [])
        if raised and len(raised) == outcome.completed:
            raise raised[0].error

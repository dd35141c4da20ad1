"""The thread engine and run_threaded: counting, grouping, barriers, hangs."""

from __future__ import annotations

import threading

import pytest

from gilfree.stress import ThreadedFailure, current, run_threaded
from gilfree.stress.barrier import BarrierAborted, SpinBarrier
from gilfree.stress.outcome import summarize
from gilfree.stress.runner import run_in_threads


def test_every_call_runs_and_is_counted() -> None:
    lock = threading.Lock()
    calls: list[tuple[int, int]] = []

    def record() -> None:
        with lock:
            calls.append(current())

    result = run_threaded(record, threads=6, iterations=7)
    assert result.ok and result.completed == 42 and result.planned == 42
    assert sorted(calls) == [(t, i) for t in range(6) for i in range(7)]
    assert "passed in all 6 threads × 7 iterations" in result.headline()


def test_threads_are_released_together_every_iteration() -> None:
    """After the barrier of iteration i, every thread has arrived at iteration i."""
    threads, iterations = 5, 20
    lock = threading.Lock()
    arrived = [0]
    early: list[tuple[int, int]] = []

    def work(thread: int, iteration: int, start) -> None:
        with lock:
            arrived[0] += 1
        start()
        with lock:
            if arrived[0] < threads * (iteration + 1):
                early.append((thread, iteration))

    raw = run_in_threads(work, threads=threads, iterations=iterations, timeout=30)
    assert raw.completed == threads * iterations and not raw.raised
    assert early == []


def test_failures_are_counted_over_all_threads_and_grouped() -> None:
    def flaky() -> None:
        thread, iteration = current()
        if thread % 2:
            raise ValueError(f"odd thread {thread} iteration {iteration}")
        if iteration == 0:
            raise KeyError("first iteration")

    with pytest.raises(ThreadedFailure) as info:
        run_threaded(flaky, threads=4, iterations=5)
    result = info.value.result
    assert isinstance(info.value, AssertionError)  # a failure, not an error
    assert result.failed_runs == 2 * 5 + 2  # odd threads always, even threads once
    assert result.failed_threads == (0, 1, 2, 3)
    assert [(e.type_name, e.count, e.threads) for e in result.errors] == [
        ("ValueError", 10, (1, 3)),
        ("KeyError", 2, (0, 2)),
    ]
    assert result.errors[0].messages_differ and not result.errors[1].messages_differ
    text = str(info.value)
    assert text.startswith("failed in 4 of 4 threads × 5 iterations (12 of 20 runs failed)")
    assert text.count("--- distinct error") == 2
    assert "raise ValueError" in text and "gilfree/stress" not in text  # our frames are hidden


def test_check_false_returns_the_failed_result() -> None:
    result = run_threaded(lambda: 1 / 0, threads=2, iterations=3, check=False)
    assert not result.ok and result.failed_runs == 6
    assert result.errors[0].type_name == "ZeroDivisionError"


def test_a_hang_is_reported_with_stacks_and_abandoned() -> None:
    release = threading.Event()

    def stuck_in_thread_one() -> None:
        if current()[0] == 1:
            release.wait()

    try:
        with pytest.raises(ThreadedFailure) as info:
            run_threaded(stuck_in_thread_one, threads=3, iterations=2, timeout=0.5)
        result = info.value.result
        assert result.hung and result.hung_threads == (1,)
        assert result.stacks is not None and "stuck_in_thread_one" in result.stacks
        assert "release.wait()" in result.stacks
        assert "hung: 1 of 3 threads still running" in str(info.value)
    finally:
        release.set()


def test_interrupts_in_threads_propagate() -> None:
    def stop() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_threaded(stop, threads=2, iterations=1)


def test_an_aborted_barrier_releases_waiters() -> None:
    barrier = SpinBarrier(3)
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            barrier.wait()
        except BarrierAborted as exc:
            errors.append(exc)

    waiters = [threading.Thread(target=wait) for _ in range(2)]
    for waiter in waiters:
        waiter.start()
    barrier.abort()
    for waiter in waiters:
        waiter.join(5)
    assert len(errors) == 2


def test_summarize_keeps_non_failures_apart() -> None:
    class Skip(Exception):
        pass

    def work(thread: int, iteration: int, start) -> None:
        start()
        raise Skip

    raw = run_in_threads(work, threads=2, iterations=2, timeout=10)
    outcome = summarize(raw, lambda error: "skipped" if isinstance(error, Skip) else "failed")
    assert outcome.ok and outcome.failed_runs == 0 and len(outcome.special["skipped"]) == 4

"""IndexClient.map / pool.bounded_map: results as completed, bounded, Ctrl-C safe."""

from __future__ import annotations

import _thread
import dataclasses
import threading
import time

import pytest

from gilfree.errors import ProjectNotFound
from gilfree.index import IndexClient
from gilfree.index.pool import Then, bounded_map

NAMES = ["numpy", "pyyaml", "requests", "ruff", "six", "cffi", "pydantic-core", "markupsafe", "msgpack",
         "cereggii", "pytz"]


def test_map_yields_every_item_once_with_results_or_errors(index_config) -> None:
    seen = {}
    progress = []
    with IndexClient(index_config) as client:
        for name, outcome in client.map(client.project_files, [*NAMES, "gilfree-no-such-project-3f9c2a"],
                                        progress=lambda done, total: progress.append((done, total))):
            seen[name] = outcome
    assert set(seen) == {*NAMES, "gilfree-no-such-project-3f9c2a"}
    assert isinstance(seen["gilfree-no-such-project-3f9c2a"], ProjectNotFound)
    assert all(seen[n].name == n for n in NAMES)
    assert progress == [(i, len(NAMES) + 1) for i in range(1, len(NAMES) + 2)]


def test_concurrency_bound_is_respected(test_index, index_config) -> None:
    test_index.latency = 0.1  # long enough for the bound to be reached on a busy machine
    config = dataclasses.replace(index_config, concurrency=3, use_cache=False)
    with IndexClient(config) as client:
        results = list(client.map(client.project_files, NAMES * 2))
    assert all(not isinstance(r, Exception) for _, r in results)
    assert test_index.max_in_flight == 3  # used fully, never exceeded


def test_the_bound_holds_for_callers_with_their_own_threads(test_index, index_config) -> None:
    test_index.latency = 0.1  # long enough for the bound to be reached on a busy machine
    config = dataclasses.replace(index_config, concurrency=2, use_cache=False)
    with IndexClient(config) as client:
        threads = [threading.Thread(target=client.project_files, args=(n,)) for n in NAMES]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert test_index.max_in_flight == 2


def test_ctrl_c_stops_promptly(test_index, index_config) -> None:
    test_index.faults.slow(3.0, times=100)
    config = dataclasses.replace(index_config, concurrency=2, timeout=30.0)
    client = IndexClient(config)
    threading.Timer(0.3, _thread.interrupt_main).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        for _ in client.map(client.project_files, NAMES):
            pass
    assert time.monotonic() - started < 1.5
    assert test_index.max_in_flight <= 2  # queued names never started
    client.close()


def test_ctrl_c_ends_waits_between_retries(test_index, index_config) -> None:
    test_index.faults.status(503, times=100, retry_after="30")
    client = IndexClient(dataclasses.replace(index_config, concurrency=2))
    threading.Timer(0.3, _thread.interrupt_main).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        list(client.map(client.project_files, NAMES))
    assert time.monotonic() - started < 1.5
    assert len(test_index.requests()) <= 2  # waiting workers gave up instead of retrying
    time.sleep(0.3)
    assert len(test_index.requests()) <= 2
    client.close()


def test_leaving_early_stops_queued_work() -> None:
    started = []
    gate = threading.Event()  # held until the caller has left: no timing to race

    def work(n: int) -> int:
        started.append(n)
        if n:
            gate.wait(10)
        return n

    results = bounded_map(work, range(100), workers=2, cancel=threading.Event())
    first = next(results)
    results.close()
    gate.set()
    time.sleep(0.15)  # time enough for a worker that ignored the stop to take more
    assert first == (0, 0)
    assert sorted(started) in ([0, 1], [0, 1, 2]), started


def test_non_exceptions_are_not_swallowed() -> None:
    def work(n: int) -> int:
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        list(bounded_map(work, [1], workers=1, cancel=threading.Event()))


def test_empty_input() -> None:
    assert list(bounded_map(str, [], workers=4, cancel=threading.Event())) == []


def test_a_second_step_runs_on_its_own_threads() -> None:
    """``Then`` hands an item to the second set of threads; other items finish at once,
    and the first set never grows past ``workers``."""
    first_threads: set[str] = set()
    second_threads: set[str] = set()
    lock = threading.Lock()

    def first(n: int) -> int | Then[int]:
        with lock:
            first_threads.add(threading.current_thread().name)
        return Then(n) if n % 2 else n

    def second(n: int) -> int:
        with lock:
            second_threads.add(threading.current_thread().name)
        time.sleep(0.01)
        if n == 7:
            raise ValueError("seven")
        return -n

    results = dict(bounded_map(first, range(20), workers=2, cancel=threading.Event(),
                               then=second, then_workers=3))
    assert sorted(results) == list(range(20))
    assert [results[n] for n in (0, 2, 1, 3)] == [0, 2, -1, -3]
    assert isinstance(results[7], ValueError)
    assert len(first_threads) <= 2 and all(n.startswith("gilfree-index-") for n in first_threads)
    assert 1 <= len(second_threads) <= 3 and all(n.startswith("gilfree-then-") for n in second_threads)


def test_without_a_second_step_then_is_just_a_result() -> None:
    results = dict(bounded_map(Then, [1], workers=1, cancel=threading.Event()))
    assert results == {1: Then(1)}

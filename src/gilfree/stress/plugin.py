"""pytest entry point (``pytest11: gilfree``): options, markers and two fixtures.

Off unless asked: without an ``--ft-*`` option this module only adds options,
markers and the ``thread_index`` / ``iteration_index`` fixtures (both 0), and no
hook of the stress plugin is registered, so normal runs are unchanged.
"""

from __future__ import annotations

import argparse

import pytest

from .config import parse_threads
from .context import current

_ENABLING = ("ft_threads", "ft_iterations", "ft_forever", "ft_duration", "ft_isolate", "ft_worker_channel")

_MARKERS = (
    "ft_thread_unsafe(reason=None): gilfree runs this test in one thread only",
    "thread_unsafe(reason=None): (pytest-run-parallel) run this test in one thread only",
    "parallel_threads(n): (pytest-run-parallel) run this test in n threads; 1 = not in parallel",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gilfree", "gilfree thread-stress testing (free-threaded CPython)")
    group.addoption("--ft-threads", type=parse_threads, default=None, metavar="N|auto",
                    help="run each test in N threads started together (enables gilfree stress)")
    group.addoption("--ft-iterations", type=int, default=None, metavar="M",
                    help="iterations of each test in each thread (default 10)")
    group.addoption("--ft-seed", type=int, default=None, metavar="S",
                    help="seed for the randomized switch intervals; repeats a run's parameters")
    group.addoption("--ft-timeout", type=float, default=60.0, metavar="SECONDS",
                    help="a test running longer is reported as hung, with stacks (default 60; 0 = none)")
    group.addoption("--ft-forever", action="store_true", default=False,
                    help="repeat the selected tests in rounds until one fails (Ctrl-C stops)")
    group.addoption("--ft-duration", type=float, default=None, metavar="SECONDS",
                    help="repeat the selected tests in rounds for this long, or until one fails")
    group.addoption("--ft-report", default=None, metavar="PATH", help="write a JSON report to PATH")
    group.addoption("--ft-isolate", action="store_true", default=False,
                    help="run tests in a worker process restarted after a crash")
    group.addoption("--ft-worker-channel", type=int, default=None, help=argparse.SUPPRESS)
    group.addoption("--ft-round", type=int, default=0, help=argparse.SUPPRESS)
    group.addoption("--ft-report-temporary", action="store_true", default=False, help=argparse.SUPPRESS)
    parser.addini("ft_unsafe_fixtures", "fixtures that keep a test out of gilfree's threads",
                  type="linelist", default=[])
    parser.addini("ft_unsafe_functions", "dotted names of functions that keep a test out of gilfree's threads",
                  type="linelist", default=[])


def stress_requested(config: pytest.Config) -> bool:
    return any(getattr(config.option, name, None) not in (None, False) for name in _ENABLING)


def pytest_configure(config: pytest.Config) -> None:
    for line in _MARKERS:
        config.addinivalue_line("markers", line)
    if not stress_requested(config):
        return
    from .session import StressPlugin

    config.pluginmanager.register(StressPlugin(config), "gilfree-stress")
    if config.option.ft_worker_channel is not None:
        from .worker import WorkerPlugin

        config.pluginmanager.register(WorkerPlugin(config), "gilfree-stress-worker")


@pytest.fixture
def thread_index() -> int:
    """Index of the gilfree thread running this test (0 when not under stress)."""
    return current()[0]


@pytest.fixture
def iteration_index() -> int:
    """Iteration of this test within its thread (0 when not under stress)."""
    return current()[1]

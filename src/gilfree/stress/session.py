"""The stress plugin proper, registered only when an ``--ft-*`` option asks for it."""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Generator
from typing import Any

import pytest

from .config import StressConfig
from .execute import StressFailure, run_stress
from .fixtures import defer_setup
from .gil import FREE_THREADED_BUILD, explain_gil, gil_enabled, loaded_extension_modules
from .report import PROPERTY, Collector, write_json
from .statewatch import StateWatch
from .unsafe import Decision, UnsafeRules

DECISION = pytest.StashKey[Decision]()
DETAILS = pytest.StashKey[dict]()


class StressPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.settings = StressConfig.from_options(config.option)
        self.rules = UnsafeRules.from_config(config)
        self.worker = config.option.ft_worker_channel is not None
        self.round = config.option.ft_round or 0
        self.rounds = 0
        self.collector = Collector()
        self.watch: StateWatch | None = None
        self.started = time.time()
        self.gil_failure: str | None = None
        self._modules_seen: set[str] = set()

    # -- header and collection ------------------------------------------------------
    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        lines = [f"gilfree stress: {self.settings.describe()} (repeat with --ft-seed {self.settings.seed})"]
        if not FREE_THREADED_BUILD:
            lines.append("gilfree: this interpreter is not free-threaded (it has a GIL): "
                         "races are much less likely to show")
        return lines

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            decision = self.rules.decide(item, self.settings.threads)
            if decision.parallel and inspect.iscoroutinefunction(getattr(item, "obj", None)):
                decision = Decision(1, "async test function")
            elif decision.reason is None and not decision.parallel:
                decision = Decision(1, f"--ft-threads {decision.threads}")
            item.stash[DECISION] = decision

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        test_modules = {module.__name__ for item in session.items if (module := getattr(item, "module", None))}
        self.watch = StateWatch([self.config.rootpath], test_modules | _conftest_modules())
        self._modules_seen = set(sys.modules)
        if FREE_THREADED_BUILD and gil_enabled() and not self.config.option.collectonly:
            verdict = explain_gil(loaded_extension_modules())
            pytest.exit(verdict.message(), returncode=pytest.ExitCode.USAGE_ERROR)

    # -- running one test ----------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> object | None:
        item = request._pyfuncitem
        decision = item.stash.get(DECISION, None)
        if decision is None or not decision.parallel:
            return None
        return defer_setup(fixturedef, item, request)

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        decision = pyfuncitem.stash.get(DECISION, None)
        if decision is None or not decision.parallel:
            pyfuncitem.stash[DETAILS] = {"mode": "single", "reason": decision.reason if decision else None}
            return None
        assert self.watch is not None
        pyfuncitem.stash[DETAILS] = {"mode": "threaded", "reason": None}  # until run_stress says more
        try:
            pyfuncitem.stash[DETAILS] = run_stress(
                pyfuncitem, threads=decision.threads, settings=self.settings,
                round_index=self.round, watch=self.watch,
            )
        except StressFailure as failure:
            pyfuncitem.stash[DETAILS] = failure.details
            raise
        return True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        if call.when != "call":
            return
        details = item.stash.get(DETAILS, None)
        if details is None:
            decision = item.stash.get(DECISION, None)
            details = {"mode": "single", "reason": decision.reason if decision else None}
        report.user_properties.append((PROPERTY, details))
        if call.excinfo is not None and isinstance(call.excinfo.value, StressFailure):
            report.longrepr = call.excinfo.value.text

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        if report.when != "call" or not report.failed:
            return None
        for name, value in report.user_properties:
            if name == PROPERTY and isinstance(value, dict):
                if value.get("crashed"):
                    return "failed", "C", "CRASHED"
                if value.get("hung"):
                    return "failed", "H", "HUNG"
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.add(report, self.round)
        if report.when == "teardown" and FREE_THREADED_BUILD and not self.gil_failure and gil_enabled():
            self._gil_turned_on(report.nodeid)

    def _gil_turned_on(self, nodeid: str) -> None:
        new = set(sys.modules) - self._modules_seen
        verdict = explain_gil(loaded_extension_modules(new))
        self.gil_failure = f"while running {nodeid}:\n{verdict.message()}"
        session = getattr(self.config, "_gilfree_session", None)
        if session is not None:
            session.shouldfail = self.gil_failure

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.config._gilfree_session = session  # type: ignore[attr-defined]

    # -- rounds and isolation ------------------------------------------------------
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        if self.worker or (not self.settings.isolate and not self.settings.duration):
            self.rounds = 1
            return None
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} errors during collection")
        if session.config.option.collectonly:
            return True
        from .rounds import run_rounds

        self.rounds = run_rounds(session, self)
        return True

    # -- summary -------------------------------------------------------------------
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from .summary import write_summary

        write_summary(terminalreporter, self)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.settings.report and not self.worker:
            write_json(self.settings.report, self.settings, self.collector, self.started, max(self.rounds, 1))


def _conftest_modules() -> set[str]:
    return {name for name in sys.modules if name == "conftest" or name.endswith(".conftest")}


"""What each test did under stress, gathered from pytest reports, and the JSON report.

Details travel inside ``report.user_properties`` as ``("gilfree", {...})`` so they
survive the trip from an isolated worker process to the controller unchanged.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .. import __version__
from .config import StressConfig
from .gil import FREE_THREADED_BUILD, gil_enabled

SCHEMA = "gilfree.stress/1"
PROPERTY = "gilfree"


def details_of(report: pytest.TestReport) -> dict[str, Any] | None:
    for name, value in report.user_properties:
        if name == PROPERTY and isinstance(value, dict):
            return value
    return None


def outcome_of(report: pytest.TestReport, details: dict[str, Any] | None) -> str:
    """passed / failed / hung / crashed / skipped / xfailed / xpassed / error."""
    if report.when != "call":
        return "skipped" if report.skipped else "error"
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if details and details.get("crashed"):
        return "crashed"
    if details and details.get("hung"):
        return "hung"
    return report.outcome


@dataclass
class TestRecord:
    nodeid: str
    round: int
    outcome: str
    mode: str
    reason: str | None
    duration: float
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        stress = self.details.get("stress")
        return {
            "nodeid": self.nodeid,
            "round": self.round,
            "outcome": self.outcome,
            "mode": self.mode,
            "reason": self.reason,
            "switch_interval": self.details.get("switch_interval"),
            "duration_s": round(self.duration, 4),
            "stress": stress,
            "crash": self.details.get("crash"),
        }


@dataclass
class Collector:
    """Keeps one record per test and round, from whichever report tells the outcome."""

    records: list[TestRecord] = field(default_factory=list)
    _open: dict[tuple[str, int], TestRecord] = field(default_factory=dict)

    def add(self, report: pytest.TestReport, round_index: int) -> None:
        details = details_of(report)
        key = (report.nodeid, round_index)
        record = self._open.get(key)
        if report.when == "call" or (report.when == "setup" and not report.passed):
            record = TestRecord(
                nodeid=report.nodeid,
                round=round_index,
                outcome=outcome_of(report, details),
                mode=(details or {}).get("mode", "single"),
                reason=(details or {}).get("reason"),
                duration=report.duration,
                details=details or {},
            )
            self._open[key] = record
            self.records.append(record)
        elif report.when == "teardown" and record is not None and report.failed and record.outcome == "passed":
            record.outcome = "error"

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.records:
            counts[record.outcome] = counts.get(record.outcome, 0) + 1
        return counts


def write_json(path: str | Path, settings: StressConfig, collector: Collector, started: float, rounds: int) -> None:
    document = {
        "schema": SCHEMA,
        "gilfree_version": __version__,
        "python": {
            "version": platform.python_version(),
            "implementation": sys.implementation.name,
            "executable": sys.executable,
            "free_threaded_build": FREE_THREADED_BUILD,
            "gil_enabled": gil_enabled(),
        },
        "parameters": {
            "threads": settings.threads,
            "iterations": settings.iterations,
            "seed": settings.seed,
            "timeout_s": settings.timeout,
            "duration_s": None if settings.duration in (None, float("inf")) else settings.duration,
            "forever": settings.duration == float("inf"),
            "isolate": settings.isolate,
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": round(time.time() - started, 3),
        "rounds": rounds,
        "summary": collector.counts(),
        "tests": [record.to_json() for record in collector.records],
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

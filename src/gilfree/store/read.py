"""Reading the track database: runs, snapshots, latest statuses, per-package history.

Everything the site shows comes through here, from a read-only connection; nothing in
this module writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..verdicts.model import PackageStatus
from ..verdicts.serialize import from_data
from .db import Store


@dataclass(frozen=True)
class RunInfo:
    """One run (dated snapshot) and how far it got."""

    id: int
    day: str
    status: str  # running, complete, abandoned
    started_at: str
    finished_at: str | None
    source: str
    source_date: str | None
    targets: tuple[str, ...]
    rows: int
    done: int


@dataclass(frozen=True)
class SnapshotRow:
    """One package in one snapshot: rank and compact verdict codes (None: pending)."""

    name: str
    rank: int
    downloads: int | None
    version: str | None
    verdicts: str | None
    classifier: int | None


@dataclass(frozen=True)
class HistoryPoint:
    """A package's state from ``day`` on (only changes are kept)."""

    day: str
    run_id: int
    version: str | None
    verdicts: str
    classifier: int | None


def list_runs(store: Store) -> list[RunInfo]:
    """Every run, oldest first."""
    rows = store.conn.execute(
        "SELECT r.id, r.day, r.status, r.started_at, r.finished_at, r.source, r.source_date,"
        " r.targets, count(s.package_id), count(s.verdicts)"
        " FROM runs r LEFT JOIN snapshot_rows s ON s.run_id = r.id GROUP BY r.id ORDER BY r.id")
    return [RunInfo(id=r[0], day=r[1], status=r[2], started_at=r[3], finished_at=r[4], source=r[5],
                    source_date=r[6], targets=tuple(json.loads(r[7])), rows=r[8], done=r[9])
            for r in rows]


def daily_runs(runs: Iterable[RunInfo]) -> list[RunInfo]:
    """The history series: the last complete run of each day, by day."""
    by_day: dict[str, RunInfo] = {}
    for run in runs:
        if run.status == "complete" and (run.day not in by_day or run.id > by_day[run.day].id):
            by_day[run.day] = run
    return [by_day[d] for d in sorted(by_day)]


def snapshot(store: Store, run_id: int) -> list[SnapshotRow]:
    """A run's rows in rank order."""
    return [SnapshotRow(*row) for row in store.conn.execute(
        "SELECT p.name, s.rank, s.downloads, s.version, s.verdicts, s.classifier"
        " FROM snapshot_rows s JOIN packages p ON p.id = s.package_id"
        " WHERE s.run_id = ? ORDER BY s.rank", (run_id,))]


def status_data(store: Store, names: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Latest serialized statuses (``serialize.to_data`` shape) by package name; their
    ``checked_at`` is the column's (a status is stored once, and re-checked many times)."""
    rows = store.conn.execute("SELECT name, status, checked_at FROM packages WHERE status IS NOT NULL")
    wanted = None if names is None else set(names)
    return {name: {**json.loads(text), "checked_at": checked}
            for name, text, checked in rows if wanted is None or name in wanted}


def load_status(data: dict[str, Any]) -> PackageStatus:
    return from_data(PackageStatus, data)


def history(store: Store, runs: Sequence[RunInfo]) -> dict[str, list[HistoryPoint]]:
    """Per package, the points of ``runs`` where its version, verdicts or classifier changed.

    Runs with different target lists are compared on their codes as recorded; the site
    decodes each point with its own run's targets.
    """
    day_of = {run.id: run.day for run in runs}
    if not day_of:
        return {}
    marks = ",".join("?" * len(day_of))
    out: dict[str, list[HistoryPoint]] = {}
    query = (f"SELECT p.name, s.run_id, s.version, s.verdicts, s.classifier FROM snapshot_rows s"
             f" JOIN packages p ON p.id = s.package_id WHERE s.run_id IN ({marks})"
             f" AND s.verdicts IS NOT NULL ORDER BY s.package_id, s.run_id")
    for name, run_id, version, verdicts, classifier in store.conn.execute(query, list(day_of)):
        points = out.setdefault(name, [])
        last = points[-1] if points else None
        if last is None or (last.version, last.verdicts, last.classifier) != (version, verdicts, classifier):
            points.append(HistoryPoint(day_of[run_id], run_id, version, verdicts, classifier))
    return out


def verdict_counts(store: Store, run_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per run, how many packages have each distinct verdict-code string (for charts)."""
    out: dict[int, dict[str, int]] = {run_id: {} for run_id in run_ids}
    if not out:
        return out
    marks = ",".join("?" * len(out))
    for run_id, verdicts, count in store.conn.execute(
            f"SELECT run_id, verdicts, count(*) FROM snapshot_rows WHERE run_id IN ({marks})"
            f" AND verdicts IS NOT NULL GROUP BY run_id, verdicts", list(out)):
        out[run_id][verdicts] = count
    return out

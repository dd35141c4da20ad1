"""Writing snapshots: open (or resume) a dated run, record statuses in batches, complete it.

A run's rows are all inserted up front with ``verdicts`` NULL (pending); recording a
status fills its row and the package's latest status in the same transaction. So at any
instant the database says exactly which packages of the run are done, a killed run is
resumed by the next one of the same day, and a run is complete only when nothing is
pending. Call these from one thread: the connection is not shared.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from packaging.utils import canonicalize_name

from ..verdicts.model import PackageStatus, Target
from ..verdicts.serialize import to_data
from .codes import encode, encode_data
from .db import Store
from .ranking import Ranking


@dataclass(frozen=True)
class Run:
    """One dated snapshot being written."""

    id: int
    day: str
    targets: tuple[str, ...]
    resumed: bool  # True when this continues a killed run of the same day


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (Ctrl-C included)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def open_run(store: Store, ranking: Ranking, targets: Sequence[Target], day: str | None = None) -> Run:
    """Resume today's unfinished run with the same targets, or start a new one.

    The run's package list becomes ``ranking``: new names are added as pending, names no
    longer ranked are dropped, ranks are refreshed; rows already recorded are kept.
    """
    day = day or today()
    names = [t.name for t in targets]
    with transaction(store.conn) as conn:
        found = conn.execute(
            "SELECT id FROM runs WHERE status = 'running' AND day = ? AND targets = ?"
            " ORDER BY id DESC LIMIT 1", (day, json.dumps(names))).fetchone()
        # Older unfinished runs can no longer be completed as the snapshot of their day.
        conn.execute("UPDATE runs SET status = 'abandoned' WHERE status = 'running' AND id != ?",
                     (found[0] if found else -1,))
        if found:
            run_id = found[0]
            conn.execute("UPDATE runs SET source = ?, source_date = ? WHERE id = ?",
                         (ranking.source, ranking.last_update, run_id))
        else:
            run_id = conn.execute(
                "INSERT INTO runs (day, status, started_at, source, source_date, targets)"
                " VALUES (?, 'running', ?, ?, ?, ?)",
                (day, utc_now(), ranking.source, ranking.last_update, json.dumps(names)),
            ).lastrowid
        _sync_rows(conn, run_id, ranking)
    return Run(int(run_id), day, tuple(names), resumed=found is not None)


def _sync_rows(conn: sqlite3.Connection, run_id: int, ranking: Ranking) -> None:
    conn.executemany("INSERT OR IGNORE INTO packages (name) VALUES (?)",
                     ((p.name,) for p in ranking.packages))
    ids = package_ids(conn)
    wanted = {ids[p.name] for p in ranking.packages}
    present = {row[0] for row in conn.execute(
        "SELECT package_id FROM snapshot_rows WHERE run_id = ?", (run_id,))}
    conn.executemany("DELETE FROM snapshot_rows WHERE run_id = ? AND package_id = ?",
                     ((run_id, pid) for pid in present - wanted))
    conn.executemany(
        "INSERT INTO snapshot_rows (run_id, package_id, rank, downloads) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (run_id, package_id) DO UPDATE SET rank = excluded.rank,"
        " downloads = excluded.downloads",
        ((run_id, ids[p.name], p.rank, p.downloads) for p in ranking.packages))


def package_ids(conn: sqlite3.Connection) -> dict[str, int]:
    return {name: pid for pid, name in conn.execute("SELECT id, name FROM packages")}


def pending(store: Store, run: Run) -> list[str]:
    """Names of the run's packages not recorded yet, in rank order."""
    return [row[0] for row in store.conn.execute(
        "SELECT p.name FROM snapshot_rows r JOIN packages p ON p.id = r.package_id"
        " WHERE r.run_id = ? AND r.verdicts IS NULL ORDER BY r.rank", (run.id,))]


def stable_text(data: dict[str, object]) -> str:
    """A serialized status as stored: canonical JSON without when it was fetched (that is
    the ``checked_at`` column), so equal statuses have equal text."""
    return json.dumps({k: v for k, v in data.items() if k != "checked_at"}, sort_keys=True)


def status_digest(text: str) -> str:
    """The hash of a ``stable_text``: a status changed exactly when this did."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class SnapshotWriter:
    """Buffers results of one run and commits them in batches, each in one transaction.

    A result is either a fresh status (with the project's index serial, if known) or the
    name of a package whose project did not change since its stored status was computed
    (``reuse``). Unchanged statuses (same digest) only touch ``checked_at``, so a re-run
    on an index where nothing changed writes little.
    """

    def __init__(self, store: Store, run: Run, batch_size: int = 200, basis: str = "") -> None:
        self.store = store
        self.run = run
        self.batch_size = batch_size
        self.basis = basis
        self._buffer: list[tuple[PackageStatus | str, str | None]] = []
        self._histories: list[tuple[str, str, str]] = []  # name, basis, PackageHistory JSON
        self._ids = package_ids(store.conn)
        self._digests = {name: digest for name, digest in store.conn.execute(
            "SELECT name, digest FROM packages WHERE digest IS NOT NULL")}
        self.recorded = 0
        self.changed = 0
        self.reused = 0

    def add(self, status: PackageStatus, serial: int | str | None = None,
            history: tuple[str, str] | None = None) -> None:
        """Record a fresh status; ``history`` is (basis, JSON) of its package history,
        written in the same transaction."""
        self._push(status, None if serial is None else str(serial), history)

    def reuse(self, name: str) -> None:
        """Record the stored status of ``name`` again: its project has not changed."""
        self._push(name, None)

    def _push(self, item: PackageStatus | str, serial: str | None,
              history: tuple[str, str] | None = None) -> None:
        self._buffer.append((item, serial))
        if history is not None and not isinstance(item, str):
            self._histories.append((str(canonicalize_name(item.requested)), *history))
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        now = utc_now()
        with transaction(self.store.conn) as conn:
            for item, serial in self._buffer:
                if isinstance(item, str):
                    self._reuse(conn, item, now)
                else:
                    self._record(conn, item, serial, now)
            conn.executemany("INSERT OR REPLACE INTO histories (package_id, basis, data) VALUES (?, ?, ?)",
                             [(self._ids[name], basis, data) for name, basis, data in self._histories
                              if name in self._ids])
        self.recorded += len(self._buffer)
        self._buffer.clear()
        self._histories.clear()

    def _record(self, conn: sqlite3.Connection, status: PackageStatus, serial: str | None,
                now: str) -> None:
        name = str(canonicalize_name(status.requested))
        pid = self._ids.get(name)
        if pid is None:  # not part of this run's ranking: nothing to record it against
            return
        data = to_data(status)
        text = stable_text(data)
        digest = status_digest(text)
        checked = data.get("checked_at") or now
        if self._digests.get(name) == digest:
            conn.execute("UPDATE packages SET checked_at = ?, last_serial = ?, basis = ? WHERE id = ?",
                         (checked, serial, self.basis, pid))
        else:
            conn.execute("UPDATE packages SET status = ?, digest = ?, checked_at = ?, changed_at = ?,"
                         " last_serial = ?, basis = ? WHERE id = ?",
                         (text, digest, checked, now, serial,
                          self.basis, pid))
            self._digests[name] = digest
            self.changed += 1
        self._row(conn, pid, status.version, encode(status.verdicts, self.run.targets),
                  status.classifier.level if status.classifier else None)

    def _reuse(self, conn: sqlite3.Connection, name: str, now: str) -> None:
        pid = self._ids[name]
        text = conn.execute("SELECT status FROM packages WHERE id = ?", (pid,)).fetchone()[0]
        data = json.loads(text)
        conn.execute("UPDATE packages SET checked_at = ? WHERE id = ?", (now, pid))
        classifier = data.get("classifier")
        self._row(conn, pid, data.get("version"), encode_data(data, self.run.targets),
                  classifier.get("level") if isinstance(classifier, dict) else None)
        self.reused += 1

    def _row(self, conn: sqlite3.Connection, pid: int, version: str | None, codes: str,
             classifier: int | None) -> None:
        conn.execute("UPDATE snapshot_rows SET version = ?, verdicts = ?, classifier = ?"
                     " WHERE run_id = ? AND package_id = ?",
                     (version, codes, classifier, self.run.id, pid))


def reusable(store: Store, names: Sequence[str], basis: str) -> dict[str, str]:
    """Of ``names``, those whose stored status was computed on ``basis`` without error,
    mapped to the index serial it was computed from."""
    wanted = set(names)
    return {name: serial for name, serial, error in store.conn.execute(
        "SELECT name, last_serial, json_extract(status, '$.error') FROM packages"
        " WHERE last_serial IS NOT NULL AND basis = ?", (basis,))
        if name in wanted and error is None}


def complete_run(store: Store, run: Run) -> bool:
    """Mark the run complete if nothing is pending; return whether it is complete."""
    with transaction(store.conn) as conn:
        left = conn.execute("SELECT count(*) FROM snapshot_rows WHERE run_id = ?"
                            " AND verdicts IS NULL", (run.id,)).fetchone()[0]
        if left:
            return False
        conn.execute("UPDATE runs SET status = 'complete', finished_at = ? WHERE id = ?",
                     (utc_now(), run.id))
    return True


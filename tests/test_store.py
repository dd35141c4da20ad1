"""The track database: schema migrations, dated snapshots, resume, history, read-only use."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import TRACK_DAYS, make_status, track_statuses

from gilfree.errors import BadInput, IncompleteError
from gilfree.store import read
from gilfree.store.codes import category, decode, encode
from gilfree.store.db import Store
from gilfree.store.ranking import RankedPackage, Ranking
from gilfree.store.runs import SnapshotWriter, complete_run, open_run, pending
from gilfree.store.schema import MIGRATIONS, migrate, user_version
from gilfree.verdicts.model import Verdict
from gilfree.verdicts.targets import default_targets

TARGETS = default_targets()


def ranking_of(*names: str) -> Ranking:
    return Ranking("test", None, tuple(RankedPackage(i + 1, n, 1000 - i) for i, n in enumerate(names)))


# --- schema ------------------------------------------------------------------------------


def test_new_database_is_migrated_and_in_wal_mode(tmp_path: Path):
    path = tmp_path / "sub" / "track.sqlite3"
    with Store.open(path) as store:
        assert user_version(store.conn) == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"packages", "runs", "snapshot_rows"} <= tables
    with Store.open(path) as store:  # reopening applies nothing twice
        assert user_version(store.conn) == len(MIGRATIONS)


def test_migrations_run_in_order_once_each(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
    calls: list[int] = []

    def second(c: sqlite3.Connection) -> None:
        calls.append(2)
        c.execute("ALTER TABLE packages ADD COLUMN homepage TEXT")

    def third(c: sqlite3.Connection) -> None:
        calls.append(3)
        assert "homepage" in {r[1] for r in c.execute("PRAGMA table_info(packages)")}

    assert migrate(conn, (MIGRATIONS[0],)) == 1
    assert migrate(conn, (MIGRATIONS[0], second, third)) == 3
    assert migrate(conn, (MIGRATIONS[0], second, third)) == 3
    assert calls == [2, 3]


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)

    def broken(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        migrate(conn, (MIGRATIONS[0], broken))
    assert user_version(conn) == 1
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchall()


def test_a_newer_schema_is_refused(tmp_path: Path):
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(IncompleteError, match="newer than this gilfree"):
        Store.open(path)


def test_not_a_database(tmp_path: Path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BadInput, match="not a track database"):
        Store.open(path)
    with pytest.raises(BadInput, match="run `gilfree track` first"):
        Store.open_readonly(tmp_path / "absent.sqlite3")


# --- codes -------------------------------------------------------------------------------


def test_codes_round_trip_and_categories():
    names = [t.name for t in TARGETS]
    verdicts = {n: list(Verdict)[i % len(Verdict)] for i, n in enumerate(names)}
    codes = encode(verdicts, names)
    assert len(codes) == len(names) and decode(codes, names) == verdicts
    assert category("FFPB") == "ready" and category("PPP") == "pure"
    assert category("FFS") == "unknown" and category("FSN") == "blocked"
    assert category("FNE") == "error"  # an unreadable index is never reported as blocked
    assert category("---") is None and encode({}, names[:2]) == "--"


# --- snapshots ---------------------------------------------------------------------------


def test_run_records_statuses_and_completes(tmp_path: Path):
    with Store.open(tmp_path / "t.sqlite3") as store:
        run = open_run(store, ranking_of("numpy", "requests"), TARGETS, "2026-11-01")
        assert not run.resumed and pending(store, run) == ["numpy", "requests"]
        writer = SnapshotWriter(store, run, batch_size=1)
        writer.add(make_status("numpy", Verdict.FT_WHEEL, "2.3.0", first_ft="2.1.0", classifier=2))
        assert pending(store, run) == ["requests"]
        assert not complete_run(store, run)  # something is still pending
        writer.add(make_status("requests", Verdict.PURE, "2.32.5"))
        assert complete_run(store, run)
        [info] = read.list_runs(store)
        assert (info.status, info.rows, info.done, info.day) == ("complete", 2, 2, "2026-11-01")
        rows = {r.name: r for r in read.snapshot(store, run.id)}
        assert rows["numpy"].verdicts == "F" * 24 and rows["numpy"].classifier == 2
        assert rows["requests"].verdicts == "P" * 24 and rows["requests"].rank == 2
        data = read.status_data(store)["numpy"]
        assert read.load_status(data) == make_status("numpy", Verdict.FT_WHEEL, "2.3.0", first_ft="2.1.0",
                                                     classifier=2)


def test_unfinished_run_of_the_same_day_is_resumed(tmp_path: Path):
    path = tmp_path / "t.sqlite3"
    with Store.open(path) as store:
        run = open_run(store, ranking_of("a", "b", "c"), TARGETS, "2026-11-01")
        writer = SnapshotWriter(store, run)
        writer.add(make_status("a", Verdict.PURE))
        writer.flush()
        writer.add(make_status("b", Verdict.PURE))  # buffered, never flushed: "killed" here
    with Store.open(path) as store:
        again = open_run(store, ranking_of("a", "b", "c", "d"), TARGETS, "2026-11-01")
        assert again.id == run.id and again.resumed
        assert pending(store, again) == ["b", "c", "d"]  # the new name joins as pending
        shrunk = open_run(store, ranking_of("a", "c"), TARGETS, "2026-11-01")
        assert shrunk.id == run.id and pending(store, shrunk) == ["c"]


def test_an_old_unfinished_run_is_abandoned_not_resumed(tmp_path: Path):
    with Store.open(tmp_path / "t.sqlite3") as store:
        old = open_run(store, ranking_of("a", "b"), TARGETS, "2026-10-31")
        new = open_run(store, ranking_of("a", "b"), TARGETS, "2026-11-01")
        assert new.id != old.id and not new.resumed
        other_targets = open_run(store, ranking_of("a", "b"), TARGETS[:3], "2026-11-01")
        assert other_targets.id != new.id  # different targets: a different snapshot
        statuses = {r.id: r.status for r in read.list_runs(store)}
        assert statuses == {old.id: "abandoned", new.id: "abandoned", other_targets.id: "running"}


def test_unchanged_status_is_not_rewritten(tmp_path: Path):
    with Store.open(tmp_path / "t.sqlite3") as store:
        for day in ("2026-11-01", "2026-11-02"):
            run = open_run(store, ranking_of("a", "b"), TARGETS, day)
            writer = SnapshotWriter(store, run)
            writer.add(make_status("a", Verdict.PURE, "1.0"))
            writer.add(make_status("b", Verdict.PURE, "2.0" if day.endswith("2") else "1.0"))
            writer.flush()
            assert complete_run(store, run)
        assert (writer.recorded, writer.changed) == (2, 1)


def test_history_keeps_changes_of_the_last_complete_run_per_day(tracked_db: Path):
    with Store.open_readonly(tracked_db) as store:
        daily = read.daily_runs(read.list_runs(store))
        assert [r.day for r in daily] == list(TRACK_DAYS)
        history = read.history(store, daily)
        assert [(p.day, p.version) for p in history["numpy"]] == [
            ("2026-09-01", "2.3.0"), ("2026-10-01", "2.3.4"), ("2026-11-01", "2.4.0")]
        assert [p.day for p in history["requests"]] == ["2026-09-01"]  # never changed
        assert history["numpy"][-1].verdicts == "F" * 24
        counts = read.verdict_counts(store, [r.id for r in daily])
        assert all(sum(c.values()) == len(track_statuses(0)) for c in counts.values())


def test_readonly_store_cannot_write(tracked_db: Path):
    with Store.open_readonly(tracked_db) as store, pytest.raises(sqlite3.OperationalError):
        store.conn.execute("DELETE FROM runs")


def test_status_json_is_the_documented_serialization(tracked_db: Path):
    with Store.open_readonly(tracked_db) as store:
        raw = store.conn.execute("SELECT status FROM packages WHERE name = 'broken-index'").fetchone()[0]
    data = json.loads(raw)
    assert data["error"] == "index answered 503 after 4 attempts"
    assert {t["verdict"] for t in data["targets"]} == {"error"}

"""`ftready track` against a local index: snapshots, re-runs, and kill-and-resume.

The index is the synthetic one of tests/resolve_index.py (real HTTP on 127.0.0.1), made
slow enough here that a subprocess can be killed in the middle of a run.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest
from resolve_index import FT313, FT314, GIL, FakeIndex, Release

from ftready.cli import main
from ftready.commands.track import track
from ftready.index.client import IndexClient
from ftready.index.config import IndexConfig
from ftready.store import read
from ftready.store.db import Store
from ftready.store.ranking import load_ranking
from ftready.verdicts.targets import select_targets

TARGETS = select_targets(["3.13t-manylinux_x86_64", "3.14t-manylinux_x86_64", "3.13t-win_amd64"])
KINDS = {  # name prefix -> releases, and the codes expected on TARGETS
    "ftlib": ([Release("1.0", wheels=GIL), Release("2.0", wheels=GIL + FT313 + FT314)], "FFF"),
    "gillib": ([Release("3.1", wheels=GIL)], "NNN"),
    "purelib": ([Release("0.9")], "PPP"),
    "srconly": ([Release("1.0", wheels=(), sdist=True)], "SSS"),
}
N = 60


def world(n: int = N) -> dict[str, list[Release]]:
    kinds = list(KINDS)
    return {f"{kinds[i % 4]}-{i:03d}": KINDS[kinds[i % 4]][0] for i in range(n)}


def expected(name: str) -> str:
    return KINDS[name.rsplit("-", 1)[0]][1]


class TunedIndex(FakeIndex):
    """The synthetic index, answering after ``delay`` seconds and, like PyPI, sending each
    project's serial in ``X-PyPI-Last-Serial`` (from ``serials``, default 1)."""

    delay = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.serials: dict[str, int] = {}

    def _handler(self):
        base = super()._handler()
        index = self

        class Tuned(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:
                time.sleep(index.delay)
                super().do_GET()

            def end_headers(self) -> None:
                name = self.path.rstrip("/").rsplit("/", 1)[-1]
                self.send_header("X-PyPI-Last-Serial", str(index.serials.get(name, 1)))
                super().end_headers()

        return Tuned


class SlowIndex(TunedIndex):
    delay = 0.04


@pytest.fixture
def index() -> Iterator[FakeIndex]:
    with FakeIndex(world()).serve() as served:
        yield served


@pytest.fixture
def names_file(tmp_path: Path) -> Path:
    path = tmp_path / "ranking.txt"
    path.write_text("\n".join(world()) + "\n")
    return path


def client_for(index: FakeIndex, tmp_path: Path) -> IndexClient:
    return IndexClient(IndexConfig(index_url=index.url, json_url=None, cache_dir=tmp_path / "cache",
                                   concurrency=4, retries=0))


def codes_by_name(store: Store, run_id: int) -> dict[str, str | None]:
    return {r.name: r.verdicts for r in read.snapshot(store, run_id)}


def test_track_records_a_complete_snapshot(index: FakeIndex, names_file: Path, tmp_path: Path):
    ranking = load_ranking(names_file)
    with Store.open(tmp_path / "t.sqlite3") as store, client_for(index, tmp_path) as client:
        seen = []
        result = track(client, store, ranking, TARGETS, day="2026-11-01", batch_size=7,
                       progress=seen.append)
        assert result.complete and result.checked == result.ranked == N == len(seen)
        assert result.errors == 0 and result.changed == N
        codes = codes_by_name(store, result.run.id)
        assert codes == {name: expected(name) for name in world()}
        status = read.load_status(read.status_data(store)["ftlib-000"])
        assert status.version == "2.0"
        assert {t.first_ft_version for t in status.targets} == {"2.0"}

        again = track(client, store, ranking, TARGETS, day="2026-11-02")
        assert again.complete and again.run.id != result.run.id and not again.run.resumed
        assert again.changed == 0  # nothing changed on the index: statuses not rewritten
        days = [r.day for r in read.daily_runs(read.list_runs(store))]
        assert days == ["2026-11-01", "2026-11-02"]


def test_unchanged_projects_keep_their_status(names_file: Path, tmp_path: Path):
    ranking = load_ranking(names_file)
    with TunedIndex(world()).serve() as index, Store.open(tmp_path / "t.sqlite3") as store, \
            client_for(index, tmp_path) as client:
        cold = track(client, store, ranking, TARGETS, day="2026-11-01")
        assert (cold.checked, cold.reused) == (N, 0)
        index.requests.clear()
        warm = track(client, store, ranking, TARGETS, day="2026-11-02")
        assert (warm.checked, warm.reused, warm.changed) == (N, N, 0) and warm.complete
        assert sorted(index.requests) == sorted(f"/simple/{n}/" for n in world())  # one page each
        index.serials["gillib-001"] = 2  # a new upload
        index.requests.clear()
        third = track(client, store, ranking, TARGETS, day="2026-11-03")
        assert (third.checked, third.reused) == (N, N - 1)
        twice = {p for p in index.requests if index.requests.count(p) == 2}
        assert twice == {"/simple/gillib-001/"}  # read again to be judged again
        for run in (warm.run, third.run):
            assert codes_by_name(store, run.id) == {name: expected(name) for name in world()}
        other = track(client, store, ranking, TARGETS[:2], day="2026-11-03")
        assert other.reused == 0  # other targets: stored statuses do not apply


def test_an_unreachable_index_is_recorded_as_error(tmp_path: Path, names_file: Path):
    config = IndexConfig(index_url="http://127.0.0.1:9/simple/", json_url=None,
                         cache_dir=tmp_path / "cache", retries=0, timeout=2)
    ranking = load_ranking(names_file, top=3)
    with Store.open(tmp_path / "t.sqlite3") as store, IndexClient(config) as client:
        result = track(client, store, ranking, TARGETS, day="2026-11-01")
        assert result.complete and result.errors == 3
        assert set(codes_by_name(store, result.run.id).values()) == {"EEE"}


def test_track_cli_prints_a_summary(index: FakeIndex, names_file: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]):
    db = tmp_path / "cli.sqlite3"
    args = ["track", "--packages", str(names_file), "--top", "8", "--db", str(db),
            "--index-url", index.url, "--cache-dir", str(tmp_path / "cache"),
            *(f"--target={t.name}" for t in TARGETS)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "8 packages, 8 checked" in out and "complete" in out and str(db) in out
    assert "ready 2 · pure 2 · unknown 2 · blocked 2 · error 0" in out
    with pytest.raises(SystemExit) as usage:
        main(["track", "--top", "0", "--db", str(db)])
    assert usage.value.code == 2  # usage errors are exit 2 too
    bad = tmp_path / "bad.txt"
    bad.write_text("ok\nnot/ok\n")
    assert main(["track", "--packages", str(bad), "--db", str(db)]) == 2
    assert f"{bad}:2:" in capsys.readouterr().err


def _recorded(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with Store.open_readonly(db) as store:
            return store.conn.execute(
                "SELECT count(*) FROM snapshot_rows WHERE verdicts IS NOT NULL").fetchone()[0]
    except Exception:  # not created or not migrated yet
        return 0


def _start(db: Path, index: FakeIndex, names_file: Path, tmp_path: Path) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "ftready", "track", "--packages", str(names_file), "--db", str(db),
           "--index-url", index.url, "--cache-dir", str(tmp_path / "cache"), "--concurrency", "2",
           "--batch-size", "3", *(f"--target={t.name}" for t in TARGETS)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop_after(proc: subprocess.Popen[str], db: Path, rows: int, sig: int) -> None:
    deadline = time.monotonic() + 60
    while _recorded(db) < rows:
        assert proc.poll() is None, f"finished before it could be stopped: {proc.communicate()}"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(proc.pid, sig)
    proc.communicate(timeout=30)


def _assert_consistent(db: Path) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = conn.execute(
        "SELECT count(*) FROM snapshot_rows s JOIN packages p ON p.id = s.package_id"
        " WHERE s.verdicts IS NOT NULL AND p.status IS NULL").fetchone()[0]
    assert orphans == 0  # a recorded row always has its package status: same transaction
    conn.close()


def test_killed_run_is_resumed_and_completed(names_file: Path, tmp_path: Path):
    db = tmp_path / "killed.sqlite3"
    with SlowIndex(world()).serve() as index:
        first = _start(db, index, names_file, tmp_path)
        _stop_after(first, db, 4, signal.SIGKILL)
        assert first.returncode == -signal.SIGKILL
        _assert_consistent(db)
        after_kill = _recorded(db)
        assert 4 <= after_kill < N

        second = _start(db, index, names_file, tmp_path)  # killed again, by Ctrl-C this time
        _stop_after(second, db, after_kill + 6, signal.SIGINT)
        assert second.returncode == 130
        _assert_consistent(db)
        after_interrupt = _recorded(db)
        assert after_kill + 6 <= after_interrupt < N

        third = _start(db, index, names_file, tmp_path)
        out, err = third.communicate(timeout=120)
        assert third.returncode == 0, err
        assert f"{N - after_interrupt} checked" in out and "resumed" in out and "complete" in out
        requested = {p.rstrip("/").rsplit("/", 1)[-1] for p in index.requests if p.startswith("/simple/")}
        assert requested == set(world())
    _assert_consistent(db)
    with Store.open_readonly(db) as store:
        runs = read.list_runs(store)
        assert [(r.status, r.rows, r.done) for r in runs] == [("complete", N, N)]
        assert codes_by_name(store, runs[0].id) == {name: expected(name) for name in world()}

"""`gilfree track` against local indexes: snapshots, re-runs, and kill-and-resume.

Two indexes, both real HTTP on 127.0.0.1: the recorded PyPI pages of tests/indexserver.py
(``test_index``; slowed down with its ``slow`` fault so a subprocess can be killed in the
middle of a run), and the synthetic one of tests/resolve_index.py, extended here to send
``X-PyPI-Last-Serial`` values a test can change.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from resolve_index import FT313, FT314, GIL, FakeIndex, Release

from gilfree.cli import main
from gilfree.commands import track as track_module
from gilfree.commands.track import track
from gilfree.index.client import IndexClient
from gilfree.index.config import IndexConfig
from gilfree.store import read
from gilfree.store.codes import decode
from gilfree.store.db import Store
from gilfree.store.histories import history_data
from gilfree.store.ranking import RankedPackage, Ranking, load_ranking
from gilfree.verdicts.history import PackageHistory
from gilfree.verdicts.model import Verdict
from gilfree.verdicts.targets import default_targets, parse_target, select_targets

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
    """The synthetic index sending, like PyPI, each project's serial in
    ``X-PyPI-Last-Serial`` (from ``serials``, default 1), so a test can "upload"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.serials: dict[str, int] = {}
        self.root = False  # serve the root page with serials

    def _handler(self):
        base = super()._handler()
        index = self

        class Tuned(base):  # type: ignore[misc, valid-type]
            def end_headers(self) -> None:
                name = self.path.rstrip("/").rsplit("/", 1)[-1]
                self.send_header("X-PyPI-Last-Serial", str(index.serials.get(name, 1)))
                super().end_headers()

            def do_GET(self) -> None:
                if self.path != "/simple/" or not index.root:
                    return super().do_GET()
                index.requests.append(self.path)  # the root page lists every serial, as PyPI's does
                doc = {"meta": {"api-version": "1.1"}, "projects": [
                    {"name": name, "_last-serial": index.serials.get(name, 1)} for name in index.pages]}
                self._send(200, json.dumps(doc).encode(), "application/vnd.pypi.simple.v1+json")

        return Tuned


RECORDED = ("numpy", "pyyaml", "requests", "ruff", "six", "cffi", "pydantic-core", "msgpack",
            "markupsafe", "cereggii", "pytz")


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


def test_track_judges_recorded_pypi_pages(test_index, index_config: IndexConfig, tmp_path: Path):
    test_index.faults.status(503, times=100, path="/simple/six/")
    ranking = Ranking("recorded", None, tuple(
        RankedPackage(i + 1, name) for i, name in enumerate((*RECORDED, "no-such-project-here"))))
    targets = default_targets()
    with Store.open(tmp_path / "t.sqlite3") as store, IndexClient(index_config) as client:
        result = track(client, store, ranking, targets, day="2026-11-01")
        assert result.complete and result.errors == 1
        codes = {name: decode(c or "", [t.name for t in targets])
                 for name, c in codes_by_name(store, result.run.id).items()}
        assert codes["numpy"]["3.14t-manylinux_x86_64"] is Verdict.FT_WHEEL
        assert set(codes["requests"].values()) == {Verdict.PURE}
        assert set(codes["ruff"].values()) == {Verdict.BINARY}
        assert set(codes["no-such-project-here"].values()) == {Verdict.MISSING}
        assert set(codes["six"].values()) == {Verdict.ERROR}  # never "blocked" or "missing"
        six = read.status_data(store)["six"]
        assert "503" in six["error"]
        test_index.faults.clear()
        again = track(client, store, ranking, targets, day="2026-11-02")
        # unchanged pages: kept; the error and the missing project are asked again
        assert again.reused == len(RECORDED) - 1 and again.errors == 0
        assert set(decode(codes_by_name(store, again.run.id)["six"], [t.name for t in targets]).values()) \
            == {Verdict.PURE}


def test_track_backfills_each_package_history_from_its_page(test_index, index_config: IndexConfig,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Upload times on the recorded pages give each package's history, with no extra
    request; an unchanged page is neither parsed nor worked out again."""
    ranking = Ranking("recorded", None, tuple(RankedPackage(i + 1, n) for i, n in enumerate(RECORDED)))
    targets = default_targets()
    with Store.open(tmp_path / "t.sqlite3") as store, IndexClient(index_config) as client:
        track(client, store, ranking, targets, day="2026-11-01")
        requests = len(test_index.requests())
        stored = history_data(store)
        assert set(stored) == set(RECORDED)
        numpy = PackageHistory.from_data(stored["numpy"])
        first = numpy.first_ft((3, 13))
        assert first is not None and first.year == 2024  # numpy 2.1.0's cp313t wheels, August 2024
        assert numpy.for_target(parse_target("3.14t-manylinux_x86_64")).current is not None
        assert PackageHistory.from_data(stored["requests"]).first_ft((3, 14)) is None  # pure: never ft
        computed: list[str] = []
        real = track_module.history_json
        monkeypatch.setattr(track_module, "history_json", lambda f, t: computed.append(f.name) or real(f, t))
        again = track(client, store, ranking, targets, day="2026-11-02")
        assert again.reused == len(RECORDED) and computed == []
        assert history_data(store) == stored
        assert len(test_index.requests()) - requests <= len(RECORDED)  # one page request each, at most


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
        index.serials["gillib-001"] = 2  # a new upload: its page changes
        index.pages["gillib-001"][0]["upload-time"] = "2024-02-01T00:00:00Z"
        index.requests.clear()
        third = track(client, store, ranking, TARGETS, day="2026-11-03")
        assert (third.checked, third.reused) == (N, N - 1)
        twice = {p for p in index.requests if index.requests.count(p) == 2}
        assert twice == {"/simple/gillib-001/"}  # read again to be judged again
        for run in (warm.run, third.run):
            assert codes_by_name(store, run.id) == {name: expected(name) for name in world()}
        other = track(client, store, ranking, TARGETS[:2], day="2026-11-03")
        assert other.reused == 0  # other targets: stored statuses do not apply


def test_with_many_packages_unchanged_serials_need_no_page_request(names_file: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(track_module, "ROOT_SERIALS_FROM", 10)
    ranking = load_ranking(names_file)
    with TunedIndex(world()).serve() as index, Store.open(tmp_path / "t.sqlite3") as store, \
            client_for(index, tmp_path) as client:
        track(client, store, ranking, TARGETS, day="2026-11-01")
        index.root = True
        index.requests.clear()
        warm = track(client, store, ranking, TARGETS, day="2026-11-02")
        assert (warm.checked, warm.reused, warm.changed) == (N, N, 0)
        assert index.requests == ["/simple/"]  # one request for all of them
        index.serials["gillib-001"] = 2  # a new upload: its serial and page change
        index.pages["gillib-001"][0]["upload-time"] = "2024-02-01T00:00:00Z"
        index.requests.clear()
        third = track(client, store, ranking, TARGETS, day="2026-11-03")
        assert (third.checked, third.reused) == (N, N - 1)
        assert sorted(set(index.requests)) == ["/simple/", "/simple/gillib-001/"]
        index.serials["ftlib-000"] = 7  # a new serial with the same page: asked, then kept
        index.root = False  # and an index without the root page: page by page again
        index.requests.clear()
        fourth = track(client, store, ranking, TARGETS, day="2026-11-04")
        assert (fourth.checked, fourth.reused) == (N, N)
        assert len([p for p in index.requests if p != "/simple/"]) == N
        for run in (warm.run, third.run, fourth.run):
            assert codes_by_name(store, run.id) == {name: expected(name) for name in world()}


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
    assert "8 packages; this run checked 8" in out and ": complete" in out and str(db) in out
    lines = " ".join(out.split())  # rich wraps long lines
    assert ("3.14t: 2 of 4 packages with extension modules have free-threaded wheels on every platform, "
            "0 on some; 4 of 8 install without a build") in lines
    assert lines.index("3.14t:") < lines.index("3.13t:")  # the primary Python first
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


def _start(db: Path, index, names_file: Path, tmp_path: Path) -> subprocess.Popen[str]:
    # Ctrl-C must reach the child even when this test runs with SIGINT ignored (a
    # background job inherits "ignore", and Python then keeps it).
    cmd = [sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler);"
           " from gilfree.cli import main; sys.exit(main(sys.argv[1:]))",
           "track", "--packages", str(names_file), "--db", str(db),
           "--index-url", index.url, "--json-url", index.json_url, "--cache-dir", str(tmp_path / "cache"),
           "--concurrency", "2", "--batch-size", "3", *(f"--target={t.name}" for t in TARGETS)]
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


def test_killed_run_is_resumed_and_completed(test_index, index_config: IndexConfig, tmp_path: Path):
    names = [*RECORDED, *(f"unknown-project-{i:02d}" for i in range(29))]
    names_file = tmp_path / "ranking.txt"
    names_file.write_text("\n".join(names) + "\n")
    db = tmp_path / "killed.sqlite3"
    test_index.faults.slow(0.08, times=100_000)  # every answer late: time to stop the run
    first = _start(db, test_index, names_file, tmp_path)
    _stop_after(first, db, 4, signal.SIGKILL)
    assert first.returncode == -signal.SIGKILL
    _assert_consistent(db)
    after_kill = _recorded(db)
    assert 4 <= after_kill < len(names)

    second = _start(db, test_index, names_file, tmp_path)  # stopped again, by Ctrl-C this time
    _stop_after(second, db, after_kill + 6, signal.SIGINT)
    assert second.returncode == 130
    _assert_consistent(db)
    after_interrupt = _recorded(db)
    assert after_kill + 6 <= after_interrupt < len(names)

    test_index.faults.clear()
    third = _start(db, test_index, names_file, tmp_path)
    out, err = third.communicate(timeout=120)
    assert third.returncode == 0, err
    assert f"checked {len(names) - after_interrupt} in" in out and "resumed): complete" in out
    _assert_consistent(db)

    # The resumed snapshot equals one taken in a single uninterrupted run.
    with Store.open(tmp_path / "fresh.sqlite3") as fresh, IndexClient(index_config) as client:
        reference = track(client, fresh, load_ranking(names_file), TARGETS)
        want = codes_by_name(fresh, reference.run.id)
    with Store.open_readonly(db) as store:
        runs = read.list_runs(store)
        assert [(r.status, r.rows, r.done) for r in runs] == [("complete", len(names), len(names))]
        assert codes_by_name(store, runs[0].id) == want
        assert want["numpy"] != "MMM" and want["unknown-project-00"] == "MMM"

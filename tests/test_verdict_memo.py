"""The verdict memo: a page judged before is not parsed again, and never answers wrongly."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import zlib
from contextlib import closing
from pathlib import Path

import pytest

from gilfree.commands import verdict_memo
from gilfree.commands.status import PackageRequest, check_packages
from gilfree.errors import IndexUnavailable
from gilfree.index import simple
from gilfree.index.client import IndexClient
from gilfree.index.config import IndexConfig
from gilfree.verdicts.model import PackageStatus, Verdict
from gilfree.verdicts.serialize import to_data
from gilfree.verdicts.targets import default_targets, parse_target

REQUESTS = [PackageRequest("numpy", None, "numpy"), PackageRequest("numpy", "2.0.2", "numpy==2.0.2"),
            PackageRequest("requests", None, "requests"), PackageRequest("ruff", None, "ruff")]
TARGETS = default_targets()


def stable(status: PackageStatus) -> dict:
    return {k: v for k, v in to_data(status).items() if k != "checked_at"}


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the simple pages parsed into files from now on."""
    seen: list[str] = []
    real = simple.parse_project_files

    def counting(doc, **kwargs):
        seen.append(kwargs["name"])
        return real(doc, **kwargs)

    monkeypatch.setattr(simple, "parse_project_files", counting)
    return seen


def run(config: IndexConfig, requests=REQUESTS, targets=TARGETS) -> list[PackageStatus]:
    with IndexClient(config) as client:
        return check_packages(client, requests, targets)


def test_a_page_judged_before_is_not_parsed_again(index_config: IndexConfig, parses: list[str]) -> None:
    cold = run(index_config)
    assert sorted(parses) == ["numpy", "numpy", "requests", "ruff"]
    assert rows(index_config) == 4
    parses.clear()
    warm = run(index_config)
    assert parses == []
    assert [stable(s) for s in warm] == [stable(s) for s in cold]
    assert [s.requested for s in warm] == ["numpy", "numpy==2.0.2", "requests", "ruff"]
    # core metadata (classifier, summary) is read afresh from the memo's wheel
    assert warm[0].summary and warm[0].summary == cold[0].summary
    assert warm[0].classifier == cold[0].classifier
    assert warm[1].for_target(parse_target("3.13t-manylinux_x86_64")).verdict is Verdict.NO_FT_WHEEL


def test_the_memo_keeps_the_release_info_for_warm_and_offline_runs(index_config: IndexConfig) -> None:
    cold = run(index_config)
    assert cold[0].summary and all(not s.notes for s in cold)
    # one file per package, and nothing else per package outside the HTTP cache
    assert sorted(p.name for p in index_config.cache_dir.iterdir() if not p.name.startswith(".")) \
        == ["http-v2", "verdicts"]
    offline = run(dataclasses.replace(index_config, offline=True))  # no metadata read: none could be
    assert [(s.summary, s.classifier, s.project_urls, s.notes) for s in offline] \
        == [(s.summary, s.classifier, s.project_urls, s.notes) for s in cold]


def test_info_that_could_not_be_read_is_read_on_the_next_run(index_config: IndexConfig, parses: list[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real = IndexClient.release_info
    calls: list[str] = []

    def failing(self, name, version, wheel):
        calls.append(name)
        raise IndexUnavailable(f"{name}: metadata host down")

    monkeypatch.setattr(IndexClient, "release_info", failing)
    first = run(index_config, REQUESTS[3:4])
    assert calls == ["ruff"] and "classifier unknown" in first[0].notes[-1] and not first[0].summary

    def counting(self, name, version, wheel):
        calls.append(name)
        return real(self, name, version, wheel)

    monkeypatch.setattr(IndexClient, "release_info", counting)
    parses.clear()
    second = run(index_config, REQUESTS[3:4])
    assert parses == [] and calls == ["ruff", "ruff"] and second[0].summary and not second[0].notes
    third = run(index_config, REQUESTS[3:4])
    assert calls == ["ruff", "ruff"] and third[0].summary == second[0].summary  # kept this time


def test_other_targets_or_rules_are_judged_afresh(index_config: IndexConfig, parses: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    run(index_config, REQUESTS[:1])
    parses.clear()
    run(index_config, REQUESTS[:1], TARGETS[:3])
    assert parses == ["numpy"]
    parses.clear()
    monkeypatch.setattr(verdict_memo, "rules_fingerprint", lambda: "changed rules")
    run(index_config, REQUESTS[:1])
    assert parses == ["numpy"]


def test_a_changed_page_is_judged_afresh(index_config: IndexConfig, test_index, parses: list[str]) -> None:
    test_index.cache_control = "max-age=0"  # revalidate every time
    first = run(index_config, REQUESTS[:1])[0]
    parses.clear()
    run(index_config, REQUESTS[:1])
    assert parses == []  # a 304: the same page
    # a new upload: the same project, other bytes (its newest release is gone)
    doc = json.loads((Path(__file__).parent / "data" / "index" / "simple" / "numpy.json").read_bytes())
    doc["files"] = [f for f in doc["files"] if f"-{first.version}-" not in f["filename"]
                    and not f["filename"].endswith(f"-{first.version}.tar.gz")]
    test_index.overrides["/simple/numpy/"] = json.dumps(doc).encode()
    again = run(index_config, REQUESTS[:1])[0]
    assert parses == ["numpy"]
    assert again.version != first.version


def test_an_unreadable_memo_is_a_miss(index_config: IndexConfig, parses: list[str]) -> None:
    cold = run(index_config, REQUESTS[2:3])
    with closing(sqlite3.connect(memo_file(index_config))) as conn, conn:
        conn.execute("UPDATE memo SET value = ?", (zlib.compress(b'{"status": {"name": 1'),))
    parses.clear()
    warm = run(index_config, REQUESTS[2:3])
    assert parses == ["requests"] and stable(warm[0]) == stable(cold[0])


def test_a_damaged_memo_database_is_set_aside_and_started_afresh(index_config: IndexConfig,
                                                                 parses: list[str]) -> None:
    cold = run(index_config, REQUESTS[2:3])
    memo_file(index_config).write_bytes(b"this is not a database" * 100)
    parses.clear()
    again = run(index_config, REQUESTS[2:3])
    assert parses == ["requests"] and stable(again[0]) == stable(cold[0])
    assert rows(index_config) == 1
    assert any(p.name.startswith("memo.sqlite3.damaged-") for p in memo_file(index_config).parent.iterdir())
    parses.clear()
    run(index_config, REQUESTS[2:3])
    assert parses == []


def test_saves_are_written_in_batches_and_by_close(tmp_path: Path) -> None:
    status = run_status_fixture()
    memo = verdict_memo.VerdictMemo(tmp_path / "verdicts", TARGETS)
    for i in range(verdict_memo.BATCH + 1):
        memo.save(f"{i:064x}", "six", None, verdict_memo.Judged(status))
    assert memo.load(f"{0:064x}", "six", None, "six") is not None  # written: a batch was full
    assert memo.load(f"{verdict_memo.BATCH:064x}", "six", None, "six") is not None  # buffered
    other = verdict_memo.VerdictMemo(tmp_path / "verdicts", TARGETS)
    assert other.load(f"{verdict_memo.BATCH:064x}", "six", None, "six") is None  # not written yet
    memo.close()
    assert other.load(f"{verdict_memo.BATCH:064x}", "six", None, "six") is not None


def test_the_memo_keeps_its_newest_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verdict_memo, "MAX_ROWS", 3)
    memo = verdict_memo.VerdictMemo(tmp_path / "verdicts", TARGETS)
    status = run_status_fixture()
    for i in range(5):
        memo.save(f"{i:064x}", "six", None, verdict_memo.Judged(status))
        memo.close()
    assert [memo.load(f"{i:064x}", "six", None, "six") is not None for i in range(5)] == [False, False, True, True, True]


def run_status_fixture() -> PackageStatus:
    from gilfree.verdicts.status import uniform_status

    return uniform_status("six", "six", TARGETS, Verdict.PURE, "", version="1.17.0")


def memo_file(config: IndexConfig) -> Path:
    return config.cache_dir / "verdicts" / verdict_memo.FILE


def rows(config: IndexConfig) -> int:
    with closing(sqlite3.connect(memo_file(config))) as conn:
        return int(conn.execute("SELECT count(*) FROM memo").fetchone()[0])


def test_no_memo_without_a_cache(index_config: IndexConfig, parses: list[str]) -> None:
    config = dataclasses.replace(index_config, use_cache=False)
    run(config, REQUESTS[2:3])
    run(config, REQUESTS[2:3])
    assert parses == ["requests", "requests"]
    assert not (config.cache_dir / "verdicts").exists()


def test_the_fingerprint_covers_the_rules_source() -> None:
    here = Path(verdict_memo.model.__file__).parent
    assert all((here / name).is_file() for name in verdict_memo._RULES)
    assert len(verdict_memo.rules_fingerprint()) == 64

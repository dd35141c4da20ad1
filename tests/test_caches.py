"""The cache directory: sizes, pruning oldest first, clearing, the daily automatic prune."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from gilfree.caches import PRUNE_EVERY, auto_prune, clear, parse_size, prune, usage
from gilfree.cli import main
from gilfree.errors import BadInput


def put(root: Path, relative: str, size: int, age: float = 0.0) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    when = time.time() - age
    os.utime(path, (when, when))
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    root = tmp_path / "cache"
    put(root, "http-v2/old", 4000, age=3000)
    put(root, "http-v2/new", 4000, age=10)
    put(root, "verdicts/middle", 1000, age=2000)
    put(root, "wheel-metadata/ab", 500, age=5000)
    put(root, "python/cpython-3.13.5t/bin/python3.13t", 9000, age=9000)  # oldest, but kept
    put(root, "bench/venv/lib/x.py", 7000, age=8000)  # not ours to prune
    return root


def test_usage_counts_every_directory(cache: Path) -> None:
    found = {u.kind: (u.files, u.bytes) for u in usage(cache)}
    assert found == {"http-v2": (2, 8000), "verdicts": (1, 1000), "wheel-metadata": (1, 500),
                     "python": (1, 9000), "bench": (1, 7000)}
    assert usage(cache / "nowhere") == []


def test_prune_removes_oldest_data_first_and_keeps_python_and_others(cache: Path) -> None:
    done = prune(cache, 5000)
    assert not (cache / "wheel-metadata/ab").exists() and not (cache / "http-v2/old").exists()
    assert (cache / "verdicts/middle").exists() and (cache / "http-v2/new").exists()
    assert (cache / "python/cpython-3.13.5t/bin/python3.13t").exists() and (cache / "bench/venv/lib/x.py").exists()
    assert (done.files, done.bytes, done.remaining) == (2, 4500, 5000)


def test_prune_spares_temporary_files_being_written(cache: Path) -> None:
    young = put(cache, "http-v2/.abc.1234.tmp", 100_000, age=5)
    stale = put(cache, "http-v2/.def.5678.tmp", 100_000, age=2 * 3600)
    prune(cache, 0)
    assert young.exists() and not stale.exists()


def test_a_database_goes_with_its_journal_and_a_journal_never_alone(cache: Path) -> None:
    db = put(cache, "verdicts/memo.sqlite3", 3000, age=7000)
    journal = put(cache, "verdicts/memo.sqlite3-journal", 3000, age=9999)
    prune(cache, 4000)
    assert not db.exists() and not journal.exists()
    lone = put(cache, "verdicts/other.sqlite3-journal", 3000, age=9999)
    prune(cache, 0)
    assert lone.exists()


def test_clear_removes_the_data_caches_or_what_is_named(cache: Path) -> None:
    done = clear(cache)
    assert sorted(p.name for p in cache.iterdir()) == ["bench", "python"]
    assert (done.files, done.bytes) == (4, 9500)
    clear(cache, ["bench"])
    assert sorted(p.name for p in cache.iterdir()) == ["python"]
    with pytest.raises(BadInput, match="no such cache: nonsense"):
        clear(cache, ["nonsense"])


def test_auto_prune_runs_at_most_once_a_day(cache: Path) -> None:
    now = time.time()
    assert auto_prune(cache, 5000, now=now) is None  # first sight: only the stamp
    assert (cache / "http-v2/old").exists()
    assert auto_prune(cache, 5000, now=now + 60) is None  # not due yet
    done = auto_prune(cache, 5000, now=now + PRUNE_EVERY + 1)
    assert done is not None and done.files == 2 and not (cache / "http-v2/old").exists()
    assert auto_prune(cache, 0, now=now + 3 * PRUNE_EVERY) is None  # 0: never


@pytest.mark.parametrize(("text", "size"), [("0", 0), ("500MB", 500 * 2**20), ("2GiB", 2 * 2**30),
                                            ("1.5G", int(1.5 * 2**30)), ("123", 123), ("10k", 10240)])
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1MB", "5 PB", "1e9"])
def test_parse_size_rejects_what_is_not_a_size(text: str) -> None:
    with pytest.raises(BadInput, match="not a size"):
        parse_size(text)


def test_cli_shows_prunes_and_clears(cache: Path, capsys) -> None:
    assert main(["cache", "--cache-dir", str(cache), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {c["kind"] for c in shown["caches"]} == {"http-v2", "verdicts", "wheel-metadata", "python", "bench"}
    assert main(["cache", "prune", "--max-size", "5000", "--cache-dir", str(cache), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["removed_files"] == 2
    assert main(["cache", "clear", "--cache-dir", str(cache)]) == 0
    assert "removed 2 files" in capsys.readouterr().out
    assert main(["cache", "prune", "--max-size", "huge", "--cache-dir", str(cache)]) == 2
    assert "--max-size: not a size" in capsys.readouterr().err


def test_index_commands_prune_on_their_own(tmp_path: Path, index_config, monkeypatch) -> None:
    from dataclasses import replace

    from gilfree.index.client import IndexClient

    root = index_config.cache_dir
    old = put(root, "verdicts/stale", 50_000, age=10 * 24 * 3600)
    stamp = put(root, ".last-prune", 0, age=2 * PRUNE_EVERY)
    with IndexClient(replace(index_config, cache_max_size=10_000)) as client:
        client.project_files("six")
    assert not old.exists()
    assert stamp.stat().st_mtime > time.time() - 60
    monkeypatch.setenv("GILFREE_CACHE_MAX_SIZE", "nonsense")
    with pytest.raises(BadInput, match="GILFREE_CACHE_MAX_SIZE"):
        type(index_config)()

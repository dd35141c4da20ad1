"""Ranking files: the bundled snapshot, --packages FILE (JSON or a name list), --top N."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gilfree.errors import BadInput
from gilfree.store.ranking import MAX_TOP, load_ranking


def test_bundled_snapshot_is_the_default_and_holds_15000_ranked_projects():
    ranking = load_ranking()
    assert len(ranking.packages) == MAX_TOP == 15_000
    first = ranking.packages[0]
    assert (first.rank, first.name) == (1, "boto3") and first.downloads > 1_000_000_000
    assert [p.rank for p in ranking.packages[:3]] == [1, 2, 3]
    assert ranking.last_update and ranking.source.startswith("bundled")
    downloads = [p.downloads for p in ranking.packages]
    assert downloads == sorted(downloads, reverse=True)


def test_top_n_keeps_the_first_n():
    assert load_ranking(top=25).names == load_ranking().names[:25]
    assert len(load_ranking(top=99_999).packages) == MAX_TOP  # more than there is: all of it


def test_json_file_of_the_dataset_shape(tmp_path: Path):
    path = tmp_path / "top.json"
    path.write_text(json.dumps({"last_update": "2026-05-01", "rows": [
        {"download_count": 30, "project": "Django"},
        {"download_count": 20, "project": "zope.interface"},
        {"download_count": 10, "project": "django"},  # same project again: first rank wins
    ]}))
    ranking = load_ranking(path)
    assert [(p.rank, p.name, p.downloads) for p in ranking.packages] == [
        (1, "django", 30), (2, "zope-interface", 20)]
    assert ranking.last_update == "2026-05-01" and ranking.source == str(path)


def test_plain_list_with_comments_and_blank_lines(tmp_path: Path):
    path = tmp_path / "list.txt"
    path.write_text("# my dependencies\nNumPy\n\nrequests  # http\nPyYAML\n")
    assert load_ranking(path, top=2).names == ["numpy", "requests"]
    assert all(p.downloads is None for p in load_ranking(path).packages)


@pytest.mark.parametrize("content, line, fragment", [
    ("numpy\nnot a name\n", 2, "not a project name"),
    ("ok\n\n# x\nbad/name\n", 4, "not a project name"),
    ('{"rows": [\n{"project": "a", "download_count": 1},\n', 3, "invalid JSON"),
])
def test_bad_files_name_path_and_line(tmp_path: Path, content: str, line: int, fragment: str):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(BadInput) as info:
        load_ranking(path)
    assert info.value.path == str(path) and info.value.line == line
    assert fragment in str(info.value) and str(info.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("data, fragment", [
    ({"rows": [{"project": "a", "download_count": "many"}]}, "rows[0]"),
    ({"rows": [{"download_count": 3}]}, "rows[0]"),
    ({"rows": [{"project": "ok", "download_count": 1}, {"project": "no good"}]}, "rows[1]: not a project name"),
    ({"projects": []}, "expected {\"rows\""),
])
def test_bad_json_rows(tmp_path: Path, data: object, fragment: str):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(BadInput, match=None) as info:
        load_ranking(path)
    assert fragment in str(info.value) and info.value.path == str(path)


def test_missing_empty_and_binary_files(tmp_path: Path):
    with pytest.raises(BadInput, match="cannot read"):
        load_ranking(tmp_path / "nope.txt")
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(BadInput, match="lists no packages"):
        load_ranking(tmp_path / "empty.txt")
    (tmp_path / "bin").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(BadInput, match="UTF-8"):
        load_ranking(tmp_path / "bin")


def test_top_must_be_positive():
    with pytest.raises(BadInput, match="at least 1"):
        load_ranking(top=0)


# --- hostile package lists: one BadInput line, never a traceback or a hang ---------------


@pytest.mark.parametrize("content, fragment", [
    ("[" * 100_000 + "]" * 100_000, "not a project name"),  # not JSON-shaped: read as a name list
    ("{" * 100_000, "invalid JSON"),
    ('{"rows": ' + "[" * 5_000 + "]" * 5_000 + "}", "nested too deeply"),
    ('{"rows": [' + " " * 200_000 + "]}", "lists no packages"),
    ("numpy\n" + "x" * 100_000 + "!\n", "not a project name"),
])
def test_hostile_lists(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "top.json"
    path.write_text(content)
    with pytest.raises(BadInput) as info:
        load_ranking(path)
    assert "\n" not in str(info.value) and len(str(info.value)) < 1000
    assert fragment in str(info.value)


def test_a_fifo_or_device_as_the_list(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "top.txt")
    with pytest.raises(BadInput, match="named pipe"):
        load_ranking(tmp_path / "top.txt")
    with pytest.raises(BadInput, match="character device"):
        load_ranking("/dev/zero")

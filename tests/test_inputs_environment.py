"""An installed environment read by running its interpreter, and format detection."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gilfree.errors import BadInput
from gilfree.inputs import detect_kind, load_input
from gilfree.resolve.locked import walk_lock
from gilfree.verdicts.targets import parse_target


def test_current_environment() -> None:
    project = load_input(python=sys.executable)
    assert project.kind == "environment" and project.locked is not None and project.locked.complete
    deps = {d.name: d for d in walk_lock(project.locked, parse_target("3.13t-manylinux_x86_64"), project.name)}
    assert "packaging" in deps and "httpx" in deps
    assert deps["httpcore"].path[-2:] == ("httpx", "httpcore")
    assert deps["rich"].version
    # gilfree itself is installed editable: listed as not checked, not judged
    assert "gilfree" not in deps
    assert any(u.text.startswith("gilfree ") and "editable" in u.reason for u in project.unchecked)


@pytest.mark.parametrize("python", ["/no/such/python", __file__])
def test_bad_interpreter_is_bad_input(python: str) -> None:
    with pytest.raises(BadInput):
        load_input(python=python)


def test_interpreter_that_fails_is_bad_input(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'boom' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(BadInput, match="could not list its distributions: boom"):
        load_input(python=str(fake))


@pytest.mark.parametrize("files, expected", [
    (["requirements.txt", "pyproject.toml", "uv.lock"], "uv.lock"),
    (["requirements.txt", "pyproject.toml", "poetry.lock"], "poetry.lock"),
    (["pyproject.toml", "pylock.toml"], "pylock.toml"),
    (["pyproject.toml", "pylock.prod.toml"], "pylock.prod.toml"),
    (["requirements.txt", "pyproject.toml"], "pyproject.toml"),
    (["requirements.txt"], "requirements.txt"),
])
def test_directory_precedence(tmp_path: Path, files: list[str], expected: str) -> None:
    for name in files:
        (tmp_path / name).write_text("")
    assert detect_kind(tmp_path)[1].name == expected


def test_unknown_or_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no uv.lock, poetry.lock"):
        load_input(tmp_path)
    with pytest.raises(BadInput, match="no such file"):
        load_input(tmp_path / "nope.txt")
    (tmp_path / "deps.cfg").write_text("x")
    with pytest.raises(BadInput, match="unknown input format"):
        load_input(tmp_path / "deps.cfg")
    (tmp_path / "deps.cfg").write_text("flask\n")
    assert load_input(tmp_path / "deps.cfg", kind="requirements").requirements[0].name == "flask"


# --- a --python that is some other program ------------------------------------------------

import time  # noqa: E402

from gilfree.inputs import environment  # noqa: E402


def _fake(tmp_path: Path, script: str) -> str:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\n" + script)
    fake.chmod(0o755)
    return str(fake)


@pytest.mark.parametrize("printed, fragment", [
    ('[1, 2]', "a JSON list, not an object"),
    ('{"python": "3.13.0"}', 'no "dists" list'),
    ('{"python": 3, "dists": []}', 'no "python" version'),
    ('{"python": "3.13.0", "dists": [{"name": "a"}]}', "dists[0] has no version"),
    ('{"python": "3.13.0", "dists": [{"name": "a", "version": "1", "requires": "b"}]}',
     "dists[0].requires is not a list of strings"),
    ('{"python": "3.13.0", "dists": [7]}', "dists[0] is not an object"),
    ('{"python": "3.13.0", "dists": [{"name": "a", "version": "1", "requires": [], "direct_url": 5}]}',
     "direct_url is not a string"),
    ("[" * 100_000 + "]" * 100_000, "could not list its distributions"),
])
def test_a_report_of_another_shape_is_one_bad_input_line(tmp_path: Path, printed: str, fragment: str) -> None:
    (tmp_path / "out.json").write_text(printed)
    python = _fake(tmp_path, f"cat '{tmp_path / 'out.json'}'\n")
    with pytest.raises(BadInput) as info:
        load_input(python=python)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_endless_output_is_cut_and_the_child_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(environment, "MAX_OUTPUT", 1 << 20)
    python = _fake(tmp_path, "exec cat /dev/zero\n")
    start = time.monotonic()
    with pytest.raises(BadInput, match="printed more than"):
        load_input(python=python)
    assert time.monotonic() - start < 10


def test_an_editable_install_and_odd_direct_urls(tmp_path: Path) -> None:
    report = {"python": "3.13.0", "dists": [
        {"name": "mine", "version": "0.1", "requires": ["six"],
         "direct_url": '{"url": "file:///src", "dir_info": {"editable": true}}'},
        {"name": "six", "version": "1.0", "requires": [], "direct_url": '{"dir_info": []}'},
        {"name": "deep", "version": "1.0", "requires": ["not a requirement!"],
         "direct_url": "[" * 100_000 + "]" * 100_000},
    ]}
    import json

    project = environment.environment_from_report("/venv/bin/python", json.dumps(report).encode())
    assert [u.reason.split(":")[0] for u in project.unchecked] == ["editable install", "direct URL"]
    assert project.name == "python 3.13.0"


def test_a_nul_byte_in_python_is_bad_input() -> None:
    with pytest.raises(BadInput, match="NUL byte"):
        load_input(python="/usr/bin/python\0x")

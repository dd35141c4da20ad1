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

"""Finding (or building) the free-threaded interpreter, and dogfooding on it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from gilfree.errors import InterpreterError
from gilfree.runtime import bootstrap

ROOT = Path(__file__).resolve().parents[1]


def test_found_interpreter_really_has_the_gil_disabled(ft_python: Path) -> None:
    out = subprocess.run([str(ft_python), "-c", "import sysconfig, sys; "
                          "print(sysconfig.get_config_var('Py_GIL_DISABLED'), sys._is_gil_enabled())"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "False"]


def test_is_free_threaded_matches_the_running_interpreter() -> None:
    expected = "%d.%d" % sys.version_info[:2] if sysconfig.get_config_var("Py_GIL_DISABLED") else None
    assert bootstrap.is_free_threaded(sys.executable) == expected
    assert bootstrap.is_free_threaded("/nonexistent/python") is None


def test_gilfree_python_that_is_not_free_threaded_is_an_error(monkeypatch, tmp_path) -> None:
    gil_python = shutil.which("python3.11") or shutil.which("python3")
    if gil_python is None or bootstrap.is_free_threaded(gil_python):
        pytest.skip("no GIL-enabled python3 on PATH to try")
    monkeypatch.setenv("GILFREE_PYTHON", gil_python)
    monkeypatch.setenv("GILFREE_CACHE_DIR", str(tmp_path))
    with pytest.raises(InterpreterError, match="not a free-threaded Python"):
        bootstrap.find_ft_python(build=False)


def test_mirror_is_derived_from_deb822_and_one_line_sources(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.test/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.test/debian\nSuites: bookworm\n")
    assert bootstrap.debian_mirror(tmp_path) == "http://mirror.test/debian"
    other = tmp_path / "other"
    other.mkdir()
    (other / "sources.list").write_text("# comment\ndeb [arch=amd64] http://one.test/debian/ bookworm main\n")
    assert bootstrap.debian_mirror(other) == "http://one.test/debian"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InterpreterError, match="no Debian archive"):
        bootstrap.debian_mirror(empty)


def test_incomplete_cached_build_is_not_used(monkeypatch, tmp_path: Path, ft_python: Path) -> None:
    prefix = tmp_path / "python" / "cpython-3.13.0t" / "bin"
    prefix.mkdir(parents=True)
    (prefix / "python3.13t").symlink_to(ft_python)
    monkeypatch.setenv("GILFREE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GILFREE_PYTHON", raising=False)
    assert prefix / "python3.13t" not in list(bootstrap.candidates())
    (prefix.parent / bootstrap.COMPLETE_MARKER).write_text("")
    assert prefix / "python3.13t" in list(bootstrap.candidates())


def test_scripts_ft_python_prints_a_free_threaded_interpreter(ft_python: Path) -> None:
    out = subprocess.run([str(ROOT / "scripts" / "ft-python"), "--no-build"],
                         capture_output=True, text=True, check=True)
    assert bootstrap.is_free_threaded(out.stdout.strip())


IMPORT_ALL = """
import importlib, pkgutil, sys
import gilfree
skip = {"gilfree.__main__"}
for mod in pkgutil.walk_packages(gilfree.__path__, "gilfree."):
    if mod.name not in skip:
        importlib.import_module(mod.name)
import httpx, rich, jinja2, packaging, platformdirs
print(sys._is_gil_enabled())
"""


def test_importing_gilfree_and_all_dependencies_keeps_the_gil_disabled(ft_python: Path) -> None:
    venv_python = ROOT / ".venv-ft" / "bin" / "python"
    python = venv_python if venv_python.exists() else ft_python
    out = subprocess.run([str(python), "-W", "error::RuntimeWarning", "-c", IMPORT_ALL],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"

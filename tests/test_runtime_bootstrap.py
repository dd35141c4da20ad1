"""Finding (or building) the free-threaded interpreters, choosing the default, listing
them, and dogfooding on them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from gilfree.cli import main as gilfree_main
from gilfree.errors import InterpreterError
from gilfree.runtime import bootstrap
from gilfree.runtime.bootstrap import PythonRecord

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No GILFREE_PYTHON, an empty cache and uv dir, and a PATH of ``<tmp>/bin`` (plus the
    system's, for the shell) where no python3.1Xt is unless a test puts one there."""
    (tmp_path / "bin").mkdir()
    monkeypatch.delenv("GILFREE_PYTHON", raising=False)
    monkeypatch.setenv("GILFREE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "uv"))
    system = [d for d in ("/usr/bin", "/bin") if not any(
        Path(d, f"python{m}t").exists() for m in bootstrap.SUPPORTED)]
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path / "bin"), *system]))
    return tmp_path


def _cache_entry(root: Path, python: Path, marker: dict | None = None) -> Path:
    """A complete cache entry whose interpreter is ``python`` (a symlink)."""
    minor, version, _pre = bootstrap.probe(python) or ("?", "?", False)
    prefix = root / "cache" / "python" / f"cpython-{version}t"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / f"python{minor}t").symlink_to(python)
    (prefix / bootstrap.COMPLETE_MARKER).write_text(json.dumps(marker or {}))
    return prefix / "bin" / f"python{minor}t"


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


FT_VENVS = (".venv-ft", ".venv-ft313", ".venv-ft315")  # scripts/test: 3.14t, 3.13t, 3.15t


def test_importing_gilfree_and_all_dependencies_keeps_the_gil_disabled(ft_python: Path) -> None:
    """In every free-threaded venv scripts/test made (else the found interpreter)."""
    venvs = [ROOT / v / "bin" / "python" for v in FT_VENVS if (ROOT / v / "bin" / "python").exists()]
    for python in venvs or [ft_python]:
        out = subprocess.run([str(python), "-W", "error::RuntimeWarning", "-c", IMPORT_ALL],
                             capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 0, f"{python}: {out.stderr[-2000:]}"
        assert out.stdout.strip().splitlines()[-1] == "False", python


def _record(version: str, source: str = "cache", path: str | None = "/x") -> PythonRecord:
    minor = ".".join(version.split(".")[:2])
    return PythonRecord(f"{minor}t", version, Path(path) if path else None, source,
                        bootstrap.debsource.is_prerelease(version))


def test_default_is_the_newest_final_release_not_a_release_candidate() -> None:
    rc, final, old = _record("3.15.0rc2"), _record("3.14.7"), _record("3.13.5", "PATH")
    assert bootstrap.choose_default([rc, final, old]) is final
    assert bootstrap.choose_default([old, rc]) is old
    assert bootstrap.choose_default([rc]) is rc  # only a pre-release: that one (with a note)
    env = _record("3.13.5", "env")
    assert bootstrap.choose_default([rc, final, env]) is env  # GILFREE_PYTHON wins
    on_path = _record("3.14.0", "PATH")
    assert bootstrap.choose_default([on_path, final]) is on_path  # a tie: most explicit first
    assert bootstrap.choose_default([_record("3.14.7", "buildable", None)]) is None


def test_version_names() -> None:
    assert [bootstrap.normalize_version(v) for v in ("3.14t", "3.14", " 3.15t ")] == [
        "3.14", "3.14", "3.15"]
    for bad in ("3.12t", "3", "3.14.7t", "pypy"):
        with pytest.raises(ValueError):
            bootstrap.normalize_version(bad)
    assert bootstrap.version_arg("all") == "all"
    assert bootstrap.version_arg("3.15") == "3.15t"


def test_a_version_is_found_on_path_and_others_are_not_built_without_asking(
        isolated: Path, ft_python: Path) -> None:
    minor, version, _pre = bootstrap.probe(ft_python)
    (isolated / "bin" / f"python{minor}t").symlink_to(ft_python)
    assert bootstrap.find_ft_python(f"{minor}t", build=False) == isolated / "bin" / f"python{minor}t"
    assert bootstrap.find_ft_python(build=False) == isolated / "bin" / f"python{minor}t"
    other = next(m for m in bootstrap.SUPPORTED if m != minor)
    with pytest.raises(InterpreterError, match=f"no free-threaded Python {other}t found"):
        bootstrap.find_ft_python(other, build=False)
    with pytest.raises(InterpreterError, match=f"{other}t: no free-threaded Python"):
        bootstrap.find_all(build=False)


def test_list_shows_found_and_buildable_versions_with_build_time(isolated, ft_python) -> None:
    exe = _cache_entry(isolated, ft_python, {"build_seconds": 287.4,
                                             "tarball": "python3.14_3.14.7.orig.tar.xz"})
    records = bootstrap.list_pythons()
    found = [r for r in records if r.path is not None]
    assert [(r.path, r.source, r.build_seconds) for r in found] == [(exe, "cache", 287.4)]
    assert "built in 4m 47s" in found[0].notes
    buildable = [r for r in records if r.source == "buildable"]
    assert {r.minor for r in buildable} == set(bootstrap.SUPPORTED) - {found[0].minor}
    lines = bootstrap.format_list(records)
    assert lines[0].split() == ["VERSION", "RELEASE", "WHERE", "PATH", "NOTES"]
    mine = next(line for line in lines if str(exe) in line)
    assert "default" in mine and "built in 4m 47s" in mine
    assert sum("buildable" in line for line in lines) == len(buildable)


def test_list_says_release_candidate(capsys) -> None:
    records = [_record("3.15.0rc2"), _record("3.14.7"), _record("3.13.5", "buildable", None)]
    lines = bootstrap.format_list(records)
    assert "release candidate" in lines[1] and "default" not in lines[1]
    assert "default" in lines[2]
    from gilfree.cli.python import show_list

    show_list(records)
    out = capsys.readouterr().out
    assert "release candidate" in out and "buildable" in out and "default" in out


def test_scripts_ft_python_list_and_version(isolated: Path, ft_python: Path) -> None:
    exe = _cache_entry(isolated, ft_python)
    minor = bootstrap.probe(ft_python)[0]
    env = {**os.environ, "PYTHON": sys.executable}
    listed = subprocess.run([str(ROOT / "scripts" / "ft-python"), "--list"], env=env,
                            capture_output=True, text=True, check=True).stdout
    assert str(exe) in listed and "buildable" in listed
    out = subprocess.run([str(ROOT / "scripts" / "ft-python"), "--version", f"{minor}t",
                          "--no-build"], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(exe)
    every = subprocess.run([str(ROOT / "scripts" / "ft-python"), "--version", "all",
                            "--no-build"], env=env, capture_output=True, text=True)
    assert every.returncode == 3
    assert f"{minor}t {exe}" in every.stdout.splitlines()
    assert every.stderr.count("\n") == 1 and "ft-python: error:" in every.stderr


def test_gilfree_python_missing_version_is_one_line_and_exit_3(isolated, capsys) -> None:
    assert gilfree_main(["python", "--version", "3.15t", "--no-build"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("gilfree: error: no free-threaded Python 3.15t found")
    assert err.count("\n") == 1
    with pytest.raises(SystemExit) as exc:
        gilfree_main(["python", "--version", "3.12t"])
    assert exc.value.code == 2


def test_gilfree_python_prints_the_path_and_the_list(isolated, capsys, ft_python) -> None:
    exe = _cache_entry(isolated, ft_python)
    assert gilfree_main(["python", "--no-build"]) == 0
    assert capsys.readouterr().out.strip() == str(exe)
    assert gilfree_main(["python", "--list"]) == 0
    out = capsys.readouterr().out
    assert "Free-threaded Pythons" in out and "cache" in out and "buildable" in out

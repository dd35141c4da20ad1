"""`gilfree test`: argument handling, and real runs in a throwaway venv (exit codes,
summary, cleanup of the venv and the child processes on Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from gilfree.cli import build_parser, parse_args
from gilfree.cli.test import exit_code, split_pytest_args, stress_arguments


def _parse(*argv: str):
    return split_pytest_args(parse_args(["test", *argv]))


def test_path_options_and_pytest_arguments_are_told_apart() -> None:
    args, path, extra = _parse("proj", "--threads", "3", "--isolate", "--", "-k", "slow", "-x")
    assert (path, extra) == (Path("proj"), ["-k", "slow", "-x"])
    assert stress_arguments(args) == ["--ft-threads", "3", "--ft-iterations", "10", "--ft-timeout", "60",
                                      "--ft-isolate"]
    args, path, extra = _parse("--seed", "7", "--", "-q")
    assert (path, extra, args.seed) == (Path("."), ["-q"], 7)
    args, path, extra = _parse()
    assert (path, extra, stress_arguments(args)[:2]) == (Path("."), [], ["--ft-threads", "auto"])


@pytest.mark.parametrize(("argv", "path", "extra"), [
    # the forms the help shows (the README's own example first)
    ([".", "--", "-x"], ".", ["-x"]),
    (["--", "-q"], ".", ["-q"]),
    ([".", "--threads", "2", "--", "-k", "lost and not slow"], ".", ["-k", "lost and not slow"]),
    ([".", "--", "-p", "no:cacheprovider"], ".", ["-p", "no:cacheprovider"]),
    ([".", "--", "-p", "no:cacheprovider", "tests/test_api.py"], ".", ["-p", "no:cacheprovider", "tests/test_api.py"]),
    # a bare word after `--` is pytest's (a test file), never PATH; later `--` are pytest's too
    (["--", "tests/test_api.py"], ".", ["tests/test_api.py"]),
    (["proj", "--", "-k", "x", "--", "-q"], "proj", ["-k", "x", "--", "-q"]),
    (["--threads", "4", "proj", "--isolate", "--"], "proj", []),
    (["proj", "--", "--threads", "3"], "proj", ["--threads", "3"]),  # pytest's, not ours
])
def test_every_argument_after_the_separator_reaches_pytest_unchanged(argv, path, extra) -> None:
    args, got_path, got_extra = _parse(*argv)
    assert (got_path, got_extra) == (Path(path), extra)
    ours = argv[: argv.index("--")]
    assert args.threads == (ours[ours.index("--threads") + 1] if "--threads" in ours else "auto")


def test_the_help_shows_the_pytest_forms(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser("test").parse_args(["test", "--help"])
    out = capsys.readouterr().out
    assert "[PATH] [-- PYTEST_ARG ...]" in out
    for form in ("gilfree test . -- -x", "gilfree test -- -q", 'gilfree test . --threads 2 -- -k "lost and not slow"',
                 "gilfree test . -- -p no:cacheprovider"):
        assert form in out


def test_pytest_arguments_without_the_separator_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        _parse("proj", "-k", "x")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "gilfree test: error: unrecognized arguments: -k x" in err and "go after --" in err


def test_exit_codes_follow_gilfree_conventions() -> None:
    assert [exit_code(code) for code in (0, 1, 2, 3, 4, 5)] == [0, 1, 3, 3, 1, 2]


def _project(root: Path, test_body: str) -> Path:
    (root / "src" / "tinyproj").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tinyproj"\nversion = "0.1"\n'
    )
    (root / "src" / "tinyproj" / "__init__.py").write_text(
        "class Counter:\n"
        "    def __init__(self):\n        self.value = 0\n"
        "    def bump(self):\n        self.value += 1\n"
        "COUNTER = Counter()\n"
    )
    (root / "tests").mkdir()
    (root / "tests" / "test_tiny.py").write_text(test_body)
    return root


def _gilfree(*args: str, tmp: Path, **kwargs) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.Popen([sys.executable, "-m", "gilfree", "test", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)


needs_default_pass = pytest.mark.skipif(
    bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    reason="installs a venv: run once, in the default-interpreter pass",
)


@pytest.mark.ft
@needs_default_pass
def test_runs_a_project_suite_on_the_free_threaded_python(tmp_path: Path, ft_python: Path) -> None:
    project = _project(
        tmp_path / "proj",
        "import tinyproj\n"
        "def test_bump():\n"
        "    before = tinyproj.COUNTER.value\n"
        "    for _ in range(5000):\n"
        "        tinyproj.COUNTER.bump()\n"
        "    assert tinyproj.COUNTER.value >= before + 5000\n"
        "def test_fresh():\n"
        "    assert tinyproj.Counter().value == 0\n",
    )
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    report = tmp_path / "report.json"
    proc = _gilfree(str(project), "--python", str(ft_python), "--threads", "8", "--iterations", "20",
                    "--duration", "20", "--report", str(report), "--", "-p", "no:cacheprovider", tmp=scratch)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 1, out
    assert "gilfree test on Python 3." in out and "t ──" in out
    assert "failed tests/test_tiny.py::test_bump (AssertionError)" in out
    assert report.is_file() and list(scratch.iterdir()) == []  # the venv is gone
    assert f"JSON report: {report}" in out


@pytest.mark.ft
@needs_default_pass
def test_ctrl_c_removes_the_venv_and_the_children(tmp_path: Path, ft_python: Path) -> None:
    marker = tmp_path / "started"
    project = _project(
        tmp_path / "proj",
        "import pathlib, time\n"
        "def test_sleeps():\n"
        f"    pathlib.Path({str(marker)!r}).write_text(str(__import__('os').getpid()))\n"
        "    time.sleep(600)\n",
    )
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = _gilfree(str(project), "--python", str(ft_python), "--threads", "2", "--timeout", "0", tmp=scratch)
    deadline = time.monotonic() + 300
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marker.exists(), proc.communicate()[0]
    child = int(marker.read_text())
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert list(scratch.iterdir()) == []
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


@pytest.mark.ft
@needs_default_pass
def test_python_version_picks_the_series(tmp_path: Path, ft_python: Path) -> None:
    """`--python-version` runs the suite on that free-threaded series, found as
    `gilfree python` finds it (here: the one GILFREE_PYTHON names)."""
    from gilfree.runtime.pyinfo import inspect_interpreter

    info = inspect_interpreter(ft_python)
    series = f"{info.version[0]}.{info.version[1]}t"
    project = _project(tmp_path / "proj", "def test_ok():\n    assert True\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = _gilfree(str(project), "--python-version", series, "--threads", "2", "--iterations", "2",
                    "--", "-p", "no:cacheprovider", tmp=scratch)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    assert f"gilfree test on Python {info.label}" in out
    proc = _gilfree(str(project), "--python-version", "all", "--json", tmp=scratch)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "--report and --json take one run" in out

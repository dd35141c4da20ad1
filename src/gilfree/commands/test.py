"""`gilfree test`: a project's own test suite under the stress plugin, on a free-threaded
interpreter, in a throwaway venv (the project and pytest installed with pip; gilfree from
its checkout, or copied from its installed files).

The venv and every child process are removed however the run ends (Ctrl-C included):
both are registered with :mod:`gilfree.runtime.processes`.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, IncompleteError, InterpreterError
from ..runtime.pipfailure import pip_failure_reason
from ..runtime.processes import REGISTRY, deferred_signals, kill_group, run
from ..runtime.pyinfo import inspect_interpreter
from ..runtime.venv import Venv, throwaway_venv

INSTALL_TIMEOUT = 1800.0
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SuiteRun:
    """What pytest did: its exit code and the stress plugin's JSON report (if written)."""

    python: str
    exit_code: int
    report: dict[str, Any] | None


def source_tree() -> Path | None:
    """The checkout this gilfree runs from (an editable install), else None."""
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").is_file() and (root / "src" / "gilfree").is_dir():
        return root
    return None


def copy_installed_gilfree(site_dir: Path) -> None:
    """Copy the running gilfree's installed files (package and .dist-info) into ``site_dir``.

    These are the files pip unpacked from the wheel, so the venv gets exactly the code
    that runs here, offline, and also for a build that is on no index (a local wheel,
    ``pip install .``). The console script (outside site-packages) is left out: the suite
    needs only the plugin, which the .dist-info's entry points register.
    """
    try:
        dist = importlib.metadata.distribution("gilfree")
    except importlib.metadata.PackageNotFoundError:
        raise IncompleteError("gilfree is not installed as a distribution: cannot put its "
                              "pytest plugin into the test venv") from None
    if not dist.files:
        raise IncompleteError(f"gilfree {dist.version} has no RECORD of its files: cannot copy "
                              "its pytest plugin into the test venv (reinstall it with pip)")
    for file in dist.files:
        if file.parts[0] == ".." or "__pycache__" in file.parts:
            continue
        dest = site_dir / file
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(str(dist.locate_file(file))), dest)


def check_project(path: Path) -> Path:
    project = path.resolve()
    if not any((project / name).is_file() for name in ("pyproject.toml", "setup.py", "setup.cfg")):
        raise BadInput("not a Python project (no pyproject.toml, setup.py or setup.cfg)", path=str(path))
    return project


def _pip(venv: Venv, args: Sequence[str], what: str, env: dict[str, str]) -> None:
    result = run([*venv.pip, "install", "--no-input", "--disable-pip-version-check", *args],
                 timeout=INSTALL_TIMEOUT, env=env)
    if result.timed_out:
        raise IncompleteError(f"pip did not install {what} within {INSTALL_TIMEOUT:g}s")
    if result.returncode != 0:
        raise IncompleteError(f"pip could not install {what}: {pip_failure_reason(result.stderr)}")


def run_suite(
    project: Path,
    *,
    python: Path,
    stress_args: Sequence[str],
    pytest_args: Sequence[str] = (),
    report_path: Path | None = None,
    progress: Progress = lambda message: None,
) -> SuiteRun:
    """Install ``project`` into a fresh venv of ``python`` and run its tests under stress."""
    project = check_project(project)
    info = inspect_interpreter(python)
    if not info.free_threaded:
        raise InterpreterError(f"{python} is Python {info.label}, not a free-threaded build: "
                               "stress results there would prove little")
    with throwaway_venv(python) as venv:
        tmp = venv.root.parent
        env = {**os.environ, "TMPDIR": str(tmp)}
        progress(f"installing {project.name} and pytest into a throwaway venv")
        _pip(venv, [str(project), "pytest"], f"{project.name} and pytest", env)
        # the plugin needs only pytest: gilfree's own dependencies stay out of the suite's venv
        checkout = source_tree()
        if checkout is not None:
            _pip(venv, ["--no-deps", str(checkout)], "gilfree", env)
        else:
            copy_installed_gilfree(venv.info.site_dirs[0])
        report = report_path.resolve() if report_path else tmp / "gilfree-stress.json"
        # a report in the throwaway venv's directory is gone when we return: not named
        temporary = () if report_path else ("--ft-report-temporary",)
        command = [str(venv.python), "-m", "pytest", *stress_args, "--ft-report", str(report), *temporary,
                   *pytest_args]
        progress("running: pytest " + " ".join([*stress_args, *pytest_args]))
        code = _run_streaming(command, cwd=project, env=env)
        data = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None
    return SuiteRun(python=info.label, exit_code=code, report=data)


def _run_streaming(command: Sequence[str], *, cwd: Path, env: dict[str, str]) -> int:
    """Run with output going straight to our terminal; the child's group dies with us."""
    proc = REGISTRY.spawn(command, cwd=cwd, env=env, stdin=None)
    try:
        return proc.wait()
    except BaseException:
        with deferred_signals():  # a second Ctrl-C must not leave it unreaped
            kill_group(proc)
            proc.wait(timeout=10)
        raise
    finally:
        kill_group(proc)  # stray grandchildren (abandoned worker processes) go too
        REGISTRY.forget(proc)

"""Throwaway virtual environments in temporary directories that are always removed.

A venv is created ``--without-pip`` (milliseconds instead of seconds) and filled with the
base interpreter's own pip through ``pip --python``; only when the base has no usable pip
does the venv get its own through ``ensurepip``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import InterpreterError
from .processes import REGISTRY, run
from .pyinfo import InterpreterInfo, inspect_interpreter

TEMP_PREFIX = "gilfree-"


@contextmanager
def temporary_directory(prefix: str = TEMP_PREFIX) -> Iterator[Path]:
    """A fresh directory, deleted on exit, on error and by the registry on Ctrl-C/SIGTERM."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    REGISTRY.add_dir(path)
    try:
        yield path
    finally:
        REGISTRY.remove_dir(path)


@dataclass(frozen=True)
class Venv:
    """A created environment and the command that runs pip for it."""

    root: Path
    info: InterpreterInfo
    pip: tuple[str, ...]

    @property
    def python(self) -> Path:
        return self.info.executable


def _venv_python(root: Path) -> Path:
    for candidate in (root / "bin" / "python", root / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    raise InterpreterError(f"venv at {root} has no python executable")


def create_venv(base_python: str | os.PathLike[str], root: Path, *, timeout: float = 300) -> Venv:
    """Create a venv at ``root`` from ``base_python`` and work out how to run pip in it."""
    base = inspect_interpreter(base_python)
    with_pip = not base.pip_supports_python_option
    args = [os.fspath(base_python), "-m", "venv", *([] if with_pip else ["--without-pip"]), os.fspath(root)]
    result = run(args, timeout=timeout)
    if result.returncode != 0 or result.timed_out:
        lines = result.stderr.strip().splitlines() or ["timed out" if result.timed_out else "failed"]
        raise InterpreterError(f"could not create a venv with {base_python}: {lines[-1]}")
    info = inspect_interpreter(_venv_python(root))
    if with_pip:
        if info.pip_version is None:
            raise InterpreterError(f"{base_python} has no pip and ensurepip did not provide one")
        pip: tuple[str, ...] = (os.fspath(info.executable), "-m", "pip")
    else:
        pip = (os.fspath(base_python), "-m", "pip", "--python", os.fspath(info.executable))
    return Venv(root=root, info=info, pip=pip)


@contextmanager
def throwaway_venv(base_python: str | os.PathLike[str], *, prefix: str = TEMP_PREFIX) -> Iterator[Venv]:
    """A venv in a temporary directory that is gone when the block exits, however it exits."""
    with temporary_directory(prefix) as tmp:
        yield create_venv(base_python, tmp / "venv")

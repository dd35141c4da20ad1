"""Pick the input format from a path: a file by its name, a directory by precedence.

Directory precedence, most exact first: ``uv.lock``, ``poetry.lock``, ``pylock.toml``
(or a single ``pylock.*.toml``), ``pyproject.toml``, then ``requirements.txt`` (or the
only ``requirements*.txt``). A lock says exactly what is installed; a pyproject or a
requirements file still has to be resolved.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from ..errors import BadInput
from ..fsutil import input_stat, os_problem, shown_path
from .environment import read_environment
from .model import ProjectInput
from .poetrylock import read_poetry_lock
from .pylock import read_pylock
from .pyproject import read_pyproject
from .requirements import read_requirements
from .uvlock import read_uv_lock

INPUT_KINDS = ("uv.lock", "poetry.lock", "pylock", "pyproject", "requirements", "environment")


def _kind_of_file(path: Path) -> str | None:
    name = path.name.lower()
    if name == "uv.lock":
        return "uv.lock"
    if name == "poetry.lock":
        return "poetry.lock"
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return "pylock"
    if name == "pyproject.toml":
        return "pyproject"
    if name.endswith((".txt", ".in")):
        return "requirements"
    return None


def _is_file(path: Path) -> bool:
    """A regular file (after symlinks) we may name; an unreadable directory is BadInput."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno in (errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG):
            return False
        raise BadInput(os_problem(exc), path=shown_path(path)) from None


def _pick_in_directory(directory: Path) -> Path:
    try:
        names = os.listdir(directory)
    except OSError as exc:
        raise BadInput(f"cannot list the directory: {os_problem(exc)}", path=shown_path(directory)) from None
    for name in ("uv.lock", "poetry.lock", "pylock.toml"):
        if name in names and _is_file(directory / name):
            return directory / name
    for pattern, what in (("pylock.*.toml", "pylock files"), ("pyproject.toml", ""),
                          ("requirements*.txt", "requirements files")):
        found = sorted(directory / n for n in names if fnmatch.fnmatchcase(n, pattern) and _is_file(directory / n))
        if pattern.startswith("requirements") and "requirements.txt" in names and _is_file(directory / "requirements.txt"):
            return directory / "requirements.txt"
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            listed = ", ".join(p.name for p in found)
            raise BadInput(f"several {what} ({listed}): name the one to check", path=shown_path(directory))
    raise BadInput("no uv.lock, poetry.lock, pylock.toml, pyproject.toml or requirements*.txt here",
                   path=shown_path(directory))


def detect_kind(path: Path) -> tuple[str, Path]:
    """The input kind and file for ``path`` (a file, or a directory searched by precedence)."""
    info = input_stat(path)  # BadInput: no such file, symlink loop, permission, NUL byte
    if stat.S_ISDIR(info.st_mode):
        path = _pick_in_directory(path)
    kind = _kind_of_file(path)
    if kind is None:
        raise BadInput("unknown input format: name it with --input "
                       f"({', '.join(k for k in INPUT_KINDS if k != 'environment')})", path=shown_path(path))
    return kind, path


def load_input(path: Path | None = None, *, kind: str | None = None, python: str | None = None,
               extras: Sequence[str] = (), groups: Sequence[str] = (),
               memo_dir: Path | None = None) -> ProjectInput:
    """Read a project's dependencies from ``path`` (or the environment of ``python``);
    big TOML files (lock files) are parsed once per content when ``memo_dir`` is given."""
    if python is not None:
        return read_environment(python)
    path = path or Path(".")
    if kind is None:
        kind, path = detect_kind(path)
    elif stat.S_ISDIR(input_stat(path).st_mode):
        raise BadInput(f"--input {kind} needs a file, not a directory", path=shown_path(path))
    # the file itself is checked by its reader (fsutil.read_bytes: regular files only)
    if kind == "requirements":
        if extras or groups:
            raise BadInput("--extra and --group do not apply to a requirements file", path=str(path))
        return read_requirements(path)
    readers = {"uv.lock": read_uv_lock, "poetry.lock": read_poetry_lock, "pylock": read_pylock,
               "pyproject": read_pyproject}
    if kind not in readers:
        raise BadInput(f"unknown input kind {kind!r} (one of {', '.join(INPUT_KINDS)})")
    return readers[kind](path, extras, groups, memo_dir)

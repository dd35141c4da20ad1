"""``pylock.toml`` (PEP 751), validated by ``packaging.pylock``.

Package markers may test ``extras`` and ``dependency_groups``; they are evaluated per
target with the chosen ones (default groups when none are chosen). PEP 751 records no
root, so the dependency edges, when present, only serve "why is this here" paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from packaging.pylock import Pylock, PylockUnsupportedVersionError, PylockValidationError
from packaging.utils import canonicalize_name

from ..errors import BadInput, clip
from .model import LockEdge, LockedPackage, LockGraph, ProjectInput, Unchecked
from .pyproject import select
from .tomlfile import line_of, load_toml, shape_errors


def read_pylock(path: Path, extras: Sequence[str] = (), groups: Sequence[str] = (),
                memo_dir: Path | None = None) -> ProjectInput:
    """Every package of the lock, with its own marker (PEP 751 ``lock_file`` context)."""
    with shape_errors(path, "pylock file"):
        return _read_pylock(path, extras, groups, memo_dir)


def _read_pylock(path: Path, extras: Sequence[str], groups: Sequence[str],
                 memo_dir: Path | None) -> ProjectInput:
    data, text = load_toml(path, memo_dir)
    try:
        lock = Pylock.from_dict(data)
    except (PylockValidationError, PylockUnsupportedVersionError) as exc:
        context = getattr(exc, "context", None) or ""
        key = context.split(".")[-1].split("[")[0] if context else "lock-version"
        message = str(getattr(exc, "message", "") or exc).strip()
        message = message.splitlines()[0] if message else type(exc).__name__  # no caret diagram
        where = f" in {context!r}" if context else ""
        raise BadInput(f"invalid pylock file: {clip(message)}{where}", path=str(path),
                       line=line_of(text, key)) from None
    chosen_extras = select(extras, lock.extras or (), "extra", path)
    declared_groups = [*(lock.dependency_groups or ()), *(lock.default_groups or ())]
    chosen_groups = (select(groups, declared_groups, "dependency group", path) if groups
                     else list(lock.default_groups or ()))
    packages: list[LockedPackage] = []
    unchecked: list[Unchecked] = []
    for package in lock.packages:
        direct = package.vcs or package.directory or package.archive
        if direct is not None:
            reason = ("VCS checkout: built from source, not from the index" if package.vcs
                      else "local path: not on the index" if package.directory
                      else "direct URL: not on the index")
            where = getattr(direct, "url", None) or getattr(direct, "path", None) or ""
            unchecked.append(Unchecked(f"{package.name} @ {where}", reason, str(path)))
        deps = tuple(LockEdge(canonicalize_name(str(d.get("name", ""))), version=d.get("version"))
                     for d in package.dependencies or () if d.get("name"))
        packages.append(LockedPackage(name=package.name, version=str(package.version or ""),
                                      marker=package.marker, dependencies=deps, checked=direct is None))
    return ProjectInput(path=str(path), kind="pylock", name=path.parent.resolve().name,
                        locked=LockGraph(packages=tuple(packages), roots=None, marker_context="lock_file",
                                         extras=frozenset(canonicalize_name(e) for e in chosen_extras),
                                         groups=frozenset(canonicalize_name(g) for g in chosen_groups)),
                        unchecked=tuple(unchecked))

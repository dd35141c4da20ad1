"""Notice a test changing process-wide state while it runs alone.

Such a test cannot run in threads (each thread would undo the others' changes), so
the plugin keeps it single-threaded and reports what it changed: before/after
snapshots of os.environ, the working directory, sys.path, the warnings filters,
sys.stdout/sys.stderr and the globals of the project's modules (rebound names).

Two snapshots are taken per test, so they are built and compared at C speed: plain
copies (the environment's raw dict, each namespace's keys and values) compared by
equality and identity; names are looked at one by one only when something changed.
Which loaded modules belong to the project is decided once per module.

No audit hook: one cannot be removed once added, and a Python hook called for every
audited event (``id()``, ``sys._getframe``, ``compile``...) in every thread made
introspection-heavy suites (toolz's) measurably slower on a free-threaded build.
"""

from __future__ import annotations

import operator
import os
import sys
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


@dataclass(frozen=True)
class Globals:
    """A module's global names and the objects bound to them (kept alive, compared by identity)."""

    names: tuple[str, ...]
    values: tuple[object, ...]

    @classmethod
    def of(cls, module: ModuleType) -> Globals:
        namespace = module.__dict__
        return cls(tuple(namespace), tuple(namespace.values()))

    def same_as(self, other: Globals) -> bool:
        return self.names == other.names and all(map(operator.is_, self.values, other.values))

    def rebound(self, other: Globals) -> list[str]:
        """Names (not dunder) bound to another object, added or deleted in ``other``."""
        mine, theirs = dict(zip(self.names, self.values)), dict(zip(other.names, other.values))
        missing = object()
        return sorted(
            name
            for name in mine.keys() | theirs.keys()
            if not name.startswith("__") and mine.get(name, missing) is not theirs.get(name, missing)
        )


@dataclass(frozen=True)
class Snapshot:
    environ: Mapping[object, object]
    cwd: str
    sys_path: tuple[str, ...]
    filters: tuple[object, ...]
    streams: tuple[int, int]
    module_globals: dict[str, Globals]


def _warning_filters() -> tuple[object, ...]:
    """The filters in force for this thread: with context-aware warnings (the default on
    3.14t and later free-threaded builds, ``sys.flags.context_aware_warnings``)
    ``catch_warnings`` and ``simplefilter`` change a per-context list, not
    ``warnings.filters``."""
    get = getattr(warnings, "_get_filters", None)
    if get is not None and getattr(sys.flags, "context_aware_warnings", False):
        return tuple(get())
    return tuple(warnings.filters)


class StateWatch:
    """Snapshots of process-wide state, with the modules of the project under ``roots``."""

    def __init__(self, roots: Collection[Path], excluded_modules: Collection[str] = ()) -> None:
        self._roots = tuple(str(root.resolve()) + os.sep for root in roots)
        self._outside = tuple(p + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
        self.excluded_modules = set(excluded_modules)
        self._verdicts: dict[str, tuple[int, bool]] = {}  # name -> (id(module), in the project)
        self._loaded: dict[str, object] = {}
        self._project: list[str] = []

    def project_modules(self) -> list[str]:
        """Names of the loaded modules of the project; rescanned only when sys.modules changed."""
        loaded = dict(sys.modules)  # one C-level copy: compared with the last one by identity
        if loaded == self._loaded:
            return self._project
        verdicts = self._verdicts
        names = []
        for name, module in loaded.items():
            known = verdicts.get(name)
            if known is None or known[0] != id(module):
                known = verdicts[name] = (id(module), self._in_project(name, module))
            if known[1]:
                names.append(name)
        self._loaded, self._project = loaded, names
        return names

    def _in_project(self, name: str, module: object) -> bool:
        path = getattr(module, "__file__", None)
        return bool(
            isinstance(path, str)
            and name not in self.excluded_modules
            and path.startswith(self._roots)
            and not path.startswith(self._outside)
            and "site-packages" not in path
        )

    def snapshot(self) -> Snapshot:
        modules = {}
        for name in self.project_modules():
            module = sys.modules.get(name)
            if isinstance(getattr(module, "__dict__", None), dict):
                modules[name] = Globals.of(module)  # type: ignore[arg-type]
        return Snapshot(
            environ=_environ_copy(),
            cwd=os.getcwd(),
            sys_path=tuple(sys.path),
            filters=_warning_filters(),
            streams=(id(sys.stdout), id(sys.stderr)),
            module_globals=modules,
        )

    def start(self) -> Snapshot:
        return self.snapshot()

    def stop(self, before: Snapshot) -> list[str]:
        """What the test changed since ``start`` returned ``before``; empty if nothing."""
        return _differences(before, self.snapshot())


def _environ_copy() -> Mapping[object, object]:
    """The environment as os.environ keeps it (bytes on POSIX): copied without decoding."""
    raw = getattr(os.environ, "_data", None)
    return dict(raw) if isinstance(raw, dict) else dict(os.environ)


def _environ_key(key: object) -> str:
    return os.fsdecode(key) if isinstance(key, bytes) else str(key)


def _differences(before: Snapshot, after: Snapshot) -> list[str]:
    reasons = []
    if before.environ != after.environ:
        changed = sorted(
            _environ_key(key)
            for key in before.environ.keys() | after.environ.keys()
            if before.environ.get(key) != after.environ.get(key)
        )
        reasons.append(f"changed os.environ ({', '.join(changed[:5])})")
    if before.cwd != after.cwd:
        reasons.append(f"changed the working directory to {after.cwd}")
    if before.sys_path != after.sys_path:
        reasons.append("changed sys.path")
    if before.filters != after.filters:
        reasons.append("changed the warnings filters")
    if before.streams != after.streams:
        reasons.append("replaced sys.stdout or sys.stderr")
    for module, then in before.module_globals.items():
        now = after.module_globals.get(module)
        if now is None or then.same_as(now):
            continue
        rebound = then.rebound(now)
        if rebound:
            reasons.append(f"rebound globals of {module} ({', '.join(rebound[:5])})")
    return reasons

"""Notice a test changing process-wide state while it runs alone.

Such a test cannot run in threads (each thread would undo the others' changes), so
the plugin keeps it single-threaded and reports what it changed. Two views:
before/after snapshots (os.environ, cwd, sys.path, warnings filters, stdout/stderr,
rebound module globals of the project under test) and an audit hook that also sees
changes undone before the test returned (os.chdir, os.putenv, os.unsetenv).
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

_AUDITED = {"os.chdir": "changes the working directory (os.chdir)",
            "os.putenv": "sets an environment variable",
            "os.unsetenv": "removes an environment variable",
            "sys.setprofile": "installs a profiler (sys.setprofile)",
            "sys.settrace": "installs a tracer (sys.settrace)"}


@dataclass(frozen=True)
class Snapshot:
    environ: dict[str, str]
    cwd: str
    sys_path: tuple[str, ...]
    filters: tuple[object, ...]
    streams: tuple[int, int]
    module_globals: dict[str, dict[str, int]]


class StateWatch:
    """Snapshots and audit events for the modules of the project under ``roots``."""

    def __init__(self, roots: Collection[Path], excluded_modules: Collection[str] = ()) -> None:
        self._roots = tuple(str(root.resolve()) + os.sep for root in roots)
        self._outside = tuple(p + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
        self.excluded_modules = set(excluded_modules)
        self._events: list[str] = []
        self._watching = False
        self._lock = threading.Lock()
        sys.addaudithook(self._audit)

    def _audit(self, event: str, args: tuple[object, ...]) -> None:
        if self._watching and event in _AUDITED:
            with self._lock:
                self._events.append(event)

    def project_modules(self) -> list[str]:
        names = []
        for name, module in list(sys.modules.items()):
            path = getattr(module, "__file__", None)
            if (
                path
                and name not in self.excluded_modules
                and path.startswith(self._roots)
                and not path.startswith(self._outside)
                and "site-packages" not in path
            ):
                names.append(name)
        return names

    def snapshot(self) -> Snapshot:
        modules = {}
        for name in self.project_modules():
            namespace = getattr(sys.modules.get(name), "__dict__", {})
            modules[name] = {key: id(value) for key, value in list(namespace.items()) if not key.startswith("__")}
        return Snapshot(
            environ=dict(os.environ),
            cwd=os.getcwd(),
            sys_path=tuple(sys.path),
            filters=tuple(warnings.filters),
            streams=(id(sys.stdout), id(sys.stderr)),
            module_globals=modules,
        )

    def start(self) -> Snapshot:
        with self._lock:
            self._events.clear()
        self._watching = True
        return self.snapshot()

    def stop(self, before: Snapshot) -> list[str]:
        """What the test changed since ``start`` returned ``before``; empty if nothing."""
        self._watching = False
        after = self.snapshot()
        with self._lock:
            reasons = list(dict.fromkeys(_AUDITED[event] for event in self._events))
        reasons.extend(_differences(before, after))
        return list(dict.fromkeys(reasons))


def _differences(before: Snapshot, after: Snapshot) -> list[str]:
    reasons = []
    changed = sorted(
        key
        for key in before.environ.keys() | after.environ.keys()
        if before.environ.get(key) != after.environ.get(key)
    )
    if changed:
        reasons.append(f"changed os.environ ({', '.join(changed[:5])})")
    if before.cwd != after.cwd:
        reasons.append(f"changed the working directory to {after.cwd}")
    if before.sys_path != after.sys_path:
        reasons.append("changed sys.path")
    if before.filters != after.filters:
        reasons.append("changed the warnings filters")
    if before.streams != after.streams:
        reasons.append("replaced sys.stdout or sys.stderr")
    for module, names in before.module_globals.items():
        now = after.module_globals.get(module, names)
        rebound = sorted(name for name in names.keys() | now.keys() if names.get(name) != now.get(name))
        if rebound:
            reasons.append(f"rebound globals of {module} ({', '.join(rebound[:5])})")
    return reasons

"""Notice a test changing process-wide state while it runs alone.

Such a test cannot run in threads (each thread would undo the others' changes), so
the plugin keeps it single-threaded and reports what it changed: before/after
snapshots of os.environ, the working directory, sys.path, the warnings filters,
sys.stdout/sys.stderr and the globals of the project's modules (rebound names).

No audit hook: one cannot be removed once added, and a Python hook called for every
audited event (``id()``, ``sys._getframe``, ``compile``...) in every thread made
introspection-heavy suites (toolz's) measurably slower on a free-threaded build.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

@dataclass(frozen=True)
class Snapshot:
    environ: dict[str, str]
    cwd: str
    sys_path: tuple[str, ...]
    filters: tuple[object, ...]
    streams: tuple[int, int]
    module_globals: dict[str, dict[str, int]]


class StateWatch:
    """Snapshots of process-wide state, with the modules of the project under ``roots``."""

    def __init__(self, roots: Collection[Path], excluded_modules: Collection[str] = ()) -> None:
        self._roots = tuple(str(root.resolve()) + os.sep for root in roots)
        self._outside = tuple(p + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
        self.excluded_modules = set(excluded_modules)

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
        return self.snapshot()

    def stop(self, before: Snapshot) -> list[str]:
        """What the test changed since ``start`` returned ``before``; empty if nothing."""
        return _differences(before, self.snapshot())


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

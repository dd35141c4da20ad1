"""Is the GIL really off? On a free-threaded build, name every module that turned it on.

CPython warns only about the first extension module that re-enables the GIL; each
loaded extension module is therefore imported again on its own, in a fresh
interpreter, by ``gilfree.runtime.probe.probe_modules``.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass

FREE_THREADED_BUILD = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled() -> bool:
    checker = getattr(sys, "_is_gil_enabled", None)
    return True if checker is None else bool(checker())


def loaded_extension_modules(names: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(module name, file) of each non-stdlib extension module in ``sys.modules`` (or ``names``).

    The standard library's own modules all declare free-threading support.
    """
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    stdlib = tuple(os.path.realpath(sysconfig.get_path(key)) + os.sep for key in ("stdlib", "platstdlib"))
    found = []
    for name in sorted(sys.modules if names is None else names):
        path = getattr(sys.modules.get(name), "__file__", None)
        if path and path.endswith(suffixes) and not os.path.realpath(path).startswith(stdlib):
            found.append((name, path))
    return found


@dataclass(frozen=True)
class GilVerdict:
    """Why the GIL is on: forced by the user, and/or these modules."""

    forced: str | None
    modules: tuple[str, ...]
    unprobed: tuple[str, ...]
    probe_error: str | None = None

    def message(self) -> str:
        lines = ["gilfree: the GIL is enabled on this free-threaded interpreter, so threads "
                 "cannot race; stress results would be meaningless."]
        if self.forced:
            lines.append(f"  forced by {self.forced}")
        for module in self.modules:
            lines.append(f"  re-enabled by importing {module}")
        if self.unprobed:
            why = f" ({self.probe_error})" if self.probe_error else ""
            lines.append(f"  could not check{why}: " + ", ".join(self.unprobed))
        if not self.forced and not self.modules and not self.unprobed:
            lines.append("  no loaded extension module re-enables it on its own; "
                         "it may have been turned on by a combination of imports")
        lines.append("  Fix those modules (declare Py_mod_gil) or find versions with free-threaded wheels.")
        return "\n".join(lines)


def explain_gil(modules: list[tuple[str, str]], *, timeout: float = 60) -> GilVerdict:
    """Probe each module in ``modules`` separately and keep those that enable the GIL."""
    forced = _forced_by_user()
    if not modules:
        return GilVerdict(forced, (), ())
    try:
        from ..runtime.probe import probe_modules
    except ImportError as exc:
        return GilVerdict(forced, (), tuple(name for name, _ in modules), f"probe unavailable: {exc}")
    # the children must find the modules where this process found them
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(entry or os.getcwd() for entry in sys.path)}
    try:
        probes = probe_modules(sys.executable, modules, timeout=timeout, env=env)
    except Exception as exc:  # noqa: BLE001 - report the names we have rather than nothing
        return GilVerdict(forced, (), tuple(name for name, _ in modules), str(exc))
    culprits = tuple(probe.module for probe in probes if probe.outcome == "gil-enabled")
    unchecked = tuple(f"{probe.module} ({probe.outcome})" for probe in probes
                      if probe.outcome not in ("gil-enabled", "gil-disabled"))
    return GilVerdict(forced, culprits, unchecked)


def _forced_by_user() -> str | None:
    if os.environ.get("PYTHON_GIL") == "1":
        return "the environment variable PYTHON_GIL=1"
    if str(sys._xoptions.get("gil", "")) == "1":
        return "the interpreter option -X gil=1"
    return None

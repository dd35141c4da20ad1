"""Import one module in a fresh free-threaded interpreter and report what the GIL did.

Runs *inside the audited interpreter* via ``python -X faulthandler -c <this source>
MODULE PATH TIMEOUT``: standard library only, no gilfree import (the throwaway venv does
not have gilfree). Writes one JSON object to the original stdout; the module's own prints
are sent to stderr so they cannot corrupt it.

CPython re-enables the GIL inside ``ExtensionFileLoader.create_module`` (the PyInit call
for single-phase modules; module creation from the def's slots for multi-phase ones) and
warns only for the first module that does so. Wrapping ``create_module`` records, for
every extension loaded in this process, whether the GIL went from off to on within its
own window (nested loads excluded). When the GIL was already on before the target's
window (its package's ``__init__`` imported an undeclared sibling first), the target's own
declaration is read from the module object (``md_gil``), guarded by layout checks.
"""

import faulthandler
import importlib
import importlib.machinery
import json
import os
import sys
import traceback
import warnings


def _declared(module):
    """'not-used' / 'used' from PyModuleObject's GIL field (md_gil up to 3.14,
    md_requires_gil in 3.15), or None when it cannot be read safely (another layout)."""
    import ctypes
    import types

    if type(module) is not types.ModuleType:
        return "used"  # CPython treats a non-module result as needing the GIL
    ptr = ctypes.sizeof(ctypes.c_void_p)
    base = object.__basicsize__
    address = id(module)
    version = sys.version_info[:2]
    if version in ((3, 13), (3, 14)):
        # md_dict, md_def, md_state, md_weaklist, md_name, void *md_gil
        if types.ModuleType.__basicsize__ != base + 6 * ptr:
            return None
        if ctypes.c_void_p.from_address(address + base).value != id(module.__dict__):
            return None
        gil = ctypes.c_void_p.from_address(address + base + 5 * ptr).value
        return {None: "used", 0: "used", 1: "not-used"}.get(gil)
    if version == (3, 15):
        # md_dict, md_state, md_weaklist, md_name, bool md_token_is_def, bool md_requires_gil,
        # then md_state_size, three state callbacks, md_token, md_exec
        if types.ModuleType.__basicsize__ != base + 11 * ptr:
            return None
        if ctypes.c_void_p.from_address(address + base).value != id(module.__dict__):
            return None
        requires = ctypes.c_ubyte.from_address(address + base + 4 * ptr + 1).value
        return {0: "not-used", 1: "used"}.get(requires)
    return None


def _parent_error(name, exc):
    """When ``name`` failed because a package above it (not the top-level one) could not be
    imported for want of another module (``greenlet.tests`` needs psutil, a test-only
    dependency), that package and the error; the module's own code never ran."""
    if not isinstance(exc, ImportError) or isinstance(exc, ModuleNotFoundError) and exc.name == name:
        return None
    parts = name.split(".")
    for depth in range(2, len(parts)):
        parent = ".".join(parts[:depth])
        if parent in sys.modules:
            continue
        try:
            importlib.import_module(parent)
        except ImportError as inner:
            missing = getattr(inner, "name", None)
            if missing and (missing == parent or missing.startswith(parent + ".")):
                return None  # the package itself is broken, not a dependency of it
            return {"package": parent, "error": f"{type(inner).__name__}: {inner}"}
        except BaseException:
            return None
    return None


def main():
    name, path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    report = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    faulthandler.enable()
    if timeout > 0:
        faulthandler.dump_traceback_later(timeout, exit=False)

    windows = []
    stack = []
    loader = importlib.machinery.ExtensionFileLoader
    original = loader.create_module

    def create_module(self, spec):
        entry = {"module": spec.name, "origin": spec.origin, "before": sys._is_gil_enabled(),
                 "nested": False}
        stack.append(entry)
        try:
            return original(self, spec)
        finally:
            stack.pop()
            entry["after"] = sys._is_gil_enabled()
            changed = not entry["before"] and entry["after"]
            entry["enabled_here"] = changed and not entry["nested"]
            if changed and stack:
                stack[-1]["nested"] = True
            windows.append(entry)

    loader.create_module = create_module
    result = {"module": name, "path": path, "gil_at_start": sys._is_gil_enabled()}
    module = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            module = importlib.import_module(name)
        except BaseException as exc:  # SystemExit from a module is an import failure too
            result["error"] = f"{type(exc).__name__}: {exc}"
            result["traceback"] = traceback.format_exc(limit=-8)
            result["parent_error"] = _parent_error(name, exc)
    faulthandler.cancel_dump_traceback_later()
    loader.create_module = original
    result["gil_enabled"] = sys._is_gil_enabled()
    result["windows"] = windows
    result["warnings"] = [str(w.message) for w in caught
                          if "global interpreter lock" in str(w.message).lower()]
    if module is not None:
        result["file"] = getattr(module, "__file__", None)
        target = [w for w in windows if w["module"] == name]
        if result["gil_enabled"] and not (target and target[-1]["enabled_here"]):
            try:
                result["declared"] = _declared(module)
            except Exception as exc:  # ctypes missing or unusable: say so, do not guess
                result["declared"] = None
                result["declared_error"] = repr(exc)
    report.write(json.dumps(result))
    report.flush()
    # Skip finalization: its hangs and crashes (non-daemon threads, atexit) are not the import.
    os._exit(0)


if __name__ == "__main__":
    main()

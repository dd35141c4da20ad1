"""Import extension modules one per fresh interpreter and report what each did to the GIL.

Public, stable API (the audit command and the pytest stress plugin's GIL check use it)::

    probe_modules(python, [(module, path), ...], timeout=60, jobs=None, env=None)
        -> [ModuleProbe, ...]          # same order as the input

One process per module because CPython warns only for the *first* module that re-enables
the GIL, and the GIL, once on, stays on: a shared process could name one culprit at most.
Each child runs with ``PYTHON_GIL`` unset (the interpreter's default, as users run it) and
faulthandler on, in its own process group (killed as a group on timeout or Ctrl-C).

``ModuleProbe.outcome`` is one of:

- ``gil-disabled``: the import succeeded and the module declared it can run without the GIL
- ``gil-enabled``: importing the module re-enabled the GIL (it lacks ``Py_mod_gil``)
- ``import-error``: the import raised; ``detail`` is the exception
- ``not-checked``: the import failed only because a package above the module (not the
  top-level one) needs a module that is not installed, such as a test package's optional
  test dependency; ``detail`` names the package and what it needs. The module's own code
  never ran, so nothing is known about it (it is not a failing module of its distribution)
- ``crashed``: the child died (``detail``: the signal, then faulthandler's stack)
- ``timeout``: the import did not finish in time (``detail``: where it was stuck)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import InterpreterError
from ..verdicts.model import ModuleProbe
from .extensions import abi_tag
from .processes import REGISTRY, ProcessResult, cleanup_on_signals, run
from .venv import temporary_directory

GIL_DISABLED = "gil-disabled"
GIL_ENABLED = "gil-enabled"
IMPORT_ERROR = "import-error"
NOT_CHECKED = "not-checked"
CRASHED = "crashed"
TIMEOUT = "timeout"
OUTCOMES = (GIL_DISABLED, GIL_ENABLED, IMPORT_ERROR, NOT_CHECKED, CRASHED, TIMEOUT)

_CHILD_SOURCE = (Path(__file__).with_name("_probe_child.py")).read_text(encoding="utf-8")
_MAX_STACK_LINES = 40
# Variables that would change what the import does or where it looks.
_SCRUBBED_ENV = ("PYTHON_GIL", "PYTHONWARNINGS", "PYTHONSTARTUP", "PYTHONINSPECT")


def default_jobs() -> int:
    """Twice the CPU count: a probe is mostly process start-up and page faults, and
    benchmarks/bench_audit.py measured 2x CPUs faster than 1x (and 1x much faster than 1)."""
    return min(32, 2 * (os.cpu_count() or 1))


def probe_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: ``env`` (default: ours) without PYTHON_GIL and friends."""
    base = dict(os.environ if env is None else env)
    for key in _SCRUBBED_ENV:
        base.pop(key, None)
    return base


def _stack_from(stderr: str) -> str:
    """faulthandler's part of stderr ("Fatal Python error…" or "Thread 0x…"), trimmed."""
    lines = stderr.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if line.startswith(("Fatal Python error", "Thread 0x", "Current thread 0x",
                                      "Timeout ("))), max(0, len(lines) - 20))
    kept = lines[start:start + _MAX_STACK_LINES]
    return "\n".join(kept).strip()


def _gil_detail(data: dict[str, Any], module: str) -> tuple[str, str]:
    """(outcome, detail) for a child that imported ``module`` without error."""
    windows = data.get("windows", [])
    own = [w for w in windows if w["module"] == module]
    if own and own[-1].get("enabled_here"):
        warning = next((w for w in data.get("warnings", []) if f"'{module}'" in w), "")
        first = warning.split(". ")[0] + "." if warning else ""
        return GIL_ENABLED, first or "importing it re-enabled the GIL (no Py_mod_gil declaration)"
    if not data.get("gil_enabled"):
        return GIL_DISABLED, ""
    culprits = [w["module"] for w in windows if w.get("enabled_here")]
    if culprits:
        how = f"by {', '.join(culprits)}, imported with it"
    elif data.get("gil_at_start"):
        how = "at interpreter start-up (a .pth file or sitecustomize)"
    else:
        how = "by another module"
    declared = data.get("declared")
    if declared == "not-used":
        return GIL_DISABLED, f"declares Py_MOD_GIL_NOT_USED; the GIL was re-enabled {how}"
    if declared == "used":
        return GIL_ENABLED, f"does not declare Py_mod_gil (the GIL was first re-enabled {how})"
    return GIL_ENABLED, f"the GIL was re-enabled {how}; this module's own declaration could not be read"


def classify(module: str, path: str, result: ProcessResult, timeout: float) -> ModuleProbe:
    """Turn one child's exit status and report into a ModuleProbe."""
    tag = abi_tag(path)
    if result.timed_out:
        stack = _stack_from(result.stderr)
        detail = f"import did not finish within {timeout:g}s" + (f"\n{stack}" if stack else "")
        return ModuleProbe(module, path, tag, TIMEOUT, detail)
    if result.returncode < 0:
        stack = _stack_from(result.stderr)
        detail = f"killed by {result.signal_name}" + (f"\n{stack}" if stack else "")
        return ModuleProbe(module, path, tag, CRASHED, detail)
    try:
        data = json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        tail = _stack_from(result.stderr)
        detail = f"exited with status {result.returncode} before reporting" + (f"\n{tail}" if tail else "")
        return ModuleProbe(module, path, tag, CRASHED, detail)
    if "error" in data:
        parent = data.get("parent_error")
        if isinstance(parent, dict) and parent.get("package") and not data.get("gil_enabled"):
            return ModuleProbe(module, path, tag, NOT_CHECKED,
                               f"not checked: its package {parent['package']} does not import "
                               f"({parent.get('error', '')})")
        return ModuleProbe(module, path, tag, IMPORT_ERROR, data["error"])
    outcome, detail = _gil_detail(data, module)
    loaded = data.get("file")
    if loaded and os.path.realpath(loaded) != os.path.realpath(path):
        detail = (detail + "; " if detail else "") + f"note: `import {module}` loaded {loaded}"
    return ModuleProbe(module, path, tag, outcome, detail)


def probe_module(python: str | os.PathLike[str], module: str, path: str, *, timeout: float,
                 env: Mapping[str, str], cwd: Path) -> ModuleProbe:
    """One child for one module (the unit the pool runs)."""
    # faulthandler dumps the stuck stack a little before we kill the child.
    dump_after = max(0.5, timeout - min(2.0, timeout * 0.2))
    try:
        result = run([python, "-X", "faulthandler", "-c", _CHILD_SOURCE, module, path, f"{dump_after:g}"],
                     timeout=timeout, env=env, cwd=cwd)
    except OSError as exc:
        raise InterpreterError(f"cannot run {python}: {exc.strerror or exc}") from None
    return classify(module, path, result, timeout)


def probe_modules(
    python: str | os.PathLike[str],
    modules: Sequence[tuple[str, str | os.PathLike[str]]],
    *,
    timeout: float = 60,
    jobs: int | None = None,
    env: Mapping[str, str] | None = None,
) -> list[ModuleProbe]:
    """Import each (module, file path) in its own fresh ``python`` and say what the GIL did.

    ``python`` must see the modules on its ``sys.path`` (a venv's interpreter, or ``env``
    with PYTHONPATH). ``jobs`` bounds the children running at once (default: twice the CPU
    count; 1 probes sequentially). Results keep the input order. Ctrl-C/SIGTERM kill every child.
    """
    if not modules:
        return []
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    workers = max(1, min(jobs or default_jobs(), len(modules)))
    items = [(name, os.fspath(path)) for name, path in modules]
    with cleanup_on_signals(), temporary_directory("gilfree-probe-") as cwd:
        child_env = probe_environment(env)
        child_env["TMPDIR"] = str(cwd)  # whatever an import leaves behind goes with cwd

        def one(item: tuple[str, str]) -> ModuleProbe:
            return probe_module(python, item[0], item[1], timeout=timeout, env=child_env, cwd=cwd)

        if workers == 1:
            return [one(item) for item in items]
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gilfree-probe")
        futures: list[Future[ModuleProbe]] = []
        try:
            futures = [pool.submit(one, item) for item in items]
            return [f.result() for f in futures]
        except KeyboardInterrupt:  # kill the running children first, or shutdown waits on them
            REGISTRY.cleanup()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


_SIGNAL = re.compile(r"killed by (\S+)")


def crash_signal(probe: ModuleProbe) -> str | None:
    """The signal name of a crashed probe (``SIGSEGV``), if it died of one."""
    m = _SIGNAL.match(probe.detail)
    return m.group(1) if m else None

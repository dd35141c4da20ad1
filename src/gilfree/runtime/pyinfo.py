"""Facts about an interpreter, asked of the interpreter itself (never guessed from a path)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InterpreterError
from .processes import run

_QUERY = r"""
import importlib.machinery, json, sys, sysconfig
try:
    import importlib.metadata as md
    pip = md.version("pip")
except Exception:
    pip = None
paths = sysconfig.get_paths()
print(json.dumps({
    "executable": sys.executable,
    "version": list(sys.version_info[:3]),
    "release": "%d.%d.%d%s" % (sys.version_info[:3] + ({"alpha": "a", "beta": "b", "candidate": "rc"}.get(
        sys.version_info.releaselevel, "") + (str(sys.version_info.serial) if sys.version_info.releaselevel != "final" else ""),)),
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "purelib": paths["purelib"],
    "platlib": paths["platlib"],
    "ext_suffixes": importlib.machinery.EXTENSION_SUFFIXES,
    "pip": pip,
    "in_venv": sys.prefix != sys.base_prefix,
}))
"""


@dataclass(frozen=True)
class InterpreterInfo:
    """What a probe or an install needs to know about one interpreter."""

    executable: Path
    version: tuple[int, int, int]
    free_threaded: bool
    site_dirs: tuple[Path, ...]  # purelib and platlib, deduplicated, in that order
    ext_suffixes: tuple[str, ...]
    pip_version: str | None
    in_venv: bool
    release: str = ""  # "3.15.0rc2": with the pre-release, when it is one

    @property
    def label(self) -> str:
        """``3.13.5t``, ``3.15.0rc2t`` — the form the audit reports in ``AuditResult.python``
        (a release candidate says so wherever the interpreter is named)."""
        return (self.release or ".".join(map(str, self.version))) + ("t" if self.free_threaded else "")

    @property
    def pip_supports_python_option(self) -> bool:
        """pip >= 22.3 can install into another interpreter with ``--python``."""
        if not self.pip_version:
            return False
        try:
            major, minor = (int(x) for x in self.pip_version.split(".")[:2])
        except ValueError:
            return False
        return (major, minor) >= (22, 3)


def inspect_interpreter(python: str | os.PathLike[str], *, timeout: float = 60) -> InterpreterInfo:
    """Run ``python`` once and read its facts; an unusable interpreter is InterpreterError."""
    try:
        result = run([python, "-I", "-c", _QUERY], timeout=timeout)
    except OSError as exc:
        raise InterpreterError(f"cannot run {python}: {exc.strerror or exc}") from None
    if result.returncode != 0 or result.timed_out:
        why = "timed out" if result.timed_out else (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise InterpreterError(f"cannot run {python}: {why}")
    try:
        data = json.loads(result.stdout)
    except ValueError:
        raise InterpreterError(f"{python} did not answer like a Python interpreter") from None
    dirs: list[Path] = []
    for key in ("purelib", "platlib"):
        path = Path(data[key])
        if path not in dirs:
            dirs.append(path)
    return InterpreterInfo(
        executable=Path(data["executable"] or python),
        version=tuple(data["version"]),  # type: ignore[arg-type]
        free_threaded=data["free_threaded"],
        site_dirs=tuple(dirs),
        ext_suffixes=tuple(data["ext_suffixes"]),
        pip_version=data["pip"],
        in_venv=data["in_venv"],
        release=str(data.get("release") or ""),
    )

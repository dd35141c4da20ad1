"""Resolve requirements for one target with uv (``uv pip compile``), a real resolver.

Why uv and not ``pip install --dry-run --report``: pip only accepts ``--platform`` with
``--only-binary=:all:``, which fails for every package that has no wheel for the ABI we
pretend to be, while uv resolves for any ``--python-version``/``--python-platform`` and
reads sdist metadata when it must. We resolve for the *GIL* build of the target's Python
and platform (no marker tells free-threading apart), without binary restrictions, and then
judge the resulting pins with our verdicts: the resolution says *what* is installed, the
verdicts say *whether it installs on the free-threaded build*. uv takes the ABI from the
``--python`` interpreter, so that interpreter must be a GIL build (``resolver_python``).

The tree comes from uv's ``# via`` annotations: each pin lists the packages that required
it, and ``-r requirements.in`` marks a direct requirement.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from ..errors import IncompleteError
from ..inputs.model import InputRequirement
from ..verdicts.model import Target
from .environment import platform_markers
from .model import ResolvedDep

ROOT_FILE = "requirements.in"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)")
# Environment variables that would point uv at another index or change what it resolves.
_UV_OVERRIDES = ("UV_INDEX", "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS",
                 "UV_CONSTRAINT", "UV_OVERRIDE", "UV_BUILD_CONSTRAINT", "UV_PRERELEASE", "UV_RESOLUTION",
                 "UV_EXCLUDE_NEWER", "UV_NO_BINARY", "UV_ONLY_BINARY", "UV_PYTHON", "UV_OFFLINE")


@dataclass(frozen=True)
class UvOptions:
    """How to run uv: which index, where its cache lives, offline, time limit."""

    index_url: str
    cache_dir: Path | None = None  # None: uv's own default cache
    offline: bool = False
    timeout: float = 300.0


@functools.lru_cache(maxsize=1)
def uv_binary() -> str:
    """The uv executable of the ``uv`` package (a declared dependency), else one on PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError, TypeError):
        pass  # find_uv_bin trips on interpreters without sysconfig EXE (pyenv): look ourselves
    exe = "uv.exe" if os.name == "nt" else "uv"
    for candidate in (Path(sys.executable).parent / exe, Path(sysconfig.get_path("scripts")) / exe):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("uv")
    if found is None:
        raise IncompleteError("uv not found: pip install uv")
    return found


@functools.lru_cache(maxsize=1)
def resolver_python() -> str:
    """A GIL-build interpreter for uv: uv takes the ABI from ``--python``, and a
    free-threaded one would make it reject every package without a cp3XXt wheel or sdist.

    ``GILFREE_RESOLVER_PYTHON`` overrides; running on a GIL build, that build is used;
    otherwise uv finds one (``>=3.8+gil``).
    """
    override = os.environ.get("GILFREE_RESOLVER_PYTHON")
    if override:
        return override
    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        return sys.executable
    proc = subprocess.run([uv_binary(), "python", "find", "--no-python-downloads", "--no-config", ">=3.8+gil"],
                          capture_output=True, text=True, timeout=60)
    found = proc.stdout.strip()
    if proc.returncode != 0 or not found:
        raise IncompleteError("uv needs a GIL-build (not free-threaded) Python to resolve for a target: "
                              "install one or set GILFREE_RESOLVER_PYTHON")
    return found


def uv_version() -> str:
    from importlib.metadata import version

    return version("uv")


def compile_command(target: Target, options: UvOptions, has_constraints: bool) -> list[str]:
    cmd = [uv_binary(), "pip", "compile", ROOT_FILE, "--no-config", "--no-header",
           "--annotation-style", "split", "--no-python-downloads", "--python", resolver_python(),
           "--python-version", target.python_str,
           "--python-platform", platform_markers(target).uv_platform,
           "--index-url", options.index_url, "--quiet"]
    if has_constraints:
        cmd += ["-c", "constraints.txt"]
    if options.offline:
        cmd.append("--offline")
    if options.cache_dir is not None:
        cmd += ["--cache-dir", str(options.cache_dir)]
    return cmd


def run_uv_compile(requirements: Sequence[InputRequirement], constraints: Sequence[InputRequirement],
                   target: Target, options: UvOptions) -> str:
    """uv's compiled requirements for ``target``; a failed resolution raises with uv's reason."""
    env = {k: v for k, v in os.environ.items() if k not in _UV_OVERRIDES}
    env["COLUMNS"] = "10000"  # uv wraps its messages at the terminal width; we want whole lines
    with tempfile.TemporaryDirectory(prefix="gilfree-resolve-") as tmp:
        Path(tmp, ROOT_FILE).write_text("".join(f"{r.requirement}\n" for r in requirements), encoding="utf-8")
        if constraints:
            Path(tmp, "constraints.txt").write_text("".join(f"{c.requirement}\n" for c in constraints),
                                                    encoding="utf-8")
        try:
            proc = subprocess.run(compile_command(target, options, bool(constraints)), cwd=tmp, env=env,
                                  capture_output=True, text=True, timeout=options.timeout)
        except subprocess.TimeoutExpired:
            raise IncompleteError(f"uv did not resolve within {options.timeout:.0f}s") from None
    if proc.returncode != 0:
        raise IncompleteError(summarize_uv_error(proc.stderr))
    return proc.stdout


def summarize_uv_error(stderr: str) -> str:
    """uv's explanation on one line: its headline and first reason, at most 300 characters."""
    lines = [ln.strip(" ×╰─▶│").strip() for ln in stderr.splitlines() if ln.strip()]
    lines = [ln.removeprefix("error: ").removeprefix("cause: ") for ln in lines
             if ln and not ln.startswith(("warning:", "hint:", "help:"))]
    text = ": ".join(lines[:2]) or "uv failed with no message"
    return text if len(text) <= 300 else text[:297] + "..."


def parse_compiled(text: str, root: str) -> list[ResolvedDep]:
    """Pins and their shortest path from ``root``, from uv's split ``# via`` annotations."""
    pins: dict[str, str] = {}
    parents: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        m = _PIN.match(line)
        if m:
            current = canonicalize_name(m[1])
            pins[current] = m[2]
            parents.setdefault(current, [])
            rest = line[m.end():]
            if "# via " in rest:  # line annotation style, tolerated
                parents[current] += [p.strip() for p in rest.split("# via ", 1)[1].split(",")]
            continue
        if current is None or not stripped.startswith("#"):
            continue
        via = stripped.lstrip("#").strip()
        if via.startswith("via"):
            via = via[3:].strip()
        if via:
            parents[current].append(via)
    children: dict[str, list[str]] = {}
    direct: list[str] = []
    for child, via_list in parents.items():
        for via in via_list:
            if via.startswith("-r "):
                direct.append(child)
            elif not via.startswith("-"):
                children.setdefault(canonicalize_name(via.split("[")[0]), []).append(child)
    paths: dict[str, tuple[str, ...]] = {}
    queue = deque((name, (root, name)) for name in sorted(direct))
    while queue:
        name, path = queue.popleft()
        if name in paths:
            continue
        paths[name] = path
        queue.extend((c, (*path, c)) for c in sorted(children.get(name, ())) if c not in paths)
    return [ResolvedDep(name, version, paths.get(name, (root, name))) for name, version in sorted(pins.items())]

"""GIL audit: install packages in a throwaway free-threaded venv, import every extension
module in its own process, and name every module that re-enables the GIL.

A cp313t wheel is not proof of support: an extension module that does not declare
``Py_mod_gil`` turns the GIL back on at import, and CPython warns only for the first one.
This module orchestrates (venv -> pip -> RECORD scan -> probes -> one AuditResult per
installed distribution); the work itself lives in ``gilfree.runtime``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..errors import BadInput, InterpreterError
from ..inputs import LockedPackage, ProjectInput, load_input
from ..runtime.extensions import DistExtensions, scan_distributions
from ..runtime.pipfailure import pip_failure_reason
from ..runtime.probe import CRASHED, GIL_ENABLED, IMPORT_ERROR, NOT_CHECKED, TIMEOUT, probe_modules
from ..runtime.processes import cleanup_on_signals, run
from ..runtime.pyinfo import InterpreterInfo, inspect_interpreter
from ..runtime.venv import Venv, throwaway_venv
from ..verdicts.model import AuditResult, ModuleProbe, Target

KEEPS_GIL_DISABLED = "keeps-gil-disabled"
RE_ENABLES_GIL = "re-enables-gil"
IMPORT_FAILS = "import-fails"
CRASHES = "crashed"
INSTALL_FAILED = "install-failed"

Progress = Callable[[str], None]
INSTALL_TIMEOUT = 1800.0  # pip may compile (--allow-build); a hung download still ends


@dataclass(frozen=True)
class Installed:
    """One distribution pip installed, as its ``--report`` describes it."""

    name: str
    requested: bool
    built: bool  # pip built it from an sdist / source tree (only with --allow-build)


@dataclass(frozen=True)
class InstallOutcome:
    installed: dict[str, Installed]  # canonical name -> what pip said
    failures: tuple[tuple[str, str], ...]  # (requirement as given, pip's reason)


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def requirement_name(text: str) -> str:
    """The project name a requirement line asks for, or the text itself (a path, a URL)."""
    try:
        return Requirement(text).name
    except InvalidRequirement:
        return text


def check_requirements(requirements: Iterable[str]) -> list[str]:
    """Strip and validate; an option smuggled in as a requirement is bad input."""
    out = [r.strip() for r in requirements if r and r.strip()]
    if not out:
        raise BadInput("nothing to audit: give at least one package")
    for text in out:
        if text.startswith("-"):
            raise BadInput(f"not a requirement: {text!r}")
    return out


def install_failure_reason(stderr: str, *, allow_build: bool) -> str:
    """pip's reason, and how to get past a missing wheel when only wheels were allowed."""
    reason = pip_failure_reason(stderr)
    if not allow_build and "no matching distribution" in reason.lower():
        reason += " (only wheels were allowed: --allow-build lets pip build an sdist)"
    return reason


def _built_from_source(item: Mapping[str, Any]) -> bool:
    url = str(item.get("download_info", {}).get("url", ""))
    return not url.split("#", 1)[0].endswith(".whl")


def _pip_install(venv: Venv, requirements: Sequence[str], *, tmp: Path, allow_build: bool,
                 pip_args: Sequence[str], env: Mapping[str, str]) -> tuple[bool, str, list[dict[str, Any]]]:
    """One ``pip install --report``: (ok, failure reason, report items)."""
    report = tmp / "pip-report.json"
    report.unlink(missing_ok=True)
    args = [*venv.pip, "install", "--no-input", "--disable-pip-version-check", "--report", str(report)]
    if not allow_build:
        args += ["--only-binary", ":all:"]
    result = run([*args, *pip_args, *requirements], timeout=INSTALL_TIMEOUT, env=env)
    if result.timed_out:
        return False, f"pip did not finish within {INSTALL_TIMEOUT:g}s", []
    if result.returncode != 0:
        return False, install_failure_reason(result.stderr, allow_build=allow_build), []
    try:
        items = json.loads(report.read_text(encoding="utf-8")).get("install", [])
    except (OSError, ValueError) as exc:
        return False, f"pip succeeded but its --report is unreadable: {exc}", []
    return True, "", items


def install_requirements(venv: Venv, requirements: Sequence[str], *, tmp: Path, allow_build: bool = False,
                         pip_args: Sequence[str] = (), progress: Progress | None = None) -> InstallOutcome:
    """Install all requirements together; if pip refuses, install them one by one so each
    failure gets its own reason and everything installable is still audited."""
    env = dict(os.environ)
    env["TMPDIR"] = str(tmp / "pip-tmp")  # pip's own temp dirs go where our cleanup looks
    Path(env["TMPDIR"]).mkdir(exist_ok=True)
    _say(progress, f"installing {len(requirements)} requirement(s) with pip")
    ok, reason, items = _pip_install(venv, requirements, tmp=tmp, allow_build=allow_build,
                                     pip_args=pip_args, env=env)
    failures: list[tuple[str, str]] = []
    if not ok and len(requirements) == 1:
        failures.append((requirements[0], reason))
    elif not ok:
        _say(progress, "pip could not install them together; trying one at a time")
        items = []
        for text in requirements:
            one_ok, one_reason, one_items = _pip_install(venv, [text], tmp=tmp, allow_build=allow_build,
                                                         pip_args=pip_args, env=env)
            if one_ok:
                items += one_items
            else:
                failures.append((text, one_reason))
        if not failures:  # each installs alone: they conflict; later installs won
            _say(progress, f"the requirements conflict ({reason}); each was installed in turn and "
                           "the versions left installed were audited")
    installed: dict[str, Installed] = {}
    for item in items:
        name = item.get("metadata", {}).get("name", "")
        key = canonicalize_name(name)
        if not key:
            continue
        prev = installed.get(key)
        installed[key] = Installed(name=name, requested=bool(item.get("requested")) or bool(prev and prev.requested),
                                   built=_built_from_source(item) or bool(prev and prev.built))
    return InstallOutcome(installed, tuple(failures))


def summarize(dist: DistExtensions, probes: Sequence[ModuleProbe], *, python: str,
              requested: bool = True, built: bool = False) -> AuditResult:
    """One distribution's verdict from its modules' probes; the detail names every module.

    Precedence: crashed, then re-enables-gil, then import-fails (a timeout is a failed
    import), then keeps-gil-disabled. ``AuditResult.gil_modules`` names the GIL culprits
    whatever the overall outcome.
    """
    common = dict(package=dist.name, version=dist.version, python=python, modules=tuple(probes),
                  built_from_sdist=built, requested=requested)
    if not dist.has_record:
        return AuditResult(outcome=IMPORT_FAILS, detail="cannot audit: installed without a RECORD, "
                           "so its extension modules are unknown", **common)  # type: ignore[arg-type]
    if not probes:
        return AuditResult(outcome=KEEPS_GIL_DISABLED, detail="no extension modules",
                           **common)  # type: ignore[arg-type]
    by = {o: [p for p in probes if p.outcome == o] for o in (CRASHED, GIL_ENABLED, IMPORT_ERROR, TIMEOUT)}
    parts: list[str] = []
    if by[GIL_ENABLED]:
        parts.append("re-enables the GIL: " + ", ".join(p.module for p in by[GIL_ENABLED]))
    if by[CRASHED]:
        parts.append("crashed: " + ", ".join(f"{p.module} ({p.detail.splitlines()[0]})" for p in by[CRASHED]))
    failed = [f"{p.module} ({p.detail.splitlines()[0] if p.detail else p.outcome})"
              for p in by[IMPORT_ERROR] + by[TIMEOUT]]
    if failed:
        parts.append("fails to import: " + ", ".join(failed))
    unchecked = [p for p in probes if p.outcome == NOT_CHECKED]
    if unchecked:
        parts.append("not checked: " + ", ".join(
            f"{p.module} ({p.detail.removeprefix('not checked: ')})" for p in unchecked))
    if by[CRASHED]:
        outcome = CRASHES
    elif by[GIL_ENABLED]:
        outcome = RE_ENABLES_GIL
    elif failed or len(unchecked) == len(probes):  # nothing could be checked: not a pass
        outcome = IMPORT_FAILS
    else:
        outcome = KEEPS_GIL_DISABLED
        checked = len(probes) - len(unchecked)
        parts.insert(0, f"all {checked} extension module(s) checked keep the GIL disabled" if unchecked
                     else f"all {len(probes)} extension module(s) keep the GIL disabled")
    return AuditResult(outcome=outcome, detail="; ".join(parts), **common)  # type: ignore[arg-type]


def _require_free_threaded(python: str | os.PathLike[str]) -> InterpreterInfo:
    info = inspect_interpreter(python)
    if not info.free_threaded:
        raise InterpreterError(f"{python} is Python {info.label}, not a free-threaded build: "
                               "auditing it would prove nothing")
    return info


def _probe_dists(python: str | os.PathLike[str], dists: Sequence[DistExtensions], *, timeout: float,
                 jobs: int | None, env: Mapping[str, str] | None,
                 progress: Progress | None) -> dict[str, list[ModuleProbe]]:
    """Probe every module of every distribution in one pool; results grouped by dist."""
    modules = [(m, p) for d in dists for m, p in d.modules]
    if modules:
        _say(progress, f"importing {len(modules)} extension module(s) of {len(dists)} distribution(s), "
                       "one fresh interpreter each")
    probes = iter(probe_modules(python, modules, timeout=timeout, jobs=jobs, env=env))
    return {d.name: [next(probes) for _ in d.modules] for d in dists}


def _venv_probe_env() -> dict[str, str]:
    """Our environment minus what would make the venv's interpreter look elsewhere."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _ordered(results: list[AuditResult]) -> list[AuditResult]:
    return sorted(results, key=lambda r: (not r.requested, canonicalize_name(r.package)))


def audit_packages(
    requirements: list[str],
    *,
    python: str | os.PathLike[str],
    allow_build: bool = False,
    timeout: float = 60,
    jobs: int | None = None,
    progress: Progress | None = None,
    pip_args: Sequence[str] = (),
) -> list[AuditResult]:
    """Audit requirements on the free-threaded ``python`` in a throwaway venv.

    One AuditResult per installed distribution (``requested`` tells asked-for from pulled
    in), plus an ``install-failed`` one per requirement pip could not install. Only wheels
    are installed unless ``allow_build``. ``pip_args`` go to pip as is (``--index-url``…).
    Ctrl-C/SIGTERM remove every child process and the venv before propagating.
    """
    requirements = check_requirements(requirements)
    info = _require_free_threaded(python)
    with cleanup_on_signals():
        _say(progress, f"creating a throwaway venv with Python {info.label}")
        with throwaway_venv(python, prefix="gilfree-audit-") as venv:
            tmp = venv.root.parent
            outcome = install_requirements(venv, requirements, tmp=tmp, allow_build=allow_build,
                                           pip_args=pip_args, progress=progress)
            dists = scan_distributions(venv.info.site_dirs, outcome.installed.keys())
            probes = _probe_dists(venv.python, dists, timeout=timeout, jobs=jobs, env=_venv_probe_env(),
                                  progress=progress)
    results = []
    for dist in dists:
        meta = outcome.installed[canonicalize_name(dist.name)]
        results.append(summarize(dist, probes[dist.name], python=info.label, requested=meta.requested,
                                 built=meta.built))
    for text, reason in outcome.failures:
        results.append(AuditResult(package=requirement_name(text), version=None, outcome=INSTALL_FAILED,
                                   python=info.label, detail=reason, requested=True))
    return _ordered(results)


def audit_environment(
    *,
    python: str | os.PathLike[str],
    dist_names: Iterable[str] | None = None,
    timeout: float = 60,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> list[AuditResult]:
    """Audit what is already installed for ``python`` (all distributions, or ``dist_names``)
    without creating a venv or installing anything."""
    info = _require_free_threaded(python)
    wanted = list(dist_names) if dist_names is not None else None
    with cleanup_on_signals():
        dists = scan_distributions(info.site_dirs, wanted)
        if wanted is not None:
            found = {canonicalize_name(d.name) for d in dists}
            missing = [n for n in wanted if canonicalize_name(n) not in found]
            if missing:
                raise BadInput(f"not installed for {python}: {', '.join(missing)}")
        probes = _probe_dists(info.executable, dists, timeout=timeout, jobs=jobs, env=None, progress=progress)
    return _ordered([summarize(d, probes[d.name], python=info.label) for d in dists])


# --- inputs ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditInput:
    """What pip is asked for, from a project's files (via ``gilfree.inputs``)."""

    requirements: tuple[str, ...]
    constraints: tuple[str, ...] = ()
    no_deps: bool = False  # a lock lists every package: pip must not resolve further
    skipped: tuple[str, ...] = ()  # entries not audited, with the reason


def _lock_marker(package: LockedPackage, context: str) -> str | None:
    """The marker under which a locked package is installed, for pip to evaluate on the
    audited interpreter; PEP 751 extras/groups markers cannot be evaluated by pip, so a
    package guarded only by those is kept (over-approximation, never a silent drop)."""
    parts = [] if package.marker is None else [str(package.marker)]
    if package.resolution_markers:
        parts.append(" or ".join(f"({m})" for m in package.resolution_markers))
    if context == "lock_file":
        parts = [p for p in parts if "extras" not in p and "dependency_groups" not in p]
    return " and ".join(f"({p})" for p in parts) if parts else None


def input_requirements(project: ProjectInput) -> AuditInput:
    """pip requirements for a ProjectInput: its requirements and constraints as written, or
    every checked package of its lock pinned ``name==version`` (with its marker)."""
    skipped = tuple(f"{u.text} ({u.reason})" for u in project.unchecked)
    if project.locked is None:
        return AuditInput(tuple(str(r.requirement) for r in project.requirements),
                          tuple(str(c.requirement) for c in project.constraints), skipped=skipped)
    graph = project.locked
    pins = []
    for package in graph.packages:
        if not package.checked:
            skipped += (f"{package.name} {package.version} (not from an index: not audited)",)
            continue
        marker = _lock_marker(package, graph.marker_context)
        pins.append(f"{package.name}=={package.version}" + (f" ; {marker}" if marker else ""))
    return AuditInput(tuple(pins), no_deps=True, skipped=skipped)


def read_audit_input(path: str | os.PathLike[str], *, kind: str | None = None,
                     memo_dir: Path | None = None) -> AuditInput:
    """Requirements from a pyproject.toml, requirements file or lock (a file, or a directory
    searched as ``gilfree deps`` does; ``kind`` forces the format; ``memo_dir`` as for
    ``load_input``)."""
    return input_requirements(load_input(Path(path), kind=kind, memo_dir=memo_dir))


def local_target(targets: Sequence[Target], python: str) -> Target | None:
    """The requested target an audit on this machine's ``python`` (X.Y) stands for."""
    import platform
    import sysconfig

    arch = platform.machine().lower().replace("amd64", "x86_64").replace("arm64", "aarch64")
    plat = sysconfig.get_platform()
    if plat.startswith("linux"):
        family = "musllinux" if "musl" in (platform.libc_ver()[0] or "") else "manylinux"
    elif plat.startswith("macosx"):
        family, arch = "macosx", ("arm64" if arch == "aarch64" else arch)
    else:
        family, arch = "win", ("amd64" if arch == "x86_64" else "arm64")
    wanted = f"{family}_{arch}"
    return next((t for t in targets if t.platform == wanted and t.python_str == python), None) or \
        next((t for t in targets if t.platform == wanted), None)

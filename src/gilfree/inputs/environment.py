"""An installed environment: run its interpreter and list distributions (importlib.metadata).

The edges come from each distribution's ``Requires-Dist``; the roots are the
distributions nothing else requires (what the user installed on purpose).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..errors import BadInput, IncompleteError
from .model import LockEdge, LockedPackage, LockGraph, ProjectInput, Unchecked

_PROBE = r"""
import json, sys
import importlib.metadata as md
seen, out = set(), []
for dist in md.distributions():
    name = dist.metadata["Name"]
    if not name or name.lower() in seen:
        continue
    seen.add(name.lower())
    out.append({"name": name, "version": dist.version, "requires": dist.requires or [],
                "direct_url": dist.read_text("direct_url.json")})
json.dump({"python": sys.version.split()[0], "dists": out}, sys.stdout)
"""


def _edges(requires: list[str]) -> tuple[LockEdge, ...]:
    out = []
    for text in requires:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue  # a broken installed METADATA line: pip skips it too
        out.append(LockEdge(canonicalize_name(req.name), req.marker,
                            frozenset(canonicalize_name(e) for e in req.extras)))
    return tuple(out)


def _direct_reason(direct_url: str | None) -> str | None:
    if not direct_url:
        return None
    try:
        info = json.loads(direct_url)
    except ValueError:
        return None
    if info.get("dir_info", {}).get("editable"):
        return "editable install: your own code, not on the index"
    if "vcs_info" in info:
        return "VCS checkout: built from source, not from the index"
    if str(info.get("url", "")).startswith("file:"):
        return "local path: not on the index"
    return "direct URL: not on the index"


def read_environment(python: str, timeout: float = 60.0) -> ProjectInput:
    """Everything installed in the environment of interpreter ``python``."""
    try:
        proc = subprocess.run([python, "-I", "-c", _PROBE], capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise BadInput(f"no such interpreter: {python}") from None
    except PermissionError:
        raise BadInput(f"not an executable interpreter: {python}") from None
    except subprocess.TimeoutExpired:
        raise IncompleteError(f"{python} did not list its distributions within {timeout:.0f}s") from None
    except OSError as exc:
        raise BadInput(f"cannot run {python}: {exc.strerror or exc}") from None
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise BadInput(f"{python} could not list its distributions: {last}") from None
    packages: list[LockedPackage] = []
    unchecked: list[Unchecked] = []
    for dist in report["dists"]:
        name = canonicalize_name(dist["name"])
        reason = _direct_reason(dist.get("direct_url"))
        if reason:
            unchecked.append(Unchecked(f"{name} {dist['version']}", reason, python))
        packages.append(LockedPackage(name=name, version=dist["version"],
                                      dependencies=_edges(dist["requires"]), checked=reason is None))
    required = {e.name for p in packages for e in p.dependencies}
    roots = tuple(LockEdge(p.name) for p in packages if p.name not in required)
    return ProjectInput(path=python, kind="environment", name=f"{Path(python).name} {report['python']}",
                        locked=LockGraph(packages=tuple(packages), roots=roots, complete=True),
                        unchecked=tuple(unchecked))

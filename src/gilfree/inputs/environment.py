"""An installed environment: run its interpreter and list distributions (importlib.metadata).

The edges come from each distribution's ``Requires-Dist``; the roots are the
distributions nothing else requires (what the user installed on purpose).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..errors import BadInput, IncompleteError, clip, one_line
from ..fsutil import MAX_INPUT_BYTES, check_path
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
    except (ValueError, RecursionError):
        return None
    if not isinstance(info, dict):
        return None
    dir_info = info.get("dir_info")
    if isinstance(dir_info, dict) and dir_info.get("editable"):
        return "editable install: your own code, not on the index"
    if "vcs_info" in info:
        return "VCS checkout: built from source, not from the index"
    if str(info.get("url", "")).startswith("file:"):
        return "local path: not on the index"
    return "direct URL: not on the index"


#: The most a ``--python`` may print (stdout and stderr each): a real environment's report
#: is a few hundred KB.
MAX_OUTPUT = MAX_INPUT_BYTES


def _run(argv: list[str], timeout: float) -> tuple[int, bytes, bytes]:
    """Run the probe: (exit status, stdout, stderr), each output bounded by MAX_OUTPUT.

    The child leads its own process group, and the whole group is killed when we stop
    early (a timeout, too much output, Ctrl-C), so nothing it started outlives us."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + timeout
    out: dict[int, list[bytes]] = {proc.stdout.fileno(): [], proc.stderr.fileno(): []}  # type: ignore[union-attr]
    sizes = dict.fromkeys(out, 0)
    try:
        with selectors.DefaultSelector() as selector:
            for fd in out:
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise subprocess.TimeoutExpired(argv, timeout)
                for key, _ in selector.select(remaining):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fd)
                        continue
                    out[key.fd].append(chunk)
                    sizes[key.fd] += len(chunk)
                    if sizes[key.fd] > MAX_OUTPUT:
                        raise BadInput(f"{one_line(argv[0])} printed more than {MAX_OUTPUT // 2**20} MiB "
                                       "while listing its distributions")
        code = proc.wait(max(0.1, deadline - time.monotonic()))
    except BaseException:
        _kill(proc)
        raise
    finally:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    _kill(proc)  # what it left behind in its group (a daemonized grandchild)
    stdout_fd, stderr_fd = list(out)
    return code, b"".join(out[stdout_fd]), b"".join(out[stderr_fd])


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL was sent
        pass


def _report_problem(report: Any) -> str | None:
    """Why ``report`` is not what ``_PROBE`` prints (None when it is)."""
    if not isinstance(report, dict):
        return f"a JSON {type(report).__name__}, not an object"
    if not isinstance(report.get("python"), str):
        return "no \"python\" version"
    dists = report.get("dists")
    if not isinstance(dists, list):
        return "no \"dists\" list"
    for i, dist in enumerate(dists):
        if not isinstance(dist, dict):
            return f"dists[{i}] is not an object"
        if not isinstance(dist.get("name"), str) or not dist["name"].strip():
            return f"dists[{i}] has no name"
        if not isinstance(dist.get("version"), str):
            return f"dists[{i}] has no version"
        requires = dist.get("requires")
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            return f"dists[{i}].requires is not a list of strings"
        if dist.get("direct_url") is not None and not isinstance(dist["direct_url"], str):
            return f"dists[{i}].direct_url is not a string"
    return None


def read_environment(python: str, timeout: float = 60.0) -> ProjectInput:
    """Everything installed in the environment of interpreter ``python``."""
    shown = one_line(check_path(python))
    try:
        code, stdout, stderr = _run([python, "-I", "-c", _PROBE], timeout)
    except FileNotFoundError:
        raise BadInput(f"no such interpreter: {shown}") from None
    except PermissionError:
        raise BadInput(f"not an executable interpreter: {shown}") from None
    except subprocess.TimeoutExpired:
        raise IncompleteError(f"{shown} did not list its distributions within {timeout:.0f}s") from None
    except OSError as exc:
        raise BadInput(f"cannot run {shown}: {exc.strerror or exc}") from None
    return environment_from_report(python, stdout, stderr)


def environment_from_report(python: str, stdout: bytes, stderr: bytes = b"") -> ProjectInput:
    """The environment ``python`` reported (what ``_PROBE`` prints); a report of another
    shape (a ``--python`` that is some other program) is one BadInput line."""
    shown = one_line(python)
    try:
        report = json.loads(stdout)
    except (ValueError, RecursionError):
        text = stderr.decode("utf-8", "replace").strip()
        last = (text.splitlines() or ["no output"])[-1]
        raise BadInput(f"{shown} could not list its distributions: {clip(last)}") from None
    problem = _report_problem(report)
    if problem:
        raise BadInput(f"{shown} printed an environment report gilfree cannot read: {problem}")
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

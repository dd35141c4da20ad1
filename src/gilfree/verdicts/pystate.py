"""A package's state per Python version, taken over that version's platforms.

Users ask "is numpy ready on 3.14t?", not "on all 24 targets at once": a package that
ships free-threaded wheels for 3.14t and 3.15t but dropped 3.13t is ready on 3.14t. So
every summary (the status table, deps, the site's headline and badges, JSON) is made here,
from the per-target verdicts, one Python version at a time.

Pure: it reads ``TargetStatus``-shaped facts and returns ``PythonSummary`` objects. The
site calls it on serialized statuses (``summarize_data``) without rebuilding models.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version

from .model import PackageStatus, PythonState, PythonSummary, Verdict

# What each Python version's free-threaded build is, for labels (a fact of CPython's
# release process, not computed).
PHASES: Mapping[str, str] = {
    "3.13": "experimental (PEP 703)",
    "3.14": "officially supported (PEP 779)",
    "3.15": "supported; adds the abi3t stable ABI (PEP 803)",
}


#: The Python version summaries lead with: the first release whose free-threaded build is
#: officially supported (PEP 779). 3.15t is newer, but its wheels are weeks old in most
#: projects; 3.13t was experimental. The others follow, newest first.
PRIMARY = "3.14"


def display_order(pythons: Iterable[str]) -> list[str]:
    """``PRIMARY`` first (when present), then the others newest first."""
    pythons = list(pythons)
    rest = sorted((p for p in pythons if p != PRIMARY), key=version_key, reverse=True)
    return ([PRIMARY] if PRIMARY in pythons else []) + rest


class _Kind(str, enum.Enum):
    """What one platform of one Python version gets."""

    FT = "ft"  # a free-threaded wheel of the newest release
    BINARY = "binary"  # a platform wheel with no extension module
    PURE = "pure"  # a pure-Python package
    FALLBACK = "fallback"  # the release has native wheels (GIL-only here); a pure wheel installs
    OLDER = "older"  # the newest release has none here; an older stable release has one
    BUILD = "build"  # only an sdist: pip would compile it
    BLOCKED = "blocked"  # nothing installs
    MISSING = "missing"
    ERROR = "error"


@dataclass(frozen=True)
class Cell:
    """The facts of one target that the summary needs (from a model or from JSON)."""

    platform: str
    verdict: Verdict
    version: str | None
    first_ft: str | None
    latest_ft: str | None
    first_uploaded: str | None = None
    latest_uploaded: str | None = None


def version_key(text: str) -> tuple[int, Any]:
    """PEP 440 order, with strings that are not versions after all the versions."""
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)


def _stable_older(candidate: str | None, than: str | None) -> bool:
    """``candidate`` is a stable release older than ``than`` (deps' downgrade rule)."""
    if not candidate or not than:
        return False
    try:
        older = Version(candidate)
        return not older.is_prerelease and older < Version(than)
    except InvalidVersion:
        return False


def _kind(cell: Cell, native: bool | None) -> _Kind:
    v = cell.verdict
    if v is Verdict.ERROR:
        return _Kind.ERROR
    if v is Verdict.MISSING:
        return _Kind.MISSING
    if v is Verdict.FT_WHEEL:
        return _Kind.FT
    if v is Verdict.BINARY:
        return _Kind.BINARY
    if v is Verdict.PURE:
        return _Kind.FALLBACK if native else _Kind.PURE
    # not installable as a wheel of the newest release: as deps advises a downgrade
    if _stable_older(cell.latest_ft, cell.version):
        return _Kind.OLDER
    return _Kind.BUILD if v is Verdict.NEEDS_BUILD else _Kind.BLOCKED


def summarize_python(python: str, cells: Sequence[Cell], native: bool | None) -> PythonSummary:
    """One Python version's state over its platforms (``cells``, one per platform)."""
    kinds = {c.platform: _kind(c, native) for c in cells}
    found = set(kinds.values())
    ft = tuple(p for p, k in kinds.items() if k is _Kind.FT)
    older = [c.latest_ft for c in cells if kinds[c.platform] is _Kind.OLDER and c.latest_ft]
    with_ft = {_Kind.FT, _Kind.OLDER}
    without = tuple(p for p, k in kinds.items() if k not in with_ft | {_Kind.BINARY})
    nothing = tuple(p for p, k in kinds.items() if k in (_Kind.BLOCKED, _Kind.MISSING))
    firsts = sorted((c for c in cells if c.first_ft), key=lambda c: version_key(c.first_ft or ""))
    lasts = sorted((c for c in cells if c.latest_ft), key=lambda c: version_key(c.latest_ft or ""))
    if _Kind.ERROR in found:
        state = PythonState.ERROR
    elif found == {_Kind.MISSING}:
        state = PythonState.MISSING
    elif found == {_Kind.PURE}:
        state = PythonState.PURE
    elif found == {_Kind.BINARY}:
        state = PythonState.BINARY
    elif found <= {_Kind.FT, _Kind.BINARY}:
        state = PythonState.FT_ALL
    elif found <= {_Kind.FT, _Kind.BINARY, _Kind.OLDER}:
        state = PythonState.OLDER
    elif found & with_ft:
        state = PythonState.FT_SOME
    elif found <= {_Kind.FALLBACK, _Kind.PURE, _Kind.BINARY}:
        state = PythonState.PURE_FALLBACK
    elif found & {_Kind.BLOCKED, _Kind.MISSING}:
        state = PythonState.BLOCKED
    else:
        state = PythonState.NEEDS_BUILD
    return PythonSummary(
        python=python,
        state=state,
        platforms=len(cells),
        ft_platforms=ft,
        missing_platforms=without if state is PythonState.FT_SOME else nothing if state is PythonState.BLOCKED else (),
        older_version=min(older, key=version_key) if older else None,
        first_ft_version=firsts[0].first_ft if firsts else None,
        latest_ft_version=lasts[-1].latest_ft if lasts else None,
        first_ft_uploaded=firsts[0].first_uploaded if firsts else None,
        latest_ft_uploaded=lasts[-1].latest_uploaded if lasts else None,
    )


def _by_python(cells: Iterable[tuple[str, Cell]]) -> dict[str, list[Cell]]:
    out: dict[str, list[Cell]] = {}
    for python, cell in cells:
        out.setdefault(python, []).append(cell)
    return dict(sorted(out.items(), key=lambda item: version_key(item[0])))


def summarize(status: PackageStatus) -> tuple[PythonSummary, ...]:
    """Per Python version of ``status.targets``, in version order."""
    cells = ((ts.target.python_str, Cell(ts.target.platform, ts.verdict, ts.version,
                                         ts.first_ft_version, ts.latest_ft_version,
                                         ts.first_ft_uploaded, ts.latest_ft_uploaded))
             for ts in status.targets)
    return tuple(summarize_python(py, group, status.native) for py, group in _by_python(cells).items())


def native_from_data(status: Mapping[str, Any]) -> bool | None:
    """``native`` of a serialized status; for statuses stored before the field existed, the
    rules' own note on a pure-Python choice says whether native wheels exist."""
    if "native" in status:
        return status["native"]
    if status.get("pure"):
        return False
    notes = (t.get("detail") or "" for t in status.get("targets") or ())
    return True if any("native wheels" in n for n in notes) else None


def summarize_data(status: Mapping[str, Any]) -> tuple[PythonSummary, ...]:
    """``summarize`` for a serialized status (the ``to_data`` shape)."""
    cells = []
    for t in status.get("targets") or ():
        name = str(t.get("target") or "")
        python, _, platform = name.partition("t-")
        try:
            verdict = Verdict(t.get("verdict"))
        except ValueError:
            continue
        cells.append((python, Cell(platform, verdict, t.get("version"), t.get("first_ft_version"),
                                   t.get("latest_ft_version"), t.get("first_ft_uploaded"),
                                   t.get("latest_ft_uploaded"))))
    native = native_from_data(status)
    return tuple(summarize_python(py, group, native) for py, group in _by_python(cells).items())


def describe(summary: PythonSummary) -> str:
    """The state in a few words, as every front end says it."""
    s, n = summary.state, summary.platforms
    if s is PythonState.FT_ALL:
        return f"free-threaded wheels on all {n} platforms" if n > 1 else "free-threaded wheel"
    if s is PythonState.FT_SOME:
        have = n - len(summary.missing_platforms)
        older = f" (≤ {summary.older_version} on {have - len(summary.ft_platforms)})" \
            if summary.older_version and len(summary.ft_platforms) < have else ""
        return (f"free-threaded wheels on {have} of {n} platforms{older}; "
                f"none for {', '.join(summary.missing_platforms)}")
    if s is PythonState.OLDER:
        x = summary.older_version
        if summary.ft_platforms:
            return (f"installs ≤ {x}: the newest release has free-threaded wheels on only "
                    f"{len(summary.ft_platforms)} of {n} platforms, {x} on all")
        return f"installs ≤ {x}: the newest release has no free-threaded wheel here, {x} has"
    if s is PythonState.BLOCKED and summary.missing_platforms and len(summary.missing_platforms) < n:
        return f"blocked on {', '.join(summary.missing_platforms)}"
    return STATE_TEXT[s]


def short_label(summary: PythonSummary) -> str:
    """The state's short label with its one number ("≤ 2.4.6", "some platforms 6/8"), as
    the status table, the site's badges and its search show it."""
    if summary.state is PythonState.OLDER:
        return f"≤ {summary.older_version}"
    label = STATE_LABEL[summary.state]
    if summary.state is PythonState.FT_SOME:
        label += f" {summary.platforms - len(summary.missing_platforms)}/{summary.platforms}"
    return label


STATE_TEXT: Mapping[PythonState, str] = {
    PythonState.FT_ALL: "free-threaded wheels on every platform",
    PythonState.FT_SOME: "free-threaded wheels on some platforms",
    PythonState.OLDER: "an older release has free-threaded wheels",
    PythonState.PURE_FALLBACK: "pure fallback: native wheels are GIL-only, a slower pure-Python wheel installs",
    PythonState.PURE: "pure Python",
    PythonState.BINARY: "platform binary, no extension module",
    PythonState.NEEDS_BUILD: "no wheel: pip would build the sdist",
    PythonState.BLOCKED: "blocked: no free-threaded wheel and nothing else installs",
    PythonState.MISSING: "not on the index",
    PythonState.ERROR: "unknown: the index could not be read",
}

#: Short labels for badges and table cells.
STATE_LABEL: Mapping[PythonState, str] = {
    PythonState.FT_ALL: "ft wheels",
    PythonState.FT_SOME: "some platforms",
    PythonState.OLDER: "older release",
    PythonState.PURE_FALLBACK: "pure fallback",
    PythonState.PURE: "pure Python",
    PythonState.BINARY: "binary",
    PythonState.NEEDS_BUILD: "needs build",
    PythonState.BLOCKED: "blocked",
    PythonState.MISSING: "missing",
    PythonState.ERROR: "error",
}

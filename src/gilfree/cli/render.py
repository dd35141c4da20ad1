"""Shared rendering vocabulary: verdict colours and compact per-target summaries."""

from __future__ import annotations

from collections.abc import Sequence

from packaging.version import Version
from rich.text import Text

from ..verdicts.model import PackageStatus, PythonState, PythonSummary, Target, TargetStatus, Verdict
from ..verdicts.pystate import short_label, summarize

STYLES = {
    Verdict.FT_WHEEL: "bold green",
    Verdict.PURE: "green",
    Verdict.BINARY: "green",
    Verdict.NEEDS_BUILD: "yellow",
    Verdict.NO_FT_WHEEL: "bold red",
    Verdict.PYTHON_EXCLUDED: "red",
    Verdict.MISSING: "magenta",
    Verdict.ERROR: "bold magenta",
}


def verdict_text(verdict: Verdict) -> Text:
    return Text(verdict.value, style=STYLES[verdict])


def pythons(targets: Sequence[Target]) -> list[tuple[int, int]]:
    return sorted({t.python for t in targets})


STATE_STYLES = {
    PythonState.FT_ALL: "bold green",
    PythonState.FT_SOME: "yellow",
    PythonState.OLDER: "yellow",
    PythonState.PURE_FALLBACK: "yellow",
    PythonState.PURE: "green",
    PythonState.BINARY: "green",
    PythonState.NEEDS_BUILD: "yellow",
    PythonState.BLOCKED: "bold red",
    PythonState.MISSING: "magenta",
    PythonState.ERROR: "bold magenta",
}


def summaries(status: PackageStatus) -> dict[str, PythonSummary]:
    """The status's per-Python summaries by version ("3.14")."""
    return {s.python: s for s in status.pythons or summarize(status)}


def state_text(summary: PythonSummary) -> Text:
    """The state's short label, coloured by state."""
    return Text(short_label(summary), style=STATE_STYLES[summary.state])


def python_cell(status: PackageStatus, python: tuple[int, int]) -> Text:
    """One Python version across platforms: its state, where it falls short, 'since X'."""
    rows = [ts for ts in status.targets if ts.target.python == python]
    summary = summaries(status).get(f"{python[0]}.{python[1]}")
    if not rows or summary is None:
        return Text("")
    cell = state_text(summary)
    if summary.missing_platforms and summary.state is not PythonState.BLOCKED or \
            summary.state is PythonState.BLOCKED and len(summary.missing_platforms) < summary.platforms:
        cell.append("\nnone: " + ", ".join(summary.missing_platforms), style="dim")
    if summary.state is PythonState.OLDER:
        cell.append(f"\n{rows[0].version} has none", style="dim")
    since = first_ft(rows)
    if since:
        cell.append(f"\nsince {since}", style="dim")
    return cell


def first_ft(rows: Sequence[TargetStatus]) -> str | None:
    """Earliest first-ft version among the rows, pre-releases flagged."""
    found = [ts.first_ft_version for ts in rows if ts.first_ft_version]
    if found:
        return str(min(Version(v) for v in found))
    pre = [ts.first_ft_prerelease for ts in rows if ts.first_ft_prerelease]
    return f"{min(Version(v) for v in pre)} (pre-release)" if pre else None

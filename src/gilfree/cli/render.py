"""Shared rendering vocabulary: verdict colours and compact per-target summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from packaging.version import Version
from rich.text import Text

from ..verdicts.model import PackageStatus, Target, TargetStatus, Verdict

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


def python_cell(status: PackageStatus, python: tuple[int, int]) -> Text:
    """One Python version across platforms: the verdict, exceptions, and 'since X'."""
    rows = [ts for ts in status.targets if ts.target.python == python]
    if not rows:
        return Text("")
    counts = Counter(ts.verdict for ts in rows)
    main, n = counts.most_common(1)[0]
    cell = verdict_text(main)
    if n < len(rows):
        cell.append(f" {n}/{len(rows)}", style="dim")
        for ts in rows:
            if ts.verdict is not main:
                cell.append("\n")
                cell.append(f"{ts.verdict.value}: ", style=STYLES[ts.verdict])
                cell.append(ts.target.platform, style="dim")
    since = first_ft(rows)
    if since:
        cell.append(f"\nsince {since}", style="dim")
    latest = _latest_ft_when_not_current(rows)
    if latest:
        cell.append(f"\nlast ft: {latest}", style="yellow")
    return cell


def first_ft(rows: Sequence[TargetStatus]) -> str | None:
    """Earliest first-ft version among the rows, pre-releases flagged."""
    found = [ts.first_ft_version for ts in rows if ts.first_ft_version]
    if found:
        return str(min(Version(v) for v in found))
    pre = [ts.first_ft_prerelease for ts in rows if ts.first_ft_prerelease]
    return f"{min(Version(v) for v in pre)} (pre-release)" if pre else None


def _latest_ft_when_not_current(rows: Sequence[TargetStatus]) -> str | None:
    """When the judged release dropped ft wheels an older one had, name that one."""
    if any(ts.verdict is Verdict.FT_WHEEL for ts in rows):
        return None
    latest = {ts.latest_ft_version for ts in rows if ts.latest_ft_version}
    return ", ".join(sorted(latest)) if latest else None

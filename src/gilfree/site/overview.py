"""The home page's numbers: per Python version, never over all targets at once.

A package's readiness is its state on one Python version over that version's platforms
(``verdicts.pystate``), so a package that dropped 3.13t but ships 3.14t wheels is counted
ready on 3.14t. Every figure here says what it counts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ..verdicts.model import PythonState
from . import charts
from ..verdicts.pystate import display_order
from .data import PackageRow, SiteData, headlines
from .series import LIMITS

#: How the per-Python states are grouped on the bars (the site's five colours).
GROUP_OF: Mapping[PythonState, str] = {
    PythonState.FT_ALL: "ready", PythonState.OLDER: "ready", PythonState.BINARY: "ready",
    PythonState.PURE: "pure", PythonState.PURE_FALLBACK: "pure",
    PythonState.FT_SOME: "unknown", PythonState.NEEDS_BUILD: "unknown",
    PythonState.BLOCKED: "blocked", PythonState.MISSING: "blocked",
    PythonState.ERROR: "error",
}
GROUP_LABELS = {
    "ready": "free-threaded wheels (or platform binaries) on every platform",
    "pure": "a pure-Python wheel installs (pure package, or fallback for GIL-only wheels)",
    "unknown": "free-threaded wheels on some platforms only, or needs a build",
    "blocked": "blocked: nothing installs on some platform",
    "error": "index error",
}


def _groups(rows: Sequence[PackageRow], python: str) -> Counter[str]:
    return Counter(GROUP_OF[r.pythons[python].state] for r in rows if python in r.pythons)


def overview(data: SiteData) -> dict[str, Any]:
    """The template context of index.html."""
    rows = data.rows
    order = display_order(data.pythons)
    lead = order[0] if order else None
    bars = [(f"Python {py}t", _groups(rows, py)) for py in order]
    return {
        "headlines": headlines(rows, data.pythons),
        "bars": charts.stacked_bars(
            bars, "Tracked packages per Python version",
            "For each free-threaded Python version, the share of tracked packages by their state "
            "over that version's platforms.", GROUP_LABELS) if rows else None,
        "group_labels": GROUP_LABELS,
        "matrix": data.target_counts(),
        **_progress(data, order),
        "series": data.series,
        "lead": lead,
        "by_rank": charts.stacked_bars(
            _rank_buckets(rows, lead), f"Python {lead}t by download rank",
            f"Packages grouped by download rank, most downloaded first: the share in each state on "
            f"Python {lead}t within each group.", GROUP_LABELS) if rows and lead else None,
        "limits": LIMITS,
    }


def _progress(data: SiteData, order: Sequence[str]) -> dict[str, Any]:
    """The history chart: the backfill's daily lines and the snapshots' measured dots."""
    computed = data.computed
    if computed is None:
        return {"progress": None, "monthly": [], "computed": None}
    keys = [f"{py}t" for py in order]
    lines = {f"Python {k}": computed.by_python.get(k, []) for k in keys}
    measured = {f"Python {k}": [(p.day, p.ft_by_python.get(k, 0)) for p in data.series] for k in keys}
    chart = charts.dated_lines(
        computed.start, lines, measured, "Packages with a free-threaded wheel, per day",
        f"For each Python version, how many of today's {computed.packages:,} tracked packages had a "
        "free-threaded wheel of their newest release for at least one platform on each day "
        "(lines: computed from upload times; dots: measured by a tracker run).")
    monthly = []
    days = computed.days()
    for i, day in enumerate(days):
        if day.endswith("-01") or i == len(days) - 1:
            monthly.append((day, [computed.by_python.get(k, [0] * len(days))[i] for k in keys],
                            [computed.by_python_extension.get(k, [0] * len(days))[i] for k in keys]))
    return {"progress": chart, "monthly": monthly[::-1], "computed": computed, "progress_keys": keys}


def _rank_buckets(rows: list[PackageRow], python: str | None) -> list[tuple[str, Counter[str]]]:
    if not rows or python is None:
        return []
    size = max(1, math.ceil(len(rows) / 10))
    magnitude = 10 ** max(0, len(str(size)) - 2)
    size = math.ceil(size / magnitude) * magnitude  # 1,500 rather than 1,487
    out = []
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        out.append((f"{chunk[0].rank:,}-{chunk[-1].rank:,}", _groups(chunk, python)))
    return out


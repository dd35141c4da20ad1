"""The site's history series: computed from package histories (the backfill) and measured
by the tracker's daily snapshots, kept apart because they answer slightly different
questions.

Computed: for every day since the first free-threaded wheel, how many of today's tracked
packages had one on that day (``verdicts.history``). Measured: on each snapshot day, how
many packages had one, as the run saw it. Both count a package for a Python version when
some platform of that version has a free-threaded wheel of the newest release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..store.codes import CODES
from ..verdicts.history import PackageHistory, daily_counts, daily_python_counts
from ..verdicts.model import Verdict
from ..verdicts.targets import parse_target

FT = CODES[Verdict.FT_WHEEL]

LIMITS = (
    "The computed series applies today's list of tracked packages to every past day: it "
    "counts how many of today's packages had a free-threaded wheel then, not how many of "
    "that day's most-downloaded packages did.",
    "Files deleted from the index are invisible, so a day they decided looks as if they "
    "had never existed.",
    "The index says which files are yanked now, not since when: yanked files are left out "
    "on every past day.",
    "Files without an upload time cannot be placed in time and are left out.",
)


@dataclass(frozen=True)
class Computed:
    """Daily counts from ``start`` to ``end`` (both included), one value per day."""

    start: date
    end: date
    packages: int  # histories counted
    extension: int  # of them, packages whose latest release ships extension modules
    by_python: Mapping[str, list[int]]  # "3.14t" -> packages with a ft wheel on some platform
    by_python_extension: Mapping[str, list[int]]
    by_target: Mapping[str, list[int]]  # target name -> packages with a ft wheel there

    def days(self) -> list[str]:
        return [(self.start + timedelta(days=i)).isoformat() for i in range((self.end - self.start).days + 1)]


def computed_series(histories: Mapping[str, PackageHistory], native: Mapping[str, bool],
                    target_names: Sequence[str], end: date) -> Computed | None:
    """The backfill's daily counts from the first free-threaded wheel any history shows."""
    if not histories:
        return None
    targets = [parse_target(t) for t in target_names]
    pythons = sorted({t.python for t in targets})
    firsts = [s.start for h in histories.values() for th in h.targets for s in th.spans[:1]]
    start = min(firsts, default=end)
    start = min(start, end)
    ext = [h for name, h in histories.items() if native.get(name)]
    return Computed(
        start=start, end=end, packages=len(histories), extension=len(ext),
        by_python=daily_python_counts(histories.values(), pythons, start, end),
        by_python_extension=daily_python_counts(ext, pythons, start, end),
        by_target=daily_counts(histories.values(), targets, start, end))


def measured_counts(counts: Mapping[str, int], target_names: Sequence[str]) -> dict[str, int]:
    """One snapshot's verdict-code histogram -> packages with a ft wheel per Python ("3.14t")."""
    out: dict[str, int] = {}
    columns: dict[str, list[int]] = {}
    for i, name in enumerate(target_names):
        columns.setdefault(name.split("-", 1)[0], []).append(i)
    for py, idx in columns.items():
        out[py] = sum(n for codes, n in counts.items() if any(codes[i:i + 1] == FT for i in idx))
    return out

"""deps' summary per Python version: which platforms are ready, and what holds each back.

A report over 24 targets used to end in 24 lines; users ask per Python version ("can we
move to 3.14t?"), so the summary is one line per version that names the platforms that
are not ready and the dependencies (with their action) that stand in the way. The
per-target lines stay available (``TargetSummary``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..verdicts.model import Target
from .deps import Action, DepsReport, TargetSummary, move_text


@dataclass(frozen=True)
class Holdback:
    """One dependency that keeps a Python version from being ready, and where."""

    name: str
    action: Action
    move_to: str | None  # upgrade_to or downgrade_to
    platforms: tuple[str, ...]  # of this Python version's targets


@dataclass(frozen=True)
class PythonDepsSummary:
    """The project on one Python version, over that version's targets."""

    python: str  # "3.14"
    platforms: tuple[str, ...]
    ready_platforms: tuple[str, ...]
    holdbacks: tuple[Holdback, ...]
    dependencies: int  # the most on any of its targets (resolutions differ per platform)
    resolve_errors: tuple[str, ...] = ()  # "platform: why"

    @property
    def ready(self) -> bool:
        return len(self.ready_platforms) == len(self.platforms)


_ORDER = (Action.ERROR, Action.BLOCKED, Action.NEEDS_BUILD, Action.DOWNGRADE, Action.UPGRADE)


def python_summaries(report: DepsReport) -> tuple[PythonDepsSummary, ...]:
    """One summary per Python version of ``report.targets``, in version order."""
    by_python: dict[tuple[int, int], list[TargetSummary]] = {}
    for s in report.summaries:
        by_python.setdefault(s.target.python, []).append(s)
    out = []
    for python, summaries in sorted(by_python.items()):
        targets: set[Target] = {s.target for s in summaries}
        found: dict[tuple[str, Action, str | None], list[str]] = {}
        for dep in report.dependencies:
            for t in dep.targets:
                if t.target in targets and t.action is not Action.NONE:
                    move = t.upgrade_to or t.downgrade_to
                    found.setdefault((dep.name, t.action, move), []).append(t.target.platform)
        holdbacks = sorted((Holdback(name, action, move, tuple(platforms))
                            for (name, action, move), platforms in found.items()),
                           key=lambda h: (_ORDER.index(h.action), h.name))
        out.append(PythonDepsSummary(
            python=f"{python[0]}.{python[1]}",
            platforms=tuple(s.target.platform for s in summaries),
            ready_platforms=tuple(s.target.platform for s in summaries if s.ready),
            holdbacks=tuple(holdbacks),
            dependencies=max((s.dependencies for s in summaries), default=0),
            resolve_errors=tuple(f"{s.target.platform}: {s.resolve_error}" for s in summaries
                                 if s.resolve_error)))
    return tuple(out)


def platforms_text(some: Sequence[str], every: Sequence[str]) -> str:
    """``win_arm64``, ``all 8 platforms`` or ``all but win_arm64``: the shorter way to say it."""
    if len(some) == len(every):
        return some[0] if len(every) == 1 else "both platforms" if len(every) == 2 else f"all {len(every)} platforms"
    rest = [p for p in every if p not in some]
    if len(some) > len(rest):
        return f"all but {', '.join(rest)}"
    return ", ".join(some)


def holdback_text(h: Holdback, summary: PythonDepsSummary) -> str:
    """``numpy downgrade to <= 2.4.6`` plus the platforms when not all of them."""
    what = move_text(h.action, h.move_to)
    partial = len(h.platforms) < len(summary.platforms)
    where = f" ({platforms_text(h.platforms, summary.platforms)})" if partial else ""
    return f"{h.name} {what}{where}"


def python_summary_text(s: PythonDepsSummary) -> str:
    """The one line of a Python version, e.g. ``not ready on win_arm64: orjson blocked``."""
    count = f"{s.dependencies} {'dependency' if s.dependencies == 1 else 'dependencies'}"
    n = len(s.platforms)
    if s.ready:
        return f"ready on {'all ' if n > 1 else ''}{n} platform{'s' if n > 1 else ''} ({count})"
    not_ready = [p for p in s.platforms if p not in s.ready_platforms]
    where = platforms_text(not_ready, s.platforms)
    reasons = [holdback_text(h, s) for h in s.holdbacks] + [f"could not resolve {e}" for e in s.resolve_errors]
    return f"not ready on {where}: {'; '.join(reasons)} ({count})"

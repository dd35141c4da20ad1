"""The site's view of the store: one snapshot's rows, latest statuses, history, overlay.

Works on serialized statuses (the documented ``to_data`` shape) rather than model
objects: rebuilding 15,000 dataclass trees would dominate the build for nothing, and the
JSON downloads are that shape anyway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from ..store import read
from ..store.audits import audit_data
from ..store.codes import CATEGORIES, UNCHECKED, category, target_category
from ..store.db import Store
from ..store.overlay import Curated
from ..store.histories import history_data
from ..store.read import HistoryPoint, RunInfo
from ..verdicts.history import DATA_VERSION, PackageHistory
from ..verdicts.headline import Headline, count_headlines
from ..verdicts.model import PythonSummary
from ..verdicts.pystate import display_order, native_from_data, summarize_data, version_key
from .series import Computed, computed_series, measured_counts


RUNTIME_LABELS = {"keeps-gil-disabled": "keeps the GIL disabled", "import-fails": "import fails",
                  "crashed": "crashes on import", "install-failed": "install failed"}


@dataclass(frozen=True)
class PackageRow:
    """One tracked package as the site shows it."""

    rank: int
    name: str
    downloads: int | None
    version: str | None
    codes: str | None  # verdict codes in SiteData.targets order; None while pending
    classifier: int | None
    status: dict[str, Any] | None  # latest serialized PackageStatus
    curated: Curated | None
    history: tuple[HistoryPoint, ...] = ()
    # measured: serialized AuditResults (track --audit-top) by Python series ("3.14")
    audits: dict[str, dict[str, Any]] = field(default_factory=dict)

    def runtime_on(self, python: str) -> str:
        """The runtime GIL audit on one Python series in a few words, "" when not audited."""
        audit = self.audits.get(python)
        if not audit:
            return ""
        gil = [m["module"] for m in audit.get("modules", ()) if m.get("outcome") == "gil-enabled"]
        if gil:
            return "re-enables the GIL: " + ", ".join(gil)
        return RUNTIME_LABELS.get(audit.get("outcome", ""), audit.get("outcome", ""))

    @property
    def runtime(self) -> str:
        """Every Python's audit in a few words ("3.14t: keeps the GIL disabled · …")."""
        return " · ".join(f"{py}t: {self.runtime_on(py)}" for py in display_order(self.audits))

    @cached_property
    def pythons(self) -> dict[str, PythonSummary]:
        """The package per Python version ("3.14" -> summary); empty while pending."""
        return {p.python: p for p in summarize_data(self.status)} if self.status else {}

    @property
    def native(self) -> bool:
        """The latest release ships extension modules (any wheel with an extension ABI)."""
        return bool(self.status and native_from_data(self.status))

    @cached_property
    def category(self) -> str | None:
        return category(self.codes) if self.codes else None

    @property
    def summary(self) -> str:
        return str(self.status.get("summary") or "") if self.status else ""

    @property
    def classifier_text(self) -> str | None:
        found = (self.status or {}).get("classifier")
        return found.get("text") if isinstance(found, dict) else None

    @cached_property
    def first_ft_version(self) -> str | None:
        """The earliest stable release with a free-threaded wheel on any target."""
        found = {t.get("first_ft_version") for t in (self.status or {}).get("targets", ())}
        return min((v for v in found if v), key=version_key, default=None)


@dataclass(frozen=True)
class Point:
    """One day of the progress chart: category counts over all packages of that run."""

    day: str
    total: int
    counts: dict[str, int]  # overall category -> packages
    by_python: dict[str, dict[str, int]]  # "3.14" -> category -> packages
    ft_by_python: dict[str, int] = field(default_factory=dict)  # "3.14t" -> with a ft wheel somewhere


@dataclass(frozen=True)
class SiteData:
    """Everything the generator renders."""

    run: RunInfo | None  # the snapshot shown (latest complete, else the latest started)
    targets: tuple[str, ...]
    rows: list[PackageRow]
    series: list[Point]  # measured: one point per daily snapshot
    overlay: dict[str, Curated] = field(default_factory=dict)
    histories: dict[str, PackageHistory] = field(default_factory=dict)  # the backfill, by name
    computed: Computed | None = None  # the backfill's daily counts

    @cached_property
    def pythons(self) -> list[str]:
        return sorted({t.split("t-", 1)[0] for t in self.targets}, key=version_key)

    @cached_property
    def platforms(self) -> list[str]:
        return list(dict.fromkeys(t.split("t-", 1)[1] for t in self.targets))

    def target_counts(self) -> dict[str, Counter[str]]:
        """Per target name, how many packages fall in each category on it."""
        out: dict[str, Counter[str]] = {t: Counter() for t in self.targets}
        for row in self.rows:
            for target, code in zip(self.targets, row.codes or ""):
                cat = target_category(code)
                if cat:
                    out[target][cat] += 1
        return out


def headlines(rows: Sequence[PackageRow], pythons: Sequence[str]) -> list[Headline]:
    """Per Python version, in the order summaries lead with (see ``verdicts.headline``)."""
    return count_headlines(((row.native, row.pythons) for row in rows), pythons)




def python_codes(codes: str, targets: Sequence[str], python: str) -> str:
    """The codes of ``codes`` restricted to one Python version's targets."""
    return "".join(c for t, c in zip(targets, codes) if t.startswith(f"{python}t-"))


def _point(run: RunInfo, counts: dict[str, int]) -> Point:
    overall: Counter[str] = Counter()
    by_python: dict[str, Counter[str]] = {}
    pythons = sorted({t.split("t-", 1)[0] for t in run.targets}, key=version_key)
    for codes, n in counts.items():
        overall[category(codes) or UNCHECKED] += n
        for py in pythons:
            by_python.setdefault(py, Counter())[category(python_codes(codes, run.targets, py)) or UNCHECKED] += n
    return Point(run.day, sum(counts.values()),
                 {c: overall[c] for c in CATEGORIES},
                 {py: {c: cnt[c] for c in CATEGORIES} for py, cnt in by_python.items()},
                 measured_counts(counts, run.targets))


def load_site_data(store: Store, overlay: dict[str, Curated]) -> SiteData:
    """Read the shown snapshot, every daily run for the charts, and package histories."""
    runs = read.list_runs(store)
    daily = read.daily_runs(runs)
    shown = daily[-1] if daily else (runs[-1] if runs else None)
    if shown is None:
        return SiteData(None, (), [], [], overlay)
    statuses = read.status_data(store)
    histories = read.history(store, daily)
    audits = audit_data(store)
    rows = [PackageRow(r.rank, r.name, r.downloads, r.version, r.verdicts, r.classifier,
                       statuses.get(r.name), overlay.get(r.name), tuple(histories.get(r.name, ())),
                       audits.get(r.name, {}))
            for r in read.snapshot(store, shown.id)]
    counts = read.verdict_counts(store, [run.id for run in daily])
    series = [_point(run, counts[run.id]) for run in daily]
    names = {r.name for r in rows}
    stored = history_data(store, names)
    histories = {name: PackageHistory.from_data(d) for name, d in stored.items()
                 if d.get("v") == DATA_VERSION}
    computed = computed_series(histories, {r.name: r.native for r in rows}, shown.targets,
                               date.fromisoformat(shown.day))
    return SiteData(shown, shown.targets, rows, series, overlay, histories, computed)

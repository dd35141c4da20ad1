"""One package's page: its state per Python version, the per-target grid, its history
(computed from upload times and measured by snapshots), the runtime audit, and the
curated facts — each kind in its own section, curated ones credited to their source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..store.codes import VERDICTS, category
from ..verdicts.model import PythonSummary
from ..verdicts.pystate import PHASES, STATE_LABEL, describe, display_order
from . import charts
from .data import PackageRow, SiteData
from .guide import HELP, Guide
from .links import safe_url

INSTALLS = frozenset("FPB")  # codes of verdicts that install without a build


@dataclass(frozen=True)
class HistoryRow:
    """One line of a package page's snapshot table."""

    day: str
    version: str | None
    installs: int  # targets with an installable file
    targets: int
    category: str | None
    classifier: int | None


@dataclass(frozen=True)
class PythonRow:
    """One Python version on a package page."""

    python: str
    phase: str
    summary: PythonSummary | None
    label: str
    text: str
    first_day: date | None  # from the backfill: the first day some platform had a ft wheel
    lost: tuple[date, ...]  # days it went from some platform to none


def _pythons(data: SiteData, row: PackageRow) -> list[PythonRow]:
    history = data.histories.get(row.name)
    out = []
    for py in data.pythons:
        s = row.pythons.get(py)
        version = tuple(int(x) for x in py.split("."))
        key = (version[0], version[1])
        out.append(PythonRow(
            python=py, phase=PHASES.get(py, ""), summary=s,
            label=STATE_LABEL[s.state] if s else "not checked yet", text=describe(s) if s else "",
            first_day=history.first_ft(key) if history else None,
            lost=history.lost(key) if history else ()))
    return out


def _grid(data: SiteData, row: PackageRow) -> list[tuple[str, list[tuple[str, ...]]]]:
    status = row.status or {}
    per_target = {t.get("target"): t for t in status.get("targets", ())}
    codes = dict(zip(data.targets, row.codes or ""))
    grid = []
    for platform in data.platforms:
        cells = []
        for py in data.pythons:
            target = f"{py}t-{platform}"
            verdict = VERDICTS.get(codes.get(target, ""))
            ts = per_target.get(target) or {}
            wheel = ts.get("wheel") or ""
            cells.append((verdict.value if verdict else "", ts.get("first_ft_version") or "",
                          ts.get("first_ft_prerelease") or "", wheel,
                          wheel if len(wheel) <= 34 else wheel[:33] + "…",
                          ts.get("latest_ft_version") or ""))
        grid.append((platform, cells))
    return grid


def _timeline(data: SiteData, row: PackageRow) -> Any:
    history = data.histories.get(row.name)
    if history is None or data.computed is None:
        return None
    rows = []
    for py in display_order(data.pythons):  # the home chart's order: the same colour per Python
        major, minor = (int(x) for x in py.split("."))
        rows.append((f"{py}t", [(s.start, s.end) for s in history.python_spans((major, minor))]))
    return charts.timeline(
        data.computed.start, data.computed.end, rows, f"{row.name}: free-threaded wheels over time",
        "For each Python version, the days on which the newest release had a free-threaded "
        "wheel for at least one platform, computed from the index's upload times.")


def _guides(guide: Guide, row: PackageRow) -> list[tuple[str, str]]:
    """(href, title) of the guide pages that fit the package's states, most relevant first."""
    out: list[tuple[str, str]] = []
    for summary in row.pythons.values():
        for slug in HELP.get(summary.state, ()):
            page = guide.get(slug)
            if page is not None and (page.href, page.doc.title) not in out:
                out.append((page.href, page.doc.title))
    return out


def package_context(data: SiteData, row: PackageRow, guide: Guide) -> dict[str, Any]:
    """The template context of package.html."""
    status = row.status or {}
    history = [HistoryRow(p.day, p.version, sum(c in INSTALLS for c in p.verdicts), len(p.verdicts),
                          category(p.verdicts), p.classifier) for p in row.history]
    links = [(str(label), url) for label, url in (status.get("project_urls") or ()) if safe_url(url)]
    curated = row.curated
    facts = []
    for fact in curated.fact_sets() if curated else ():
        facts.append({"fact": fact, "issue": safe_url(fact.tracking_issue),
                      "nightly": safe_url(fact.nightly_index), "nightly_link": safe_url(fact.nightly_link),
                      "source": fact.source})
    nightlies = [e for e in status.get("extra_indexes", ()) if e.get("nightly")]
    extras = [e for e in status.get("extra_indexes", ()) if not e.get("nightly")]
    return {"row": row, "status": status, "python_rows": _pythons(data, row), "grid": _grid(data, row),
            "history": history, "timeline": _timeline(data, row), "links": links, "facts": facts,
            "pypi": f"https://pypi.org/project/{row.name}/", "nightlies": nightlies, "extras": extras,
            "undated": data.histories[row.name].undated_files if row.name in data.histories else 0,
            "guides": _guides(guide, row)}

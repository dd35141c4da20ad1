"""Write the static tracker site: overview, package table, one page per package, the
porting guide, and JSON/CSV downloads. Every page works from ``file://`` (relative links,
no CDN, assets copied beside the pages).

All text that comes from packages goes through Jinja2 autoescaping; the table's data is
embedded as JSON with ``<``, ``>`` and ``&`` escaped, so no summary can close the script.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .. import __version__
from ..store.codes import CATEGORIES, VERDICTS, category
from ..verdicts.serialize import document
from . import charts
from .data import PackageRow, SiteData, python_codes
from .markdown import render_doc

INSTALLS = frozenset("FPB")  # codes of verdicts that install without a build


@dataclass(frozen=True)
class HistoryRow:
    """One line of a package page's history table."""

    day: str
    version: str | None
    installs: int  # targets with an installable file
    targets: int
    category: str | None
    classifier: int | None


@dataclass(frozen=True)
class BuildResult:
    out: Path
    packages: int
    pages: int


def safe_json(data: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block that no string can escape."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                     ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, esc)
    return Markup(text)


def safe_url(url: object) -> str | None:
    """Only http(s) URLs become links: metadata could carry ``javascript:``."""
    return url if isinstance(url, str) and url.lower().startswith(("https://", "http://")) else None


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gilfree.site", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined)
    env.filters["num"] = lambda n: "-" if n is None else f"{n:,}"
    env.filters["pct"] = lambda part, total: f"{100.0 * part / total:.1f}%" if total else "-"
    env.globals.update(categories=CATEGORIES, labels=charts.LABELS, gilfree_version=__version__)
    return env


class _Writer:
    """Renders templates with the context every page shares and writes them under ``out``."""

    def __init__(self, out: Path, env: jinja2.Environment, common: dict[str, Any]) -> None:
        self.out, self.env, self.common, self.pages = out, env, common, 0

    def page(self, path: str, template: str, **context: Any) -> None:
        root = "../" * path.count("/")
        html = self.env.get_template(template).render(**self.common, root=root, **context)
        self.text(path, html)
        self.pages += 1

    def text(self, path: str, text: str) -> None:
        (self.out / path).write_text(text, encoding="utf-8")


def build_site(data: SiteData, out: Path, *, generated_at: str | None = None) -> BuildResult:
    """Render every page and download of ``data`` into ``out``."""
    out = Path(out)
    for sub in ("assets", "data", "p"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    _copy_assets(out / "assets")
    run = data.run
    common = {
        "generated_at": generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "run": run, "total": len(data.rows), "targets": data.targets,
        "pythons": data.pythons, "platforms": data.platforms,
    }
    w = _Writer(out, _environment(), common)
    w.page("index.html", "index.html", nav="index.html", **_overview(data))
    w.page("packages.html", "packages.html", nav="packages.html",
           table_data=safe_json(_table_data(data)))
    for name in ("porting-guide.md", "site-data.md"):
        title, body = render_doc(name)
        page = name.replace(".md", ".html")
        w.page(page, "doc.html", nav=page, title=title, body=body)
    for row in data.rows:
        w.page(f"p/{row.name}.html", "package.html", nav=None, **_package(data, row))
    written = {f"{row.name}.html" for row in data.rows}
    for stale in (out / "p").glob("*.html"):
        if stale.name not in written:
            stale.unlink()
    records = [_row_record(r) for r in data.rows]
    w.text("data/packages.json", json.dumps(_packages_document(data, records), ensure_ascii=False) + "\n")
    w.text("data/packages.csv", _packages_csv(data, records))
    w.text("data/history.json", json.dumps(_history_document(data), ensure_ascii=False) + "\n")
    return BuildResult(out, len(data.rows), w.pages)


def _copy_assets(dest: Path) -> None:
    for item in resources.files("gilfree.site").joinpath("assets").iterdir():
        if item.is_file():
            (dest / item.name).write_bytes(item.read_bytes())


def _counts(codes_list: Iterable[str | None]) -> Counter[str]:
    return Counter(c for c in (category(codes) if codes else None for codes in codes_list) if c)


def _overview(data: SiteData) -> dict[str, Any]:
    rows = data.rows
    overall = _counts(r.codes for r in rows)
    by_python = [(f"Python {py}t", _counts(python_codes(r.codes or "", data.targets, py) for r in rows))
                 for py in data.pythons]
    matrix = data.target_counts()
    days = [p.day for p in data.series]
    shares = {cat: [100.0 * p.counts.get(cat, 0) / p.total if p.total else 0.0 for p in data.series]
              for cat in CATEGORIES}
    return {
        "overall": overall,
        "bars": charts.stacked_bars(
            [("all targets", overall), *by_python],
            "Share of tracked packages by category",
            "For all targets together and for each free-threaded Python version: the share of "
            "packages that install a free-threaded wheel, are pure Python, need a build, are "
            "blocked, or could not be read."),
        "matrix": matrix,
        "progress": charts.line_chart(
            days, shares, "Progress over time",
            "Share of tracked packages in each category, one point per daily snapshot.") if days else None,
        "series": data.series,
        "by_rank": charts.stacked_bars(
            _rank_buckets(rows), "Readiness by download rank",
            "Packages grouped by download rank, most downloaded first: the share in each "
            "category within each group, over all targets."),
    }


def _rank_buckets(rows: list[PackageRow]) -> list[tuple[str, Counter[str]]]:
    if not rows:
        return []
    size = max(1, math.ceil(len(rows) / 10))
    magnitude = 10 ** max(0, len(str(size)) - 2)
    size = math.ceil(size / magnitude) * magnitude  # 1,500 rather than 1,487
    out = []
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        out.append((f"{chunk[0].rank:,}-{chunk[-1].rank:,}", _counts(r.codes for r in chunk)))
    return out


def _table_data(data: SiteData) -> dict[str, Any]:
    """Compact rows for the JavaScript table: arrays, codes as strings (see table.js)."""
    rows = []
    for r in data.rows:
        curated = r.curated
        rows.append([
            r.rank, r.name, r.version or "", r.codes or "", r.first_ft_version or "",
            r.classifier or 0, r.summary[:160],
            (safe_url(curated.tracking_issue) or "") if curated else "",
            int(bool(curated and curated.nightly_index)), int(bool(curated and curated.tested_in_ci)),
            r.runtime,
        ])
    return {"targets": list(data.targets), "pythons": data.pythons, "platforms": data.platforms,
            "rows": rows}


def _package(data: SiteData, row: PackageRow) -> dict[str, Any]:
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
                          wheel if len(wheel) <= 34 else wheel[:33] + "…"))
        grid.append((platform, cells))
    history = [HistoryRow(p.day, p.version, sum(c in INSTALLS for c in p.verdicts), len(p.verdicts),
                          category(p.verdicts), p.classifier) for p in row.history]
    chart = None
    if history:
        chart = charts.step_chart(
            [h.day for h in history], [h.installs for h in history],
            max(h.targets for h in history), f"{row.name}: targets it installs on",
            "Number of free-threaded targets with an installable wheel, at each snapshot "
            "where something changed.")
    links = [(str(label), url) for label, url in (status.get("project_urls") or ())
             if safe_url(url)]
    curated = row.curated
    return {"row": row, "status": status, "grid": grid, "history": history, "chart": chart,
            "links": links, "curated": curated,
            "nightly": safe_url(curated.nightly_index) if curated else None,
            "issue": safe_url(curated.tracking_issue) if curated else None}


def _row_record(r: PackageRow) -> dict[str, Any]:
    """One package in packages.json (documented in docs/site-data.md)."""
    status = r.status or {}
    curated = r.curated
    return {
        "rank": r.rank, "name": r.name, "downloads": r.downloads, "version": r.version,
        "category": r.category, "verdicts": r.codes, "first_ft_version": r.first_ft_version,
        "classifier": r.classifier_text, "pure": status.get("pure"), "error": status.get("error"),
        "summary": r.summary, "checked_at": status.get("checked_at"),
        "audit": r.audit,
        "curated": None if curated is None else {
            "tracking_issue": curated.tracking_issue, "nightly_index": curated.nightly_index,
            "tested_in_ci": curated.tested_in_ci, "notes": curated.notes},
    }


def _snapshot_meta(data: SiteData) -> dict[str, Any]:
    run = data.run
    return {"snapshot": None if run is None else {
        "day": run.day, "run": run.id, "complete": run.status == "complete",
        "ranking_source": run.source, "ranking_date": run.source_date},
        "targets": list(data.targets), "verdict_codes": {c: v.value for c, v in VERDICTS.items()}}


def _packages_document(data: SiteData, records: list[dict[str, Any]]) -> dict[str, Any]:
    return document("site-packages", records, **_snapshot_meta(data))


def _history_document(data: SiteData) -> dict[str, Any]:
    points = [{"day": p.day, "packages": p.total, "counts": p.counts, "by_python": p.by_python}
              for p in data.series]
    return document("site-history", points, categories=list(CATEGORIES))


CSV_COLUMNS = ("rank", "name", "downloads", "version", "category", "first_ft_version",
               "classifier", "pure", "error", "tracking_issue")


def _packages_csv(data: SiteData, records: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow([*CSV_COLUMNS, *data.targets])
    for rec in records:
        rec = {**rec, "tracking_issue": (rec["curated"] or {}).get("tracking_issue")}
        verdicts = [VERDICTS[c].value if c in VERDICTS else "" for c in (rec["verdicts"] or "")]
        out.writerow([*(_csv_cell(rec[k]) for k in CSV_COLUMNS), *verdicts])
    return buf.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

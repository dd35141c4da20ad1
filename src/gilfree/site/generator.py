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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .. import __version__
from ..store.codes import CATEGORIES, VERDICTS
from ..verdicts.pystate import STATE_LABEL, display_order, short_label, version_key
from ..store.overlay import Curated
from ..verdicts.serialize import document, to_data
from . import charts
from .aliases import search_terms
from .data import PackageRow, SiteData
from .links import safe_url
from .guide import Guide, load_guide, search_entries
from .markdown import read_doc, render_markdown
from .overview import overview
from .package_page import package_context
from .series import LIMITS

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


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gilfree.site", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined)
    env.filters["num"] = lambda n: "-" if n is None else f"{n:,}"
    env.filters["pct"] = lambda part, total: f"{100.0 * part / total:.1f}%" if total else "-"
    env.globals.update(categories=CATEGORIES, labels=charts.LABELS, gilfree_version=__version__,
                       state_label=short_label)
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
    for sub in ("assets", "data", "p", "guide"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    _copy_assets(out / "assets")
    run = data.run
    common = {
        "generated_at": generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "run": run, "total": len(data.rows), "targets": data.targets,
        "pythons": data.pythons, "platforms": data.platforms,
    }
    w = _Writer(out, _environment(), common)
    w.page("index.html", "index.html", nav="index.html", **overview(data))
    w.page("packages.html", "packages.html", nav="packages.html",
           table_data=safe_json(_table_data(data)),
           default_python=next(iter(display_order(data.pythons)), ""))  # the headline's first
    guide = load_guide()
    for page in guide.pages:
        before, after = guide.neighbours(page)
        w.page(page.href, "doc.html", nav="guide", doc=page.doc, page=page, guide=guide, prev=before, next=after)
    w.page("site-data.html", "doc.html", nav="site-data.html", doc=render_markdown(read_doc("site-data.md")),
           page=None, guide=guide, prev=None, next=None)
    w.page("search.html", "search.html", nav="search.html")
    # a script, not a JSON fetch: browsers refuse fetch() on file:// pages
    w.text("data/search-index.js", f"window.gilfreeSearch = {safe_json(_search_document(data, guide))};\n")
    w.page("all-packages.html", "all-packages.html", nav="all-packages.html", groups=_alphabet(data.rows))
    for row in data.rows:
        w.page(f"p/{row.name}.html", "package.html", nav=None, **package_context(data, row, guide))
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


def _order(values: Iterable[str | None]) -> dict[str, int]:
    """PEP 440 rank of each distinct version string (unparsable ones after the rest)."""
    return {v: i for i, v in enumerate(sorted({v for v in values if v}, key=version_key))}


def _python_cells(row: PackageRow, pythons: Iterable[str]) -> list[list[Any]]:
    """Per Python version: [python, state, label, older version, platforms with a
    free-threaded wheel, platforms, the platforms without one]."""
    out = []
    for py in pythons:
        s = row.pythons.get(py)
        if s is None:
            out.append([py, "", "", "", 0, 0, ""])
            continue
        out.append([py, s.state.value, STATE_LABEL[s.state], s.older_version or "",
                    s.platforms - len(s.missing_platforms) if s.state.value == "ft-some" else len(s.ft_platforms),
                    s.platforms, ", ".join(s.missing_platforms)])
    return out


def _table_data(data: SiteData) -> dict[str, Any]:
    """Compact rows for the JavaScript table: arrays, codes as strings (see table.js)."""
    versions = _order(r.version for r in data.rows)
    firsts = _order(r.first_ft_version for r in data.rows)
    rows = []
    for r in data.rows:
        curated = r.curated
        rows.append([
            r.rank, r.name, r.version or "", r.codes or "", r.first_ft_version or "",
            r.classifier or 0, r.summary[:160],
            safe_url(_fact(curated, "tracking_issue")) or "",
            int(bool(_fact(curated, "nightly_index") or _fact(curated, "nightly_link"))),
            int(bool(_fact(curated, "tested_in_ci"))),
            r.runtime, _python_cells(r, data.pythons), search_terms(r.name), int(r.native),
            versions.get(r.version or "", -1), firsts.get(r.first_ft_version or "", -1),
        ])
    return {"targets": list(data.targets), "pythons": data.pythons, "platforms": data.platforms,
            "states": {state.value: label for state, label in STATE_LABEL.items()}, "rows": rows}


def _row_record(r: PackageRow) -> dict[str, Any]:
    """One package in packages.json (documented in docs/site-data.md)."""
    status = r.status or {}
    curated = r.curated
    return {
        "rank": r.rank, "name": r.name, "downloads": r.downloads, "version": r.version,
        "category": r.category, "verdicts": r.codes, "first_ft_version": r.first_ft_version,
        "classifier": r.classifier_text, "pure": status.get("pure"), "error": status.get("error"),
        "summary": r.summary, "checked_at": status.get("checked_at"),
        "audits": r.audits,
        "pythons": [to_data(p) for p in r.pythons.values()],
        "curated": None if curated is None else [_fact_record(f) for f in curated.fact_sets()],
    }


def _fact(curated: Curated | None, attr: str) -> Any:
    """The first fact set's value of ``attr`` that is set (ours first, then imported)."""
    for fact in curated.fact_sets() if curated else ():
        if getattr(fact, attr) is not None:
            return getattr(fact, attr)
    return None


def _fact_record(fact: Curated) -> dict[str, Any]:
    """One set of curated facts, with the source it came from (None: gilfree's own)."""
    source = fact.source
    return {"tracking_issue": fact.tracking_issue, "nightly_index": fact.nightly_index,
            "nightly_link": fact.nightly_link, "tested_in_ci": fact.tested_in_ci, "notes": fact.notes,
            "source": None if source is None else {"title": source.title, "url": source.url,
                                                   "licence": source.licence, "commit": source.commit}}


def _snapshot_meta(data: SiteData) -> dict[str, Any]:
    run = data.run
    return {"snapshot": None if run is None else {
        "day": run.day, "run": run.id, "complete": run.status == "complete",
        "ranking_source": run.source, "ranking_date": run.source_date},
        "targets": list(data.targets), "verdict_codes": {c: v.value for c, v in VERDICTS.items()}}


def _packages_document(data: SiteData, records: list[dict[str, Any]]) -> dict[str, Any]:
    return document("site-packages", records, **_snapshot_meta(data))


def _history_document(data: SiteData) -> dict[str, Any]:
    """history.json (docs/site-data.md): measured snapshot points and the computed backfill."""
    points = [{"day": p.day, "packages": p.total, "counts": p.counts, "by_python": p.by_python,
               "ft_by_python": p.ft_by_python}
              for p in data.series]
    c = data.computed
    computed = None if c is None else {
        "start": c.start.isoformat(), "end": c.end.isoformat(), "packages": c.packages,
        "extension_packages": c.extension,
        "counts": "packages with a free-threaded wheel of their newest release that day, one value per day",
        "by_python": c.by_python, "by_python_extension": c.by_python_extension, "by_target": c.by_target}
    return document("site-history", points, categories=list(CATEGORIES), computed=computed,
                    limits=list(LIMITS))


def _search_document(data: SiteData, guide: Guide) -> dict[str, Any]:
    """search-index.js: the guide's sections and every package with its search terms."""
    packages = [[r.name, search_terms(r.name), r.summary[:120],
                 " · ".join(f"{py}t: {short_label(s)}" for py, s in r.pythons.items())] for r in data.rows]
    return {"docs": search_entries(guide), "packages": packages}


def _alphabet(rows: list[PackageRow]) -> list[tuple[str, list[PackageRow]]]:
    """Every package by first letter, for the static index (crawlable, no JavaScript)."""
    groups: dict[str, list[PackageRow]] = {}
    for row in sorted(rows, key=lambda r: r.name):
        first = row.name[0].upper()
        groups.setdefault(first if first.isalpha() else "#", []).append(row)
    return sorted(groups.items())


CSV_COLUMNS = ("rank", "name", "downloads", "version", "category", "first_ft_version",
               "classifier", "pure", "error", "tracking_issue")


def _packages_csv(data: SiteData, records: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    pythons = list(data.pythons)
    out.writerow([*CSV_COLUMNS, *(f"state_{py}t" for py in pythons), *data.targets])
    for rec in records:
        states = {p["python"]: p["state"] for p in rec["pythons"]}
        issues = [f["tracking_issue"] for f in rec["curated"] or () if f["tracking_issue"]]
        rec = {**rec, "tracking_issue": issues[0] if issues else None}
        verdicts = [VERDICTS[c].value if c in VERDICTS else "" for c in (rec["verdicts"] or "")]
        out.writerow([*(_csv_cell(rec[k]) for k in CSV_COLUMNS), *(states.get(py, "") for py in pythons),
                      *verdicts])
    return buf.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

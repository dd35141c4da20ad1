"""Inline SVG charts, drawn in Python so the site needs no JavaScript library or CDN.

Every chart is an ``<svg role="img">`` with a title and description for screen readers;
each data point carries a ``<title>`` tooltip with its exact numbers. Colours come from
the stylesheet's ``c-<category>`` classes and ``--py<N>`` variables, so charts follow the
page's palette (dark mode too).

Sizes are chosen for phones: a chart is drawn about 450 units wide with 14-unit text and
never shown wider than 1.35 times that, so on a 390 px screen (about 358 px of content)
its text is still 11 px or more, and on a desktop at most about 19 px.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from markupsafe import Markup, escape

from ..store.codes import CATEGORIES

LABELS = {"ready": "free-threaded wheel", "pure": "pure Python", "unknown": "needs a build",
          "blocked": "blocked", "error": "index error"}


def _pct(part: int, total: int) -> float:
    return 100.0 * part / total if total else 0.0


FONT = 14  # text size in viewBox units (the stylesheet's svg text rules use it)
GROW = 1.35  # a chart is never shown wider than this times its viewBox width


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css: str) -> Markup:
    head = (f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" '
            f'style="max-width:{width * GROW:.0f}px" '
            f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>")
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", css: str = "axis") -> str:
    return (f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" style="font-size:{FONT}px" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def stacked_bars(bars: Sequence[tuple[str, Mapping[str, int]]], title: str, desc: str,
                 labels: Mapping[str, str] = LABELS) -> Markup:
    """One horizontal 100% bar per label, split by category (named by ``labels``)."""
    label_w, bar_w, row_h, gap = 104, 340, 26, 8
    height = len(bars) * (row_h + gap) + gap
    body: list[str] = []
    for i, (label, counts) in enumerate(bars):
        y = gap + i * (row_h + gap)
        total = sum(counts.get(c, 0) for c in CATEGORIES)
        body.append(_text(label_w - 6, y + row_h * 0.68, label, "end"))
        x = float(label_w)
        for cat in CATEGORIES:
            n = counts.get(cat, 0)
            if not n:
                continue
            w = bar_w * n / total
            body.append(f'<rect class="seg c-{cat}" x="{x:.2f}" y="{y}" width="{w:.2f}" '
                        f'height="{row_h}"><title>{escape(label)}: {labels[cat]} {n:,} '
                        f'({_pct(n, total):.1f}%)</title></rect>')
            if w > 40:
                body.append(_text(x + w / 2, y + row_h * 0.68, f"{_pct(n, total):.0f}%", "middle", "seg-label"))
            x += w
    return _svg(label_w + bar_w + 6, height, title, desc, body, "bars")


def _month_ticks(start: date, end: date, most: int = 5) -> list[date]:
    """First days of months between start and end, thinned to at most ``most``."""
    months = []
    day = date(start.year, start.month, 1)
    while day <= end:
        if day >= start:
            months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    step = max(1, -(-len(months) // most))
    return months[::step]


def _nice_step(value: int) -> int:
    """The smallest round step whose four multiples reach ``value``: ticks at whole numbers."""
    step = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            candidate = int(step * factor)
            if candidate == step * factor and candidate * 4 >= value:
                return candidate
        step *= 10


def dated_lines(start: date, lines: Mapping[str, Sequence[int]],
                measured: Mapping[str, Sequence[tuple[str, int]]], title: str, desc: str) -> Markup:
    """Daily counts from ``start`` (a line per series, e.g. per Python version) with dated
    axes; ``measured`` adds dots for the same series where a snapshot counted them."""
    left, right, top, bottom, width, height = 42, 10, 10, 30, 450, 230
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max((len(v) for v in lines.values()), default=1)
    end = start + timedelta(days=max(n - 1, 0))
    peak = max([max(v, default=0) for v in lines.values()] +
               [c for pts in measured.values() for _, c in pts] + [1])
    step = _nice_step(peak)
    top_value = step * 4

    def x(day: date) -> float:
        span = (end - start).days or 1
        return left + plot_w * (day - start).days / span

    def y(v: float) -> float:
        return top + plot_h * (1 - v / top_value)

    body = []
    for k in range(5):
        tick = step * k
        body.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
        body.append(_text(left - 5, y(tick) + 5, f"{tick:,.0f}", "end"))
    for tick_day in _month_ticks(start, end):
        body.append(_text(x(tick_day), height - bottom + 20, tick_day.strftime("%b %Y"), "middle"))
    for i, (label, values) in enumerate(lines.items()):
        colour = f"var(--py{i}, currentColor)"
        pts = []
        for d, v in enumerate(values):
            if d == 0 or d == len(values) - 1 or v != values[d - 1] or v != values[min(d + 1, len(values) - 1)]:
                pts.append(f"{x(start + timedelta(days=d)):.1f},{y(v):.1f}")
        body.append(f'<polyline class="line" style="stroke:{colour}" points="{" ".join(pts)}">'
                    f'<title>{escape(label)}: {values[-1] if values else 0:,} on {end.isoformat()}</title></polyline>')
        for day_text, count in measured.get(label, ()):
            day = date.fromisoformat(day_text)
            body.append(f'<circle class="point" style="fill:{colour}" cx="{x(day):.1f}" cy="{y(count):.1f}" r="4">'
                        f'<title>{escape(label)}, snapshot {day_text}: {count:,}</title></circle>')
    return _svg(width, height, title, desc, body, "lines")


def timeline(start: date, end: date, rows: Sequence[tuple[str, Sequence[tuple[date, date | None]]]],
             title: str, desc: str) -> Markup:
    """One row per label (a Python version) with a bar over the days a condition held."""
    left, right, row_h, gap, width = 56, 10, 20, 10, 450
    height = len(rows) * (row_h + gap) + gap + 26
    plot_w = width - left - right
    span = (end - start).days or 1

    def x(day: date) -> float:
        return left + plot_w * (min(max(day, start), end) - start).days / span

    body = []
    for i, (label, spans) in enumerate(rows):
        y = gap + i * (row_h + gap)
        body.append(_text(left - 6, y + row_h * 0.75, label, "end"))
        body.append(f'<rect class="track" x="{left}" y="{y}" width="{plot_w}" height="{row_h}"/>')
        for first, until in spans:
            stop = until or end + timedelta(days=1)
            body.append(f'<rect class="c-ready" style="fill:var(--py{i}, currentColor)" x="{x(first):.1f}" '
                        f'y="{y}" width="{max(x(stop) - x(first), 2):.1f}" height="{row_h}">'
                        f'<title>{escape(label)}: from {first.isoformat()}'
                        f'{" until " + until.isoformat() if until else " on"}</title></rect>')
    for tick_day in _month_ticks(start, end):
        body.append(_text(x(tick_day), height - 6, tick_day.strftime("%b %Y"), "middle"))
    return _svg(width, height, title, desc, body, "timeline")

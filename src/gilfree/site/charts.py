"""Inline SVG charts, drawn in Python so the site needs no JavaScript library or CDN.

Every chart is an ``<svg role="img">`` with a title and description for screen readers;
each data point carries a ``<title>`` tooltip with its exact numbers. Colours come from
the stylesheet's ``c-<category>`` classes, so charts follow the page's palette.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from ..store.codes import CATEGORIES

LABELS = {"ready": "free-threaded wheel", "pure": "pure Python", "unknown": "needs a build",
          "blocked": "blocked", "error": "index error"}


def _pct(part: int, total: int) -> float:
    return 100.0 * part / total if total else 0.0


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css: str) -> Markup:
    head = (f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" '
            f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>")
    return Markup(head + "".join(body) + "</svg>")


def stacked_bars(bars: Sequence[tuple[str, Mapping[str, int]]], title: str, desc: str) -> Markup:
    """One horizontal 100% bar per label, split by category."""
    label_w, bar_w, row_h, gap = 150, 600, 26, 8
    height = len(bars) * (row_h + gap) + gap
    body: list[str] = []
    for i, (label, counts) in enumerate(bars):
        y = gap + i * (row_h + gap)
        total = sum(counts.get(c, 0) for c in CATEGORIES)
        body.append(f'<text class="axis" x="{label_w - 8}" y="{y + row_h * 0.68:.1f}" '
                    f'text-anchor="end">{escape(label)}</text>')
        x = float(label_w)
        for cat in CATEGORIES:
            n = counts.get(cat, 0)
            if not n:
                continue
            w = bar_w * n / total
            body.append(f'<rect class="seg c-{cat}" x="{x:.2f}" y="{y}" width="{w:.2f}" '
                        f'height="{row_h}"><title>{escape(label)}: {LABELS[cat]} {n:,} '
                        f'({_pct(n, total):.1f}%)</title></rect>')
            if w > 38:
                body.append(f'<text class="seg-label" x="{x + w / 2:.2f}" y="{y + row_h * 0.68:.1f}" '
                            f'text-anchor="middle">{_pct(n, total):.0f}%</text>')
            x += w
    return _svg(label_w + bar_w + 10, height, title, desc, body, "bars")


def line_chart(days: Sequence[str], shares: Mapping[str, Sequence[float]], title: str,
               desc: str) -> Markup:
    """Share (0-100 %) of each category over time, one polyline plus dots per category."""
    left, right, top, bottom, width, height = 44, 16, 12, 40, 760, 300
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(days)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / 100)

    body = []
    for tick in (0, 25, 50, 75, 100):
        body.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" '
                    f'y2="{y(tick):.1f}"/><text class="axis" x="{left - 6}" y="{y(tick) + 4:.1f}" '
                    f'text-anchor="end">{tick}%</text>')
    step = max(1, n // 6)
    for i in sorted({*range(0, n, step), n - 1}) if n else ():
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        body.append(f'<text class="axis" x="{x(i):.1f}" y="{height - bottom + 18}" '
                    f'text-anchor="{anchor}">{escape(days[i])}</text>')
    for cat, values in shares.items():
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        if n > 1:
            body.append(f'<polyline class="line s-{cat}" points="{pts}"/>')
        for i, v in enumerate(values):
            body.append(f'<circle class="point c-{cat}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5">'
                        f'<title>{escape(days[i])}: {LABELS[cat]} {v:.1f}%</title></circle>')
    return _svg(width, height, title, desc, body, "lines")


def step_chart(days: Sequence[str], values: Sequence[int], maximum: int, title: str,
               desc: str) -> Markup:
    """A small step chart: how many targets a package installs on, snapshot by snapshot."""
    width, height, pad = 360, 90, 18
    n = len(days)
    maximum = max(maximum, 1)

    def x(i: int) -> float:
        return pad + ((width - 2 * pad) * i / (n - 1) if n > 1 else (width - 2 * pad) / 2)

    def y(v: int) -> float:
        return pad / 2 + (height - pad * 1.5) * (1 - v / maximum)

    path = []
    for i, v in enumerate(values):
        if i:
            path.append(f"L{x(i):.1f},{y(values[i - 1]):.1f}")
        path.append(f"{'M' if not i else 'L'}{x(i):.1f},{y(v):.1f}")
    body = [f'<line class="grid" x1="{pad}" x2="{width - pad}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>',
            f'<line class="grid" x1="{pad}" x2="{width - pad}" y1="{y(maximum):.1f}" y2="{y(maximum):.1f}"/>']
    if n > 1:
        body.append(f'<path class="line s-ready" d="{" ".join(path)}"/>')
    for i, v in enumerate(values):
        body.append(f'<circle class="point c-ready" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5">'
                    f'<title>{escape(days[i])}: installs on {v} of {maximum} targets</title></circle>')
    return _svg(width, height, title, desc, body, "steps")

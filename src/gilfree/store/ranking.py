"""Which packages the tracker follows, in download order.

The default is the bundled snapshot of the most-downloaded PyPI projects (provenance in
``gilfree/data/README.md``). A user may give another file of the same JSON shape — so a
fresh copy of the public dataset drops in — or a plain list, one name per line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from ..errors import BadInput, clip
from ..fsutil import loads_json, read_text

SNAPSHOT = "top-pypi-packages.min.json"
MAX_TOP = 15_000

# PEP 508 project names: letters, digits, and . _ - inside.
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


@dataclass(frozen=True)
class RankedPackage:
    """One tracked project: its canonical name, 1-based download rank and downloads."""

    rank: int
    name: str
    downloads: int | None = None


@dataclass(frozen=True)
class Ranking:
    """An ordered list of projects plus where it came from (shown on the site)."""

    source: str
    last_update: str | None
    packages: tuple[RankedPackage, ...]

    def top(self, n: int | None) -> Ranking:
        """The first ``n`` projects (all when ``n`` is None)."""
        if n is None:
            return self
        if n < 1:
            raise BadInput(f"--top must be at least 1, got {n}")
        return Ranking(self.source, self.last_update, self.packages[:n])

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.packages]


def load_ranking(path: str | Path | None = None, top: int | None = None) -> Ranking:
    """The bundled snapshot, or ``path`` (top-pypi-packages JSON or a plain name list)."""
    if path is None:
        raw = resources.files("gilfree.data").joinpath(SNAPSHOT).read_text(encoding="utf-8")
        return _from_json(raw, f"bundled {SNAPSHOT}").top(top)
    shown = str(path)
    raw = read_text(path)
    ranking = _from_json(raw, shown) if raw.lstrip().startswith("{") else _from_lines(raw, shown)
    if not ranking.packages:
        raise BadInput("lists no packages", path=shown)
    return ranking.top(top)


def _from_json(raw: str, where: str) -> Ranking:
    data = loads_json(raw, where)  # invalid or nested too deeply: one BadInput line
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise BadInput('expected {"rows": [{"project": ..., "download_count": ...}, ...]}',
                       path=where)
    builder = _Builder(where)
    for i, row in enumerate(rows):
        project = row.get("project") if isinstance(row, dict) else None
        downloads = row.get("download_count") if isinstance(row, dict) else None
        if not isinstance(project, str) or not (downloads is None or _is_count(downloads)):
            raise BadInput(f"rows[{i}]: expected {{\"project\": NAME, \"download_count\": N}},"
                           f" got {json.dumps(row)[:80]}", path=where)
        builder.add(project, downloads, f"rows[{i}]", None)
    last_update = data.get("last_update")
    return Ranking(where, str(last_update) if last_update else None, tuple(builder.packages))


def _from_lines(raw: str, where: str) -> Ranking:
    builder = _Builder(where)
    for number, line in enumerate(raw.splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if text:
            builder.add(text, None, None, number)
    return Ranking(where, None, tuple(builder.packages))


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class _Builder:
    """Validates names and drops duplicates (first occurrence keeps its rank)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.packages: list[RankedPackage] = []
        self._seen: set[str] = set()

    def add(self, name: str, downloads: int | None, item: str | None, line: int | None) -> None:
        if not _NAME.match(name):
            prefix = f"{item}: " if item else ""
            raise BadInput(f"{prefix}not a project name: {clip(name)!r}", path=self.where, line=line)
        canonical = str(canonicalize_name(name))
        if canonical in self._seen:
            return
        self._seen.add(canonical)
        self.packages.append(RankedPackage(len(self.packages) + 1, canonical, downloads))

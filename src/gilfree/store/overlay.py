"""The curated overlay: facts humans maintain (tracking issue, notes, nightly index,
"tested in CI") that the site shows beside the computed ones, never merged into them.

The bundled ``gilfree/data/overlay.toml`` is the default; ``--overlay FILE`` replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from ..errors import BadInput
from ..fsutil import loads_toml, read_text

OVERLAY = "overlay.toml"
_URL_KEYS = ("tracking_issue", "nightly_index")


@dataclass(frozen=True)
class Curated:
    """What the overlay says about one package."""

    tracking_issue: str | None = None
    nightly_index: str | None = None
    tested_in_ci: bool | None = None
    notes: str = ""


def load_overlay(path: str | Path | None = None) -> dict[str, Curated]:
    """Curated entries by canonical package name; a malformed file is a BadInput."""
    if path is None:
        where = f"bundled {OVERLAY}"
        text = resources.files("gilfree.data").joinpath(OVERLAY).read_text(encoding="utf-8")
    else:
        where = str(path)
        text = read_text(path)
    data = loads_toml(text, where)
    unknown = set(data) - {"packages"}
    if unknown:
        raise BadInput(f"unknown top-level key(s) {sorted(unknown)}; expected [packages.NAME]",
                       path=where)
    packages = data.get("packages", {})
    return {str(canonicalize_name(name)): _entry(name, entry, where)
            for name, entry in packages.items()}


def _entry(name: str, entry: Any, where: str) -> Curated:
    if not isinstance(entry, dict):
        raise BadInput(f"packages.{name}: expected a table", path=where)
    unknown = set(entry) - {"tracking_issue", "nightly_index", "tested_in_ci", "notes"}
    if unknown:
        raise BadInput(f"packages.{name}: unknown key(s) {sorted(unknown)}", path=where)
    for key in _URL_KEYS:
        value = entry.get(key)
        if value is not None and not (isinstance(value, str) and value.startswith(("https://", "http://"))):
            raise BadInput(f"packages.{name}.{key}: expected an http(s) URL, got {value!r}", path=where)
    tested = entry.get("tested_in_ci")
    if tested is not None and not isinstance(tested, bool):
        raise BadInput(f"packages.{name}.tested_in_ci: expected true or false", path=where)
    notes = entry.get("notes", "")
    if not isinstance(notes, str):
        raise BadInput(f"packages.{name}.notes: expected a string", path=where)
    return Curated(entry.get("tracking_issue"), entry.get("nightly_index"), tested, notes)

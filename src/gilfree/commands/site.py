"""`gilfree site`: render the tracker site from the store (read-only) plus the overlay."""

from __future__ import annotations

from pathlib import Path

from ..site.data import load_site_data
from ..site.generator import BuildResult, build_site
from ..store.db import Store
from ..store.overlay import load_overlay


def generate(db: Path, out: Path, overlay_path: Path | None = None) -> BuildResult:
    """Read the latest snapshot and history from ``db`` and write the site to ``out``."""
    overlay = load_overlay(overlay_path)
    with Store.open_readonly(db) as store:
        data = load_site_data(store, overlay)
    return build_site(data, out)

"""Package histories in the tracker store: one per package, with the basis it was computed
on (the simple page's digest, the rules and the targets), so a stale one is recomputed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .db import Store


def history_bases(store: Store) -> dict[str, str]:
    """Package name -> the basis of its stored history."""
    rows = store.conn.execute(
        "SELECT p.name, h.basis FROM histories h JOIN packages p ON p.id = h.package_id")
    return dict(rows.fetchall())


def history_data(store: Store, names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Serialized PackageHistories (``PackageHistory.to_data``) by package name."""
    rows = store.conn.execute(
        "SELECT p.name, h.data FROM histories h JOIN packages p ON p.id = h.package_id")
    wanted = None if names is None else set(names)
    return {name: json.loads(data) for name, data in rows if wanted is None or name in wanted}

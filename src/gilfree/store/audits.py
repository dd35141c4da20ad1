"""Runtime GIL audits in the tracker store: one per package and Python series, for the
release audited there."""

from __future__ import annotations

import json
import re
from typing import Any

from ..verdicts.model import AuditResult
from ..verdicts.serialize import to_data
from .db import Store
from .runs import package_ids, transaction, utc_now


def series(python: str) -> str:
    """``"3.14.7t"`` (AuditResult.python) -> ``"3.14"``; the text itself when it is not one."""
    found = re.match(r"^(\d+\.\d+)", python or "")
    return found[1] if found else (python or "?")


def save_audit(store: Store, name: str, result: AuditResult) -> None:
    """Record (or replace) the audit of ``name`` on its Python series; the package must be tracked."""
    ids = package_ids(store.conn)
    with transaction(store.conn) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO audits (package_id, python, version, outcome, data, audited_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (ids[name], series(result.python), result.version, result.outcome, json.dumps(to_data(result)),
             utc_now()))


def audit_data(store: Store) -> dict[str, dict[str, dict[str, Any]]]:
    """Serialized AuditResults by package name, then Python series ("3.14")."""
    rows = store.conn.execute(
        "SELECT p.name, a.python, a.data FROM audits a JOIN packages p ON p.id = a.package_id ORDER BY a.python")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name, python, data in rows:
        out.setdefault(name, {})[python] = json.loads(data)
    return out


def audited_versions(store: Store, python: str) -> dict[str, str | None]:
    """Package name -> the release audited on Python series ``python`` ("3.14")."""
    rows = store.conn.execute(
        "SELECT p.name, a.version FROM audits a JOIN packages p ON p.id = a.package_id WHERE a.python = ?",
        (python,))
    return dict(rows.fetchall())

"""Runtime GIL audits in the tracker store: one per package, for the release audited."""

from __future__ import annotations

import json
from typing import Any

from ..verdicts.model import AuditResult
from ..verdicts.serialize import to_data
from .db import Store
from .runs import package_ids, transaction, utc_now


def save_audit(store: Store, name: str, result: AuditResult) -> None:
    """Record (or replace) the audit of ``name``; the package must be tracked."""
    ids = package_ids(store.conn)
    with transaction(store.conn) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO audits (package_id, version, outcome, data, audited_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (ids[name], result.version, result.outcome, json.dumps(to_data(result)), utc_now()))


def audit_data(store: Store) -> dict[str, dict[str, Any]]:
    """Serialized AuditResults by package name."""
    rows = store.conn.execute(
        "SELECT p.name, a.data FROM audits a JOIN packages p ON p.id = a.package_id")
    return {name: json.loads(data) for name, data in rows}


def audited_versions(store: Store) -> dict[str, str | None]:
    rows = store.conn.execute(
        "SELECT p.name, a.version FROM audits a JOIN packages p ON p.id = a.package_id")
    return dict(rows.fetchall())

"""The tracker's SQLite schema and its ordered migrations.

``PRAGMA user_version`` holds the number of migrations applied. Each migration is a
function run inside one transaction with the version bump, so a database is always at
exactly one version; a database written by a newer gilfree is refused, not guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from ..errors import IncompleteError

Migration = Callable[[sqlite3.Connection], None]


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statements one by one: ``executescript`` would commit our transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1_initial(conn: sqlite3.Connection) -> None:
    """Packages with their latest status, dated runs, and one compact row per run+package."""
    _run(conn, """
        CREATE TABLE packages (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,      -- canonical project name
            status TEXT,                    -- latest PackageStatus, serialize.to_data JSON
            digest TEXT,                    -- hash of status minus checked_at
            checked_at TEXT,                -- when status was last fetched (UTC ISO)
            changed_at TEXT                 -- when digest last changed
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            day TEXT NOT NULL,              -- UTC date of the snapshot, YYYY-MM-DD
            status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'abandoned')),
            started_at TEXT NOT NULL,
            finished_at TEXT,
            source TEXT NOT NULL,           -- where the ranking came from
            source_date TEXT,               -- the ranking's own last_update
            targets TEXT NOT NULL           -- JSON list: the order of snapshot_rows.verdicts
        );
        CREATE INDEX runs_by_day ON runs (day, status);
        CREATE TABLE snapshot_rows (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            package_id INTEGER NOT NULL REFERENCES packages (id),
            rank INTEGER NOT NULL,
            downloads INTEGER,
            version TEXT,
            verdicts TEXT,                  -- one code per run target, NULL while pending
            classifier INTEGER,             -- Free Threading classifier level, if any
            PRIMARY KEY (run_id, package_id)
        ) WITHOUT ROWID;
        CREATE INDEX snapshot_rows_by_package ON snapshot_rows (package_id, run_id);
    """)


def _v2_serials(conn: sqlite3.Connection) -> None:
    """Remember each project's index serial and what its status was computed with, so a
    re-run can reuse a status whose project did not change (PyPI's ``last_serial``)."""
    conn.execute("ALTER TABLE packages ADD COLUMN last_serial TEXT")
    conn.execute("ALTER TABLE packages ADD COLUMN basis TEXT")  # gilfree version, targets, indexes


def _v3_audits(conn: sqlite3.Connection) -> None:
    """Runtime GIL audits (``track --audit-top``): measured, costly, kept per release."""
    _run(conn, """
        CREATE TABLE audits (
            package_id INTEGER PRIMARY KEY REFERENCES packages (id),
            version TEXT,                   -- the release installed and probed
            outcome TEXT NOT NULL,          -- AuditResult.outcome
            data TEXT NOT NULL,             -- AuditResult, serialize.to_data JSON
            audited_at TEXT NOT NULL
        )
    """)


def _v4_histories(conn: sqlite3.Connection) -> None:
    """Each package's free-threaded wheel history, worked out from the upload times on its
    simple page (``verdicts.history``): kept with the page it came from, so an unchanged
    project is not worked out again."""
    _run(conn, """
        CREATE TABLE histories (
            package_id INTEGER PRIMARY KEY REFERENCES packages (id),
            basis TEXT NOT NULL,            -- page digest, rules and targets it was computed on
            data TEXT NOT NULL              -- PackageHistory.to_data JSON
        )
    """)


def _v5_audits_per_python(conn: sqlite3.Connection) -> None:
    """One audit per package and Python series (``"3.14"``): a release can keep the GIL
    disabled on one free-threaded Python and not on another, and pip may install another
    release on each. Existing audits keep the series recorded in their own data."""
    _run(conn, """
        ALTER TABLE audits RENAME TO audits_v3;
        CREATE TABLE audits (
            package_id INTEGER NOT NULL REFERENCES packages (id),
            python TEXT NOT NULL,           -- the series audited on, "3.14"
            version TEXT,                   -- the release installed and probed there
            outcome TEXT NOT NULL,          -- AuditResult.outcome
            data TEXT NOT NULL,             -- AuditResult, serialize.to_data JSON
            audited_at TEXT NOT NULL,
            PRIMARY KEY (package_id, python)
        );
        INSERT INTO audits (package_id, python, version, outcome, data, audited_at)
            SELECT package_id,
                   coalesce(nullif(rtrim(substr(json_extract(data, '$.python'), 1,
                       instr(substr(json_extract(data, '$.python'), 3), '.') + 1), '.'), ''), '?'),
                   version, outcome, data, audited_at FROM audits_v3;
        DROP TABLE audits_v3
    """)


MIGRATIONS: Sequence[Migration] = (_v1_initial, _v2_serials, _v3_audits, _v4_histories, _v5_audits_per_python)


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the migrations the database has not seen, in order; return the new version."""
    current = user_version(conn)
    if current > len(migrations):
        raise IncompleteError(
            f"the track database has schema version {current}, newer than this gilfree "
            f"understands ({len(migrations)}); upgrade gilfree or use another --db")
    for number, migration in enumerate(migrations[current:], current + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if user_version(conn) >= number:  # another process migrated meanwhile
                conn.execute("ROLLBACK")
                continue
            migration(conn)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # a signal right after COMMIT leaves none to roll back
                conn.execute("ROLLBACK")
            raise
    return user_version(conn)

"""Judged statuses kept on disk, keyed by the exact simple page they were judged from.

Why: judging a page means parsing every file entry on it (a 300-package lock holds about
245,000 of them), while the answer for one release is a few hundred bytes. The verdict
rules are pure, so the same page bytes (SHA-256 of the body as served), the same request
and the same targets give the same status: a warm run, or a re-run where a project did not
change, reads it back instead of parsing the page again. The key also holds a fingerprint
of the rules' own source and of ``packaging``, so a changed rule never serves an old answer.

Kept: what ``build_status`` computes from the page, the wheel to read the release's core
metadata from, and what that metadata says (classifiers, summary, links: immutable for a
release, and read again only if it could not be read before). On a hit neither the page
nor the metadata is read again; extra indexes are asked on every run.

Stored in one SQLite file, written in batches: a file per package cost ~1 ms of file
creation each on our machines, more than judging the page. It is a cache: anything that
cannot be read (a damaged file, a locked database, another version's rows) is a miss,
never an error, and a database that cannot be opened is set aside and started afresh.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import packaging

from .. import __version__
from ..verdicts import model
from ..verdicts.model import DistFile, PackageStatus, ProjectInfo, Target
from ..verdicts.serialize import from_data, to_data

#: The modules whose code decides a status from a page.
_RULES = ("model.py", "rules.py", "serialize.py", "status.py", "targets.py")
FILE = "memo.sqlite3"
BATCH = 100  # saves per transaction
MAX_ROWS = 60_000  # oldest rows beyond this go (a tracker's 15,000 packages, many times)
_SCHEMA = "CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value BLOB NOT NULL, saved REAL NOT NULL)"


@cache
def rules_fingerprint() -> str:
    """gilfree's and packaging's versions and the verdict rules' source, hashed."""
    digest = hashlib.sha256(f"{__version__} {packaging.__version__}".encode())
    here = Path(model.__file__).parent
    for name in _RULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Judged:
    """What one page says about one request."""

    status: PackageStatus
    metadata_wheel: DistFile | None = None  # where the judged release's core metadata is
    info: ProjectInfo | None = None  # what it says, once read


class VerdictMemo:
    """The memo of one run: thread-safe (each thread reads through its own connection;
    saves are buffered and written ``BATCH`` at a time, and by ``close``)."""

    def __init__(self, root: Path, targets: Sequence[Target]) -> None:
        self.root = root
        self.path = root / FILE
        self._basis = f"{rules_fingerprint()} {' '.join(t.name for t in targets)}"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._pending: dict[str, bytes] = {}  # saved, not written yet: read from here
        self._broken = False  # the database cannot be used: the memo is off for this run

    def _key(self, digest: str, name: str, version: str | None) -> str:
        key = f"{self._basis} {name} {version or ''} {digest}"
        return hashlib.sha256(key.encode()).hexdigest()[:40]

    def load(self, digest: str, name: str, version: str | None, requested: str) -> Judged | None:
        """What was judged from this page before, as of now; None if nothing was."""
        key = self._key(digest, name, version)
        value = self._pending.get(key)
        try:
            if value is None:
                row = self._query("SELECT value FROM memo WHERE key = ?", (key,))
                if row is None:
                    return None
                value = row[0]
            judged = from_data(Judged, json.loads(zlib.decompress(value)))
        except (sqlite3.Error, zlib.error, ValueError, TypeError, KeyError, AttributeError):
            return None
        status = replace(judged.status, requested=requested,
                         checked_at=datetime.now(timezone.utc).replace(microsecond=0))
        return replace(judged, status=status)

    def save(self, digest: str, name: str, version: str | None, judged: Judged) -> None:
        value = zlib.compress(json.dumps(to_data(judged), separators=(",", ":")).encode(), 1)
        with self._lock:
            self._pending[self._key(digest, name, version)] = value
            batch = self._take() if len(self._pending) >= BATCH else None
        if batch:
            self._write(batch)

    def close(self) -> None:
        """Write what is still buffered and keep the database within ``MAX_ROWS``."""
        with self._lock:
            batch = self._take()
        if batch:
            self._write(batch, trim=True)

    # -- storage --------------------------------------------------------------------------

    def _take(self) -> dict[str, bytes]:
        batch, self._pending = self._pending, {}
        return batch

    def _connection(self) -> sqlite3.Connection | None:
        conn = getattr(self._local, "conn", None)
        if conn is None and not self._broken:
            conn = self._local.conn = self._open()
        return conn

    def _open(self) -> sqlite3.Connection | None:
        for attempt in range(2):
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA synchronous = OFF")  # a cache: a damaged file is set aside
                conn.execute(_SCHEMA)
                return conn
            except sqlite3.DatabaseError:
                if attempt == 0 and self.path.exists():
                    self._set_aside()
                    continue
            except (sqlite3.Error, OSError):
                pass
            break
        self._broken = True
        return None

    def _set_aside(self) -> None:
        """A damaged database (not a locked one) is renamed away; the pruner removes it."""
        try:
            self.path.replace(self.path.with_name(f"{FILE}.damaged-{int(time.time())}"))
        except OSError:
            pass

    def _query(self, sql: str, args: tuple[object, ...]) -> tuple[bytes] | None:
        conn = self._connection()
        return None if conn is None else conn.execute(sql, args).fetchone()

    def _write(self, batch: dict[str, bytes], trim: bool = False) -> None:
        """One transaction; a failure loses the batch (only a later run is slower)."""
        conn = self._connection()
        if conn is None:
            return
        now = time.time()
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR REPLACE INTO memo (key, value, saved) VALUES (?, ?, ?)",
                                 [(key, value, now) for key, value in batch.items()])
                if trim:
                    conn.execute("DELETE FROM memo WHERE rowid IN (SELECT rowid FROM memo ORDER BY saved DESC, "
                                 "rowid DESC LIMIT -1 OFFSET ?)", (MAX_ROWS,))
        except sqlite3.Error:
            pass

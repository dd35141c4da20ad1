"""Opening the tracker's SQLite file: WAL, foreign keys, migrations, read-only mode.

One file holds everything. WAL lets the site (or a curious ``sqlite3`` shell) read while
``track`` writes, and makes each committed batch durable and atomic, so a killed run
leaves a consistent database.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import TracebackType

import platformdirs

from ..errors import BadInput, IncompleteError
from .schema import MIGRATIONS, migrate, user_version

DB_NAME = "track.sqlite3"


def default_db_path() -> Path:
    """``$GILFREE_DB``, else track.sqlite3 under the platform's user data directory."""
    env = os.environ.get("GILFREE_DB")
    return Path(env) if env else Path(platformdirs.user_data_dir("gilfree")) / DB_NAME


class Store:
    """A connection to the track database; use as a context manager to close it."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Store:
        """Open for writing, creating the file and migrating the schema as needed."""
        path = Path(path) if path else default_db_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            raise BadInput(f"cannot open the track database: {exc}", path=str(path)) from None
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; WAL stays atomic
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise BadInput(f"not a track database: {exc}", path=str(path)) from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    @classmethod
    def open_readonly(cls, path: Path | None = None) -> Store:
        """Open an existing database for reading only (the site generator's view)."""
        path = Path(path) if path else default_db_path()
        if not path.is_file():
            raise BadInput("no track database here; run `gilfree track` first", path=str(path))
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                   isolation_level=None, timeout=30.0)
            version = user_version(conn)
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"not a track database: {exc}", path=str(path)) from None
        if version != len(MIGRATIONS):
            conn.close()
            raise IncompleteError(
                f"{path}: schema version {version}, this gilfree expects {len(MIGRATIONS)};"
                " run `gilfree track` with this gilfree to migrate it")
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

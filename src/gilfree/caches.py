"""What gilfree keeps in its cache directory, how big it is, and keeping it bounded.

Every cache here is a directory of independent files written atomically (``fsutil``), so
any file can be deleted at any time: a missing entry is a miss, never an error, even for
a run going on meanwhile. That makes pruning simple: oldest files first (by modification
time: entries are rewritten when refreshed) until the total fits. Only the data caches
named in ``KINDS`` are pruned: the free-threaded CPython build (``python``) takes minutes
to make again, and other directories (a benchmark's venv) break if a file goes; those are
only removed when asked for by name.

A tracker run over real PyPI pages stores gigabytes of page bodies, so index commands
prune on their own at most once a day (``auto_prune``) down to ``GILFREE_CACHE_MAX_SIZE``
(default 2 GiB; ``0`` turns it off).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import BadInput

KINDS = {
    "http-v2": "HTTP responses: simple pages",
    "verdicts": "statuses judged from simple pages, with release info",
    "wheel-metadata": "METADATA read from wheel tails (older gilfree; now kept in verdicts)",
    "resolve": "dependency resolutions",
    "toml": "parsed lock and pyproject files",
    "python": "the free-threaded CPython build",
}
KEPT = frozenset({"python"})  # never pruned, never cleared unless named
PRUNABLE = frozenset(KINDS) - KEPT
DEFAULT_MAX_SIZE = 2 * 2**30
PRUNE_EVERY = 24 * 3600  # seconds between automatic prunes
STAMP = ".last-prune"
TEMP_GRACE = 3600  # a temporary file this young may belong to a write going on
# A SQLite database's own files: deleted with their database, never alone (a journal left
# without its database would be applied to the next one of that name).
SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class CacheUsage:
    """One kind of cache: its directory, file count and bytes on disk."""

    kind: str
    path: Path
    files: int
    bytes: int
    description: str


@dataclass(frozen=True)
class Pruned:
    """What a prune or clear did."""

    files: int
    bytes: int
    remaining: int  # bytes left in the prunable caches


def parse_size(text: str, where: str = "size") -> int:
    """``500MB``, ``2GiB``, ``1.5G``, ``0``... in bytes (units are powers of 1024)."""
    match = _SIZE.match(str(text))
    if match is None:
        raise BadInput(f"{where}: not a size like 500MB or 2GiB: {text!r}")
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * 1024 ** " kmgt".index(unit or " "))


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def max_size_from_environment() -> int:
    """``GILFREE_CACHE_MAX_SIZE``, else the default; 0 means no automatic pruning."""
    text = os.environ.get("GILFREE_CACHE_MAX_SIZE")
    return DEFAULT_MAX_SIZE if not text else parse_size(text, "GILFREE_CACHE_MAX_SIZE")


def usage(root: Path) -> list[CacheUsage]:
    """Every cache directory under ``root`` (known kinds first), with its size."""
    found = sorted((p for p in _subdirs(root)), key=lambda p: (p.name not in KINDS, p.name))
    return [CacheUsage(path.name, path, *_count(path),
                       KINDS.get(path.name, "not a cache of this version (kept unless named)"))
            for path in found]


def clear(root: Path, kinds: Iterable[str] = ()) -> Pruned:
    """Remove the named caches (any directory here), or all the prunable ones."""
    wanted = set(kinds)
    unknown = wanted - {p.name for p in _subdirs(root)} - set(KINDS)
    if unknown:
        raise BadInput(f"no such cache: {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
    files = size = 0
    for path in _subdirs(root):
        if (path.name in wanted) if wanted else (path.name in PRUNABLE):
            counted = _count(path)
            files, size = files + counted[0], size + counted[1]
            shutil.rmtree(path, ignore_errors=True)
    return Pruned(files, size, _prunable_bytes(root))


def prune(root: Path, max_bytes: int, *, now: float | None = None) -> Pruned:
    """Delete the oldest files of the prunable caches until they hold at most ``max_bytes``."""
    now = time.time() if now is None else now
    entries = sorted(_prunable(root, now))
    total = sum(size for _, size, _ in entries)
    files = freed = 0
    for _, size, path in entries:
        if total <= max_bytes:
            break
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            continue
        for suffix in SQLITE_COMPANIONS:
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        total -= size
        files += 1
        freed += size
    return Pruned(files, freed, total)


def auto_prune(root: Path, max_bytes: int | None = None, *, now: float | None = None) -> Pruned | None:
    """``prune`` when the last one is over a day old; None when it was not due.

    A cache directory seen for the first time only gets its stamp: nothing there is old."""
    max_bytes = max_size_from_environment() if max_bytes is None else max_bytes
    if max_bytes <= 0 or not root.is_dir():
        return None
    now = time.time() if now is None else now
    stamp = root / STAMP
    try:
        last = stamp.stat().st_mtime
    except FileNotFoundError:
        last = None
    except OSError:
        return None
    if last is not None and now - last < PRUNE_EVERY:
        return None
    try:
        stamp.touch()
        os.utime(stamp, (now, now))
    except OSError:
        return None  # a cache we cannot write to is not ours to prune
    return None if last is None else prune(root, max_bytes, now=now)


def _subdirs(root: Path) -> list[Path]:
    try:
        return [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []


def _files(directory: Path) -> Iterator[tuple[float, int, Path]]:
    """(modification time, size, path) of every file below ``directory``."""
    stack = [directory]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(Path(entry.path))
                        elif entry.is_file(follow_symlinks=False):
                            st = entry.stat(follow_symlinks=False)
                            yield st.st_mtime, st.st_size, Path(entry.path)
                    except OSError:
                        continue
        except OSError:
            continue


def _count(directory: Path) -> tuple[int, int]:
    """(files, bytes) below ``directory``."""
    sizes = [size for _, size, _ in _files(directory)]
    return len(sizes), sum(sizes)


def _prunable(root: Path, now: float) -> Iterator[tuple[float, int, Path]]:
    for path in _subdirs(root):
        if path.name not in PRUNABLE:
            continue
        for mtime, size, file in _files(path):
            if file.name.endswith(".tmp") and now - mtime < TEMP_GRACE:
                continue  # probably being written right now
            if file.name.endswith(SQLITE_COMPANIONS):
                continue
            yield mtime, size, file


def _prunable_bytes(root: Path) -> int:
    return sum(size for _, size, _ in _prunable(root, time.time()))

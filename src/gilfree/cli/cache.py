"""`gilfree cache`: what the cache directory holds, and emptying or pruning it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from ..caches import (DEFAULT_MAX_SIZE, PRUNABLE, clear, format_size, max_size_from_environment, parse_size,
                      prune, usage)
from ..errors import BadInput
from ..fsutil import default_cache_dir
from .common import add_format_option, console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cache", help="show, prune or clear gilfree's caches",
        description="Show what gilfree's cache directory holds (the default), prune it to a "
                    "size (oldest files first) or clear it. Index commands prune it on their own "
                    "once a day to GILFREE_CACHE_MAX_SIZE (default 2GiB, 0 for never). Only "
                    "the data caches are pruned or cleared by default; the free-threaded CPython "
                    "build ('python') and other directories go only when named.")
    p.add_argument("action", nargs="?", choices=("info", "prune", "clear"), default="info")
    p.add_argument("kinds", nargs="*", metavar="NAME",
                   help=f"with clear: the caches to remove (default {', '.join(sorted(PRUNABLE))})")
    p.add_argument("--cache-dir", type=Path, metavar="DIR",
                   help=f"cache location (default {default_cache_dir()})")
    p.add_argument("--max-size", default=None, metavar="SIZE",
                   help="with prune: the size to prune to, e.g. 500MB (default GILFREE_CACHE_MAX_SIZE, else "
                        f"{format_size(DEFAULT_MAX_SIZE)})")
    add_format_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = args.cache_dir or default_cache_dir()
    if args.kinds and args.action != "clear":
        raise BadInput(f"cache names are only taken by 'clear', not by {args.action!r}")
    if args.action == "clear":
        done = clear(root, args.kinds)
    elif args.action == "prune":
        limit = (max_size_from_environment() or DEFAULT_MAX_SIZE) if args.max_size is None \
            else parse_size(args.max_size, "--max-size")
        done = prune(root, limit)
    else:
        return _show(root, args.format)
    if args.format == "json":
        print(json.dumps({"cache_dir": str(root), "action": args.action, "removed_files": done.files,
                          "freed_bytes": done.bytes, "remaining_bytes": done.remaining}, indent=2))
    else:
        console.print(f"{args.action}: removed {done.files:,} files ({format_size(done.bytes)}); "
                      f"{format_size(done.remaining)} left in {root}", soft_wrap=True)
    return 0


def _show(root: Path, fmt: str) -> int:
    found = usage(root)
    if fmt == "json":
        print(json.dumps({"cache_dir": str(root), "caches": [
            {"kind": u.kind, "path": str(u.path), "files": u.files, "bytes": u.bytes,
             "description": u.description} for u in found]}, indent=2))
        return 0
    table = Table(title=f"gilfree caches in {root}")
    for column, justify in (("cache", "left"), ("holds", "left"), ("files", "right"), ("size", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for u in found:
        table.add_row(u.kind, u.description, f"{u.files:,}", format_size(u.bytes))
    table.add_row("total", "", f"{sum(u.files for u in found):,}", format_size(sum(u.bytes for u in found)))
    console.print(table)
    return 0

"""`gilfree python`: print the free-threaded interpreter gilfree uses (finding or building it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..runtime import bootstrap
from .common import console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "python", help="path of the free-threaded interpreter gilfree uses",
        description="Find a free-threaded CPython (GILFREE_PYTHON, python3.1Xt on PATH, uv's, "
                    "gilfree's cache) and print its path; build 3.13t into the cache when none "
                    "is found.")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--build", action="store_true",
                      help="go straight to the cached build (building it if it is not there yet)")
    mode.add_argument("--no-build", action="store_true", help="only look; exit 3 if none is found")
    p.set_defaults(func=run)


def resolve_python(explicit: str | None) -> Path:
    """``--python`` when given, else the bootstrap's choice (which may build one)."""
    return Path(explicit) if explicit else bootstrap.find_ft_python()


def run(args: argparse.Namespace) -> int:
    if args.build:
        path = bootstrap.build_ft_python()
    else:
        path = bootstrap.find_ft_python(build=not args.no_build)
    console.print(str(path), soft_wrap=True)
    return 0

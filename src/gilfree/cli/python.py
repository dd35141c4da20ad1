"""`gilfree python`: the free-threaded interpreters gilfree uses (finding or building them)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InterpreterError
from ..runtime import bootstrap
from .common import console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "python", help="path of the free-threaded interpreter gilfree uses",
        description="Find a free-threaded CPython (GILFREE_PYTHON, python3.1Xt on PATH, uv's, "
                    "gilfree's cache) and print its path; build it from Debian's source "
                    "package into the cache when none is found. The default is GILFREE_PYTHON, "
                    "else the newest final release found (a release candidate only when no "
                    f"final release is), else a build of {bootstrap.DEFAULT_BUILD}t.")
    p.add_argument("--version", dest="python_version", type=bootstrap.version_arg,
                   metavar="{3.13t,3.14t,3.15t,all}",
                   help="the series to find or build; `all` prints one line per series")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--build", action="store_true",
                      help="go straight to the cached build (building it if it is not there yet)")
    mode.add_argument("--no-build", action="store_true", help="only look; exit 3 if none is found")
    mode.add_argument("--list", action="store_true",
                      help="show what is found and what can be built (never builds)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        show_list(bootstrap.list_pythons())
        return 0
    version = args.python_version
    results = bootstrap.resolve(version, build=not args.no_build, force_build=args.build)
    for series, result in results:
        if not isinstance(result, InterpreterError):
            console.print(f"{series} {result}" if version == "all" else str(result),
                          soft_wrap=True, markup=False)
    failed = [f"{series}: {result}" for series, result in results
              if isinstance(result, InterpreterError)]
    if failed:
        raise InterpreterError("; ".join(failed))
    return 0


def show_list(records: list[bootstrap.PythonRecord]) -> None:
    from rich.table import Table

    default = bootstrap.choose_default(records)
    table = Table(title="Free-threaded Pythons", title_justify="left")
    for column in ("version", "release", "where", "path", "notes"):
        table.add_column(column, overflow="fold")
    for r in records:
        notes = "; ".join(x for x in ("default" if r is default else "", r.notes) if x)
        table.add_row(r.version, r.full_version or "-", r.source, str(r.path or "-"), notes)
    console.print(table)


def interpreters(python: str | None, version: str | None) -> list[Path]:
    """``--python``, else the ``--python-version`` series (each of them for ``all``), else
    the default interpreter; found or built as ``gilfree python`` does (audit and test)."""
    if python:
        return [Path(python)]
    if version == "all":
        return [path for _, path in bootstrap.resolve("all", build=True)]  # type: ignore[misc]
    return [bootstrap.find_ft_python(version)]

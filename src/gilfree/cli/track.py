"""`gilfree track`: record a dated snapshot of the most-downloaded packages in the store."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


from ..commands.track import TrackResult, track
from ..runtime.bootstrap import version_arg
from ..store.db import Store, default_db_path
from ..store.ranking import MAX_TOP, load_ranking
from ..store.read import snapshot, status_data
from ..verdicts.headline import count_headlines, headline_text
from ..verdicts.pystate import native_from_data, summarize_data
from .common import (
    progress_bar,
    add_index_options,
    add_target_options,
    console,
    err_console,
    make_client,
    positive_int,
    setting,
    targets_from,
)

EPILOG = """\
Each run records a snapshot dated today (UTC). A run that is interrupted is resumed by the
next run of the same day: only the packages it had not recorded are fetched.
exit codes: 0 snapshot complete, 2 bad input, 3 could not complete.
"""


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, metavar="PATH",
                        help=f"track database (default {default_db_path()}; env GILFREE_DB)")


def db_path(args: argparse.Namespace) -> Path:
    value = setting(args, "db")
    return Path(value) if value else default_db_path()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "track", help="record a snapshot of the most-downloaded packages (for the site)",
        description="Judge the most-downloaded PyPI packages on every target and record the "
                    "results as today's snapshot in a SQLite database.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--packages", metavar="FILE",
                   help="ranking to track: top-pypi-packages JSON, or one name per line "
                        "(default: the bundled top-15,000 snapshot)")
    p.add_argument("--top", type=positive_int, metavar="N",
                   help=f"track only the first N packages of the ranking (up to {MAX_TOP:,} bundled)")
    add_db_option(p)
    p.add_argument("--batch-size", type=positive_int, default=200, metavar="N",
                   help="statuses per committed transaction (default 200)")
    p.add_argument("--audit-top", type=positive_int, metavar="N",
                   help="then install the top N packages that have free-threaded wheels for this "
                        "machine in a free-threaded interpreter and record which re-enable the GIL "
                        "(the site's runtime column; a release already audited is kept)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--audit-python", metavar="PATH", action="append",
                       help="free-threaded interpreter for --audit-top (repeatable)")
    which.add_argument("--audit-python-version", type=version_arg, metavar="{3.13t,3.14t,3.15t,all}",
                       action="append",
                       help="audit on this series (repeatable; found or built; default: every "
                            "free-threaded Python found here, see `gilfree python --list`)")
    add_target_options(p)
    add_index_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ranking = load_ranking(args.packages, args.top)
    targets = targets_from(args)
    with Store.open(db_path(args)) as store, make_client(args) as client:
        if err_console.is_terminal:
            result = _with_progress(lambda cb: track(client, store, ranking, targets,
                                                     batch_size=args.batch_size, progress=cb))
        else:
            result = track(client, store, ranking, targets, batch_size=args.batch_size)
        _print_summary(store, result)
        if args.audit_top and result.complete:
            _audit(store, result, args)
    return 0 if result.complete else 3


def audit_pythons(args: argparse.Namespace) -> list[str]:
    """The interpreters of ``--audit-top``: those named, else each series asked for (found
    or built), else every free-threaded Python found (one per series, never building)."""
    from ..runtime import bootstrap

    if args.audit_python:
        return list(args.audit_python)
    if args.audit_python_version:
        series = [s for v in args.audit_python_version for s in
                  (bootstrap.SUPPORTED if v == "all" else (v.removesuffix("t"),))]
        return [str(bootstrap.find_ft_python(s)) for s in dict.fromkeys(series)]
    found = {r.version: r.path for r in bootstrap.list_pythons() if r.path is not None}
    return [str(path) for _, path in sorted(found.items())] or [str(bootstrap.find_ft_python())]


def _audit(store: Store, result: TrackResult, args: argparse.Namespace) -> None:
    from ..commands.track import audit_top

    for python in audit_pythons(args):
        if err_console.is_terminal:
            with err_console.status(f"auditing on {python}") as spinner:
                audits = audit_top(store, result.run, args.audit_top, python=python, progress=spinner.update)
        else:
            audits = audit_top(store, result.run, args.audit_top, python=python)
        gil = [a for a in audits if a.outcome == "re-enables-gil"]
        console.print(f"audited {len(audits)} package(s) on {python}: {len(gil)} re-enable the GIL"
                      + "".join(f"\n  {a.package} {a.version}: {', '.join(a.gil_modules)}" for a in gil))


def _with_progress(work: Callable[[Callable[[str], None]], TrackResult]) -> TrackResult:
    with progress_bar() as progress:
        task = progress.add_task("tracking", total=None)
        return work(lambda name: progress.update(task, advance=1, description=name))


def _print_summary(store: Store, result: TrackResult) -> None:
    run = result.run
    resumed = ", resumed" if run.resumed else ""
    state = "complete" if result.complete else "INCOMPLETE: run again to finish it"
    console.print(f"snapshot {run.day} (run {run.id}{resumed}): {state}")
    console.print(f"{result.ranked:,} packages; this run checked {result.checked:,} in "
                  f"{result.seconds:.1f} s ({result.reused:,} unchanged on the index), "
                  f"{result.changed:,} statuses changed, {result.errors:,} index errors")
    names = [row.name for row in snapshot(store, run.id) if row.verdicts]
    packages = ((bool(native_from_data(data)), {p.python: p for p in summarize_data(data)})
                for data in status_data(store, names).values())
    pythons = sorted({t.split("t-", 1)[0] for t in run.targets})
    for headline in count_headlines(packages, pythons):
        console.print(headline_text(headline))
    console.print(f"database: {store.path}")

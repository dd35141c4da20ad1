"""`gilfree test [PATH] [-- PYTEST ARGS]`: parsing and rendering only."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.markup import escape

from ..commands.test import SuiteRun, run_suite
from ..errors import BadInput
from ..runtime.bootstrap import version_arg
from ..runtime.processes import Terminated, cleanup_on_signals
from .common import console, err_console, positive_int
from .python import interpreters

EPILOG = """\
Every word after the first `--` goes to pytest unchanged, after gilfree's own options
(which may come before or after PATH):
  gilfree test . -- -x
  gilfree test -- -q                            (PATH is then .)
  gilfree test . --threads 2 -- -k "lost and not slow"
  gilfree test . -- -p no:cacheprovider tests/test_api.py
Each test runs in N threads released together, M iterations each, with per-thread
function-scoped fixtures; hangs are reported with every thread's stack, and
--isolate attributes a crash to its test and carries on. Tests that cannot run in
threads (markers, monkeypatch/capsys..., process-wide changes) run once, with the
reason listed. Inside your own venv the same plugin is `pytest --ft-threads auto`.
exit codes: 0 the suite passed, 1 tests failed, hung or crashed (or the GIL was
enabled), 2 bad input, 3 could not complete (no interpreter, pip failed...),
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

# gilfree.cli.parse_args cuts the command line at the first `--` and puts the rest here,
# unparsed (argparse's REMAINDER cannot do that reliably next to an optional PATH: it
# drops the `--` when PATH comes before it, and takes `-x` for PATH after a bare `--`).
PASSTHROUGH = "pytest_args"
PASSTHROUGH_HINT = "pytest's arguments go after --, e.g. gilfree test . -- -x"
PYTEST_USAGE = " [-- PYTEST_ARG ...]"


def _threads(text: str) -> str:
    if text != "auto":
        positive_int(text)
    return text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "test", help="run a project's tests in many threads on a free-threaded Python",
        description="Install the project, pytest and gilfree into a throwaway venv of a "
                    "free-threaded interpreter and run the project's test suite under "
                    "gilfree's thread-stress plugin.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="project directory (default .)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--python", metavar="PATH", help="free-threaded interpreter (default: found or built)")
    where.add_argument("--python-version", type=version_arg, metavar="{3.13t,3.14t,3.15t,all}",
                       help="run on this free-threaded series (found or built); `all`: on each in turn, "
                            "the worst exit code wins (default: the newest final release)")
    p.add_argument("--threads", type=_threads, default="auto", metavar="N|auto", help="threads per test (default auto)")
    p.add_argument("--iterations", type=positive_int, default=10, metavar="M",
                   help="iterations per thread (default 10)")
    p.add_argument("--seed", type=int, metavar="S", help="repeat a run's parameters")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="per-test hang timeout (default 60)")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="repeat the suite in rounds this long")
    p.add_argument("--isolate", action="store_true", help="run tests in a worker process restarted after a crash")
    p.add_argument("--report", type=Path, metavar="PATH", help="keep the JSON stress report at PATH")
    p.add_argument("--json", action="store_true", help="print the stress report as JSON instead of a summary")
    p.set_defaults(func=run, parser=p, **{PASSTHROUGH: []})
    p.usage = p.format_usage().removeprefix("usage: ").rstrip("\n").replace("%", "%%") + PYTEST_USAGE


def stress_arguments(args: argparse.Namespace) -> list[str]:
    options = ["--ft-threads", str(args.threads), "--ft-iterations", str(args.iterations),
               "--ft-timeout", f"{args.timeout:g}"]
    if args.seed is not None:
        options += ["--ft-seed", str(args.seed)]
    if args.duration:
        options += ["--ft-duration", f"{args.duration:g}"]
    if args.isolate:
        options.append("--ft-isolate")
    return options


def split_pytest_args(args: argparse.Namespace) -> tuple[argparse.Namespace, Path, list[str]]:
    """(options, PATH, pytest's arguments) of a parsed ``gilfree test`` command line."""
    return args, Path(args.path), list(getattr(args, PASSTHROUGH))


def run(args: argparse.Namespace) -> int:
    args, path, pytest_args = split_pytest_args(args)

    def progress(message: str) -> None:
        err_console.print(f"[dim]gilfree: {escape(message)}…[/dim]")

    try:
        with cleanup_on_signals():
            pythons = interpreters(args.python, args.python_version)
            if len(pythons) > 1 and (args.report or args.json):
                raise BadInput("--report and --json take one run: give one --python-version")
            results = [run_suite(path, python=python, stress_args=stress_arguments(args), pytest_args=pytest_args,
                                 report_path=args.report, progress=progress) for python in pythons]
    except Terminated:
        err_console.print("gilfree: terminated")
        return 143
    for result in results:
        if args.json:
            sys.stdout.write(json.dumps(result.report, indent=2) + "\n")
        else:
            print_summary(result)
    return max(exit_code(r.exit_code) for r in results)


def exit_code(pytest_code: int) -> int:
    """pytest's codes in gilfree's terms (0 ok, 1 found problems, 2 usage, 3 incomplete)."""
    return {0: 0, 1: 1, 4: 1, 5: 2}.get(pytest_code, 3)


def print_summary(result: SuiteRun) -> None:
    report: dict[str, Any] | None = result.report
    console.rule(f"gilfree test on Python {result.python}")
    if report is None:
        console.print(f"pytest exited with code {result.exit_code} before the stress plugin wrote "
                      "its report (see pytest's output above)")
        return
    params = report["parameters"]
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(report["summary"].items())) or "no tests"
    console.print(f"{params['threads']} threads × {params['iterations']} iterations, seed {params['seed']}: {counts}")
    for record in report["tests"]:
        if record["outcome"] in ("failed", "hung", "crashed", "error"):
            headline = (record.get("stress") or {}).get("errors") or []
            first = headline[0]["type"] if headline else record["outcome"]
            console.print(f"  [bold red]{record['outcome']:>7}[/] {escape(record['nodeid'])} ({escape(first)})")
    single = [r for r in report["tests"] if r["mode"] != "threaded" and r["outcome"] != "skipped"]
    if single:
        console.print(f"not run in parallel: {len(single)} (reasons in pytest's 'gilfree stress' section)")

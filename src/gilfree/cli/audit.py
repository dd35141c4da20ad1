"""`gilfree audit PKG… | -r FILE | --project PATH | --env`: parsing and rendering only."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..commands.audit import (
    AuditInput,
    audit_environment,
    audit_packages,
    check_requirements,
    read_audit_input,
)
from ..errors import BadInput
from ..fsutil import default_cache_dir
from ..runtime.processes import Terminated, cleanup_on_signals
from ..runtime.venv import temporary_directory
from ..verdicts.model import AuditResult
from ..verdicts.serialize import document
from .common import add_format_option, console, err_console, positive_int
from .python import interpreters
from ..runtime.bootstrap import version_arg

EPILOG = """\
outcomes: keeps-gil-disabled (every extension module declares it runs without the GIL),
re-enables-gil (the modules named turn the GIL back on when imported), import-fails,
crashed (a module killed the interpreter), install-failed (pip's reason is shown).
Each module is imported in its own fresh interpreter: CPython warns only for the first
module that re-enables the GIL, gilfree names them all.
pip settings (PIP_INDEX_URL, PIP_FIND_LINKS, pip.conf...) apply to the install.
exit codes: 0 ok, 1 a module re-enables the GIL (--fail-on gil), 2 bad input,
3 could not complete (no interpreter, ...).
"""

STYLES = {
    "keeps-gil-disabled": "bold green",
    "re-enables-gil": "bold red",
    "import-fails": "yellow",
    "crashed": "bold magenta",
    "install-failed": "magenta",
}


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit", help="import every extension module on a free-threaded Python; name those "
                      "that re-enable the GIL",
        description="Install packages in a throwaway venv of a free-threaded interpreter, "
                    "import each extension module in its own process, and report every "
                    "module that re-enables the GIL, crashes or fails to import.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("packages", nargs="*", metavar="PKG", help="requirement (numpy, numpy==2.3.0, a wheel path)")
    p.add_argument("-r", "--requirement", action="append", default=[], metavar="FILE",
                   help="read requirements from a pip requirements file (repeatable)")
    p.add_argument("--project", metavar="PATH",
                   help="audit a project's dependencies: pyproject.toml, uv.lock, poetry.lock, "
                        "pylock.toml or requirements file (a directory: found as `gilfree deps` does)")
    p.add_argument("--env", action="store_true",
                   help="audit what is installed for --python (no venv, nothing installed)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--python", metavar="PATH",
                       help="free-threaded interpreter (default: found or built, see `gilfree python`)")
    where.add_argument("--python-version", type=version_arg, metavar="{3.13t,3.14t,3.15t,all}",
                       help="audit on this free-threaded series (found or built); `all`: on each, a "
                            "column per Python (default: the newest final release found or buildable)")
    p.add_argument("--allow-build", action="store_true",
                   help="let pip build sdists (default: wheels only); built packages are marked")
    p.add_argument("--timeout", type=positive_float, default=60.0, metavar="SECONDS",
                   help="per-module import timeout (default 60)")
    p.add_argument("--jobs", "-j", type=positive_int, metavar="N",
                   help="modules imported in parallel (default: twice the CPU count; 1 = sequential)")
    add_format_option(p, ("table", "json", "markdown"))
    p.add_argument("--fail-on", choices=("gil", "never"), default="gil",
                   help="exit 1 when a module re-enables the GIL (default), or never")
    p.set_defaults(func=run)


def _inputs(args: argparse.Namespace) -> AuditInput:
    """Everything asked for on the command line: PKG…, -r FILE…, --project PATH."""
    if args.env and (args.packages or args.requirement or args.project):
        raise BadInput("--env audits the installed environment: give no packages with it")
    parts = [AuditInput(tuple(args.packages))]
    parts += [read_audit_input(path, kind="requirements") for path in args.requirement]
    if args.project:
        parts.append(read_audit_input(args.project, memo_dir=default_cache_dir() / "toml"))
    merged = AuditInput(
        requirements=tuple(dict.fromkeys(r for p in parts for r in p.requirements)),
        constraints=tuple(dict.fromkeys(c for p in parts for c in p.constraints)),
        no_deps=any(p.no_deps for p in parts),
        skipped=tuple(s for p in parts for s in p.skipped))
    if not args.env and not merged.requirements:
        raise BadInput("nothing to audit: give packages, -r FILE, --project PATH or --env")
    if merged.requirements:
        check_requirements(merged.requirements)  # before an interpreter is found or built
    return merged


def run(args: argparse.Namespace) -> int:
    wanted = _inputs(args)

    def progress(message: str) -> None:
        err_console.print(f"[dim]{escape(message)}…[/dim]")

    for entry in wanted.skipped:
        err_console.print(f"[yellow]not audited:[/yellow] {escape(entry)}")
    if args.env and args.python_version == "all":
        raise BadInput("--env audits one environment: give --python or one --python-version")
    results: list[AuditResult] = []
    try:
        with cleanup_on_signals(), temporary_directory("gilfree-audit-input-") as tmp:
            pythons = interpreters(args.python, args.python_version)
            for python in pythons:
                if len(pythons) > 1:
                    progress(f"auditing on {python}")
                if args.env:
                    results += audit_environment(python=python, timeout=args.timeout, jobs=args.jobs,
                                                 progress=progress)
                else:
                    results += audit_packages(list(wanted.requirements), python=python,
                                              allow_build=args.allow_build, timeout=args.timeout,
                                              jobs=args.jobs, progress=progress,
                                              pip_args=_pip_args(wanted, tmp))
    except Terminated:
        err_console.print("gilfree: terminated")
        return 143
    if args.format == "json":
        doc = document("audit", results, python=str(pythons[0]) if len(pythons) == 1 else None,
                       pythons=[str(p) for p in pythons])
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(markdown(results))
    elif len(pythons) > 1:
        print_matrix(results)
    else:
        print_table(results)
    return exit_code(results, args.fail_on)


def _pip_args(wanted: AuditInput, tmp: Path) -> list[str]:
    args = ["--no-deps"] if wanted.no_deps else []
    if wanted.constraints:
        constraints = tmp / "constraints.txt"
        constraints.write_text("\n".join(wanted.constraints) + "\n", encoding="utf-8")
        args += ["--constraint", str(constraints)]
    return args


def exit_code(results: list[AuditResult], fail_on: str) -> int:
    return 1 if fail_on == "gil" and any(r.gil_modules for r in results) else 0


def _name(r: AuditResult) -> str:
    notes = [n for n, on in (("dependency", not r.requested), ("built from sdist", r.built_from_sdist)) if on]
    return r.package + (f" ({', '.join(notes)})" if notes else "")


def _modules_cell(r: AuditResult) -> str:
    if not r.modules:
        return "-"
    gil = len(r.gil_modules)
    return f"{len(r.modules)}" + (f" ({gil} GIL)" if gil else "")


def print_table(results: list[AuditResult]) -> None:
    python = next((r.python for r in results if r.python), "")
    table = Table(title=f"GIL audit on Python {python}".strip(), show_lines=True)
    table.add_column("package", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("ext. modules", no_wrap=True)
    table.add_column("detail", ratio=1)
    for r in results:
        table.add_row(Text(_name(r), style="bold" if r.requested else ""), r.version or "-",
                      Text(r.outcome, style=STYLES.get(r.outcome, "")), _modules_cell(r),
                      Text(r.detail))
    console.print(table)


def print_matrix(results: list[AuditResult]) -> None:
    """One row per package, one column per Python: the outcome there, and the release pip
    installed there (the newest with a wheel for that Python: it may differ per column)."""
    pythons = list(dict.fromkeys(r.python for r in results))
    table = Table(title="GIL audit per Python version", show_lines=True)
    table.add_column("package", no_wrap=True)
    for python in pythons:
        table.add_column(f"Python {python}")
    by: dict[str, dict[str, AuditResult]] = {}
    for r in results:
        by.setdefault(_name(r), {})[r.python] = r
    for name, cells in by.items():
        row: list[Text | str] = [Text(name, style="bold")]
        for python in pythons:
            r = cells.get(python)
            if r is None:
                row.append("-")
                continue
            cell = Text.assemble((r.outcome, STYLES.get(r.outcome, "")), f" {r.version or ''}".rstrip())
            if r.gil_modules:
                cell.append("\n" + ", ".join(r.gil_modules), style="red")
            elif r.outcome != "keeps-gil-disabled" and r.detail:
                cell.append("\n" + r.detail.splitlines()[0], style="dim")
            row.append(cell)
        table.add_row(*row)
    console.print(table)


def markdown(results: list[AuditResult]) -> str:
    """A GitHub-flavoured table (pipes escaped), for pasting into an issue or a PR."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    pythons = list(dict.fromkeys(r.python for r in results if r.python))
    if len(pythons) > 1:  # one table, a Python column
        lines = ["GIL audit on Python " + ", ".join(pythons), "",
                 "| package | Python | version | outcome | ext. modules | detail |", "|---|---|---|---|---|---|"]
        lines += [f"| {cell(_name(r))} | {r.python} | {r.version or '-'} | {r.outcome} | {_modules_cell(r)} "
                  f"| {cell(r.detail)} |" for r in results]
        return "\n".join(lines) + "\n"
    lines = [f"GIL audit on Python {pythons[0] if pythons else ''}".strip(), "",
             "| package | version | outcome | ext. modules | detail |", "|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {cell(_name(r))} | {r.version or '-'} | {r.outcome} | {_modules_cell(r)} "
                     f"| {cell(r.detail)} |")
    return "\n".join(lines) + "\n"

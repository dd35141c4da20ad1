"""`gilfree status NAME[==VERSION] …`: parsing and rendering only."""

from __future__ import annotations

import argparse
import json
import sys

from packaging.version import InvalidVersion, Version
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..commands.status import PackageRequest, check_packages, dedupe, parse_request, read_request_file
from ..errors import BadInput
from ..fsutil import Output, check_output, decode_text, read_stream
from ..verdicts.model import ExtraIndexStatus, PackageStatus, Target, Verdict
from ..verdicts.serialize import document
from .common import (
    progress_bar,
    add_format_option,
    add_index_options,
    add_target_options,
    console,
    err_console,
    make_client,
    targets_from,
)
from .render import STYLES, python_cell, pythons, verdict_text

EPILOG = """\
verdicts: ft-wheel (free-threaded wheel installs), pure (pure-Python wheel), binary
(py3-none-<platform> executable wheel), needs-build (sdist only), no-ft-wheel (native
wheels for GIL builds only: blocked), python-excluded, missing, error (index unreadable).
exit codes: 0 ready, 1 something is blocked or missing, 2 bad input, 3 could not complete.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status", help="free-threading status of PyPI packages",
        description="Which free-threaded targets each package has installable wheels for, "
                    "the first release that did, pure-Python or not, and its classifier.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("packages", nargs="*", metavar="NAME[==VERSION]")
    p.add_argument("--from", dest="from_file", metavar="FILE",
                   help="read NAME[==VERSION] lines from FILE ('-' for stdin)")
    add_target_options(p)
    add_format_option(p, ("table", "json"))
    p.add_argument("--detail", action="store_true", help="one row per target, with the wheel pip picks")
    p.add_argument("--output", "-o", metavar="PATH", help="write the report here (atomically)")
    p.add_argument("--fail-on", choices=("blocked", "error", "never"), default="blocked",
                   help="exit 1 when a target is blocked/missing (default), or only on errors, or never")
    add_index_options(p)
    p.set_defaults(func=run)


def _requests(args: argparse.Namespace) -> list[PackageRequest]:
    requests = [parse_request(text) for text in args.packages]
    if args.from_file == "-":
        text = decode_text(read_stream(sys.stdin.buffer, "<stdin>"), "<stdin>")
        for number, line in enumerate(text.splitlines(), 1):
            if line.split("#", 1)[0].strip():
                try:
                    requests.append(parse_request(line.split("#", 1)[0]))
                except BadInput as exc:
                    raise BadInput(exc.problem, path="<stdin>", line=number) from None
    elif args.from_file:
        requests += read_request_file(args.from_file)
    if not requests:
        raise BadInput("give at least one package name, or --from FILE")
    return dedupe(requests)


def run(args: argparse.Namespace) -> int:
    # everything the user gave is checked before any request: the output path first (a
    # report that cannot be written must not cost a whole run)
    output = check_output(args.output) if args.output is not None else None
    requests = _requests(args)
    targets = targets_from(args)
    with make_client(args) as client:
        if len(requests) > 1 and err_console.is_terminal:
            statuses = _with_progress(client, requests, targets)
        else:
            statuses = check_packages(client, requests, targets)
    if args.format == "json":
        text = json.dumps(document("status", statuses, targets=[t.name for t in targets]), indent=2) + "\n"
        _emit(output, text)
    elif output is not None:
        with console.capture() as cap:
            _print_table(statuses, targets, args.detail)
        output.write_text(cap.get())
    else:
        _print_table(statuses, targets, args.detail)
    return exit_code(statuses, args.fail_on)


def _emit(output: Output | None, text: str) -> None:
    if output is not None:
        output.write_text(text)
    else:
        sys.stdout.write(text)


def exit_code(statuses: list[PackageStatus], fail_on: str) -> int:
    verdicts = [ts.verdict for s in statuses for ts in s.targets]
    if Verdict.ERROR in verdicts:
        return 3
    if fail_on == "blocked" and any(v.blocks for v in verdicts):
        return 1
    return 0


def _with_progress(client, requests: list[PackageRequest], targets) -> list[PackageStatus]:
    with progress_bar() as progress:
        task = progress.add_task("checking packages", total=len(requests))
        return check_packages(client, requests, targets,
                              progress=lambda s: progress.update(task, advance=1, description=s.name))


def _print_table(statuses: list[PackageStatus], targets: tuple[Target, ...], detail: bool) -> None:
    if detail:
        for status in statuses:
            _print_detail(status)
        _print_extra_indexes(statuses)
        return
    platforms = len({t.platform for t in targets})
    table = Table(title=f"Free-threading status ({platforms} platforms per Python)", show_lines=True)
    # On a narrow screen the per-Python cells wrap; names, versions and kinds stay whole.
    table.add_column("package", style="bold", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    for py in pythons(targets):
        table.add_column(f"{py[0]}.{py[1]}t", overflow="fold")
    table.add_column("classifier", min_width=len("classifier"))
    for s in statuses:
        table.add_row(s.name, s.version or "-", _kind(s),
                      *[python_cell(s, py) for py in pythons(targets)],
                      str(s.classifier) if s.classifier else Text("-", style="dim"))
    console.print(table)
    _print_notes(statuses)


def _print_notes(statuses: list[PackageStatus]) -> None:
    """Errors and notes per package; extra-index results grouped per index, nightly ones
    per package with their Python versions, and once per index what was not checked."""
    for s in statuses:
        for note in ((s.error,) if s.error else ()) + _missing(s) + s.notes:
            console.print(f"[magenta]{s.name}[/]: {note}")
    _print_extra_indexes(statuses)


def _print_extra_indexes(statuses: list[PackageStatus]) -> None:
    """Per index: what it has for each package; then, once per index, what was not checked."""
    by_index: dict[str, list[tuple[str, ExtraIndexStatus]]] = {}
    for s in statuses:
        for extra in s.extra_indexes:
            by_index.setdefault(extra.index_url, []).append((s.name, extra))
    not_checked: dict[str, tuple[ExtraIndexStatus, int]] = {}  # url -> (first, packages)
    for url, rows in by_index.items():
        skipped = [extra for _, extra in rows if _not_checked(extra)]
        if skipped:
            not_checked[url] = (skipped[0], len(skipped))
        rows = [(name, extra) for name, extra in rows if not _not_checked(extra)]
        if rows and rows[0][1].nightly:
            _print_nightly(url, rows)
        elif rows:
            _print_extra(url, rows)
    if not_checked:
        console.print()
    for url, (extra, count) in not_checked.items():
        # "not checked: LABEL unreachable (why)" -> "LABEL (URL) unreachable (why)"
        why = (extra.error or "").removeprefix("not checked:").strip()
        label = extra.label or url
        why = why.removeprefix(label).strip()
        what = "nightly wheels" if extra.nightly else "its wheels"
        console.print(f"[yellow]not checked[/]: {escape(label)} ({escape(url)}) {escape(why)}; "
                      f"{what} unknown for {count} package{'s' if count != 1 else ''}, "
                      f"the verdicts above do not depend on it")


def _version_key(text: str) -> tuple[int, Version | str]:
    try:
        return 1, Version(text)
    except InvalidVersion:
        return 0, text


def _not_checked(extra: ExtraIndexStatus) -> bool:
    return bool(extra.error and extra.error.startswith("not checked:"))


def _print_extra(url: str, rows: list[tuple[str, ExtraIndexStatus]]) -> None:
    console.print(f"\n[bold]extra index[/] {escape(url)}")
    for name, extra in rows:
        if extra.error:
            console.print(f"  [magenta]{name}[/]: error: {escape(extra.error)}")
        elif extra.ft_targets:
            console.print(f"  [green]{name}[/] {extra.latest_version}: free-threaded wheels for "
                          f"{', '.join(extra.ft_targets)}")
        else:
            console.print(f"  {name} {extra.latest_version or ''}: no free-threaded wheels")


def _print_nightly(url: str, rows: list[tuple[str, ExtraIndexStatus]]) -> None:
    """One line per package: its nightly version with free-threaded wheels per Python, and
    the pip command that installs it."""
    label = escape(rows[0][1].label or url)
    console.print()
    for name, extra in rows:
        if extra.error:
            console.print(f"[magenta]{label}[/]: {name}: error: {escape(extra.error)}")
        elif extra.ft_pythons:
            console.print(f"[green]{label}[/]: {name} {_per_python(extra)} "
                          f"(pip install --pre --extra-index-url {escape(url)} {name})")
        else:
            console.print(f"[dim]{label}: {name} {extra.latest_version or ''}: "
                          f"no free-threaded wheels for these targets[/]")


def _per_python(extra: ExtraIndexStatus) -> str:
    """E.g. "2.6.0.dev0 has free-threaded wheels for 3.14t, 3.15t; 2.5.0.dev0 for 3.13t"."""
    by_version: dict[str, list[str]] = {}
    for python, version in extra.ft_pythons:
        by_version.setdefault(version, []).append(f"{python}t")
    order = sorted(by_version, key=_version_key, reverse=True)  # the newest first
    parts = [f"{version} {'has free-threaded wheels ' if i == 0 else ''}for {', '.join(by_version[version])}"
             for i, version in enumerate(order)]
    return "; ".join(parts)


def _missing(s: PackageStatus) -> tuple[str, ...]:
    """Why nothing was judged (no such project, no such release), once per package."""
    if s.targets and all(ts.verdict is Verdict.MISSING for ts in s.targets):
        return tuple(dict.fromkeys(ts.detail for ts in s.targets if ts.detail))
    return ()


def _kind(s: PackageStatus) -> Text:
    if _missing(s):
        return Text("-", style="dim")
    if s.pure is True:
        return Text("pure", style="green")
    if any(ts.verdict is Verdict.BINARY for ts in s.targets):
        return Text("binary")
    if s.pure is False:
        return Text("native")
    return Text("sdist" if s.version else "-", style="dim")


def _print_detail(status: PackageStatus) -> None:
    table = Table(title=f"{status.name} {status.version or ''}".strip(), title_justify="left")
    for col in ("target", "verdict", "first ft", "installs"):
        table.add_column(col)
    for ts in status.targets:
        first = ts.first_ft_version or (f"{ts.first_ft_prerelease} (pre)" if ts.first_ft_prerelease else "-")
        table.add_row(ts.target.name, verdict_text(ts.verdict), first,
                      ts.wheel or Text(ts.detail, style=STYLES[ts.verdict]))
    console.print(table)

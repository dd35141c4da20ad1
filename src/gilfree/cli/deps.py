"""`gilfree deps [PATH]`: parsing and rendering only (table, JSON, Markdown).

Rows group a dependency's targets that share the same release, verdict and action, so a
report over 24 targets stays one screen; the summary has one line per Python version
(``--per-target``: one per target).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..commands.deps import FAIL_ON, Action, DepsReport, DepStatus, DepTarget, check_project, move_text
from ..commands.deps_summary import python_summaries, python_summary_text
from ..errors import BadInput
from ..fsutil import check_output
from ..index.client import IndexClient
from ..index.config import IndexConfig
from ..inputs import INPUT_KINDS, ProjectInput, load_input
from ..resolve import ResolveOptions
from ..verdicts.model import AuditResult, PackageStatus, Target
from ..verdicts.serialize import document, to_data
from .common import (
    progress_bar,
    add_format_option,
    add_index_options,
    add_target_options,
    console,
    err_console,
    index_config,
    targets_from,
)
from .render import STYLES

EPILOG = """\
PATH is a directory (searched for uv.lock, poetry.lock, pylock.toml, pyproject.toml, then
requirements*.txt, in that order) or one of those files. Locks are used as locked;
pyproject.toml and requirements files are resolved per target with uv.
actions: none, upgrade (to >= the first release with free-threaded wheels), downgrade (to
<= the last release that had them: newer ones dropped them), blocked (no release has them),
needs-build (sdist only), error (index unreadable).
exit codes: 0 the gate passed, 1 the gate tripped (--fail-on), 2 bad input, 3 could not
complete (index or resolver trouble).
"""

ACTION_STYLES = {Action.NONE: "green", Action.UPGRADE: "yellow", Action.DOWNGRADE: "yellow",
                 Action.BLOCKED: "bold red", Action.NEEDS_BUILD: "yellow", Action.ERROR: "bold magenta"}
MD_ICONS = {Action.NONE: "✅", Action.UPGRADE: "⬆️", Action.DOWNGRADE: "⬇️", Action.BLOCKED: "⛔",
            Action.NEEDS_BUILD: "🛠️",
            Action.ERROR: "❓"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "deps", help="is my project ready? every dependency, its blockers and the upgrades that fix them",
        description="Check every dependency of a project (lock file, pyproject.toml, requirements "
                    "file or installed environment) on free-threaded targets.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", nargs="?", default=".", type=Path, metavar="PATH",
                   help="project directory or dependency file (default: .)")
    p.add_argument("--input", dest="input_kind", choices=[k for k in INPUT_KINDS if k != "environment"],
                   help="the format of PATH, when its name does not tell")
    p.add_argument("--python", metavar="PATH", help="check what is installed in this interpreter's environment")
    p.add_argument("--extra", action="append", default=[], metavar="NAME",
                   help="include an optional-dependencies extra (repeatable; 'all' for every one)")
    p.add_argument("--group", action="append", default=[], metavar="NAME",
                   help="include a dependency group (PEP 735 / uv dev / Poetry; repeatable; 'all')")
    add_target_options(p)
    add_format_option(p, ("table", "json", "markdown"))
    p.add_argument("--all", dest="show_all", action="store_true",
                   help="list every dependency, not only those needing action")
    p.add_argument("--per-target", action="store_true",
                   help="summarize per target (Python x platform) instead of per Python version")
    p.add_argument("--fail-on", choices=FAIL_ON, default="blocked",
                   help="exit 1 when a dependency is blocked (default), needs any action (upgrade), or never")
    p.add_argument("--output", "-o", metavar="PATH", help="write the report here (atomically)")
    p.add_argument("--audit", action="store_true",
                   help="also install each pinned dependency in a free-threaded interpreter and "
                        "report which extension modules re-enable the GIL (a runtime column)")
    p.add_argument("--audit-python", metavar="PATH",
                   help="free-threaded interpreter for --audit (default: found or built, see `gilfree python`)")
    add_index_options(p)
    p.set_defaults(func=run)


def resolve_options(config: IndexConfig) -> ResolveOptions:
    return ResolveOptions(index_url=config.index_url,
                          cache_dir=config.cache_for("resolve"),
                          offline=config.offline)


def run(args: argparse.Namespace, audit: Mapping[str, AuditResult] | None = None) -> int:
    if args.python and args.input_kind:
        raise BadInput("--python reads an environment; it does not combine with --input")
    # every option is checked before any work: the output path first (a report that
    # cannot be written must not cost a whole run), then the targets and the index
    output = check_output(args.output) if getattr(args, "output", None) is not None else None
    targets = targets_from(args)
    config = index_config(args)
    project = load_input(args.path, kind=args.input_kind, python=args.python, extras=args.extra,
                         groups=args.group, memo_dir=config.cache_for("toml"))
    # deps shows no classifiers: skip the JSON API (json_url=None), half the requests
    with IndexClient(replace(config, json_url=None)) as client:
        if err_console.is_terminal:
            report = _with_progress(client, project, targets, resolve_options(config))
        else:
            report = check_project(client, project, targets, resolve_options(config))
    if getattr(args, "audit", False) and audit is None:
        audit = _run_audit(report, args)
    if args.format == "table" and output is None:
        print_table(report, console, show_all=args.show_all, audit=audit, per_target=args.per_target)
    else:
        text = render(report, args.format, show_all=args.show_all, audit=audit, per_target=args.per_target)
        if output is not None:
            output.write_text(text)
        else:
            sys.stdout.write(text)
    if report.gate(args.fail_on):
        return 1
    return 3 if report.incomplete else 0


def _run_audit(report: DepsReport, args: argparse.Namespace) -> dict[str, AuditResult]:
    """The runtime column: every dependency audited at its pin on this machine's target."""
    from ..commands.deps import audit_dependencies
    from ..runtime.bootstrap import find_ft_python

    python = args.audit_python or str(find_ft_python())
    if err_console.is_terminal:
        with err_console.status("auditing dependencies on a free-threaded interpreter") as spinner:
            return audit_dependencies(report, python=python, progress=lambda m: spinner.update(m))
    return audit_dependencies(report, python=python)


def _with_progress(client: IndexClient, project: ProjectInput, targets: Sequence[Target],
                   options: ResolveOptions) -> DepsReport:
    """A transient progress line on stderr while packages are checked (terminals only)."""
    with progress_bar() as bar:
        task = bar.add_task("resolving", total=None)

        def advance(status: PackageStatus) -> None:
            bar.update(task, advance=1, description=status.name)

        return check_project(client, project, targets, options, progress=advance,
                             on_resolved=lambda n: bar.update(task, total=n, description="checking"))


def render(report: DepsReport, fmt: str, *, show_all: bool = False,
           audit: Mapping[str, AuditResult] | None = None, width: int = 140, per_target: bool = False) -> str:
    """The report as text; ``audit`` (package name -> GIL audit) adds an audit column."""
    if fmt == "json":
        return json.dumps(as_json(report, audit), indent=2) + "\n"
    if fmt == "markdown":
        return markdown(report, show_all=show_all, audit=audit)
    out = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    print_table(report, out, show_all=show_all, audit=audit, per_target=per_target)
    return out.file.getvalue()  # type: ignore[attr-defined]


def as_json(report: DepsReport, audit: Mapping[str, AuditResult] | None = None) -> dict:
    """``document("deps", ...)``: one result per dependency, plus summaries (per target and
    per Python version) and unchecked."""
    summary = [{**to_data(s), "ready": s.ready} for s in report.summaries]
    pythons = [{**to_data(s), "ready": s.ready, "text": python_summary_text(s)} for s in python_summaries(report)]
    extra = {"audit": to_data(dict(audit))} if audit else {}
    return document("deps", list(report.dependencies), project=report.project, input=report.input,
                    input_kind=report.kind, targets=[t.name for t in report.targets], summary=summary,
                    pythons=pythons, unchecked=to_data(list(report.unchecked)), **extra)


# --- grouping shared by table and Markdown ----------------------------------------------

Row = tuple[DepStatus, DepTarget, list[Target]]


def rows(report: DepsReport, show_all: bool) -> list[Row]:
    """(dependency, representative, targets) for each distinct release/verdict/action."""
    out: list[Row] = []
    for dep in report.dependencies:
        groups: dict[tuple[str, str, str, str | None, str | None], list[DepTarget]] = {}
        for t in dep.targets:
            key = (t.version, t.verdict.value, t.action.value, t.upgrade_to, t.downgrade_to)
            groups.setdefault(key, []).append(t)
        for members in groups.values():
            if show_all or members[0].action is not Action.NONE:
                out.append((dep, members[0], [m.target for m in members]))
    order = [Action.ERROR, Action.BLOCKED, Action.NEEDS_BUILD, Action.DOWNGRADE, Action.UPGRADE, Action.NONE]
    return sorted(out, key=lambda r: (order.index(r[1].action), r[0].name))


def describe_targets(chosen: Sequence[Target], all_targets: Sequence[Target]) -> str:
    """Compact target list: "all targets", "3.14t", "3.13t except win_arm64",
    "3.13t: win_amd64", or "win_amd64, win_arm64 (all Pythons)"."""
    chosen_set = set(chosen)
    if chosen_set >= set(all_targets):
        return "all targets"
    pythons = sorted({t.python for t in all_targets})
    per_python: dict[tuple[int, int], tuple[list[str], list[str]]] = {}
    for python in pythons:
        everywhere = [t for t in all_targets if t.python == python]
        here = [t.platform for t in everywhere if t in chosen_set]
        per_python[python] = (here, [t.platform for t in everywhere if t not in chosen_set])
    subsets = {tuple(here) for here, _ in per_python.values()}
    if len(pythons) > 1 and len(subsets) == 1:
        return f"{', '.join(next(iter(subsets)))} (all Pythons)"
    parts = []
    for python, (here, missing) in per_python.items():
        label = f"{python[0]}.{python[1]}t"
        if not here:
            continue
        if not missing:
            parts.append(label)
        elif len(missing) < len(here):
            parts.append(f"{label} except {', '.join(missing)}")
        else:
            parts.append(f"{label}: {', '.join(here)}")
    return "; ".join(parts)


def action_text(dep: DepStatus, t: DepTarget) -> str:
    if t.action is Action.BLOCKED:
        return f"blocked: {dep.project_url}"
    if t.action is Action.ERROR:
        return f"error: {t.detail}" if t.detail else "error"
    return move_text(t.action, t.upgrade_to or t.downgrade_to)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary_text(s) -> str:  # noqa: ANN001 - TargetSummary
    if s.resolve_error:
        return f"could not resolve: {s.resolve_error}"
    count = _plural(s.dependencies, "dependency", "dependencies")
    if s.ready:
        return f"ready ({count})"
    parts = [f"{n} {label}" for n, label in ((s.upgrades, "upgrades" if s.upgrades != 1 else "upgrade"),
                                              (s.downgrades, "downgrades" if s.downgrades != 1 else "downgrade"),
                                              (s.blocked, "blocked"), (s.needs_build, "need a build"
                                              if s.needs_build != 1 else "needs a build"),
                                              (s.errors, "errors" if s.errors != 1 else "error")) if n]
    return f"not ready: {', '.join(parts)} ({count})"


AUDIT_LABELS = {"keeps-gil-disabled": "GIL stays off", "import-fails": "import fails",
                "crashed": "crashes on import", "install-failed": "install failed"}


def _audit_cell(audit: Mapping[str, AuditResult] | None, name: str) -> str:
    result = (audit or {}).get(name)
    if result is None:
        return "-"
    gil = result.gil_modules
    if gil:
        return f"GIL re-enabled by {', '.join(gil)}"
    return AUDIT_LABELS.get(result.outcome, result.outcome)


# --- table ------------------------------------------------------------------------------

def print_table(report: DepsReport, console: Console, *, show_all: bool = False,
                audit: Mapping[str, AuditResult] | None = None, per_target: bool = False) -> None:
    n = len(report.dependencies)
    console.print(Text.assemble(("gilfree deps ", "bold"), (report.project, "bold cyan"),
                                f"  {report.kind} {report.input}: {_plural(n, 'dependency', 'dependencies')} on "
                                f"{_plural(len(report.targets), 'target', 'targets')}"))
    shown = rows(report, show_all)
    if shown:
        table = Table(show_lines=False, pad_edge=False)
        # names, versions and verdicts stay whole; on a narrow screen the other cells wrap
        for col in ("dependency", "in use", "verdict"):
            table.add_column(col, no_wrap=True)
        for col in ("action", "targets", "why"):
            table.add_column(col, overflow="fold")
        if audit is not None:
            table.add_column("audit")
        for dep, t, targets in shown:
            cells = [Text(dep.name, style="bold"), t.version, Text(t.verdict.value, style=STYLES[t.verdict]),
                     _action_cell(dep, t, console.width),
                     describe_targets(targets, report.targets), " → ".join(t.path)]
            if audit is not None:
                cells.append(_audit_cell(audit, dep.name))
            table.add_row(*cells)
        console.print(table)
    elif n:
        console.print("Every dependency installs on every target.", style="green")
    if per_target:
        for s in report.summaries:
            style = "green" if s.ready else ("magenta" if s.resolve_error or s.errors else "red")
            console.print(Text.assemble((f"{s.target.name:<26}", "bold"), (summary_text(s), style)))
    else:
        for p in python_summaries(report):
            errors = p.resolve_errors or any(h.action is Action.ERROR for h in p.holdbacks)
            style = "green" if p.ready else ("magenta" if errors else "red")
            console.print(Text.assemble((f"{p.python}t  ", "bold"), (python_summary_text(p), style)))
    for u in report.unchecked:
        console.print(Text.assemble(("not checked: ", "yellow"), u.text, f" ({u.reason}; {u.origin})"))


#: Below this width a blocked row's project URL is not printed (it would take a column's
#: width in every such row); "blocked" itself stays a link where the terminal has them.
URL_MIN_WIDTH = 120


def _action_cell(dep: DepStatus, t: DepTarget, width: int) -> Text:
    style = ACTION_STYLES[t.action]
    if t.action is Action.BLOCKED:  # the project page, clickable where the terminal can
        blocked = ("blocked", f"{style} link {dep.project_url}")
        if width < URL_MIN_WIDTH:
            return Text.assemble(blocked)
        return Text.assemble(blocked, "\n", (dep.project_url, f"dim link {dep.project_url}"))
    return Text(action_text(dep, t), style=style)


# --- Markdown (GitHub job summary / PR comment) -----------------------------------------

def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: DepsReport, *, show_all: bool = False, audit: Mapping[str, AuditResult] | None = None) -> str:
    ready = sum(s.ready for s in report.summaries)
    lines = [f"## Free-threading readiness: {_md(report.project)}", "",
             f"`{_md(report.input)}` ({report.kind}): "
             f"{_plural(len(report.dependencies), 'dependency', 'dependencies')}, "
             f"ready on {ready} of {len(report.targets)} targets.", "",
             "| Python | status |", "|---|---|"]
    for p in python_summaries(report):
        actions = {h.action for h in p.holdbacks}
        icon = ("✅" if p.ready else "❓" if p.resolve_errors or Action.ERROR in actions
                else "⛔" if Action.BLOCKED in actions else "⬇️" if actions == {Action.DOWNGRADE} else "⬆️")
        lines.append(f"| `{p.python}t` | {icon} {_md(python_summary_text(p))} |")
    lines += ["", "<details><summary>Per target</summary>", "", "| target | status |", "|---|---|"]
    for s in report.summaries:
        icon = ("✅" if s.ready else "❓" if s.resolve_error or s.errors else "⛔" if s.blocked
                else "⬇️" if s.downgrades and not s.upgrades else "⬆️")
        lines.append(f"| `{s.target.name}` | {icon} {_md(summary_text(s))} |")
    lines += ["", "</details>"]
    todo = rows(report, show_all=False)
    if todo:
        lines += ["", "### What to do", ""] + _md_table(report, todo, audit)
    everything = rows(report, show_all=True)
    if show_all and everything:
        lines += ["", f"<details><summary>All {len(report.dependencies)} dependencies</summary>", ""]
        lines += _md_table(report, everything, audit) + ["", "</details>"]
    if report.unchecked:
        lines += ["", "### Not checked", ""]
        lines += [f"- `{_md(u.text)}`: {_md(u.reason)} ({_md(u.origin)})" for u in report.unchecked]
    return "\n".join(lines) + "\n"


def _md_table(report: DepsReport, shown: list[Row], audit: Mapping[str, AuditResult] | None) -> list[str]:
    header = ["dependency", "in use", "verdict", "action", "targets", "why"] + (["audit"] if audit is not None else [])
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for dep, t, targets in shown:
        action = action_text(dep, t)
        if t.action is Action.BLOCKED:
            action = f"blocked ([project]({dep.project_url}))"
        cells = [f"[{dep.name}]({dep.project_url})", t.version, f"`{t.verdict.value}`",
                 f"{MD_ICONS[t.action]} {action}", describe_targets(targets, report.targets), " → ".join(t.path)]
        if audit is not None:
            cells.append(_audit_cell(audit, dep.name))
        out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return out

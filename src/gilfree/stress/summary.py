"""The "gilfree stress" section of pytest's terminal summary."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .gil import FREE_THREADED_BUILD

if TYPE_CHECKING:
    from .session import StressPlugin


def write_summary(terminal: Any, plugin: StressPlugin) -> None:
    if plugin.worker:
        return
    settings = plugin.settings
    records = plugin.collector.records
    terminal.write_sep("=", "gilfree stress")
    terminal.write_line(f"{settings.describe()}; repeat with --ft-seed {settings.seed}")
    if plugin.rounds > 1:
        terminal.write_line(f"rounds run: {plugin.rounds}")
    threaded = [record for record in records if record.mode == "threaded"]
    counts: dict[str, int] = defaultdict(int)
    for record in threaded:
        counts[record.outcome] += 1
    detail = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
    terminal.write_line(f"ran in threads: {len(threaded)} test runs" + (f" ({detail})" if detail else ""))
    by_reason: dict[str, list[str]] = defaultdict(list)
    for record in records:
        if record.mode != "threaded" and record.outcome != "skipped":
            by_reason[record.reason or "single-threaded"].append(record.nodeid)
    if by_reason:
        total = sum(len(ids) for ids in by_reason.values())
        terminal.write_line(f"did not run in parallel: {total}")
        for reason, nodeids in sorted(by_reason.items(), key=lambda pair: -len(pair[1])):
            terminal.write_line(f"  {reason} ({len(nodeids)}):")
            for nodeid in sorted(set(nodeids))[:20]:
                terminal.write_line(f"    {nodeid}")
            if len(set(nodeids)) > 20:
                terminal.write_line(f"    … and {len(set(nodeids)) - 20} more")
    for outcome in ("hung", "crashed"):
        hit = [record.nodeid for record in records if record.outcome == outcome]
        if hit:
            terminal.write_line(f"{outcome}: " + ", ".join(hit), red=True)
    if plugin.gil_failure:
        terminal.write_line(plugin.gil_failure, red=True)
    if not FREE_THREADED_BUILD:
        terminal.write_line("note: not a free-threaded build; races are much less likely to show")
    if settings.report and settings.report_kept:
        terminal.write_line(f"JSON report: {settings.report}")

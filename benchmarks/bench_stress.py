"""gilfree's stress plugin against pytest-run-parallel, in the same run.

1. Overhead: a real test suite (toolz's, installed from PyPI: its tests ship inside the
   package) at the same threads × iterations under each plugin, in interleaved rounds;
   median wall time of each and the ratio gilfree / pytest-run-parallel (goal ≤ 1.1).
2. Race finding: each known-racy test of tests/test_stress_ft.py (RACY_SUITE) run alone,
   TRIALS times per tool: how often one run reports the race and how long it takes.
   pytest-run-parallel has no timeout, so a deadlock is "found" only if it is reported;
   its runs are killed after --kill-after seconds.
3. False alarms: the thread-safe controls (SAFE_SUITE), TRIALS runs per tool.

    python benchmarks/bench_stress.py [--python FT_PYTHON] [--threads 4] [--iterations 10]
                                      [--rounds 5] [--trials 10] [--json OUT]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gilfree.commands.test import source_tree
from gilfree.runtime.bootstrap import find_ft_python
from gilfree.runtime.venv import throwaway_venv

SUITE_PACKAGE = "toolz==1.2.0"
#: Left out so that both tools run the same tests to the end: toolz's doctest runner
#: patches process-wide state (sys.settrace, linecache) and takes pytest-run-parallel's
#: whole session down (RecursionError -> INTERNALERROR) in some runs (gilfree keeps it
#: single-threaded); test_fold forks a multiprocessing pool from a multi-threaded process,
#: which can deadlock the child (seen with pytest-run-parallel; no timeout there).
SUITE_ARGS = ["--pyargs", "toolz", "-k", "not test_doctests and not test_fold"]
#: A suite run taking longer than this is killed and the benchmark stops.
SUITE_KILL_AFTER = 300.0
REFERENCE = "pytest-run-parallel==0.10.0"
ROOT = Path(__file__).resolve().parents[1]


def suites() -> dict[str, str]:
    """RACY_SUITE and SAFE_SUITE, read (not imported) from the test module."""
    tree = ast.parse((ROOT / "tests" / "test_stress_ft.py").read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("RACY_SUITE", "SAFE_SUITE", "RACES"):
                found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    returncode: int | None  # None: killed after the time limit
    output: str

    def tests_run(self) -> int:
        """passed + failed + errors + skipped + xfailed, from pytest's last line."""
        counts = re.findall(r"(\d+) (?:passed|failed|errors?|skipped|xfailed|xpassed)", self.summary_line())
        return sum(int(count) for count in counts)

    def summary_line(self) -> str:
        lines = [line for line in self.output.strip().splitlines()
                 if " in " in line and ("passed" in line or "failed" in line)]
        return lines[-1].strip("= ") if lines else f"exit {self.returncode}"


def pytest_run(python: str, args: list[str], cwd: Path, kill_after: float | None = None) -> Run:
    start, cpu = time.perf_counter(), _children_cpu()
    try:
        proc = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd,
                              capture_output=True, text=True, timeout=kill_after)
        code, out = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, out = None, exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    return Run(time.perf_counter() - start, _children_cpu() - cpu, code, out)


def _children_cpu() -> float:
    """CPU seconds of finished children: less sensitive than wall time to a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tool_args(tool: str, threads: int, iterations: int, seed: int) -> list[str]:
    if tool == "gilfree":
        return ["-p", "no:run-parallel", "--ft-threads", str(threads), "--ft-iterations", str(iterations),
                "--ft-seed", str(seed), "--ft-timeout", "5"]
    return ["-p", "no:gilfree", "--parallel-threads", str(threads), "--iterations", str(iterations)]


def overhead(python: str, work: Path, threads: int, iterations: int, rounds: int) -> dict[str, object]:
    listed = pytest_run(python, ["-p", "no:gilfree", "-p", "no:run-parallel", "--co", *SUITE_ARGS], work)
    expected = sum(1 for line in listed.output.splitlines() if "::" in line)
    times: dict[str, list[float]] = {"gilfree": [], "pytest-run-parallel": []}
    cpu: dict[str, list[float]] = {"gilfree": [], "pytest-run-parallel": []}
    last: dict[str, str] = {}
    for round_index in range(rounds + 1):  # round 0 warms caches, not counted
        for tool in (list(times) if round_index % 2 else list(reversed(list(times)))):
            run = pytest_run(python, [*tool_args(tool, threads, iterations, round_index), *SUITE_ARGS], work,
                             SUITE_KILL_AFTER)
            if run.tests_run() < expected:
                raise SystemExit(f"{tool} ran only {run.tests_run()} of {expected} tests:\n{run.output[-3000:]}")
            if round_index:
                times[tool].append(run.seconds)
                cpu[tool].append(run.cpu_seconds)
            last[tool] = run.summary_line()
    medians = {tool: statistics.median(values) for tool, values in times.items()}
    cpu_medians = {tool: statistics.median(values) for tool, values in cpu.items()}
    return {"tests": expected, "median_s": medians, "median_cpu_s": cpu_medians, "all_s": times, "all_cpu_s": cpu,
            "ratio": medians["gilfree"] / medians["pytest-run-parallel"],
            "cpu_ratio": cpu_medians["gilfree"] / cpu_medians["pytest-run-parallel"], "outcome": last}


def race_finding(python: str, work: Path, racy: str, races: dict[str, tuple[str, str | None]], threads: int,
                 iterations: int, trials: int, kill_after: float) -> dict[str, dict[str, object]]:
    (work / "test_racy.py").write_text(racy, encoding="utf-8")
    results: dict[str, dict[str, object]] = {}
    for name in races:
        for tool in ("gilfree", "pytest-run-parallel"):
            found, seconds, killed = 0, [], 0
            for trial in range(trials):
                arguments = [*tool_args(tool, threads, iterations, 1000 + trial), "test_racy.py", "-k", name]
                run = pytest_run(python, arguments, work, kill_after)
                killed += run.returncode is None
                if run.returncode == 1:  # the run reported a failure
                    found += 1
                    seconds.append(run.seconds)
            results.setdefault(name, {})[tool] = {
                "found": found, "trials": trials, "killed": killed,
                "median_s_when_found": statistics.median(seconds) if seconds else None,
            }
    return results


def false_alarms(python: str, work: Path, safe: str, threads: int, iterations: int, trials: int) -> dict[str, int]:
    (work / "test_safe.py").write_text(safe, encoding="utf-8")
    flagged = {"gilfree": 0, "pytest-run-parallel": 0}
    for tool in flagged:
        for trial in range(trials):
            run = pytest_run(python, [*tool_args(tool, threads, iterations, 2000 + trial), "test_safe.py"], work, 120)
            flagged[tool] += run.returncode != 0
    return flagged


def print_overhead(cost: dict[str, Any]) -> None:
    print(f"\n== overhead on toolz's test suite, {cost['tests']} tests (medians of interleaved rounds)")
    for tool, seconds in cost["median_s"].items():
        print(f"  {tool:<20} {seconds:6.2f} s wall, {cost['median_cpu_s'][tool]:6.2f} s CPU   "
              f"({cost['outcome'][tool]})")
    print(f"  ratio gilfree / pytest-run-parallel: {cost['ratio']:.2f}x wall, {cost['cpu_ratio']:.2f}x CPU",
          flush=True)


def print_races(races: dict[str, dict[str, Any]], trials: int, kill_after: float) -> None:
    print(f"\n== race finding: runs that reported the race, of {trials} (median time of those runs)")
    for name, by_tool in races.items():
        cells = []
        for tool, result in by_tool.items():
            when = result["median_s_when_found"]
            cell = f"{tool}: {result['found']}/{result['trials']}" + (f" ({when:.1f}s)" if when else "")
            if result["killed"]:
                cell += f", {result['killed']} killed at {kill_after:g}s"
            cells.append(cell)
        print(f"  {name:<32} " + " | ".join(cells), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", help="free-threaded interpreter (default: gilfree's)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of the toolz suite per tool")
    parser.add_argument("--trials", type=int, default=10, help="runs per racy test and tool")
    parser.add_argument("--kill-after", type=float, default=15.0, help="seconds before a stuck run is killed")
    parser.add_argument("--only", choices=("overhead", "races"), help="run one part only")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    python = args.python or str(find_ft_python())
    data = suites()
    with throwaway_venv(python, prefix="gilfree-bench-") as venv, tempfile.TemporaryDirectory() as tmp:
        pip = [*venv.pip, "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, "pytest", REFERENCE, SUITE_PACKAGE], check=True)
        subprocess.run([*pip, "--no-deps", str(source_tree() or ROOT)], check=True)  # this checkout
        venv_python = str(venv.python)
        work = Path(tmp)
        print(f"python {venv.info.label}, {args.threads} threads × {args.iterations} iterations, "
              f"suite {SUITE_PACKAGE}, reference {REFERENCE}", flush=True)
        cost: dict[str, object] = {}
        races: dict[str, dict[str, object]] = {}
        alarms: dict[str, int] = {}
        if args.only != "races":
            cost = overhead(venv_python, work, args.threads, args.iterations, args.rounds)
            print_overhead(cost)
        if args.only != "overhead":
            races = race_finding(venv_python, work, data["RACY_SUITE"], data["RACES"], args.threads,
                                 args.iterations, args.trials, args.kill_after)
            print_races(races, args.trials, args.kill_after)
            alarms = false_alarms(venv_python, work, data["SAFE_SUITE"], args.threads, args.iterations, args.trials)
            print(f"\n== false alarms on the thread-safe controls, of {args.trials} runs")
            for tool, count in alarms.items():
                print(f"  {tool:<20} {count}")
    if args.json:
        args.json.write_text(json.dumps({"overhead": cost, "races": races, "false_alarms": alarms}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

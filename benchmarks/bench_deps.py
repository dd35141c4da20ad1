"""Benchmark `gilfree deps` on a ~330-package uv.lock, cold and warm HTTP cache, against
python-ft-deps (PyPI: python-ft-deps 0.1.1) on the same lock in the same run.

    python benchmarks/bench_deps.py [--target 3.14t-manylinux_x86_64] [--all-targets] [--skip-reference]

Prints timings, the ratio, and every package where the two tools disagree. The input is
examples/big-app (pyproject.toml + a real uv.lock made by `uv lock`). python-ft-deps runs
`uv export` in the project and then fetches each simple page one after another; it is
installed once into a throwaway venv under the user cache. Results are not asserted.

The tools answer different questions, so disagreements are expected and explained:
python-ft-deps says "free-threaded" if *any file of any release* has a free-threaded ABI
tag and "pure" if *no release ever* had a binary wheel; gilfree judges the *locked
release* on *one target* (exact tag matching). A package pinned below its first
free-threaded release, or with ft wheels only on other platforms, differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import platformdirs

from gilfree.commands.deps import DepsReport, check_project
from gilfree.gcpolicy import tune_for_bulk_parsing
from gilfree.index.client import IndexClient
from gilfree.index.config import IndexConfig
from gilfree.inputs import load_input
from gilfree.resolve import ResolveOptions
from gilfree.resolve.uv import uv_binary
from gilfree.verdicts.model import Target, Verdict
from gilfree.verdicts.targets import default_targets, parse_target

PROJECT = Path(__file__).resolve().parents[1] / "examples" / "big-app"
REFERENCE = "python-ft-deps==0.1.1"
THEIR_CLASS = {"🧵": "ft-wheel", "🐍": "pure", "🐌": "no-support"}


def run_ours(cache: Path, targets: tuple[Target, ...], offline: bool = False) -> tuple[float, DepsReport, str]:
    """One in-process `gilfree deps` (what the CLI does, minus interpreter start-up)."""
    start = time.perf_counter()
    config = IndexConfig(json_url=None, cache_dir=cache, offline=offline)
    project = load_input(PROJECT, memo_dir=config.cache_for("toml"))
    with IndexClient(config) as client:
        report = check_project(client, project, targets,
                               ResolveOptions(cache_dir=config.cache_for("resolve"), offline=offline))
        stats = client.stats
    return time.perf_counter() - start, report, f"{stats}"


def ours_class(verdict: Verdict) -> str:
    if verdict is Verdict.FT_WHEEL:
        return "ft-wheel"
    if verdict in (Verdict.PURE, Verdict.BINARY):
        return "pure"
    return "error" if verdict is Verdict.ERROR else "no-support"


def reference_venv() -> Path | None:
    """A venv with python-ft-deps (needs Python >= 3.12), made once and reused."""
    venv = Path(platformdirs.user_cache_dir("gilfree")) / "bench" / "python-ft-deps"
    exe = venv / "bin" / "python-ft-deps"
    if exe.exists():
        return venv
    uv = uv_binary()
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    python = _python_312()
    if python is None:
        print("python-ft-deps needs Python >= 3.12 and none was found (set GILFREE_BENCH_PYTHON)")
        return None
    made = subprocess.run([uv, "venv", "-q", "--clear", "--python", python, str(venv)], env=env,
                          capture_output=True, text=True)
    if made.returncode == 0:
        made = subprocess.run([uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), REFERENCE],
                              env=env, capture_output=True, text=True)
    if made.returncode != 0 or not exe.exists():
        print(f"python-ft-deps could not be installed: {made.stderr.strip().splitlines()[-1:]}")
        return None
    return venv


def _python_312() -> str | None:
    """An interpreter >= 3.12 for python-ft-deps (uv's own discovery trips on pyenv shims)."""
    candidates = [os.environ.get("GILFREE_BENCH_PYTHON"), sys.executable]
    candidates += [shutil.which(f"python3.{minor}") for minor in range(15, 11, -1)]
    candidates += sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.1[2-9]*/bin/python3"))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                               capture_output=True, text=True)
        if probe.stdout.strip() == "True":
            return candidate
    return None


def run_reference(venv: Path) -> tuple[float, dict[str, str], str]:
    """python-ft-deps in a copy of the project; returns time, name -> class, and its verdict line."""
    with tempfile.TemporaryDirectory(prefix="gilfree-bench-") as tmp:
        for name in ("pyproject.toml", "uv.lock"):
            shutil.copy(PROJECT / name, tmp)
        env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
               "UV_PYTHON_DOWNLOADS": "never", "PYTHONIOENCODING": "utf-8"}
        start = time.perf_counter()
        proc = subprocess.run([str(venv / "bin" / "python-ft-deps")], cwd=tmp, env=env,
                              capture_output=True, text=True, encoding="utf-8")
        elapsed = time.perf_counter() - start
    results: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        name, sep, mark = line.partition(": ")
        if sep:
            key = name.strip().lower().replace("_", "-").replace(".", "-")
            results[key] = THEIR_CLASS.get(mark.strip()[:1], "error")
    last = (proc.stdout.strip().splitlines() or [proc.stderr.strip()])[-1]
    return elapsed, results, last


def main() -> int:
    tune_for_bulk_parsing()  # as the CLI does
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="3.14t-manylinux_x86_64")
    parser.add_argument("--all-targets", action="store_true", help="also time the 24 default targets")
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args()
    target = parse_target(args.target)
    lock_packages = sum(1 for line in (PROJECT / "uv.lock").read_text().splitlines() if line == "[[package]]")
    print(f"input: {PROJECT / 'uv.lock'} ({lock_packages} locked packages); Python {sys.version.split()[0]}"
          f"{' free-threaded' if not getattr(sys, '_is_gil_enabled', lambda: True)() else ''}")
    with tempfile.TemporaryDirectory(prefix="gilfree-bench-cache-") as tmp:
        cache = Path(tmp)
        os.environ["GILFREE_CACHE_DIR"] = tmp  # every cache cold: HTTP, verdicts, parsed lock
        cold, report, cold_stats = run_ours(cache, (target,))
        warm, report, warm_stats = run_ours(cache, (target,))
        offline, _, offline_stats = run_ours(cache, (target,), offline=True)
        n = len(report.dependencies)
        print(f"gilfree deps, 1 target ({target}), {n} dependencies in use:")
        print(f"  cold cache:            {cold:6.2f} s   {cold_stats}")
        print(f"  warm cache:            {warm:6.2f} s   {warm_stats}")
        print(f"  warm cache, --offline: {offline:6.2f} s   {offline_stats}")
        if args.all_targets:
            targets = default_targets()
            full, full_report, _ = run_ours(cache, targets)
            print(f"  warm cache, {len(targets)} targets: {full:6.2f} s ({len(full_report.dependencies)} dependencies)")
    summary = report.summaries[0]
    print(f"  verdict: ready={summary.ready}, {summary.upgrades} upgrades, {summary.blocked} blocked, "
          f"{summary.needs_build} need a build, {summary.errors} errors")
    if args.skip_reference:
        return 0
    venv = reference_venv()
    if venv is None:
        return 0
    ref_time, theirs, last = run_reference(venv)
    print(f"python-ft-deps ({REFERENCE}), sequential requests, no cache: {ref_time:6.2f} s "
          f"for {len(theirs)} packages ({sum(v == 'error' for v in theirs.values())} crashed); it says: {last!r}")
    print(f"ratio python-ft-deps / gilfree: {ref_time / cold:5.1f}x (cold), {ref_time / warm:5.1f}x (warm)")
    ours = {d.name: d.targets[0] for d in report.dependencies}
    both = sorted(set(ours) & set(theirs))
    disagree = [n for n in both if ours_class(ours[n].verdict) != theirs[n]]
    only_ours = set(ours) - set(theirs)
    odd_names = sum(1 for n in only_ours if "-" in n or "." in n)
    print(f"compared on {len(both)} packages; {len(set(theirs) - set(ours))} only in python-ft-deps' output "
          f"(other platforms: it reads `uv export`); {len(only_ours)} only in ours, {odd_names} of them named "
          f"with '-' or '.', which its `^(\\w+)==` pattern skips without a word")
    print(f"{len(disagree)} disagree (ours: the locked release on {target}; theirs: any file of any release):")
    for name in disagree:
        t = ours[name]
        why = f"first ft {t.first_ft_version}" if t.first_ft_version else t.detail
        print(f"  {name:28} {t.version:>12}  python-ft-deps: {theirs[name]:10}  gilfree: {t.verdict.value:12} "
              f"{t.action.value}{' >= ' + t.upgrade_to if t.upgrade_to else ''}  ({why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""GIL audit throughput: modules probed per second, parallel probes vs sequential ones.

Installs real packages with many extension modules (cp313t wheels from PyPI) into one
throwaway free-threaded venv, probes everything once untimed (warm caches), then probes
every module with ``jobs=1`` (the reference) and with each parallel setting, in
interleaved rounds (best time kept: the machine may be shared). Prints modules/s and the ratio
against the sequential run; checks that both runs reached the same outcomes.

    python benchmarks/bench_audit.py [--python FT_PYTHON] [--jobs N ...] [PKG ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

from gilfree.commands.audit import install_requirements
from gilfree.runtime.bootstrap import find_ft_python
from gilfree.runtime.extensions import scan_distributions
from gilfree.runtime.probe import probe_modules
from gilfree.runtime.venv import throwaway_venv

DEFAULT_PACKAGES = ["numpy", "pydantic-core", "markupsafe", "psutil", "regex", "rpds-py", "jiter", "pillow"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("packages", nargs="*", default=DEFAULT_PACKAGES)
    parser.add_argument("--python", help="free-threaded interpreter (default: gilfree's)")
    parser.add_argument("--jobs", type=int, action="append",
                        help="parallel settings to compare with sequential (default: CPU count, 2x)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; best time kept")
    args = parser.parse_args()
    python = args.python or str(find_ft_python())
    cpus = os.cpu_count() or 1
    settings = args.jobs or sorted({cpus, 2 * cpus})
    with throwaway_venv(python, prefix="gilfree-bench-") as venv:
        started = time.perf_counter()
        outcome = install_requirements(venv, args.packages, tmp=venv.root.parent)
        print(f"installed {len(outcome.installed)} distributions in {time.perf_counter() - started:.1f}s"
              + (f"; failed: {[name for name, _ in outcome.failures]}" if outcome.failures else ""))
        dists = scan_distributions(venv.info.site_dirs, outcome.installed.keys())
        modules = [m for d in dists for m in d.modules]
        print(f"{len(modules)} extension modules: "
              + ", ".join(f"{d.name} {d.version} ({len(d.modules)})" for d in dists if d.modules))
        print(f"python {venv.info.label}, {cpus} CPUs")
        probe_modules(venv.python, modules, jobs=cpus)  # warm-up: page cache, pyc, pip cache
        best: dict[int, float] = {}
        outcomes: dict[int, dict[str, str]] = {}
        for _ in range(args.rounds):  # interleaved, best of N: the machine is shared and noisy
            for jobs in [1, *settings]:
                started = time.perf_counter()
                probes = probe_modules(venv.python, modules, jobs=jobs)
                best[jobs] = min(best.get(jobs, float("inf")), time.perf_counter() - started)
                outcomes[jobs] = {p.module: p.outcome for p in probes}
        if any(o != outcomes[1] for o in outcomes.values()):
            print("outcomes differ between sequential and parallel runs!", file=sys.stderr)
            return 1
        reference = len(modules) / best[1]
        for jobs, elapsed in best.items():
            rate = len(modules) / elapsed
            label = "sequential (reference)" if jobs == 1 else f"parallel: {rate / reference:.2f}x"
            print(f"jobs={jobs:<3} {elapsed:6.2f}s  {rate:6.1f} modules/s  {label}")
        reference_outcomes = outcomes[1]
        print("outcomes:", dict(Counter(reference_outcomes.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())

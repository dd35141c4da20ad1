"""Benchmark: `status` of the top N packages (cold cache) against the fetch-and-parse floor.

The floor (benchmarks/floor.py) only fetches and json-parses the same simple-API pages
with the same concurrency. gilfree additionally judges 24 targets per package and reads
each judged release's core metadata for its classifier. Both run in this process, the
floor twice (before and after) so a warming proxy or CDN cannot flatter either side.

The floor plus one plain core-metadata read per package (``fetch_floor_with_metadata``)
is printed as well: no status that reports the classifier can be faster than that.

    python benchmarks/bench_status.py [--top 1000] [--concurrency 16] [--both]

``--both`` re-runs this script on the default and on the free-threaded interpreter
(.venv/bin/python and .venv-ft/bin/python) and compares them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from floor import fetch_floor, fetch_floor_with_metadata, top_names  # noqa: E402

from gilfree.commands.status import check_packages, parse_request  # noqa: E402
from gilfree.gcpolicy import tune_for_bulk_parsing  # noqa: E402
from gilfree.index.client import IndexClient  # noqa: E402
from gilfree.index.config import IndexConfig  # noqa: E402
from gilfree.verdicts.model import Verdict  # noqa: E402
from gilfree.verdicts.targets import default_targets  # noqa: E402


def run_gilfree(names: list[str], index_url: str, concurrency: int) -> tuple[float, dict[str, int]]:
    targets = default_targets()
    with tempfile.TemporaryDirectory(prefix="gilfree-bench-") as cache:
        config = IndexConfig(index_url=index_url, cache_dir=Path(cache), concurrency=concurrency)
        start = time.perf_counter()
        with IndexClient(config) as client:
            statuses = check_packages(client, [parse_request(n) for n in names], targets)
        seconds = time.perf_counter() - start
    counts: dict[str, int] = {}
    for s in statuses:
        for ts in s.targets:
            counts[ts.verdict.value] = counts.get(ts.verdict.value, 0) + 1
    counts["classifiers"] = sum(1 for s in statuses if s.classifier)
    counts["errors"] = sum(1 for s in statuses if any(ts.verdict is Verdict.ERROR for ts in s.targets))
    return seconds, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--top", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--index-url", default="https://pypi.org/simple/")
    parser.add_argument("--both", action="store_true", help="run on .venv and .venv-ft and compare")
    args = parser.parse_args()
    if args.both:
        return _both(args)
    names = top_names(args.top)
    tune_for_bulk_parsing()  # as the CLI does (the floor runs under the same settings)
    ft = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    print(f"python {sys.version.split()[0]}{' free-threaded' if ft else ''}; "
          f"{len(names)} packages, concurrency {args.concurrency}")
    floor_before = fetch_floor(names, args.index_url, args.concurrency)
    ours, counts = run_gilfree(names, args.index_url, args.concurrency)
    floor_after = fetch_floor(names, args.index_url, args.concurrency)
    with_metadata = fetch_floor_with_metadata(names, args.index_url, args.concurrency)
    floor = (floor_before + floor_after) / 2
    print(f"floor (fetch + json parse):   {floor_before:.2f} s before, {floor_after:.2f} s after")
    print(f"floor + a metadata read each: {with_metadata:.2f} s  ({with_metadata / floor:.2f}x floor: "
          f"the least any status reporting classifiers costs)")
    print(f"gilfree status (cold cache):  {ours:.2f} s")
    print(f"ratio to floor:               {ours / floor:.2f}  (goal <= 1.30)")
    print(f"ratio to floor + metadata:    {ours / with_metadata:.2f}")
    print(f"verdicts: {counts}")
    print(f"RESULT seconds={ours:.3f} floor={floor:.3f} ratio={ours / floor:.3f} "
          f"with_metadata={with_metadata:.3f}")
    return 0


def _both(args: argparse.Namespace) -> int:
    root = HERE.parent
    results = {}
    for label, python in (("default", root / ".venv/bin/python"), ("free-threaded", root / ".venv-ft/bin/python")):
        cmd = [str(python), __file__, "--top", str(args.top), "--concurrency", str(args.concurrency),
               "--index-url", args.index_url]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        print(f"--- {label}\n{out}")
        line = next(x for x in out.splitlines() if x.startswith("RESULT"))
        results[label] = dict(kv.split("=") for kv in line.split()[1:])
    d, f = float(results["default"]["seconds"]), float(results["free-threaded"]["seconds"])
    print(f"free-threaded / default wall time: {f / d:.2f} (goal <= 1.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

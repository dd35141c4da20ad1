"""The floor for index fetching: plain httpx + json, no cache, no parsing into models.

``ftready.index.IndexClient.project_files`` must stay within a small factor of this loop
(same names, same concurrency, cold cache), so it is the reference other benchmarks
import. Run it alone to print the floor for the top N packages::

    python benchmarks/floor.py [N] [CONCURRENCY]
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import httpx

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def top_names(n: int) -> list[str]:
    """The n most-downloaded project names bundled with ftready."""
    data = json.loads(resources.files("ftready.data").joinpath("top-pypi-packages.min.json").read_bytes())
    return [row["project"] for row in data["rows"][:n]]


def fetch_floor(names: list[str], index_url: str, concurrency: int) -> float:
    """Fetch and json-parse each simple page with `concurrency` threads; return seconds."""
    root = index_url.rstrip("/") + "/"
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(limits=limits, timeout=60.0, headers={"Accept": SIMPLE_JSON}) as client:

        def one(name: str) -> int:
            response = client.get(f"{root}{name}/")
            if response.status_code == 404:
                return 0
            response.raise_for_status()
            return len(json.loads(response.content)["files"])

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for _ in pool.map(one, names):
                pass
        return time.perf_counter() - start


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    seconds = fetch_floor(top_names(count), "https://pypi.org/simple/", workers)
    print(f"floor: {count} simple pages, concurrency {workers}: {seconds:.2f} s")

"""The floor for index fetching: plain httpx + json, no cache, no parsing into models.

``ftready.index.IndexClient.project_files`` must stay within a small factor of this loop
(same names, same concurrency, cold cache), so it is the reference other benchmarks
import. Run it alone to print the floor for the top N packages::

    python benchmarks/floor.py [N] [CONCURRENCY] [INDEX_URL]

Each worker thread has its own client (sharing one SSL context): httpcore 1.0.9's
connection pool races when threads share it, which crashes ~1 run in 20 on 3.13t.
"""

from __future__ import annotations

import json
import sys
import threading
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
    tls = httpx.create_ssl_context()
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def one(name: str) -> int:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(verify=tls, timeout=60.0, headers={"Accept": SIMPLE_JSON})
            with lock:
                clients.append(client)
        response = client.get(f"{root}{name}/")
        if response.status_code == 404:
            return 0
        response.raise_for_status()
        return len(json.loads(response.content)["files"])

    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for _ in pool.map(one, names):
                pass
        return time.perf_counter() - start
    finally:
        for client in clients:
            client.close()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    url = sys.argv[3] if len(sys.argv) > 3 else "https://pypi.org/simple/"
    seconds = fetch_floor(top_names(count), url, workers)
    print(f"floor: {count} simple pages, concurrency {workers}: {seconds:.2f} s")

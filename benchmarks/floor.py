"""The floor for index fetching: plain httpx + json, no cache, no parsing into models.

``fetch_floor_with_metadata`` adds what no status can skip when it reports the classifier:
one plain request per project for one wheel's core metadata (PyPI's simple pages carry no
classifiers). It is printed next to the floor so the unavoidable part of the gap is known.

``gilfree.index.IndexClient.project_files`` must stay within a small factor of this loop
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
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources
from urllib.parse import urljoin

import httpx

from gilfree.index.coremetadata import TAIL_BYTES

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def top_names(n: int) -> list[str]:
    """The n most-downloaded project names bundled with gilfree."""
    data = json.loads(resources.files("gilfree.data").joinpath("top-pypi-packages.min.json").read_bytes())
    return [row["project"] for row in data["rows"][:n]]


class _Clients:
    """One httpx client per thread (sharing one SSL context), all closed at the end."""

    def __init__(self) -> None:
        self._tls = httpx.create_ssl_context()
        self._local = threading.local()
        self._all: list[httpx.Client] = []
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(verify=self._tls, timeout=60.0)
            with self._lock:
                self._all.append(client)
        return client

    def close(self) -> None:
        for client in self._all:
            client.close()


def _page(clients: _Clients, root: str, name: str) -> dict | None:
    response = clients.get().get(f"{root}{name}/", headers={"Accept": SIMPLE_JSON})
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return json.loads(response.content)


def fetch_floor(names: list[str], index_url: str, concurrency: int) -> float:
    """Fetch and json-parse each simple page with `concurrency` threads; return seconds."""
    root = index_url.rstrip("/") + "/"
    clients = _Clients()
    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for _ in pool.map(lambda name: _page(clients, root, name), names):
                pass
        return time.perf_counter() - start
    finally:
        clients.close()


def _last_wheel(doc: dict | None) -> dict | None:
    """Any one wheel of a page (the last one listed that is not yanked)."""
    wheels = [f for f in (doc or {}).get("files", ()) if f["filename"].endswith(".whl") and not f.get("yanked")]
    return wheels[-1] if wheels else None


def fetch_floor_with_metadata(names: list[str], index_url: str, concurrency: int,
                              metadata_concurrency: int = 32) -> float:
    """The floor, plus one wheel's core metadata per project: its ``.metadata`` file when
    the page announces one, else the wheel's tail as gilfree reads it (``TAIL_BYTES``), read on
    ``metadata_concurrency`` more threads as gilfree does. Nothing is parsed but the pages."""
    root = index_url.rstrip("/") + "/"
    clients = _Clients()

    def metadata(wheel: dict, page_url: str) -> int:
        url = urljoin(page_url, wheel["url"])  # PEP 691 allows URLs relative to the page
        if wheel.get("core-metadata") or wheel.get("dist-info-metadata"):
            response = clients.get().get(url + ".metadata")
        else:
            response = clients.get().get(url, headers={"Range": f"bytes=-{TAIL_BYTES}"})
        return len(response.content)

    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=metadata_concurrency) as reads:
            def page(name: str) -> Future[int] | None:  # its metadata read starts at once
                wheel = _last_wheel(_page(clients, root, name))
                return reads.submit(metadata, wheel, f"{root}{name}/") if wheel is not None else None

            with ThreadPoolExecutor(max_workers=concurrency) as pages:
                pending = list(pages.map(page, names))
            for future in pending:
                if future is not None:
                    future.result()
        return time.perf_counter() - start
    finally:
        clients.close()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    url = sys.argv[3] if len(sys.argv) > 3 else "https://pypi.org/simple/"
    seconds = fetch_floor(top_names(count), url, workers)
    print(f"floor: {count} simple pages, concurrency {workers}: {seconds:.2f} s")
    seconds = fetch_floor_with_metadata(top_names(count), url, workers)
    print(f"floor + one wheel's metadata per project: {seconds:.2f} s")

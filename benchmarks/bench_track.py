"""Benchmark `gilfree track` and `gilfree site` against the fetch-and-parse floor.

Everything runs on this machine: a synthetic index (PEP 691 simple pages and a root page
listing every project's serial, as PyPI's do; the PEP 658 ``.metadata`` files the pages
announce; PyPI-style JSON API pages; ETags, so a re-run revalidates with conditional
requests) is served from a separate process on 127.0.0.1, with deterministic,
realistic-looking projects named after the bundled top-packages ranking. In one run it
measures

1. the floor: ``benchmarks/floor.py``'s plain fetch + json.loads of every simple page;
   and that floor plus one plain ``.metadata`` read per project, the least any run that
   reports classifiers costs;
2. a cold ``gilfree track --top N`` (empty HTTP cache, new database), as a subprocess, with
   its peak RSS; the ratio to the floor;
3. a second ``track`` with nothing changed on the index;
4. ``gilfree site`` for 15,000 packages (from the tracked database when N is 15,000,
   otherwise from statuses judged from the same synthetic pages, three daily snapshots).

    python benchmarks/bench_track.py [--top N] [--concurrency C] [--site-packages M]

Goals (DESIGN): cold track <= 1.3x floor, peak < 1 GiB, unchanged re-run < 1/4 of cold,
site build < 20 s for 15,000 packages. Results are printed, not asserted.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from floor import fetch_floor, fetch_floor_with_metadata  # noqa: E402

from gilfree.store.ranking import load_ranking  # noqa: E402

PLATFORMS = ("manylinux_2_17_x86_64.manylinux2014_x86_64", "manylinux_2_17_aarch64.manylinux2014_aarch64",
             "musllinux_1_2_x86_64", "macosx_11_0_arm64", "macosx_10_13_x86_64", "win_amd64")
PYTHONS = ("310", "311", "312", "313", "314")
# (kind, weight): roughly the mix of the top of PyPI.
KINDS = (("pure", 60), ("native-gil", 14), ("native-ft", 16), ("sdist", 5), ("binary", 5))
SIMPLE = "application/vnd.pypi.simple.v1+json"


def _seed(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")


def project_kind(name: str) -> str:
    roll = _seed(name) % 100
    for kind, weight in KINDS:
        if roll < weight:
            return kind
        roll -= weight
    return "pure"


def _wheel_tags(kind: str, release: int, releases: int) -> list[str]:
    if kind == "pure":
        return ["py3-none-any"]
    if kind == "sdist":
        return []
    if kind == "binary":
        return [f"py3-none-{p}" for p in PLATFORMS]
    recent = PYTHONS[max(0, len(PYTHONS) - 2 - (releases - release)):]  # newer releases, newer Pythons
    tags = [f"cp{py}-cp{py}-{p}" for py in recent for p in PLATFORMS]
    if kind == "native-ft" and release >= releases - 3:  # free-threaded wheels in the last releases
        tags += [f"cp{py}-cp{py}t-{p}" for py in ("313", "314") for p in PLATFORMS]
    return tags


def project_page(name: str) -> dict[str, Any]:
    """The PEP 691 page of a synthetic project: 2-31 releases, each an sdist plus wheels."""
    seed, kind = _seed(name), project_kind(name)
    releases = 2 + seed % 30
    files = []
    stem_name = name.replace("-", "_")
    for r in range(1, releases + 1):
        version = f"{1 + r // 10}.{r % 10}.{seed % 7}"
        stems = [f"{stem_name}-{version}.tar.gz"] + [
            f"{stem_name}-{version}-{tag}.whl" for tag in _wheel_tags(kind, r, releases)]
        for filename in stems:
            digest = hashlib.sha256(filename.encode()).hexdigest()
            files.append({
                "filename": filename, "url": f"../../files/{digest[:2]}/{filename}",  # served below
                "hashes": {"sha256": digest}, "requires-python": ">=3.9",
                "size": 10_000 + seed % 5_000_000, "upload-time": f"2025-{1 + r % 12:02d}-01T00:00:00.000000Z",
                "yanked": False, "core-metadata": {"sha256": digest} if filename.endswith(".whl") else False,
                "data-dist-info-metadata": False})
    return {"meta": {"api-version": "1.4", "_last-serial": seed % 10**8}, "name": name,
            "versions": [f"{1 + r // 10}.{r % 10}.{seed % 7}" for r in range(1, releases + 1)],
            "files": files}


def project_json(name: str, version: str) -> dict[str, Any]:
    """The JSON API ``info`` block: summary, classifiers (some with Free Threading), links."""
    seed = _seed(name)
    classifiers = ["Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"]
    if project_kind(name) == "native-ft" and seed % 3 == 0:
        classifiers.append("Programming Language :: Python :: Free Threading :: 2 - Beta")
    return {"info": {"name": name, "version": version, "summary": f"The {name} package, version {version}",
                     "classifiers": classifiers, "requires_python": ">=3.9",
                     "project_urls": {"Source": f"https://github.com/example/{name}"}}}


class _Handler(BaseHTTPRequestHandler):
    """Serves pre-compressed pages, so the index is not what the benchmark measures."""

    protocol_version = "HTTP/1.1"  # keep-alive, like PyPI
    pages: dict[str, tuple[str, bytes, str]] = {}  # path -> (etag, gzipped body, content type)

    def log_message(self, *args: object) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # the client's delayed ACK stall every keep-alive response by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        found = self.pages.get(path) or _json_page(path)
        if found is None:
            return self._send(404, b"not found", "text/plain", None)
        etag, body, ctype = found
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", ctype, etag)
        if "gzip" not in self.headers.get("Accept-Encoding", ""):
            body = gzip.decompress(body)
            return self._send(200, body, ctype, etag)
        self._send(200, body, ctype, etag, gzipped=True)

    def _send(self, status: int, body: bytes, ctype: str, etag: str | None, gzipped: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "max-age=0, must-revalidate")  # a day later: revalidate
        if etag:
            self.send_header("ETag", etag)
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _page(doc: dict[str, Any], ctype: str, key: str) -> tuple[str, bytes, str]:
    return f'"{_seed(key):x}"', gzip.compress(json.dumps(doc).encode(), 6), ctype


def core_metadata(filename: str) -> bytes:
    """The PEP 658 ``.metadata`` file of a synthetic wheel: what its JSON API page says."""
    stem, version = filename.split("-")[:2]
    info = project_json(stem.replace("_", "-"), version)["info"]
    lines = ["Metadata-Version: 2.1", f"Name: {info['name']}", f"Version: {version}",
             f"Summary: {info['summary']}", f"Requires-Python: {info['requires_python']}",
             *(f"Classifier: {c}" for c in info["classifiers"]),
             *(f"Project-URL: {label}, {url}" for label, url in info["project_urls"].items())]
    return ("\n".join(lines) + "\n").encode()


def _json_page(path: str) -> tuple[str, bytes, str] | None:
    parts = [p for p in path.split("/") if p]
    if len(parts) == 3 and parts[0] == "files" and parts[2].endswith(".whl.metadata"):
        return f'"{_seed(path):x}"', gzip.compress(core_metadata(parts[2]), 6), "text/plain"
    if len(parts) != 4 or parts[0] != "pypi" or parts[3] != "json":
        return None
    page = _page(project_json(parts[1], parts[2]), "application/json", path)
    _Handler.pages[path] = page
    return page


def serve(names_file: str) -> None:
    """Prepare the simple pages of the names in ``names_file`` and the root page listing
    them with their serials (as PyPI's does), print the port, serve."""
    projects = []
    for name in Path(names_file).read_text().split():
        page = project_page(name)
        _Handler.pages[f"/simple/{name}/"] = _page(page, SIMPLE, name)
        projects.append({"name": name, "_last-serial": page["meta"]["_last-serial"]})
    root = {"meta": {"api-version": "1.4", "_last-serial": max(p["_last-serial"] for p in projects)},
            "projects": projects}
    _Handler.pages["/simple/"] = _page(root, SIMPLE, "/simple/")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in bytes, stdout) of ``python -m gilfree ARGS``.

    The peak is the child's own high-water mark (``VmHWM``), polled from /proc while it
    runs: in our gVisor sandbox ``wait4``'s ``ru_maxrss`` covered more than that one
    process (the same figure came back for every child, the index server's included).
    Where /proc has no such field, ``ru_maxrss`` it is."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "gilfree", *args], env=env, stdout=out, stderr=err)
        peak = [0]
        watcher = threading.Thread(target=_watch_peak, args=(proc, peak), daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise SystemExit(f"gilfree {' '.join(args)} failed ({proc.returncode}):\n{err.read()}")
        return seconds, peak[0] or usage.ru_maxrss * 1024, out.read()  # ru_maxrss is in kB on Linux


def _watch_peak(proc: subprocess.Popen[bytes], peak: list[int]) -> None:
    """Keep ``peak[0]`` at the process's VmHWM (bytes) until it exits (0 without /proc)."""
    status = Path(f"/proc/{proc.pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if "VmHWM" not in fields:  # exited: a zombie has no memory fields
            return
        peak[0] = max(peak[0], int(fields["VmHWM"].split()[0]) * 1024)
        time.sleep(0.05)


def build_site_db(db: Path, names: list[str], distinct: int = 600) -> None:
    """Three daily snapshots of statuses judged from the synthetic pages (no network).

    Judging 15,000 pages would take minutes and says nothing about the site, so
    ``distinct`` statuses are judged and reused under the other names."""
    import dataclasses

    from gilfree.index.simple import parse_project_files
    from gilfree.store.db import Store
    from gilfree.store.ranking import RankedPackage, Ranking
    from gilfree.store.runs import SnapshotWriter, complete_run, open_run
    from gilfree.verdicts.model import ProjectInfo
    from gilfree.verdicts.status import build_status, with_info
    from gilfree.verdicts.targets import default_targets

    targets = default_targets()
    statuses = []
    for name in names[:distinct]:
        files = parse_project_files(project_page(name), name=name, index_url="http://x/simple/",
                                    page_url=f"http://x/simple/{name}/")
        status = build_status(files, targets)
        info = project_json(name, status.version or "0")["info"]
        statuses.append(with_info(status, ProjectInfo(name, info["version"], info["summary"],
                                                      tuple(info["classifiers"]),
                                                      tuple(info["project_urls"].items()))))
    statuses += [dataclasses.replace(statuses[i % distinct], name=name, requested=name)
                 for i, name in enumerate(names[distinct:])]
    ranking = Ranking("synthetic", None, tuple(RankedPackage(i + 1, n) for i, n in enumerate(names)))
    with Store.open(db) as store:
        for day in ("2026-09-01", "2026-10-01", "2026-11-01"):
            run = open_run(store, ranking, targets, day)
            writer = SnapshotWriter(store, run, batch_size=1000)
            for status in statuses:  # unchanged after the first day, as track records it
                writer.reuse(status.name) if day != "2026-09-01" else writer.add(status)
            writer.flush()
            complete_run(store, run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=15_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--site-packages", type=int, default=15_000)
    parser.add_argument("--serve", metavar="NAMES_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    names = load_ranking(top=args.top).names
    with tempfile.TemporaryDirectory(prefix="gilfree-bench-") as tmp:
        names_file = Path(tmp) / "names.txt"
        names_file.write_text("\n".join(names) + "\n")
        start = time.perf_counter()
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(names_file)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            url = f"http://127.0.0.1:{server.stdout.readline().strip()}/simple/"
            print(f"(synthetic index ready in {time.perf_counter() - start:.1f} s)")
            report(names, url, args, Path(tmp))
        finally:
            server.terminate()
            server.wait()


def report(names: list[str], url: str, args: argparse.Namespace, tmp: Path) -> None:
    env = {**os.environ, "GILFREE_CACHE_DIR": str(tmp / "cache")}
    track = ["track", "--packages", str(tmp / "names.txt"), "--db", str(tmp / "track.sqlite3"),
             "--index-url", url, "--concurrency", str(args.concurrency)]
    free_threaded = not getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python {sys.version.split()[0]}{' (free-threaded)' if free_threaded else ''}"
          f" - {len(names):,} packages, concurrency {args.concurrency}, {os.cpu_count()} CPUs")
    floor = fetch_floor(names, url, args.concurrency)
    print(f"floor (fetch + json.loads of simple pages): {floor:8.2f} s")
    with_metadata = fetch_floor_with_metadata(names, url, args.concurrency)
    print(f"floor + a .metadata read per project:       {with_metadata:8.2f} s  {with_metadata / floor:5.2f}x floor")
    cold, cold_peak, out = run_cli(track, env)
    print(f"track, cold:                                {cold:8.2f} s  {cold / floor:5.2f}x floor  "
          f"{cold / with_metadata:5.2f}x floor + metadata  peak RSS {cold_peak / 2**20:,.0f} MiB")
    print("   " + out.strip().splitlines()[1])
    warm, warm_peak, out = run_cli(track, env)
    print(f"track, nothing changed:                     {warm:8.2f} s  {warm / cold:5.2f}x cold   "
          f"peak RSS {warm_peak / 2**20:,.0f} MiB")
    print("   " + out.strip().splitlines()[1])
    site_db = tmp / "track.sqlite3"
    if len(names) < args.site_packages:
        site_db = tmp / "site.sqlite3"
        start = time.perf_counter()
        build_site_db(site_db, load_ranking(top=args.site_packages).names)
        print(f"(site data: {args.site_packages:,} synthetic statuses x 3 snapshots "
              f"in {time.perf_counter() - start:.1f} s)")
    seconds, peak, out = run_cli(["site", "--db", str(site_db), "--out", str(tmp / "site")], env)
    size = sum(f.stat().st_size for f in (tmp / "site").rglob("*") if f.is_file())
    print(f"site build:                                 {seconds:8.2f} s  peak RSS {peak / 2**20:,.0f} MiB"
          f"  {size / 2**20:,.0f} MiB on disk")
    print("   " + out.strip())
    goals = [("cold <= 1.3x floor", cold <= 1.3 * floor), ("peak < 1 GiB", max(cold_peak, warm_peak) < 2**30),
             ("re-run < 1/4 cold", warm < cold / 4), ("site < 20 s", seconds < 20)]
    print("goals: " + ", ".join(f"{g} {'met' if ok else 'MISSED'}" for g, ok in goals))


if __name__ == "__main__":
    main()

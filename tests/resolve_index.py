"""A synthetic package index for resolver and deps tests (loopback only).

It serves what uv needs to resolve and what ``IndexClient`` needs to judge: PEP 691 JSON
simple pages (HTML when JSON is not asked for), PEP 658 ``.metadata`` files, and real
minimal wheel files, all generated from a small in-code description of each project.
Kept apart from the index engineer's recorded-PyPI server on purpose: resolution needs
file downloads and metadata that recorded pages point at PyPI's file host for.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import threading
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Release:
    """One release: its wheel tags (``py3-none-any``, ``cp313-cp313t-win_amd64``...)."""

    version: str
    requires: Sequence[str] = ()
    wheels: Sequence[str] = ("py3-none-any",)
    sdist: bool = False
    requires_python: str | None = None


def _metadata(name: str, release: Release) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {release.version}"]
    if release.requires_python:
        lines.append(f"Requires-Python: {release.requires_python}")
    extras = sorted({r.split("extra ==")[1].strip(" '\"") for r in release.requires if "extra ==" in r})
    lines += [f"Provides-Extra: {e}" for e in extras]
    lines += [f"Requires-Dist: {r}" for r in release.requires]
    return ("\n".join(lines) + "\n").encode()


def _wheel(name: str, release: Release, tag: str) -> bytes:
    """A real, installable-shaped wheel (METADATA, WHEEL, RECORD); fixed timestamps."""
    dist = f"{name.replace('-', '_')}-{release.version}.dist-info"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, data in ((f"{dist}/METADATA", _metadata(name, release)),
                           (f"{dist}/WHEEL",
                            f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n".encode()),
                           (f"{dist}/RECORD", f"{dist}/METADATA,,\n{dist}/WHEEL,,\n{dist}/RECORD,,\n".encode())):
            zf.writestr(zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def _anchor(entry: dict) -> str:
    """One PEP 503 link with the PEP 658/691-equivalent attributes."""
    attrs = f'href="{html.escape(entry["url"])}#sha256={entry["hashes"]["sha256"]}"'
    if entry["requires-python"]:
        attrs += f' data-requires-python="{html.escape(entry["requires-python"])}"'
    if "core-metadata" in entry:
        attrs += f' data-core-metadata="sha256={entry["core-metadata"]["sha256"]}"'
    return f'<a {attrs}>{entry["filename"]}</a>\n'


class FakeIndex:
    """Projects -> releases, served on 127.0.0.1 with a random port."""

    def __init__(self, projects: Mapping[str, Sequence[Release]]) -> None:
        self.projects = {canonicalize_name(k): list(v) for k, v in projects.items()}
        self.files: dict[str, bytes] = {}  # file name -> bytes (wheels, sdists, .metadata)
        self.pages: dict[str, list[dict]] = {}
        self.requests: list[str] = []
        for name, releases in self.projects.items():
            entries = []
            for release in releases:
                stem = f"{name.replace('-', '_')}-{release.version}"
                names = [(f"{stem}-{tag}.whl", _wheel(name, release, tag)) for tag in release.wheels]
                if release.sdist:
                    names.append((f"{stem}.tar.gz", b"not a real sdist: never downloaded by tests"))
                for filename, data in names:
                    meta = _metadata(name, release)
                    self.files[filename] = data
                    entry = {"filename": filename, "url": f"../../files/{filename}",
                             "hashes": {"sha256": hashlib.sha256(data).hexdigest()}, "size": len(data),
                             "upload-time": "2024-01-01T00:00:00Z", "requires-python": release.requires_python}
                    if filename.endswith(".whl"):
                        self.files[filename + ".metadata"] = meta
                        entry["core-metadata"] = {"sha256": hashlib.sha256(meta).hexdigest()}
                    entries.append(entry)
            self.pages[name] = entries
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple/"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        index = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet tests
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "max-age=0")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                index.requests.append(self.path)
                parts = [p for p in self.path.split("?")[0].split("/") if p]
                if len(parts) == 2 and parts[0] == "files" and parts[1] in index.files:
                    return self._send(200, index.files[parts[1]], "application/octet-stream")
                if len(parts) == 2 and parts[0] == "simple" and parts[1] in index.pages:
                    name = parts[1]
                    if canonicalize_name(name) != name:
                        return self._send(404, b"not canonical", "text/plain")
                    entries = index.pages[name]
                    if "application/vnd.pypi.simple.v1+json" in self.headers.get("Accept", ""):
                        doc = {"meta": {"api-version": "1.1"}, "name": name, "files": entries,
                               "versions": [r.version for r in index.projects[name]]}
                        return self._send(200, json.dumps(doc).encode(), "application/vnd.pypi.simple.v1+json")
                    anchors = "".join(_anchor(e) for e in entries)
                    return self._send(200, f"<html><body>{anchors}</body></html>".encode(), "text/html")
                return self._send(404, b"not found", "text/plain")

        return Handler

    @contextmanager
    def serve(self) -> Iterator[FakeIndex]:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)


GIL = ("cp313-cp313-manylinux_2_17_x86_64", "cp313-cp313-win_amd64",
       "cp314-cp314-manylinux_2_17_x86_64", "cp314-cp314-win_amd64")
FT313 = ("cp313-cp313t-manylinux_2_17_x86_64", "cp313-cp313t-win_amd64")
FT314 = ("cp314-cp314t-manylinux_2_17_x86_64", "cp314-cp314t-win_amd64")

# The little world the deps tests reason about (answers computed by hand in test_deps.py).
PROJECTS: dict[str, list[Release]] = {
    "webfw": [Release("1.0", requires=("fastjson>=1.0", "winhelper; sys_platform == 'win32'",
                                       "purelib[extra]; extra == 'full'"))],
    "fastjson": [Release("1.0", wheels=GIL), Release("1.1", wheels=GIL),
                 Release("2.0", wheels=GIL + FT313), Release("2.1", wheels=GIL + FT313 + FT314)],
    "winhelper": [Release("1.0", wheels=("cp313-cp313-win_amd64", "cp314-cp314-win_amd64"))],
    "purelib": [Release("1.0", requires=("tool-bin; extra == 'extra'",))],
    "tool-bin": [Release("1.0", wheels=("py3-none-manylinux_2_17_x86_64", "py3-none-win_amd64"))],
    "oldbuild": [Release("1.0", wheels=(), sdist=True)],
    "newpure": [Release("1.0", wheels=GIL), Release("2.0")],
    "prerel": [Release("1.0", wheels=GIL), Release("2.0rc1", wheels=GIL + FT313 + FT314)],
    "dropped": [Release("1.0", wheels=GIL + FT313), Release("1.1", wheels=GIL + FT313), Release("2.0", wheels=GIL)],
}

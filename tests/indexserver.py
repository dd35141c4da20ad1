"""A local package index for tests: recorded PyPI responses over real HTTP, with faults.

Serves tests/data/index/ (see its README) on 127.0.0.1 at a random port:

- ``/simple/<name>/``: the PEP 691 JSON page (any name spelling; it is normalized),
- ``/pypi/<name>/json``: the JSON API page,
- ``/pypi/<name>/<version>/json``: a recorded per-version page, or the project page
  when ``version`` is its latest release (what PyPI's ``info`` block says then too),
- anything else, and unknown names: 404.

Responses carry ``ETag`` (a hash of the body), ``Last-Modified``, ``Cache-Control``
(``cache_control``, PyPI's ``max-age=600, public`` by default) and, for simple pages,
``X-PyPI-Last-Serial``; ``If-None-Match`` / ``If-Modified-Since`` get a 304.

``pages`` serves more documents by exact request path, e.g. a nightly index's PEP 503
HTML pages from tests/data/nightly/ (``serve_nightly``), with the same validators.

``faults`` makes the next matching requests fail: N x status (500, 429 + Retry-After...),
connection reset, truncated body, complete-but-invalid JSON, or a reply slower than the
client's timeout. The server counts requests, 304s and the most requests in flight.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data" / "index"
NIGHTLY = Path(__file__).parent / "data" / "nightly"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
# A fixed date, so Last-Modified validators are stable across runs.
LAST_MODIFIED = email.utils.formatdate(1_700_000_000, usegmt=True)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Fault:
    """What to do instead of answering, for the next ``times`` requests matching ``path``."""

    kind: str  # status | reset | truncate | invalid_json | slow
    times: int = 1
    path: str | None = None  # substring of the request path; None matches every request
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0


class Faults:
    """Per-test fault plan (thread-safe); faults apply in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan: list[Fault] = []

    # Each method queues a fault for the next ``times`` requests whose path contains
    # ``path`` (any request when None).

    def status(self, status: int = 500, *, times: int = 1, path: str | None = None,
               retry_after: str | None = None) -> None:
        """Answer ``status`` (with ``Retry-After`` when given)."""
        self._add(Fault("status", times, path, status=status, retry_after=retry_after))

    def reset(self, *, times: int = 1, path: str | None = None) -> None:
        """Close the connection with a TCP reset before answering."""
        self._add(Fault("reset", times, path))

    def truncate(self, *, times: int = 1, path: str | None = None) -> None:
        """Promise the whole body (Content-Length), send half, close the connection."""
        self._add(Fault("truncate", times, path))

    def invalid_json(self, *, times: int = 1, path: str | None = None) -> None:
        """A complete, well-framed 200 whose body is half a JSON document."""
        self._add(Fault("invalid_json", times, path))

    def slow(self, delay: float, *, times: int = 1, path: str | None = None) -> None:
        """Wait ``delay`` seconds before answering normally."""
        self._add(Fault("slow", times, path, delay=delay))

    def clear(self) -> None:
        with self._lock:
            self._plan.clear()

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(f.times for f in self._plan)

    def _add(self, fault: Fault) -> None:
        if fault.times < 1:
            raise ValueError("a fault applies to at least one request")
        with self._lock:
            self._plan.append(fault)

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._plan:
                if fault.path is None or fault.path in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._plan.remove(fault)
                    return fault
        return None


@dataclass
class Logged:
    method: str
    path: str
    status: int
    conditional: bool  # the request carried If-None-Match or If-Modified-Since
    accept: str = ""  # the request's Accept header


@dataclass
class _Page:
    body: bytes
    content_type: str
    etag: str
    serial: str | None = None


@dataclass
class TestIndex:
    """A running test index; ``url`` is the simple root, ``json_url`` the JSON API root."""

    __test__ = False  # not a test class, despite the name

    server: ThreadingHTTPServer
    faults: Faults = field(default_factory=Faults)
    cache_control: str = "max-age=600, public"
    latency: float = 0.0  # seconds added to every reply (to make requests overlap)
    log: list[Logged] = field(default_factory=list)
    overrides: dict[str, bytes] = field(default_factory=dict)  # request path -> body (a "new release")
    redirects: dict[str, str] = field(default_factory=dict)  # request path -> Location (a 301)
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # request path -> (type, body)
    max_in_flight: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/simple/"

    @property
    def json_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/pypi/"

    def requests(self, path_part: str = "") -> list[Logged]:
        """Requests logged so far whose path contains ``path_part``."""
        with self._lock:
            return [r for r in self.log if path_part in r.path]

    def serve_nightly(self, prefix: str = "/nightly/simple/") -> str:
        """Serve tests/data/nightly/ as a PEP 503 HTML index under ``prefix``: ``index.html``
        as its root page, ``<name>.html`` as project pages (other names: 404). Its URL."""
        for file in NIGHTLY.glob("*.html"):
            path = prefix if file.stem == "index" else f"{prefix}{file.stem}/"
            self.pages[path] = ("text/html; charset=utf-8", file.read_bytes())
        return f"http://127.0.0.1:{self.server.server_address[1]}{prefix}"

    def reset_counters(self) -> None:
        with self._lock:
            self.log.clear()
            self.max_in_flight = 0

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    # -- used by the handler --------------------------------------------------------------

    def enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def leave(self, entry: Logged) -> None:
        """Log a request; called before its reply is written, so a client that has its
        answer always finds the request in ``log``."""
        with self._lock:
            self._in_flight -= 1
            self.log.append(entry)

    def wait(self, seconds: float) -> None:
        """Sleep, but wake up when the server is closing."""
        self._stop.wait(seconds)


def load_page(path: str, override: bytes | None = None) -> _Page | None:
    """The recorded response for a request path (or ``override``), or None (404)."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    if len(parts) == 2 and parts[0] == "simple":
        file = DATA / "simple" / f"{normalize(parts[1])}.json"
        content_type = SIMPLE_JSON
    elif len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json":
        file = DATA / "pypi" / f"{normalize(parts[1])}.json"
        content_type = "application/json"
    elif len(parts) == 4 and parts[0] == "pypi" and parts[3] == "json":
        file = DATA / "pypi" / normalize(parts[1]) / f"{parts[2]}.json"
        content_type = "application/json"
        if not file.is_file():
            latest = DATA / "pypi" / f"{normalize(parts[1])}.json"
            if latest.is_file() and json.loads(latest.read_bytes())["info"].get("version") == parts[2]:
                file = latest
    else:
        return None
    if override is None and not file.is_file():
        return None
    body = file.read_bytes() if override is None else override
    serial = None
    if content_type == SIMPLE_JSON:
        serial = str(json.loads(body).get("meta", {}).get("_last-serial") or "") or None
    return _Page(body, content_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"', serial)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like PyPI
    index: TestIndex  # set on the subclass made per server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass  # quiet tests

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        index = self.index
        index.enter()
        self._logged = False
        try:
            if index.latency:
                index.wait(index.latency)
            self._answer(index)
        finally:
            self._log(0)  # only if the answer failed before logging itself

    def _log(self, status: int) -> None:
        """Log this request once, before its reply goes out (see ``TestIndex.leave``)."""
        if not self._logged:
            self._logged = True
            conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
            self.index.leave(Logged("GET", self.path, status, conditional, self.headers.get("Accept", "")))

    def _answer(self, index: TestIndex) -> int:
        fault = index.faults.take(self.path)
        if fault is not None and fault.kind == "slow":
            index.wait(fault.delay)
        if fault is not None and fault.kind == "reset":
            self._log(-1)
            self._reset()
            return -1
        if fault is not None and fault.kind == "status":
            body = json.dumps({"message": f"injected {fault.status}"}).encode()
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return self._send(fault.status, body, "application/json", extra)
        if self.path in index.redirects:
            return self._send(301, b"", None, {"Location": index.redirects[self.path]})
        if self.path in index.pages:
            content_type, body = index.pages[self.path]
            page: _Page | None = _Page(body, content_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
        else:
            page = load_page(self.path, index.overrides.get(self.path))
        if page is None:
            return self._send(404, b"", "text/plain", {})
        headers = {"ETag": page.etag, "Last-Modified": LAST_MODIFIED, "Cache-Control": index.cache_control}
        if page.serial:
            headers["X-PyPI-Last-Serial"] = page.serial
        if fault is not None and fault.kind == "truncate":
            self._log(-2)
            self.send_response(200)
            self._headers(page.content_type, len(page.body), headers)
            self.wfile.write(page.body[: len(page.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return -2
        if fault is not None and fault.kind == "invalid_json":
            return self._send(200, page.body[: len(page.body) // 2], page.content_type, headers)
        if self._not_modified(page):
            return self._send(304, b"", None, headers)
        return self._send(200, page.body, page.content_type, headers)

    def _not_modified(self, page: _Page) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return page.etag in [t.strip().removeprefix("W/") for t in tags.split(",")] or tags.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(LAST_MODIFIED)
            except (TypeError, ValueError):
                return False
        return False

    def _headers(self, content_type: str | None, length: int, extra: dict[str, str]) -> None:
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, body: bytes, content_type: str | None, extra: dict[str, str]) -> int:
        self._log(status)
        self.send_response(status)
        self._headers(content_type, len(body), extra)
        if body:
            self.wfile.write(body)
        return status

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER 0 makes close() send a TCP RST."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # resets and truncations break connections on purpose


def start() -> TestIndex:
    """Start a test index on 127.0.0.1 (random port), serving in a daemon thread."""
    handler = type("Handler", (_Handler,), {})
    server = _Server(("127.0.0.1", 0), handler)
    index = TestIndex(server)
    handler.index = index
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return index


def wait_until(predicate, timeout: float = 5.0) -> bool:  # noqa: ANN001 - tiny test helper
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()

"""Fetching one JSON document: bounded concurrency, retries with backoff, Retry-After.

Everything that can go wrong on the way is turned into one of two answers: the document
(parsed once, exactly as the server sent it) or an ``gilfree.errors`` exception with a
one-line reason. A document that fails to parse is never returned, and never left in the
cache to be served again.
"""

from __future__ import annotations

import email.utils
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

import httpx

from gilfree.errors import IndexUnavailable, ProjectNotFound, first_line
from gilfree.index.cache import FileStorage, entry_id
from gilfree.index.config import IndexConfig

# Worth another try: the server or the path to it may recover.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
_READ = httpx.ByteStream(b"")  # what a response's stream is once its body was read

# Not worth another try: the same request fails the same way.
FATAL_ERRORS = (httpx.UnsupportedProtocol, httpx.TooManyRedirects, httpx.LocalProtocolError)


# The server could not be reached at all (no TCP connection, TLS or proxy refused, or no
# answer in time), as opposed to an answer we cannot use.
CONNECTION_ERRORS = (httpx.ConnectError, httpx.ProxyError, httpx.TimeoutException)
_NO_SUCH_NAME = {getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name)}


def definitive(exc: BaseException) -> bool:
    """A connection failure that a retry would only repeat: the host name does not resolve
    (not a temporary DNS failure) or the host refuses the connection."""
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 8:
        if isinstance(cause, ConnectionRefusedError):
            return True
        if isinstance(cause, socket.gaierror):
            return cause.errno in _NO_SUCH_NAME
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return False


class WrongShape(Exception):
    """Raised by a ``parse`` callback: the body is complete (it parsed) but is not the
    document asked for, e.g. a PEP 691 page whose ``files`` is null, or an HTML error page
    served as a ``.metadata`` file. Handled like a body that does not parse: retried,
    dropped from the cache, never returned; the message is the reason the error shows."""


class Cancelled(IndexUnavailable):
    """The run is being interrupted (Ctrl-C): pending work stops at its next wait."""


class Unreachable(IndexUnavailable):
    """Every attempt failed before the server answered (``CONNECTION_ERRORS``); ``reason``
    is the last failure, e.g. ``ConnectError: [Errno -2] Name or service not known``."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    """A parsed JSON document and what the transport says about where it came from."""

    url: str
    doc: Any  # the parsed document: a JSON object, or text for get_text
    headers: httpx.Headers
    from_cache: bool = False
    revalidated: bool = False


@dataclass
class Stats:
    """Counters for one run (shown with --verbose, used by tests)."""

    requests: int = 0  # answered requests, from the network or the cache
    from_cache: int = 0
    revalidated: int = 0  # answered by a 304 from the server
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks us to wait (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Fetcher:
    """Sends GETs for JSON documents through one shared client, politely."""

    def __init__(self, config: IndexConfig, client: httpx.Client, storage: FileStorage | None,
                 *, direct: httpx.Client | None = None) -> None:
        self.config = config
        self.client = client
        self._direct = direct or client  # partial and uncached requests: no cache in the way
        self.storage = storage
        self.stats = Stats()
        self.cancel = threading.Event()
        self._lanes = {
            "pages": threading.BoundedSemaphore(max(1, config.concurrency)),
            "metadata": threading.BoundedSemaphore(max(1, config.metadata_concurrency)),
        }
        self._pause_lock = threading.Lock()
        self._pause_until = 0.0  # monotonic; a 429's Retry-After holds back every thread

    def get_json(self, url: str, accept: str, *, cached: bool = True) -> Fetched:
        """GET a JSON object (see ``get``)."""
        return self.get(url, accept, parse_object, "invalid JSON", cached=cached)

    def get_text(self, url: str, accept: str = "text/plain", *, cached: bool = True) -> Fetched:
        """GET a UTF-8 text document, e.g. a PEP 658 ``.metadata`` file (see ``get``)."""
        return self.get(url, accept, _parse_text, "not UTF-8 text", lane="metadata", cached=cached)

    def get_range(self, url: str, spec: str) -> Fetched:
        """Part of a file: ``spec`` is ``-N`` (the last N bytes) or ``A-B``; ``doc`` is
        (bytes, total size). IndexUnavailable when the server ignores ranges: we never
        download whole wheels for their metadata.
        """
        return self.get(url, "*/*", lambda body: body, "empty", lane="metadata",
                        headers={"Range": f"bytes={spec}"}, partial=True)

    def get(self, url: str, accept: str, parse: Callable[..., Any | None], invalid: str,
            *, lane: str = "pages", headers: dict[str, str] | None = None, partial: bool = False,
            cached: bool = True, typed: bool = False, retries: int | None = None,
            timeout: float | httpx.Timeout | None = None, fail_fast: bool = False) -> Fetched:
        """GET ``url`` and ``parse`` it; ProjectNotFound on 404, IndexUnavailable otherwise
        (``Unreachable`` when no attempt got an answer from the server).

        ``cached=False`` for what is kept elsewhere (e.g. in the verdict memo): the HTTP
        cache then neither answers nor stores it (offline, that is a miss).

        ``parse`` returns None for a body it cannot use, or raises ``WrongShape`` with the
        reason (both retried, never cached); with ``typed`` it is called with the body and
        the response's Content-Type. ``retries``
        and ``timeout`` (seconds, or an ``httpx.Timeout``) override the config's for this
        request; ``fail_fast`` gives up without retrying after a timeout or a ``definitive``
        connection failure. Redirects are followed here, not by httpx, so that each hop is
        cached under its own URL (and offline mode can follow them from the cache).
        """
        retries = self.config.retries if retries is None else retries
        attempts = 1 if self.config.offline else 1 + max(0, retries)
        attempt = hops = 0
        while True:
            key = f"{accept} {url}"
            wait: float | None = None
            unreachable = False
            try:
                response = self._send(url, accept, key, lane, headers, partial or not cached, timeout)
            except httpx.TimeoutException as exc:
                reason = f"timed out ({type(exc).__name__})"
                unreachable = True
                if fail_fast:
                    attempts = attempt + 1  # a silent host (a firewall): another wait as long
            except FATAL_ERRORS as exc:
                raise IndexUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
            except httpx.RequestError as exc:
                reason = f"{type(exc).__name__}: {first_line(exc, 'no detail')}"
                unreachable = isinstance(exc, CONNECTION_ERRORS)
                if fail_fast and unreachable and definitive(exc):
                    attempts = attempt + 1  # no retry: it would fail the same way
            else:
                status = response.status_code
                if partial and status in (200, 206):
                    total = _range_total(response)
                    if total is None:
                        raise IndexUnavailable(f"{url}: the server does not answer range requests")
                    return self._answer(url, response, (response.content, total))
                if status == 200:
                    why = invalid
                    try:
                        if typed:
                            doc = parse(response.content, response.headers.get("content-type", ""))
                        else:
                            doc = parse(response.content)
                    except WrongShape as exc:  # a whole body, of the wrong shape
                        doc, why = None, str(exc) or invalid
                    if doc is not None:
                        return self._answer(url, response, doc)
                    self.forget(key)  # never served again, from the cache or anywhere
                    reason = why
                elif status in (404, 410):
                    raise ProjectNotFound(f"{url}: not found (HTTP {status})")
                elif status in REDIRECT_STATUSES and response.headers.get("location"):
                    hops += 1
                    if hops > MAX_REDIRECTS:
                        raise IndexUnavailable(f"{url}: more than {MAX_REDIRECTS} redirects")
                    url = urljoin(url, response.headers["location"])
                    continue
                elif status in RETRY_STATUSES:
                    reason = f"HTTP {status}"
                    wait = retry_after_seconds(response.headers.get("retry-after"))
                    if wait is not None and wait > self.config.max_retry_after:
                        raise IndexUnavailable(f"{url}: HTTP {status}, asked to retry after {wait:.0f} s")
                    if status == 429 and wait is not None:
                        self._pause_all(wait)
                else:
                    raise IndexUnavailable(f"{url}: HTTP {status}")
            attempt += 1
            if attempt >= attempts:
                break
            self.stats.add(retries=1)
            self._sleep(wait if wait is not None else self._backoff(attempt - 1))
        if self.config.offline:
            raise IndexUnavailable(f"{url}: {reason} (offline)")
        message = f"{url}: {reason} (after {attempts} attempt{'s' if attempts > 1 else ''})"
        if unreachable:
            raise Unreachable(message, reason)
        raise IndexUnavailable(message)

    def forget(self, key: str) -> None:
        """Drop a cached response we could not use, so no one is served it again."""
        if self.storage is not None:
            self.storage.remove_entry(entry_id(key))

    def _send(self, url: str, accept: str, key: str, lane: str,
              headers: dict[str, str] | None = None, direct: bool = False,
              timeout: float | httpx.Timeout | None = None) -> httpx.Response:
        self._wait_for_pause()
        with self._lanes[lane]:
            if self.cancel.is_set():
                raise Cancelled("cancelled")
            client = self._direct if direct else self.client
            response = client.get(url, headers={"Accept": accept, **(headers or {})},
                                  extensions={"caching": {"key": key}},
                                  timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout)
        # httpx binds a response and its body stream to each other (a reference cycle):
        # each response, with its request, connection stream and decoder, would wait for
        # the garbage collector, which a bulk run keeps rare. The body is read by now.
        response.stream = _READ
        return response

    def _answer(self, url: str, response: httpx.Response, doc: Any) -> Fetched:
        caching = response.extensions.get("caching") or {}
        from_cache = bool(caching.get("from_cache"))
        revalidated = from_cache and bool(caching.get("revalidated"))
        self.stats.add(requests=1, from_cache=int(from_cache), revalidated=int(revalidated))
        return Fetched(url=url, doc=doc, headers=response.headers, from_cache=from_cache, revalidated=revalidated)

    def _backoff(self, attempt: int) -> float:
        """Exponential, with jitter so that threads retrying together spread out."""
        return self.config.backoff * (2**attempt) * random.uniform(0.75, 1.25)

    def _sleep(self, seconds: float) -> None:
        if self.cancel.wait(max(0.0, seconds)):
            raise Cancelled("cancelled")

    def _pause_all(self, seconds: float) -> None:
        with self._pause_lock:
            self._pause_until = max(self._pause_until, time.monotonic() + seconds)

    def _wait_for_pause(self) -> None:
        with self._pause_lock:
            remaining = self._pause_until - time.monotonic()
        if remaining > 0:
            self._sleep(remaining)


def _range_total(response: httpx.Response) -> int | None:
    """The full size from ``Content-Range: bytes a-b/total`` (206), None without one."""
    if response.status_code != 206:
        return None
    _, _, total = response.headers.get("content-range", "").rpartition("/")
    return int(total) if total.isdigit() else None


def _parse_text(content: bytes) -> str | None:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_object(content: bytes) -> dict[str, Any] | None:
    """The JSON object in ``content``, or None if it is not one (truncated, HTML...)."""
    try:
        doc = json.loads(content)
    except ValueError:  # includes UnicodeDecodeError
        return None
    return doc if isinstance(doc, dict) else None

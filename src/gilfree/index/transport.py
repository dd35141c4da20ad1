"""The httpx client every index request goes through: pooled connections, the HTTP cache
(hishel over ``cache.FileStorage``), and offline mode."""

from __future__ import annotations

import http.cookiejar
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpcore
import httpx
from hishel import CacheOptions
from hishel.httpx import CacheTransport

from gilfree import __version__
from gilfree.errors import BadInput, IndexUnavailable, first_line
from gilfree.index.cache import FileStorage
from gilfree.index.config import IndexConfig
from gilfree.index.proxies import ProxySettings, redact

USER_AGENT = f"gilfree/{__version__}"
CACHE_FORMAT = "http-v2"  # bump when cache.FileStorage's file format changes
MAX_CONNECTS = 8  # TCP connects in flight at once per client (see ConnectLimiter)


class ExclusivePoolTransport(httpx.BaseTransport):
    """Lends each request a connection pool that no other thread is using at that moment.

    httpcore 1.0.9's pool is not safe to share between threads: checking whether an idle
    connection expired races with the thread using it (reproduced on 3.13t: ``TypeError``
    in ``has_expired`` and ``EBADF`` reads in ~1 of 20 runs of 300 fetches). Pools are
    handed from thread to thread under a lock instead, so each is touched by one thread at
    a time and connections are still reused. At most one pool per concurrent request.
    """

    def __init__(self, factory: Callable[[], httpx.BaseTransport]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._idle: list[httpx.BaseTransport] = []
        self._all: list[httpx.BaseTransport] = []
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pool = self._checkout()
        try:
            response = pool.handle_request(request)
        except BaseException:
            self._checkin(pool)
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_ReleasingStream(response.stream, lambda: self._checkin(pool)),
            extensions=response.extensions,
        )

    def _checkout(self) -> httpx.BaseTransport:
        with self._lock:
            if self._closed:
                raise RuntimeError("index transport is closed")
            if self._idle:
                return self._idle.pop()
            pool = self._factory()
            self._all.append(pool)
            return pool

    def _checkin(self, pool: httpx.BaseTransport) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(pool)
                return
        pool.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools, self._all, self._idle = self._all, [], []
        for pool in pools:
            pool.close()


class ConnectLimiter(httpcore.NetworkBackend):
    """Passes ``inner``'s TCP connects through ``gate`` (a semaphore shared by every pool
    of a client); streams are untouched.

    Why: a burst of ~25+ simultaneous connects to one server (a run's worker threads all
    starting together) had some SYNs dropped here, and each of those connects then took
    5 s: one stalled worker decided the wall time of a whole batch. A connect takes a few
    milliseconds, so queueing the burst costs nothing measurable.
    """

    def __init__(self, inner: httpcore.NetworkBackend, gate: threading.Semaphore) -> None:
        self._inner = inner
        self._gate = gate

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        with self._gate:
            return self._inner.connect_tcp(host, port, timeout=timeout, local_address=local_address,
                                           socket_options=socket_options)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        return self._inner.connect_unix_socket(path, timeout=timeout, socket_options=socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def limit_connects(transport: httpx.HTTPTransport, gate: threading.Semaphore) -> httpx.HTTPTransport:
    """Route ``transport``'s connects through ``gate`` (a ``ConnectLimiter``).

    httpx has no public hook for httpcore's network backend, so this sets the pool's
    attribute when it exists (httpcore 1.x) and leaves the transport as it is otherwise:
    the limiter only smooths bursts, nothing depends on it.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = ConnectLimiter(backend, gate)  # type: ignore[union-attr]
    return transport


class _ReleasingStream(httpx.SyncByteStream):
    """A response body that gives its pool back once the body is closed."""

    def __init__(self, inner: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class OfflineTransport(httpx.BaseTransport):
    """What a cache miss reaches in offline mode: nothing goes out on the network."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise IndexUnavailable(f"{request.url}: not in cache (offline)")


IMMUTABLE_MAX_AGE = 365 * 24 * 3600


class DefaultFreshness(httpx.BaseTransport):
    """Gives answers without caching headers the freshness PyPI itself would send.

    Without it, a mirror that strips ``Cache-Control``/``ETag`` makes every cached page
    stale at once and every re-run a cold run. Files under ``/packages/`` (PEP 658
    ``.metadata``) are addressed by their hash and never change.
    """

    def __init__(self, inner: httpx.BaseTransport, max_age: int) -> None:
        self._inner = inner
        self._max_age = max_age

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        headers = response.headers
        if response.status_code == 200 and "cache-control" not in headers and "expires" not in headers:
            immutable = "/packages/" in request.url.path and request.url.path.endswith(".metadata")
            headers["Cache-Control"] = f"max-age={IMMUTABLE_MAX_AGE if immutable else self._max_age}"
        return response

    def close(self) -> None:
        self._inner.close()


def build_storage(config: IndexConfig) -> FileStorage | None:
    """The cache storage for this config, or None when caching is off."""
    if not config.use_cache:
        return None
    return FileStorage(config.cache_dir / CACHE_FORMAT)


def build_network(config: IndexConfig) -> httpx.BaseTransport:
    """What reaches the network (nothing, offline): pooled connections, shared by the
    cached client and the one for range requests; through the proxy the environment names
    for each URL (``proxies``)."""
    if config.offline:
        return OfflineTransport()
    # One request at a time per pool; a few keep-alive connections cover the
    # simple API, the JSON API and extra indexes on other hosts.
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4, keepalive_expiry=30.0)
    # One SSL context for all pools: loading the CA bundle costs ~20 ms each time.
    tls = httpx.create_ssl_context()
    gate = threading.BoundedSemaphore(MAX_CONNECTS)  # for every pool of this client

    def pools(proxy: str | None) -> httpx.BaseTransport:
        def pool() -> httpx.HTTPTransport:
            return limit_connects(httpx.HTTPTransport(verify=tls, limits=limits, retries=0, proxy=proxy), gate)

        _check_proxy(pool, proxy)
        return ExclusivePoolTransport(pool)

    network: httpx.BaseTransport = ProxyRouter(ProxySettings.from_environment(), pools)
    if config.default_max_age > 0:
        network = DefaultFreshness(network, config.default_max_age)
    return network


def _check_proxy(pool: Callable[[], httpx.HTTPTransport], proxy: str | None) -> None:
    """Fail at once, in one line, on a proxy httpx cannot use (e.g. SOCKS without socksio)."""
    if proxy is None:
        return
    try:
        pool().close()
    except ImportError:
        raise BadInput(f"proxy {redact(proxy)!r} from the environment needs SOCKS support: "
                       "pip install 'gilfree[socks]'") from None
    except (ValueError, httpx.InvalidURL) as exc:
        raise BadInput(f"proxy {redact(proxy)!r} from the environment cannot be used: {first_line(exc)}") from None


class ProxyRouter(httpx.BaseTransport):
    """Sends each request to the pools for its proxy, or to the direct ones."""

    def __init__(self, settings: ProxySettings, pools: Callable[[str | None], httpx.BaseTransport]) -> None:
        self._settings = settings
        self._routes: dict[str | None, httpx.BaseTransport] = {None: pools(None)}
        for scheme, proxy in settings.proxies.items():
            if scheme != "no" and proxy not in self._routes:
                self._routes[proxy] = pools(proxy)  # bad settings fail before any request

    def route(self, url: httpx.URL) -> str | None:
        return self._settings.for_url(url.scheme, url.host, url.port)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        proxy = self.route(request.url)
        try:
            return self._routes[proxy].handle_request(request)
        except httpx.TransportError as exc:
            if proxy is None:
                raise
            raise type(exc)(f"through proxy {redact(proxy)}: {exc}", request=request) from exc

    def close(self) -> None:
        for transport in self._routes.values():
            transport.close()


class NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing: indexes need no cookies, and httpx consults the
    client's jar, under one lock shared by every thread, on each request and response."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        pass

    def add_cookie_header(self, request: Any) -> None:
        pass


def build_client(config: IndexConfig, storage: FileStorage | None, network: httpx.BaseTransport) -> httpx.Client:
    """One client for the whole run, shared by every thread; through the HTTP cache when
    ``storage`` is given (range requests, never cached, go without it)."""
    transport: httpx.BaseTransport = network
    if storage is not None:
        # Offline, any stored response is used as it is (no freshness rules, no network).
        rfc: bool | CacheOptions = False if config.offline else CacheOptions(shared=False)
        transport = CacheTransport(next_transport=network, storage=storage, rfc=rfc)
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(config.timeout),
        headers={"User-Agent": USER_AGENT},
        cookies=NoCookies(),
        follow_redirects=False,  # http.Fetcher follows them, caching each hop under its URL
    )

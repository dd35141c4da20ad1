"""ExclusivePoolTransport: pools are reused, and never used by two requests at once."""

from __future__ import annotations

import threading
import time

import httpcore
import httpx

from gilfree.index.transport import ConnectLimiter, ExclusivePoolTransport, limit_connects


class Recording(httpx.BaseTransport):
    """A fake pool that notices if two requests ever use it at the same time."""

    def __init__(self, registry: list) -> None:
        self.busy = False
        self.overlapped = False
        self.closed = False
        registry.append(self)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.busy:
            self.overlapped = True
        self.busy = True
        time.sleep(0.01)
        pool = self

        class Body(httpx.SyncByteStream):
            def __iter__(self):
                yield b"ok"

            def close(self) -> None:
                pool.busy = False

        return httpx.Response(200, stream=Body())

    def close(self) -> None:
        self.closed = True


def test_pools_are_exclusive_and_reused() -> None:
    pools: list[Recording] = []
    transport = ExclusivePoolTransport(lambda: Recording(pools))
    with httpx.Client(transport=transport) as client:
        def work() -> None:
            for _ in range(10):
                assert client.get("http://x/").content == b"ok"

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert 1 <= len(pools) <= 4  # one per concurrent request at most
    assert not any(p.overlapped for p in pools)
    assert all(p.closed for p in pools)


def test_a_failed_request_returns_its_pool() -> None:
    pools: list = []

    class Failing(Recording):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused")

    transport = ExclusivePoolTransport(lambda: Failing(pools))
    with httpx.Client(transport=transport) as client:
        for _ in range(3):
            try:
                client.get("http://x/")
            except httpx.ConnectError:
                pass
    assert len(pools) == 1


def test_index_dependencies_keep_the_gil_disabled() -> None:
    """On a free-threaded build, importing the index layer (hishel, msgpack) must not
    re-enable the GIL; a fresh interpreter tells, whatever this test process imported."""
    import os
    import subprocess
    import sys
    import sysconfig

    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        return  # nothing to check on a GIL build
    code = "import gilfree.index, hishel, hishel.httpx, msgpack, httpx, sys; print(sys._is_gil_enabled())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "PYTHON_GIL"})
    assert out.stdout.strip() == "False", out.stderr


class _SlowBackend(httpcore.NetworkBackend):
    """Records how many connects overlap."""

    def __init__(self) -> None:
        self.active = self.peak = 0
        self.lock = threading.Lock()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(0.05)
        with self.lock:
            self.active -= 1
        return None


def test_connects_are_limited_but_all_happen() -> None:
    """A burst of connects (every worker starting at once) is queued at the limit: here a
    burst of ~25 made some connects take 5 s each."""
    inner = _SlowBackend()
    limiter = ConnectLimiter(inner, threading.BoundedSemaphore(3))
    ready = threading.Barrier(12)  # all at once, however slowly threads start on a busy machine

    def connect() -> None:
        ready.wait(10)
        limiter.connect_tcp("example.org", 443)

    threads = [threading.Thread(target=connect) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inner.peak == 3


def test_limit_connects_installs_one_shared_gate_in_httpx_pools() -> None:
    gate = threading.BoundedSemaphore(2)
    transports = [limit_connects(httpx.HTTPTransport(), gate) for _ in range(3)]
    backends = [t._pool._network_backend for t in transports]  # type: ignore[attr-defined]
    assert all(isinstance(b, ConnectLimiter) for b in backends)
    assert {id(b._gate) for b in backends} == {id(gate)}
    for t in transports:
        t.close()


def test_clients_keep_no_cookies(tmp_path) -> None:
    """Indexes need no cookies; httpx's shared jar would take a lock on every request."""
    from gilfree.index.config import IndexConfig
    from gilfree.index.transport import build_client

    sent: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"}, content=b"{}")

    with build_client(IndexConfig(cache_dir=tmp_path), None, httpx.MockTransport(answer)) as client:
        client.get("https://index.example/simple/six/")
        client.get("https://index.example/simple/six/")
        assert sent == [None, None] and not list(client.cookies.jar)

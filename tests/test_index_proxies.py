"""Proxies from the environment: the rules (``index.proxies``) and real requests through a
forward proxy and a SOCKS5 proxy on 127.0.0.1 (``index.transport.ProxyRouter``)."""

from __future__ import annotations

import http.client
import os
import socket
import socketserver
import struct
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from gilfree.errors import BadInput, IndexUnavailable
from gilfree.index.client import IndexClient
from gilfree.index.proxies import ProxySettings, redact


@pytest.fixture(autouse=True)
def no_proxy_variables(monkeypatch) -> None:
    """Whatever the machine running the tests has set, each test sets its own."""
    for key in list(os.environ):
        if key.lower().endswith("_proxy"):
            monkeypatch.delenv(key)


class _Forwarder(BaseHTTPRequestHandler):
    """A plain HTTP forward proxy: absolute-form GETs are fetched and relayed."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        target = urlsplit(self.path)
        self.server.seen.append(target.path)  # type: ignore[attr-defined]
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
        upstream.request("GET", target.path or "/", headers=headers)
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()


def _serving(server: socketserver.ThreadingTCPServer) -> Iterator[socketserver.ThreadingTCPServer]:
    """Serve on a daemon thread; ``server.seen`` lists what the proxy was asked for."""
    server.daemon_threads = True
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def forward_proxy() -> Iterator[socketserver.ThreadingTCPServer]:
    yield from _serving(ThreadingHTTPServer(("127.0.0.1", 0), _Forwarder))


class _Socks5(socketserver.BaseRequestHandler):
    """A SOCKS5 proxy (RFC 1928, no authentication, CONNECT only) that relays bytes."""

    def handle(self) -> None:
        client = self.request
        _, methods = client.recv(2)
        client.recv(methods)
        client.sendall(b"\x05\x00")  # version 5, no authentication
        _, command, _, kind = client.recv(4)
        if kind == 1:
            host = socket.inet_ntoa(client.recv(4))
        else:  # 3: a domain name
            host = client.recv(client.recv(1)[0]).decode()
        (port,) = struct.unpack("!H", client.recv(2))
        self.server.seen.append(f"{host}:{port}")  # type: ignore[attr-defined]
        upstream = socket.create_connection((host, port), timeout=10)
        client.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", port))
        pump = threading.Thread(target=_relay, args=(upstream, client), daemon=True)
        pump.start()
        _relay(client, upstream)
        pump.join(timeout=10)
        upstream.close()


def _relay(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


@pytest.fixture
def socks_proxy() -> Iterator[socketserver.ThreadingTCPServer]:
    yield from _serving(socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Socks5))


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_each_scheme_takes_its_variable_and_all_proxy_the_rest(monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://secure-proxy:3128")
    monkeypatch.setenv("ALL_PROXY", "proxy:8080")  # no scheme: http://, as curl reads it
    settings = ProxySettings.from_environment()
    assert settings.for_url("https", "pypi.org", None) == "http://secure-proxy:3128"
    assert settings.for_url("http", "mirror.example", 80) == "http://proxy:8080"


def test_no_proxy_hosts_go_direct(monkeypatch) -> None:
    monkeypatch.setenv("https_proxy", "http://proxy:3128")
    monkeypatch.setenv("no_proxy", "localhost,.internal.example")
    settings = ProxySettings.from_environment()
    assert settings.for_url("https", "pypi.org", None) == "http://proxy:3128"
    assert settings.for_url("https", "localhost", 8443) is None
    assert settings.for_url("https", "index.internal.example", None) is None


def test_without_variables_everything_goes_direct() -> None:
    assert ProxySettings.from_environment().for_url("https", "pypi.org", None) is None


def test_requests_go_through_the_proxy(monkeypatch, index_config, forward_proxy) -> None:
    monkeypatch.setenv("HTTP_PROXY", _url(forward_proxy))
    with IndexClient(index_config) as client:
        files = client.project_files("six")
    assert any(f.filename.startswith("six-") for f in files.files)
    assert "/simple/six/" in forward_proxy.seen  # type: ignore[attr-defined]


def test_no_proxy_skips_the_proxy(monkeypatch, index_config, forward_proxy) -> None:
    monkeypatch.setenv("HTTP_PROXY", _url(forward_proxy))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with IndexClient(index_config) as client:
        assert client.project_files("six").files
    assert forward_proxy.seen == []  # type: ignore[attr-defined]


def test_an_unreachable_proxy_is_an_error_naming_it_without_its_password(monkeypatch, index_config) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://user:s3cret@127.0.0.1:{port}")
    with IndexClient(index_config) as client, pytest.raises(IndexUnavailable) as caught:
        client.project_files("six")
    assert f"through proxy http://127.0.0.1:{port}" in str(caught.value)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("value", ["ftp://user:s3cret@proxy:21", "http://"])
def test_a_bad_proxy_variable_is_bad_input_before_any_request(monkeypatch, index_config, value) -> None:
    monkeypatch.setenv("HTTPS_PROXY", value)
    with pytest.raises(BadInput, match="HTTPS_PROXY") as caught:
        IndexClient(index_config)
    assert "s3cret" not in str(caught.value)


def test_redact_drops_credentials() -> None:
    assert redact("http://user:pw@proxy:3128/") == "http://proxy:3128/"
    assert redact("http://proxy:3128") == "http://proxy:3128"


def test_requests_go_through_a_socks5_proxy(monkeypatch, index_config, test_index, socks_proxy) -> None:
    port = socks_proxy.server_address[1]
    monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{port}")
    with IndexClient(index_config) as client:
        files = client.project_files("six")
    assert any(f.filename.startswith("six-") for f in files.files)
    assert socks_proxy.seen and set(socks_proxy.seen) == {  # type: ignore[attr-defined]
        f"127.0.0.1:{test_index.server.server_address[1]}"}


def test_socks_without_its_extra_is_one_line_naming_it(monkeypatch, index_config) -> None:
    monkeypatch.setitem(sys.modules, "socksio", None)  # as if `gilfree[socks]` was not installed
    monkeypatch.setenv("HTTPS_PROXY", "socks5://user:s3cret@127.0.0.1:1080")
    with pytest.raises(BadInput, match=r"needs SOCKS support: pip install 'gilfree\[socks\]'") as caught:
        IndexClient(index_config)
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)

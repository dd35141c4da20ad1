"""Mirrors that strip caching headers still get a useful cache (DefaultFreshness)."""

from __future__ import annotations

import httpx

from gilfree.index.transport import IMMUTABLE_MAX_AGE, DefaultFreshness


def _client(headers: dict[str, str], status: int = 200) -> httpx.Client:
    inner = httpx.MockTransport(lambda request: httpx.Response(status, headers=headers, content=b"{}"))
    return httpx.Client(transport=DefaultFreshness(inner, 600))


def test_pages_without_caching_headers_get_pypis_max_age() -> None:
    r = _client({}).get("https://mirror.test/simple/six/")
    assert r.headers["cache-control"] == "max-age=600"


def test_metadata_files_are_immutable() -> None:
    r = _client({}).get("https://files.test/packages/ab/cd/six-1.17.0-py2.py3-none-any.whl.metadata")
    assert r.headers["cache-control"] == f"max-age={IMMUTABLE_MAX_AGE}"


def test_servers_own_policy_wins_and_errors_are_untouched() -> None:
    assert _client({"Cache-Control": "no-cache"}).get("https://x.test/simple/a/").headers["cache-control"] == "no-cache"
    assert "cache-control" not in _client({"Expires": "0"}).get("https://x.test/simple/a/").headers
    assert "cache-control" not in _client({}, status=503).get("https://x.test/simple/a/").headers

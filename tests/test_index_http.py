"""Retries, backoff and Retry-After against the local index's injected faults.

Every fault ends in the right data after retries, or in IndexUnavailable: never in
wrong data, and never in a bad page left in the cache.
"""

from __future__ import annotations

import dataclasses
import email.utils
import time

import pytest

from gilfree.errors import IndexUnavailable, ProjectNotFound
from gilfree.index.client import IndexClient
from gilfree.index.http import retry_after_seconds


def expected_six(test_index, index_config) -> tuple[str, ...]:
    with IndexClient(dataclasses.replace(index_config, use_cache=False)) as client:
        files = client.project_files("six").files
    test_index.reset_counters()
    return tuple(f.filename for f in files)


@pytest.mark.parametrize(
    "inject",
    [
        lambda f: f.status(500, times=2),
        lambda f: f.status(503),
        lambda f: f.status(502, times=3),
        lambda f: f.reset(times=2),
        lambda f: f.truncate(),
        lambda f: f.invalid_json(times=2),
        lambda f: f.slow(1.0),
    ],
    ids=["500x2", "503", "502x3", "reset", "truncate", "invalid-json", "slow"],
)
def test_faults_then_success_give_the_right_data(test_index, index_config, inject) -> None:
    want = expected_six(test_index, index_config)
    config = dataclasses.replace(index_config, timeout=0.3)
    inject(test_index.faults)
    with IndexClient(config) as client:
        got = client.project_files("six")
        assert tuple(f.filename for f in got.files) == want
        assert client.stats.retries >= 1
    assert test_index.faults.pending == 0


@pytest.mark.parametrize(
    "inject",
    [
        lambda f: f.status(500, times=10),
        lambda f: f.reset(times=10),
        lambda f: f.truncate(times=10),
        lambda f: f.invalid_json(times=10),
    ],
    ids=["500", "reset", "truncate", "invalid-json"],
)
def test_persistent_faults_are_index_unavailable(test_index, index_config, inject) -> None:
    inject(test_index.faults)
    with IndexClient(index_config) as client, pytest.raises(IndexUnavailable) as err:
        client.project_files("six")
    assert "after 4 attempts" in str(err.value)
    assert "\n" not in str(err.value)
    assert len(test_index.requests("/simple/six/")) == 1 + index_config.retries


def test_slow_replies_time_out_and_fail(test_index, index_config) -> None:
    test_index.faults.slow(2.0, times=10)
    config = dataclasses.replace(index_config, timeout=0.2, retries=1)
    started = time.monotonic()
    with IndexClient(config) as client, pytest.raises(IndexUnavailable, match="timed out"):
        client.project_files("six")
    assert time.monotonic() - started < 1.5


def test_invalid_json_is_not_left_in_the_cache(test_index, index_config) -> None:
    want = expected_six(test_index, index_config)
    test_index.faults.invalid_json(times=10)
    with IndexClient(dataclasses.replace(index_config, retries=1)) as client, pytest.raises(IndexUnavailable):
        client.project_files("six")
    with IndexClient(dataclasses.replace(index_config, offline=True)) as client:
        with pytest.raises(IndexUnavailable, match="not in cache"):
            client.project_files("six")
    test_index.faults.clear()
    with IndexClient(index_config) as client:
        assert tuple(f.filename for f in client.project_files("six").files) == want
    with IndexClient(dataclasses.replace(index_config, offline=True)) as client:
        assert tuple(f.filename for f in client.project_files("six").files) == want


def test_retry_after_is_honoured(test_index, index_config) -> None:
    test_index.faults.status(429, retry_after="1")
    with IndexClient(index_config) as client:
        started = time.monotonic()
        client.project_files("six")
        waited = time.monotonic() - started
        assert client.stats.retries == 1
    assert waited >= 1.0, "the client must wait as long as Retry-After asks"
    assert waited < 3.0


def test_retry_after_as_http_date(test_index, index_config) -> None:
    # HTTP dates have whole seconds: 3 s ahead is 2-3 s ahead, and the wait is at least
    # 2 s less the time the first answer took (2 s ahead left too little on a busy machine)
    when = email.utils.formatdate(time.time() + 3, usegmt=True)
    test_index.faults.status(503, retry_after=when)
    with IndexClient(index_config) as client:
        started = time.monotonic()
        client.project_files("six")
    assert time.monotonic() - started >= 0.9


def test_a_long_retry_after_is_an_error_not_a_wait(test_index, index_config) -> None:
    test_index.faults.status(429, retry_after="3600")
    with IndexClient(index_config) as client:
        started = time.monotonic()
        with pytest.raises(IndexUnavailable, match="retry after 3600"):
            client.project_files("six")
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("status", [401, 403, 400])
def test_client_errors_are_not_retried(test_index, index_config, status: int) -> None:
    test_index.faults.status(status, times=5)
    with IndexClient(index_config) as client, pytest.raises(IndexUnavailable, match=f"HTTP {status}"):
        client.project_files("six")
    assert len(test_index.requests("/simple/six/")) == 1


def test_not_found_is_project_not_found(test_index, index_config) -> None:
    with IndexClient(index_config) as client:
        with pytest.raises(ProjectNotFound):
            client.project_files("gilfree-no-such-project-3f9c2a")
        with pytest.raises(ProjectNotFound):
            client.project_info("gilfree-no-such-project-3f9c2a")
    assert len(test_index.requests("/simple/gilfree-no-such")) == 1  # a 404 is an answer


def test_connection_refused_is_index_unavailable(index_config) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    config = dataclasses.replace(index_config, index_url=f"http://127.0.0.1:{port}/simple/", retries=1)
    with IndexClient(config) as client, pytest.raises(IndexUnavailable, match="ConnectError"):
        client.project_files("six")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), (" 0 ", 0.0), ("", None), (None, None), ("soon", None), ("-3", None)],
)
def test_retry_after_parsing(value, expected) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_dates() -> None:
    now = 1_700_000_000.0
    assert retry_after_seconds(email.utils.formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30)
    assert retry_after_seconds(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_responses_are_freed_without_the_garbage_collector(index_config) -> None:
    """httpx ties each response to its body stream; left alone, every request's objects
    would wait for a collection (a 15,000-package run doubled its memory that way)."""
    import gc

    import httpx

    with IndexClient(index_config) as client:
        client.project_files("six")  # connections and caches set up
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for _ in range(3):
                client.project_files("six")
                client.project_files("numpy")
            gc.collect()
            leaked = [o for o in gc.garbage if isinstance(o, httpx.Response)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    assert leaked == []


def test_no_answer_at_all_is_unreachable_with_its_reason(index_config) -> None:
    """What extra indexes give up on (index.extras): the main index keeps its retries."""
    import socket

    from gilfree.index.http import Unreachable

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connections are refused
    with IndexClient(index_config) as client, pytest.raises(Unreachable) as err:
        client.project_files("six", index_url=f"http://127.0.0.1:{port}/simple/")
    assert err.value.reason == "ConnectError: [Errno 111] Connection refused"
    assert f"after {1 + index_config.retries} attempts" in str(err.value)
    assert client.stats.retries == index_config.retries


def test_fail_fast_gives_up_on_a_refused_connection_at_once(index_config) -> None:
    import socket

    from gilfree.index.http import Unreachable, parse_object

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with IndexClient(index_config) as client, pytest.raises(Unreachable) as err:
        client._fetcher.get(f"http://127.0.0.1:{port}/x/", "*/*", parse_object, "invalid", fail_fast=True)
    assert "(after 1 attempt)" in str(err.value) and client.stats.retries == 0


def test_a_typed_parse_sees_the_content_type_and_retries_override_the_config(test_index, index_config) -> None:
    seen: list[str] = []

    def parse(body: bytes, content_type: str) -> bytes:
        seen.append(content_type)
        return body

    with IndexClient(index_config) as client:
        client._fetcher.get(test_index.url + "six/", "*/*", parse, "invalid", typed=True)
        test_index.faults.status(500, times=10)
        with pytest.raises(IndexUnavailable, match=r"HTTP 500 \(after 2 attempts\)"):
            client._fetcher.get(test_index.url + "numpy/", "*/*", parse, "invalid", typed=True, retries=1)
    assert seen == ["application/vnd.pypi.simple.v1+json"]

"""IndexClient against the local index: API, HTTP cache revalidation, offline mode."""

from __future__ import annotations

import dataclasses

import pytest

from gilfree import __version__
from gilfree.errors import BadInput, IndexUnavailable
from gilfree.index import IndexClient
from gilfree.index.transport import USER_AGENT


def test_project_files_normalizes_the_name(test_index, index_config) -> None:
    with IndexClient(index_config) as client:
        page = client.project_files("PyYAML")
    assert page.name == "pyyaml"
    assert page.index_url == test_index.url
    assert page.last_serial is not None  # from the X-PyPI-Last-Serial header
    assert any(f.filename.endswith(".tar.gz") for f in page.files)
    # only the canonical URL is asked for (a retry on a loaded machine may ask it twice)
    assert {r.path for r in test_index.requests()} == {"/simple/pyyaml/"}


def test_project_files_on_another_index(test_index, index_config) -> None:
    config = dataclasses.replace(index_config, index_url="http://127.0.0.1:9/unused/")
    with IndexClient(config) as client:
        page = client.project_files("cffi", index_url=test_index.url.rstrip("/"))
    assert page.index_url == test_index.url and page.files


def test_redirects_are_followed_and_cached_per_hop(test_index, index_config) -> None:
    test_index.redirects["/legacy/six/"] = "/simple/six/"
    legacy = test_index.url.replace("/simple/", "/legacy/")
    with IndexClient(index_config) as client:
        page = client.project_files("six", index_url=legacy)
    assert page.files and page.index_url == legacy
    assert [(r.path, r.status) for r in test_index.requests()] == [("/legacy/six/", 301), ("/simple/six/", 200)]
    with IndexClient(dataclasses.replace(index_config, offline=True)) as client:
        assert client.project_files("six", index_url=legacy) == page


def test_redirect_loops_are_index_unavailable(test_index, index_config) -> None:
    test_index.redirects["/simple/six/"] = "/simple/six/"
    with IndexClient(index_config) as client, pytest.raises(IndexUnavailable, match="redirects"):
        client.project_files("six")


def test_project_info_latest_and_pinned(test_index, index_config) -> None:
    with IndexClient(index_config) as client:
        latest = client.project_info("NumPy")
        pinned = client.project_info("numpy", latest.version)
    assert latest.name == "numpy" and latest.classifiers
    assert pinned == latest
    assert [r.path for r in test_index.requests("/pypi/")] == ["/pypi/numpy/json", f"/pypi/numpy/{latest.version}/json"]


def test_json_root_is_derived_from_a_simple_root(test_index, index_config) -> None:
    with IndexClient(dataclasses.replace(index_config, json_url=None)) as client:
        assert client.project_info("six").name == "six"
    with IndexClient(dataclasses.replace(index_config, json_url=None, index_url="http://x/other/")) as client:
        with pytest.raises(IndexUnavailable, match="no JSON API"):
            client.project_info("six")


@pytest.mark.parametrize("name", ["", "../etc", "numpy==2.0", "a/b", "-x"])
def test_bad_names_are_bad_input(index_config, name: str) -> None:
    with IndexClient(index_config) as client, pytest.raises(BadInput):
        client.project_files(name)


def test_user_agent(test_index, index_config) -> None:
    assert USER_AGENT == f"gilfree/{__version__}"
    seen = []
    handler = test_index.server.RequestHandlerClass
    original = handler.do_GET

    def spy(self) -> None:  # noqa: ANN001
        seen.append(self.headers.get("User-Agent"))
        original(self)

    handler.do_GET = spy
    with IndexClient(index_config) as client:
        client.project_files("six")
    assert seen == [USER_AGENT]


def test_fresh_responses_come_from_the_cache(test_index, index_config) -> None:
    with IndexClient(index_config) as client:
        first = client.project_files("six")
        second = client.project_files("six")
        assert client.stats.from_cache == 1 and client.stats.revalidated == 0
    assert first == second
    assert len(test_index.requests("/simple/six/")) == 1  # max-age=600: no second request


def test_stale_responses_are_revalidated_with_a_304(test_index, index_config) -> None:
    test_index.cache_control = "max-age=0, must-revalidate"
    with IndexClient(index_config) as client:
        first = client.project_files("numpy")
    with IndexClient(index_config) as client:  # a later run, same cache
        second = client.project_files("numpy")
        assert client.stats.revalidated == 1 and client.stats.from_cache == 1
    assert first == second
    log = test_index.requests("/simple/numpy/")
    assert [(r.status, r.conditional) for r in log] == [(200, False), (304, True)]


def test_changed_pages_replace_the_cached_copy(test_index, index_config) -> None:
    import json

    test_index.cache_control = "no-cache"
    with IndexClient(index_config) as client:
        before = client.project_files("six")
    page = json.loads((indexserver_data() / "simple" / "six.json").read_text())
    page["files"] = page["files"][:1]
    test_index.overrides["/simple/six/"] = json.dumps(page).encode()  # a new ETag
    with IndexClient(index_config) as client:
        after = client.project_files("six")
    with IndexClient(dataclasses.replace(index_config, offline=True)) as client:
        assert client.project_files("six") == after
    assert len(before.files) > 1 and after.files == before.files[:1]
    log = test_index.requests("/simple/six/")
    assert [(r.status, r.conditional) for r in log] == [(200, False), (200, True)]


def indexserver_data():
    import indexserver

    return indexserver.DATA


def test_offline_answers_from_the_cache_only(test_index, index_config) -> None:
    with IndexClient(index_config) as client:
        online = client.project_files("msgpack")
        info = client.project_info("msgpack")
    test_index.reset_counters()
    offline_config = dataclasses.replace(index_config, offline=True)
    with IndexClient(offline_config) as client:
        assert client.project_files("msgpack") == online
        assert client.project_info("msgpack") == info
        with pytest.raises(IndexUnavailable, match=r"not in cache \(offline\)"):
            client.project_files("six")
    assert test_index.requests() == []


def test_offline_without_a_cache_is_always_unavailable(test_index, index_config) -> None:
    config = dataclasses.replace(index_config, offline=True, use_cache=False)
    with IndexClient(config) as client, pytest.raises(IndexUnavailable, match="offline"):
        client.project_files("six")
    assert test_index.requests() == []


def test_no_cache_means_no_files(test_index, index_config) -> None:
    config = dataclasses.replace(index_config, use_cache=False)
    with IndexClient(config) as client:
        client.project_files("six")
        client.project_files("six")
    assert len(test_index.requests("/simple/six/")) == 2
    assert not index_config.cache_dir.exists()


def test_root_page_serials_or_none() -> None:
    from gilfree.index.client import _root_page

    assert _root_page(b"<!DOCTYPE html><html><body><a href='x/'>x</a></body></html>") == {}
    assert _root_page(b'{"meta": {"api-version": "1.0"}, "projects": [{"name": "X"}]}') == {}
    assert _root_page(b'{"meta": {}, "projects": [{"name": "Foo.Bar", "_last-serial": 7},'
                      b' {"name": "odd", "_last-serial": "8"}, 3]}') == {"foo-bar": 7}
    assert _root_page(b'{"projects": [{"name": "x", "_last-') is None  # cut short: retried

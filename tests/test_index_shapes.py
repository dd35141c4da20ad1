"""Index answers of the wrong shape: a 200 that is not a PEP 691 page, not a JSON API page,
not core metadata. The verdicts are right or `error` (never `missing`), a classifier that
could not be read is a note, and nothing wrong is cached: a second run against the clean
index gets the right answers from the same cache directory.

The local test index (tests/indexserver.py) serves the wrong bodies through its ``pages``
(documents by exact request path, with the same cache headers as the recorded pages);
``Served`` takes them away after a number of requests, to test that a wrong shape is
retried like a broken body. ``faults`` still provides the broken bodies (invalid JSON)."""

from __future__ import annotations

import copy
import hashlib
import json
import random
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from gilfree.commands.status import check_packages, parse_request
from gilfree.index.client import IndexClient
from gilfree.index.coremetadata import metadata_problem
from gilfree.index.jsonapi import info_problem
from gilfree.index.simple import page_problem
from gilfree.verdicts.model import PackageStatus, Verdict
from gilfree.verdicts.targets import select_targets

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
DATA = Path(__file__).parent / "data" / "index"
TARGETS = select_targets(["3.14t-manylinux_x86_64", "3.13t-win_amd64"])


class Served(dict):
    """``TestIndex.pages`` that serves each page ``times`` times, then forgets it (404 or
    the recorded page again): a fault that heals."""

    def __init__(self) -> None:
        super().__init__()
        self._left: dict[str, int] = {}
        self._lock = threading.Lock()

    def serve(self, path: str, content_type: str, body: bytes, times: int = 1_000_000) -> None:
        with self._lock:
            self[path] = (content_type, body)
            self._left[path] = times

    def __getitem__(self, path: str):  # noqa: ANN204 - dict's
        with self._lock:
            value = super().__getitem__(path)
            self._left[path] -= 1
            if self._left[path] <= 0:
                del self[path]
            return value


@pytest.fixture
def pages(test_index) -> Served:
    test_index.pages = Served()
    return test_index.pages


def recorded(name: str) -> dict:
    return json.loads((DATA / "simple" / f"{name}.json").read_bytes())


def statuses(config, *names: str) -> list[PackageStatus]:
    with IndexClient(config) as client:
        return check_packages(client, [parse_request(n) for n in names], TARGETS)


def verdicts(status: PackageStatus) -> set[Verdict]:
    return {ts.verdict for ts in status.targets}


@pytest.fixture
def pages_only(index_config):
    """Verdicts only (no JSON API, so no classifier lookups): the page's shape alone."""
    return replace(index_config, json_url=None)


# --- PEP 691 project pages --------------------------------------------------------------

def _with(**changes):
    def change(doc: dict) -> dict:
        doc = copy.deepcopy(doc)
        for key, value in changes.items():
            if value is KeyError:
                doc.pop(key, None)
            else:
                doc[key] = value
        return doc
    return change


def _entries(change_entry):
    def change(doc: dict) -> dict:
        doc = copy.deepcopy(doc)
        doc["files"] = [change_entry(dict(e)) for e in doc["files"]]
        return doc
    return change


def _without(key: str):
    def change(entry: dict) -> dict:
        entry.pop(key, None)
        return entry
    return change


WRONG_PAGES = {
    "files absent": _with(files=KeyError),
    "files null": _with(files=None),
    "files an object": _with(files={"six-1.17.0.tar.gz": {}}),
    "files a string": _with(files="six-1.17.0.tar.gz"),
    "files a number": _with(files=4),
    "entries without filename": _entries(_without("filename")),
    "entries with an empty filename": _entries(lambda e: {**e, "filename": ""}),
    "entries without url": _entries(_without("url")),
    "entries that are strings": _entries(lambda e: e["filename"]),
    "name a number": _with(name=6),
    "versions a string": _with(versions="1.17.0"),
    "meta a list": _with(meta=[]),
}


@pytest.mark.parametrize("case", sorted(WRONG_PAGES))
def test_a_wrong_shape_page_is_error_and_never_cached(case: str, test_index, pages, pages_only) -> None:
    right = statuses(pages_only, "six")[0]
    assert verdicts(right) == {Verdict.PURE}
    fresh = replace(pages_only, cache_dir=pages_only.cache_dir.parent / f"cache-{abs(hash(case))}")
    pages.serve("/simple/six/", SIMPLE_JSON, json.dumps(WRONG_PAGES[case](recorded("six"))).encode())
    test_index.reset_counters()
    wrong = statuses(fresh, "six")[0]
    assert verdicts(wrong) == {Verdict.ERROR}, case
    assert "not a PEP 691 project page" in (wrong.error or "")
    assert "\n" not in wrong.error
    assert len(test_index.requests("/simple/six/")) == 1 + fresh.retries  # retried like a broken body
    pages.clear()  # the index is clean again: the same cache must not answer with the wrong page
    again = statuses(fresh, "six")[0]
    assert again.verdicts == right.verdicts and again.version == right.version


def test_a_wrong_shape_that_heals_on_a_retry_gets_the_right_verdicts(test_index, pages, pages_only) -> None:
    right = statuses(pages_only, "six")[0]
    fresh = replace(pages_only, cache_dir=pages_only.cache_dir.parent / "healed")
    pages.serve("/simple/six/", SIMPLE_JSON, b'{"meta": {"api-version": "1.1"}, "name": "six", "files": null}',
                times=2)
    assert statuses(fresh, "six")[0].verdicts == right.verdicts


def test_a_true_404_stays_missing(pages_only) -> None:
    ghost = statuses(pages_only, "gilfree-no-such-project")[0]
    assert verdicts(ghost) == {Verdict.MISSING}


def test_an_empty_files_list_is_a_project_with_no_files(test_index, pages, pages_only) -> None:
    """The right shape, nothing in it: PyPI has such projects; that is `missing`, as pip sees it."""
    pages.serve("/simple/six/", SIMPLE_JSON, json.dumps({**recorded("six"), "files": []}).encode())
    assert verdicts(statuses(pages_only, "six")[0]) == {Verdict.MISSING}


def _mutations(rng: random.Random, doc: dict) -> tuple[str, bytes, bool]:
    """A random change of a real page: (what, body, whether the page stays well-formed)."""
    doc = copy.deepcopy(doc)
    junk = rng.choice([None, 0, 1.5, True, "x", [], {}, [None], {"a": 1}])
    kind = rng.randrange(9)
    files = doc["files"]
    i = rng.randrange(len(files))
    if kind == 0:  # a top-level value of the wrong type
        key, right_type = rng.choice([("files", list), ("name", str), ("versions", list), ("meta", dict)])
        doc[key] = rng.choice([v for v in (None, 0, 1.5, True, "x", [None], {"a": 1}) if type(v) is not right_type])
        return f"{key} = {doc[key]!r}", json.dumps(doc).encode(), False
    if kind == 1:
        files[i] = junk
        return f"files[{i}] = {junk!r}", json.dumps(doc).encode(), False
    if kind == 2:
        key = rng.choice(["filename", "url"])
        files[i][key] = junk if not isinstance(junk, str) else ""  # never a usable string
        return f"files[{i}].{key} = {files[i][key]!r}", json.dumps(doc).encode(), False
    if kind == 3:
        del files[i][rng.choice(["filename", "url"])]
        return f"files[{i}] without a key", json.dumps(doc).encode(), False
    if kind == 4:
        body = json.dumps(doc).encode()
        cut = rng.randrange(1, len(body) - 1)
        return f"cut at {cut}", body[:cut], False
    if kind == 5:
        return "an HTML error page", b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>", False
    if kind == 6:
        return "a JSON list", json.dumps(files).encode(), False
    # harmless: fields the lenient parser reads around (unknown keys, odd optional values)
    files[i][rng.choice(["size", "upload-time", "yanked-x", "extra"])] = junk
    doc["x-unknown"] = junk
    return f"files[{i}] odd optional field", json.dumps(doc).encode(), True


def test_random_wrong_pages_are_right_or_error_and_never_cached(test_index, pages, pages_only) -> None:
    rng = random.Random(16)  # seeded: the same pages on every run
    names = ("six", "markupsafe")
    right = {s.name: s.verdicts for s in statuses(pages_only, *names)}
    for round_ in range(12):
        name = rng.choice(names)
        what, body, well_formed = _mutations(rng, recorded(name))
        config = replace(pages_only, cache_dir=pages_only.cache_dir.parent / f"random-{round_}",
                         backoff=0.001)
        pages.clear()
        pages.serve(f"/simple/{name}/", SIMPLE_JSON, body)
        got = {s.name: s for s in statuses(config, *names)}
        for other in names:
            status = got[other]
            assert Verdict.MISSING not in verdicts(status) or right[other] == status.verdicts, (what, other)
            assert status.verdicts == right[other] or verdicts(status) == {Verdict.ERROR}, (what, other)
        if not well_formed:
            assert verdicts(got[name]) == {Verdict.ERROR}, what
        pages.clear()
        assert {s.name: s.verdicts for s in statuses(config, *names)} == right, what  # nothing wrong kept


def test_page_problem_names_the_problem() -> None:
    assert page_problem(recorded("numpy")) is None
    assert page_problem({"files": []}) is None
    assert "`files` is null" in page_problem({"files": None})
    assert "files[1] has no `filename`" in page_problem({"files": [{"filename": "a", "url": "u"}, {"url": "u"}]})
    assert "files[0] (a) has no `url`" in page_problem({"files": [{"filename": "a"}]})
    assert "files[0] is a string" in page_problem({"files": ["a"]})


# --- core metadata (PEP 658) and the JSON API ------------------------------------------

METADATA = (b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: A demo\n"
            b"Classifier: Programming Language :: Python :: Free Threading :: 3 - Stable\n\nLong text.\n")
HTML = b"<!DOCTYPE html>\n<html><head><title>503</title></head><body>try later</body></html>\n"


def _demo_page(test_index, *, metadata: bool) -> bytes:
    base = test_index.url.removesuffix("simple/")
    wheel = {"filename": "demo-1.0-py3-none-any.whl", "url": f"{base}files/demo-1.0-py3-none-any.whl",
             "hashes": {"sha256": "ab" * 32}, "requires-python": None, "size": 1000,
             "upload-time": "2025-01-01T00:00:00Z", "yanked": False}
    if metadata:
        wheel["core-metadata"] = {"sha256": hashlib.sha256(METADATA).hexdigest()}
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "demo", "versions": ["1.0"],
                       "files": [wheel]}).encode()


def test_a_metadata_file_that_is_an_html_page_is_a_note_never_dropped(test_index, pages, index_config) -> None:
    pages.serve("/simple/demo/", SIMPLE_JSON, _demo_page(test_index, metadata=True))
    pages.serve("/files/demo-1.0-py3-none-any.whl.metadata", "text/html", HTML)
    test_index.reset_counters()
    status = statuses(index_config, "demo")[0]
    assert verdicts(status) == {Verdict.PURE}  # the verdicts do not depend on it
    assert status.classifier is None and status.error is None
    assert [n for n in status.notes if n.startswith("classifier unknown: ") and "not core metadata" in n]
    assert len(test_index.requests(".metadata")) == 1 + index_config.retries  # retried
    pages.serve("/files/demo-1.0-py3-none-any.whl.metadata", "text/plain", METADATA)
    status = statuses(index_config, "demo")[0]  # same cache: the failure was not kept
    assert status.classifier is not None and status.classifier.level == 3 and not status.notes


def test_a_json_api_page_of_the_wrong_shape_is_a_note(test_index, pages, index_config) -> None:
    pages.serve("/simple/demo/", SIMPLE_JSON, _demo_page(test_index, metadata=False))
    pages.serve("/pypi/demo/1.0/json", "application/json", b'{"info": null, "urls": []}')
    status = statuses(index_config, "demo")[0]
    assert verdicts(status) == {Verdict.PURE}
    assert any("not a JSON API page" in n for n in status.notes), status.notes
    info = {"info": {"name": "demo", "version": "1.0", "summary": "A demo",
                     "classifiers": ["Programming Language :: Python :: Free Threading :: 2 - Beta"]}}
    pages.serve("/pypi/demo/1.0/json", "application/json", json.dumps(info).encode())
    status = statuses(index_config, "demo")[0]
    assert status.classifier is not None and status.classifier.level == 2 and not status.notes


@pytest.mark.parametrize("body, problem", [
    (METADATA, None),
    (b"Metadata-Version: 2.1\r\nName: demo\r\nVersion: 1.0\r\nDescription: a\r\n  b\r\n", None),
    (HTML, "is not a `Field: value` line"),
    (b"", "empty"),
    (b"Name: demo\nVersion: 1\n", "no Metadata-Version field"),
    (b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n".replace(b"1.0", b"\xff"), "not UTF-8"),
])
def test_metadata_problem(body: bytes, problem: str | None) -> None:
    found = metadata_problem(body)
    assert found == problem if problem is None else problem in found


def test_info_problem() -> None:
    assert info_problem(json.loads((DATA / "pypi" / "six.json").read_bytes())) is None
    assert "no `info` object" in info_problem({"info": []})
    assert "classifiers" in info_problem({"info": {"classifiers": "x"}})

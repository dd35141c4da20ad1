"""Release metadata (classifiers) from PEP 658 files, with the JSON API as fallback."""

from __future__ import annotations

import functools
import threading
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ftready.errors import ProjectNotFound
from ftready.index.client import IndexClient
from ftready.index.coremetadata import metadata_file, parse_core_metadata
from ftready.verdicts.model import DistFile, ProjectFiles

METADATA = b"""Metadata-Version: 2.4
Name: demo
Version: 1.0
Summary: A demo \xe2\x80\x94 with UTF-8
Requires-Python: >=3.10
Classifier: Programming Language :: Python :: 3
Classifier: Programming Language :: Python :: Free Threading :: 3 - Stable
Project-URL: Source, https://example.org/demo
Project-URL: Issues, https://example.org/demo/issues
Weird-Field: ignored

Long description that mentions Classifier: nothing.
"""


def test_parse_core_metadata() -> None:
    info = parse_core_metadata("demo", "1.0", METADATA)
    assert info.summary == "A demo — with UTF-8"
    assert info.classifiers[-1] == "Programming Language :: Python :: Free Threading :: 3 - Stable"
    assert info.project_urls == (("Source", "https://example.org/demo"), ("Issues", "https://example.org/demo/issues"))
    assert info.requires_python == ">=3.10"


def test_parse_garbage_does_not_raise() -> None:
    info = parse_core_metadata("demo", "1.0", b"\xff\xfe not metadata at all")
    assert info.classifiers == ()


def test_metadata_file_prefers_announced_metadata_and_skips_yanked() -> None:
    files = ProjectFiles("demo", (
        DistFile("demo-1.0.tar.gz", "u0"),
        DistFile("demo-1.0-cp313-cp313t-win_amd64.whl", "u1", yanked=True, has_metadata=True),
        DistFile("demo-1.0-py3-none-any.whl", "u2"),
        DistFile("demo-1.0-cp313-cp313-win_amd64.whl", "u3", has_metadata=True),
        DistFile("demo-2.0-py3-none-any.whl", "u4", has_metadata=True),
    ), "x")
    assert metadata_file(files, "1.0").url == "u3"
    assert metadata_file(files, "3.0") is None
    assert metadata_file(files, "not a version") is None


@pytest.fixture
def files_server(tmp_path: Path):
    """A plain static file server on 127.0.0.1 (a files host serving .metadata files)."""
    (tmp_path / "demo-1.0-py3-none-any.whl.metadata").write_bytes(METADATA)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_release_info_reads_the_metadata_file(index_config, files_server) -> None:
    files = ProjectFiles("demo", (DistFile("demo-1.0-py3-none-any.whl", files_server + "demo-1.0-py3-none-any.whl"),), "x")
    with IndexClient(index_config) as client:
        info = client.release_info(files, "1.0")
    assert info.classifiers[-1].endswith("3 - Stable")


def test_release_info_falls_back_to_the_json_api(index_config, files_server, test_index) -> None:
    with IndexClient(index_config) as client:
        six = client.project_files("six")
        latest = client.project_info("six").version
        # the files host has no metadata for six's wheels: a 404 there, then the JSON API
        local = replace(six, files=tuple(replace(f, url=files_server + f.filename) for f in six.files))
        info = client.release_info(local, latest)
        assert info.name == "six" and info.version == latest and info.classifiers
        with pytest.raises(ProjectNotFound):
            client.release_info(local, "1.16.0")  # not the latest: no JSON API page for it here

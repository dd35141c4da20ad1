"""Release metadata (classifiers) from PEP 658 files, with the JSON API as fallback."""

from __future__ import annotations

import functools
import threading
import zipfile
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gilfree.errors import ProjectNotFound
from gilfree.index.client import IndexClient
from gilfree.index.coremetadata import (
    TAIL_BYTES,
    header_block,
    metadata_file,
    metadata_from_wheel,
    parse_core_metadata,
)
from gilfree.verdicts.model import DistFile, ProjectFiles
from gilfree.verdicts.rules import Releases

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


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_only_the_fields_are_parsed_not_the_description(newline: bytes) -> None:
    data = METADATA.replace(b"\n", newline) + newline.join([b"Classifier: in the body", b"", b"more text"])
    block = header_block(data)
    assert block.endswith(b"Weird-Field: ignored" + newline)
    assert b"Long description" not in block
    info = parse_core_metadata("demo", "1.0", data)
    assert "Classifier: in the body" not in info.classifiers and len(info.classifiers) == 2
    assert header_block(b"Name: demo") == b"Name: demo"  # no body at all


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
    assert metadata_file(Releases(files), "1.0").url == "u3"
    assert metadata_file(Releases(files), "3.0") is None
    assert metadata_file(Releases(files), "not a version") is None


def make_wheel(path: Path, padding: int = 0) -> Path:
    """A wheel laid out like real ones: package files first, .dist-info last."""
    import random

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("demo/__init__.py", "x = 1\n")
        zf.writestr("demo/blob.bin", random.Random(0).randbytes(padding), zipfile.ZIP_STORED)
        zf.writestr("demo-1.0.dist-info/METADATA", METADATA)
        zf.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        zf.writestr("demo-1.0.dist-info/RECORD", "")
    return path


def test_metadata_from_the_tail_of_a_wheel(tmp_path: Path) -> None:
    data = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", padding=500_000).read_bytes()
    assert metadata_from_wheel({len(data) - TAIL_BYTES: data[-TAIL_BYTES:]}, len(data)) == METADATA
    # the zip directory starts before these 100 bytes: where to fetch from next
    directory = metadata_from_wheel({len(data) - 100: data[-100:]}, len(data))
    assert isinstance(directory, int) and directory < len(data) - 100
    assert metadata_from_wheel({0: b"not a zip"}, 9) is None


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_metadata_is_found_by_its_own_record_without_zipfile(tmp_path: Path, method: int,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", method) as zf:
        zf.writestr("demo/notes.txt", "mentions demo-1.0.dist-info/METADATA in its text")
        zf.writestr("demo/vendored/x-2.0.dist-info/METADATA", "Name: x\n")  # not top-level
        zf.writestr("demo-1.0.dist-info/METADATA", METADATA)
        zf.writestr("demo-1.0.dist-info/RECORD", "")
    data = path.read_bytes()
    monkeypatch.setattr(zipfile, "ZipFile", None)  # the common case never builds zipfile's index
    assert metadata_from_wheel({0: data}, len(data)) == METADATA
    assert metadata_from_wheel({100: data[100:]}, len(data)) == METADATA  # a tail range


def test_metadata_before_the_tail_is_asked_for_by_position(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("demo-1.0.dist-info/METADATA", METADATA)
        zf.writestr("demo-1.0.dist-info/RECORD", random.Random(1).randbytes(200_000), zipfile.ZIP_STORED)
    data = path.read_bytes()
    monkeypatch.setattr(zipfile, "ZipFile", None)
    chunks = {len(data) - TAIL_BYTES: data[-TAIL_BYTES:]}
    needed = metadata_from_wheel(chunks, len(data))
    assert needed == 0  # METADATA's local header starts the file
    chunks[0] = data[:1000]
    assert metadata_from_wheel(chunks, len(data)) == METADATA


def test_a_damaged_member_is_left_to_zipfile(tmp_path: Path) -> None:
    data = bytearray(make_wheel(tmp_path / "demo-1.0-py3-none-any.whl").read_bytes())
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(b"demo-1.0.dist-info/METADATA"))
    data[at + 16] ^= 0xFF  # the CRC in METADATA's central-directory record
    assert metadata_from_wheel({0: bytes(data)}, len(data)) is None  # zipfile says: bad CRC


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with ``Range: bytes=-N`` support, as file hosts (and PyPI's) have."""

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass

    def do_GET(self) -> None:  # noqa: N802
        wanted = self.headers.get("Range", "")
        path = Path(self.translate_path(self.path))
        if not wanted.startswith("bytes=") or not path.is_file():
            return super().do_GET()
        data = path.read_bytes()
        first, _, last = wanted[len("bytes="):].partition("-")
        start = len(data) - int(last) if not first else int(first)
        end = len(data) - 1 if not first or not last else min(int(last), len(data) - 1)
        self.server.ranges.append(wanted)  # type: ignore[attr-defined]
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self.wfile.write(data[start: end + 1])


@pytest.fixture
def files_server(tmp_path: Path):
    """A static file server on 127.0.0.1 (a files host: .metadata files, range requests)."""
    (tmp_path / "demo-1.0-py3-none-any.whl.metadata").write_bytes(METADATA)
    handler = functools.partial(RangeHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.ranges = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", server.ranges
    server.shutdown()


def test_release_info_reads_the_announced_metadata_file(index_config, files_server) -> None:
    files_server, _ = files_server
    wheel = DistFile("demo-1.0-py3-none-any.whl", files_server + "demo-1.0-py3-none-any.whl", has_metadata=True)
    files = ProjectFiles("demo", (wheel,), "x")
    with IndexClient(index_config) as client:
        info = client.release_info(files.name, "1.0", metadata_file(Releases(files), "1.0"))
    assert info.classifiers[-1].endswith("3 - Stable")
    assert cached_files(index_config) == []  # the caller keeps the answer (the verdict memo)


def cached_files(config) -> list[Path]:
    return [p for p in config.cache_dir.rglob("*") if p.is_file() and not p.name.startswith(".")]


def test_release_info_reads_the_wheel_tail_when_no_metadata_is_announced(index_config, files_server,
                                                                          tmp_path: Path) -> None:
    files_server, ranges = files_server
    make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", padding=200_000)
    files = ProjectFiles("demo", (DistFile("demo-1.0-py3-none-any.whl", files_server + "demo-1.0-py3-none-any.whl"),), "x")
    with IndexClient(index_config) as client:
        info = client.release_info(files.name, "1.0", metadata_file(Releases(files), "1.0"))
    assert info.summary == "A demo — with UTF-8"
    assert ranges == [f"bytes=-{TAIL_BYTES}"]
    assert cached_files(index_config) == []  # the caller keeps the answer (the verdict memo)


def test_dist_info_first_and_a_big_zip_directory_take_more_ranges(index_config, files_server,
                                                                  tmp_path: Path) -> None:
    """Some backends write .dist-info first; big wheels have directories over 64 KB."""
    files_server, ranges = files_server
    path = tmp_path / "demo-1.0-cp313-cp313t-win_amd64.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("demo-1.0.dist-info/METADATA", METADATA)
        zf.writestr("demo/blob.bin", bytes(300_000))
        for i in range(2500):
            zf.writestr(f"demo/sub/module_with_a_long_name_{i:05d}.py", "")
    files = ProjectFiles("demo", (DistFile(path.name, files_server + path.name),), "x")
    with IndexClient(index_config) as client:
        info = client.release_info(files.name, "1.0", metadata_file(Releases(files), "1.0"))
    assert info.summary == "A demo — with UTF-8"
    assert len(ranges) == 3  # the tail, the rest of the directory, then the member


def test_release_info_falls_back_to_the_json_api(index_config, files_server, test_index) -> None:
    files_server, _ = files_server
    with IndexClient(index_config) as client:
        six = client.project_files("six")
        latest = client.project_info("six").version
        # the files host has neither metadata nor the wheels of six: then the JSON API
        local = replace(six, files=tuple(replace(f, url=files_server + f.filename) for f in six.files))
        info = client.release_info(local.name, latest, metadata_file(Releases(local), latest))
        assert info.name == "six" and info.version == latest and info.classifiers
        with pytest.raises(ProjectNotFound):
            client.release_info(local.name, "1.16.0", metadata_file(Releases(local), "1.16.0"))  # not the latest: no JSON API page for it here

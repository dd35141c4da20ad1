"""cache.FileStorage: hishel's storage contract, one file per key, atomic writes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from hishel import Headers, Request, Response

from gilfree.index.cache import FileStorage, entry_id


def request() -> Request:
    return Request(method="GET", url="https://index.example/simple/demo/", headers=Headers({"accept": "x"}))


def response(body: list[bytes]) -> Response:
    return Response(status_code=200, headers=Headers({"etag": '"v1"', "content-length": "9"}), stream=iter(body))


def read(entry) -> bytes:  # noqa: ANN001 - hishel Entry
    return b"".join(entry.response.stream)


def test_entry_appears_only_after_the_whole_body_was_read(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    entry = storage.create_entry(request(), response([b"abc", b"def", b"ghi"]), "k")
    stream = iter(entry.response.stream)
    assert next(stream) == b"abc"
    assert storage.get_entries("k") == []
    assert b"".join(stream) == b"defghi"
    [stored] = storage.get_entries("k")
    assert read(stored) == b"abcdefghi"
    assert stored.response.status_code == 200 and stored.response.headers["etag"] == '"v1"'
    assert stored.request.url == request().url and stored.id == entry_id("k")


def test_a_broken_stream_stores_nothing(tmp_path: Path) -> None:
    def body():
        yield b"abc"
        raise ConnectionResetError("peer reset")

    storage = FileStorage(tmp_path)
    entry = storage.create_entry(request(), Response(200, Headers({}), body()), "k")
    try:
        read(entry)
    except ConnectionResetError:
        pass
    assert storage.get_entries("k") == []
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_update_headers_and_remove(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    read(storage.create_entry(request(), response([b"body"]), "k"))
    storage.update_headers(entry_id("k"), Headers({"etag": '"v2"'}))
    [stored] = storage.get_entries("k")
    assert stored.response.headers["etag"] == '"v2"' and read(stored) == b"body"
    storage.remove_entry(entry_id("k"))
    storage.remove_entry(entry_id("k"))  # already gone: no error
    assert storage.get_entries("k") == []
    assert not list(tmp_path.iterdir())  # the headers file went too


def test_revalidation_rewrites_no_body_and_a_new_body_drops_old_headers(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    read(storage.create_entry(request(), response([b"body"]), "k"))
    path = storage.path_for(entry_id("k"))
    before = path.stat()
    storage.update_headers(entry_id("k"), Headers({"etag": '"v2"'}))
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    [stored] = storage.get_entries("k")
    assert stored.response.headers["etag"] == '"v2"'
    read(storage.create_entry(request(), response([b"new body"]), "k"))  # a 200 with a new body
    [stored] = storage.get_entries("k")
    assert stored.response.headers["etag"] == '"v1"' and read(stored) == b"new body"


def test_corrupt_files_are_misses(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    read(storage.create_entry(request(), response([b"body"]), "k"))
    path = storage.path_for(entry_id("k"))
    path.write_bytes(b"garbage")
    assert storage.get_entries("k") == []
    path.write_bytes(path.read_bytes()[:3])
    assert storage.get_entries("k") == []


def test_ttl_expires_entries(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path, default_ttl=0.05)
    read(storage.create_entry(request(), response([b"body"]), "k"))
    assert storage.get_entries("k")
    time.sleep(0.1)
    assert storage.get_entries("k") == []


def test_concurrent_writers_leave_one_whole_entry(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    bodies = [bytes([65 + i]) * 50_000 for i in range(8)]
    threads = [threading.Thread(target=lambda b=b: read(storage.create_entry(request(), response([b]), "k")))
               for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [stored] = storage.get_entries("k")
    assert read(stored) in bodies
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []

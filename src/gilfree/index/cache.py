"""On-disk HTTP cache: hishel decides what to store and when to revalidate (RFC 9111);
this module only keeps the entries, one file per URL.

Why not hishel's own SQLite storage: it funnels every body chunk through one connection
lock and a commit, which costs ~40% over a bare fetch of the top PyPI pages. Files written
to a temporary name and renamed into place need no lock at all, readers never see a partial
entry, and a crashed run leaves at worst a stray temporary file.

File format: ``MAGIC``, a 4-byte big-endian length, that many bytes of JSON metadata
(request and response headers, status, TTL deadline, a nonce), then the raw response
body. Headers refreshed by a 304 are kept in ``<file>.headers`` (JSON: the nonce of the
body they belong to, and the headers), so revalidation never rewrites a body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from hishel import BaseStorage, Entry, Headers, Request, Response

from gilfree.fsutil import atomic_write_buffers, atomic_write_bytes

logger = logging.getLogger(__name__)

MAGIC = b"FTRC2\n"
_LEN = struct.Struct(">I")


def entry_id(key: str) -> uuid.UUID:
    """The id of the (single) entry stored under ``key``; also names its file."""
    return uuid.UUID(hex=hashlib.sha256(key.encode()).hexdigest()[:32])


def _headers_dict(headers: Headers) -> dict[str, list[str]]:
    return {name: headers.get_list(name) or [] for name in headers}


class FileStorage(BaseStorage):
    """A thread-safe hishel storage keeping one file per cache key (last writer wins).

    One entry per key is enough here: gilfree sends one Accept header per URL, so there
    are no Vary variants to keep apart.
    """

    def __init__(self, root: Path, *, default_ttl: float | None = None) -> None:
        super().__init__(default_ttl=default_ttl)
        self.root = Path(root)

    def path_for(self, id_: uuid.UUID) -> Path:
        # One flat directory: creating shard directories cost more than it saved, and
        # 15,000 entries (the tracker's run) is nothing for a modern filesystem.
        return self.root / id_.hex

    # -- hishel's storage interface -------------------------------------------------------

    def create_entry(
        self,
        request: Request,
        response: Response,
        key: str,
        *,
        ttl: float | None = None,
        tti: float | None = None,
    ) -> Entry:
        if tti is not None or self.default_tti is not None:
            raise ValueError("FileStorage does not support time-to-idle")
        ttl_deadline, _ = self._limits(ttl, None, time.time())
        id_ = entry_id(key)
        meta = self._meta(request, response, ttl_deadline)
        body = cast(Iterator[bytes], response.stream if response.stream is not None else iter(()))
        stream = self._save_while_reading(id_, meta, body)
        return Entry(id=id_, request=request, response=replace(response, stream=stream))

    def get_entries(self, key: str) -> list[Entry]:
        id_ = entry_id(key)
        path = self.path_for(id_)
        loaded = self._load(path)
        if loaded is None:
            return []
        meta, body = loaded
        deadline = meta.get("ttl_deadline")
        if deadline is not None and deadline <= time.time():
            return []
        headers = self._fresh_headers(path, meta)
        request = Request(method=meta["method"], url=meta["url"], headers=Headers(meta["request_headers"]))
        response = Response(status_code=meta["status"], headers=Headers(headers), stream=iter((body,)))
        return [Entry(id=id_, request=request, response=response)]

    def update_headers(self, id: uuid.UUID, headers: Headers) -> None:
        """Headers from a 304 go to a small side file tied to the entry's nonce: a re-run
        revalidating thousands of pages rewrites none of their bodies."""
        path = self.path_for(id)
        meta = self._load_meta(path)
        if meta is None:
            return
        overlay = json.dumps({"nonce": meta.get("nonce"), "headers": _headers_dict(headers)},
                             separators=(",", ":")).encode()
        try:
            atomic_write_bytes(self._headers_path(path), overlay)
        except OSError:
            logger.warning("gilfree cache: could not update %s", path, exc_info=True)

    def remove_entry(self, id: uuid.UUID) -> None:
        path = self.path_for(id)
        for doomed in (path, self._headers_path(path)):
            try:
                doomed.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                logger.warning("gilfree cache: could not remove %s", doomed, exc_info=True)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _headers_path(path: Path) -> Path:
        return path.with_name(path.name + ".headers")

    def _fresh_headers(self, path: Path, meta: dict[str, Any]) -> dict[str, list[str]]:
        """The stored headers, or those of the last revalidation of this very body."""
        try:
            overlay = json.loads(self._headers_path(path).read_bytes())
        except (OSError, ValueError):
            return cast(dict[str, list[str]], meta["headers"])
        if isinstance(overlay, dict) and overlay.get("nonce") == meta.get("nonce") and meta.get("nonce"):
            return cast(dict[str, list[str]], overlay["headers"])
        return cast(dict[str, list[str]], meta["headers"])  # left over from an older body

    @staticmethod
    def _meta(request: Request, response: Response, ttl_deadline: float | None) -> dict[str, Any]:
        return {
            "nonce": uuid.uuid4().hex,  # ties header updates (``update_headers``) to this body
            "method": request.method,
            "url": request.url,
            "request_headers": _headers_dict(request.headers),
            "status": response.status_code,
            "headers": _headers_dict(response.headers),
            "ttl_deadline": ttl_deadline,
        }

    @staticmethod
    def _encode_meta(meta: dict[str, Any]) -> bytes:
        encoded = json.dumps(meta, separators=(",", ":")).encode()
        return MAGIC + _LEN.pack(len(encoded)) + encoded

    @staticmethod
    def _load_meta(path: Path) -> dict[str, Any] | None:
        """An entry's metadata without reading its body."""
        try:
            with path.open("rb") as fh:
                head = fh.read(len(MAGIC) + _LEN.size)
                if len(head) < len(MAGIC) + _LEN.size or not head.startswith(MAGIC):
                    return None
                (size,) = _LEN.unpack_from(head, len(MAGIC))
                meta = json.loads(fh.read(size))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    @staticmethod
    def _load(path: Path) -> tuple[dict[str, Any], bytes] | None:
        """Read one entry; anything unreadable or corrupt is a miss, never an error."""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        start = len(MAGIC) + _LEN.size
        if not data.startswith(MAGIC) or len(data) < start:
            return None
        (size,) = _LEN.unpack_from(data, len(MAGIC))
        try:
            meta = json.loads(data[start : start + size])
        except ValueError:
            return None
        return meta, data[start + size :]

    def _save_while_reading(self, id_: uuid.UUID, meta: dict[str, Any], body: Iterator[bytes]) -> Iterator[bytes]:
        """Yield the body unchanged; store it once the whole body was read.

        Chunks are kept (not copied) and written with one ``writev`` at the end: writing
        each chunk as it came released the GIL dozens of times per page, and each time the
        thread queued to get it back behind the parsing threads.
        """
        chunks: list[bytes] = []
        keep = chunks.append
        for chunk in body:
            keep(chunk)
            yield chunk
        path = self.path_for(id_)
        try:
            atomic_write_buffers(path, [self._encode_meta(meta), *chunks])
        except OSError:
            logger.warning("gilfree cache: could not store %s", path, exc_info=True)

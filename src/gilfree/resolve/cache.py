"""Resolver results cached per (input, target Python, platform, index, uv version).

A resolution only changes when a new release appears, so a result is reused for ``ttl``
seconds (default 6 h); ``--no-cache`` skips the cache and ``--offline`` accepts any age.
Writes are atomic (temp file + rename), so parallel runs never read half a file.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from ..fsutil import atomic_write_text


class ResolveCache:
    def __init__(self, directory: Path, ttl: float = 6 * 3600, any_age: bool = False) -> None:
        self.directory = directory
        self.ttl = ttl
        self.any_age = any_age

    @staticmethod
    def key(parts: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.txt"

    def get(self, key: str) -> str | None:
        path = self._path(key)
        try:
            if not self.any_age and time.time() - path.stat().st_mtime > self.ttl:
                return None
            return path.read_text(encoding="utf-8")
        except OSError:
            return None

    def put(self, key: str, text: str) -> None:
        try:
            atomic_write_text(self._path(key), text)
        except OSError:
            pass  # a cache that cannot be written only costs time

"""TOML loading that turns a syntax error into a one-line ``BadInput`` with the line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tomli

from ..errors import BadInput, clip, first_line
from ..fsutil import atomic_write_bytes, loads_toml, read_text

__all__ = ["read_text", "load_toml", "line_of", "Lines", "shape_errors"]


#: Files at least this big (lock files) are parsed once per content: a 300-package uv.lock
#: takes 0.4 s to parse on a free-threaded 3.13 (where tomli is pure Python), 0.02 s to
#: load back as JSON.
MEMO_MIN_BYTES = 256 * 1024


def load_toml(path: Path, memo_dir: Path | None = None) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; returns the data and the text (for locating lines later).

    With ``memo_dir`` (the CLI passes ``CACHE_DIR/toml``), a big file's parse is kept there."""
    text = read_text(path)
    if memo_dir is None or len(text) < MEMO_MIN_BYTES:
        return loads_toml(text, str(path)), text
    return _memo_loads(text, str(path), memo_dir), text


def _memo_loads(text: str, where: str, memo_dir: Path) -> dict[str, Any]:
    """``loads_toml``, kept as JSON in ``memo_dir`` by the text's SHA-256.

    Only documents JSON can hold exactly are kept (TOML dates and times are not); a memo
    that cannot be read or written is only slower. Bad TOML is never kept, so it fails
    the same way every time."""
    key = hashlib.sha256(f"{tomli.__version__}\0{text}".encode()).hexdigest()
    memo = memo_dir / f"{key}.json"
    try:
        data = json.loads(memo.read_bytes())
        if isinstance(data, dict):
            return data
    except (OSError, ValueError):
        pass
    data = loads_toml(text, where)
    try:
        atomic_write_bytes(memo, json.dumps(data, allow_nan=False).encode())
    except (OSError, TypeError, ValueError, RecursionError):
        pass  # not JSON-shaped (a TOML datetime), or no cache to write to
    return data


def line_of(text: str, needle: str, default: int | None = None) -> int | None:
    """The first line (1-based) containing ``needle``: to point errors at a TOML value."""
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else default


class Lines:
    """``line_of`` for many needles in one text, in linear time when they come in file
    order (a pyproject's requirements do): each search starts where the last one was
    found (then from the top), lines are counted from the last answer on, and answers are
    kept for needles asked again."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0  # where the last needle was found, on line ``self._line``
        self._line = 1
        self._known: dict[str, int | None] = {}

    def of(self, needle: str, default: int | None = None) -> int | None:
        if needle not in self._known:
            self._known[needle] = self._find(needle)
        found = self._known[needle]
        return default if found is None else found

    def _find(self, needle: str) -> int | None:
        text = self._text
        pos = text.find(needle, self._pos)
        if pos < 0:
            pos = text.find(needle, 0, self._pos + len(needle))
            if pos < 0:
                return None
        if pos >= self._pos:
            line = self._line + text.count("\n", self._pos, pos)
        else:
            line = 1 + text.count("\n", 0, pos)
        self._pos, self._line = pos, line
        return line


@contextmanager
def shape_errors(path: Path, what: str) -> Iterator[None]:
    """Turn a wrong-type value deep in a parsed file (a string where a table belongs...)
    into one BadInput line, instead of checking the type of every field by hand."""
    try:
        yield
    except (TypeError, AttributeError, LookupError, ValueError) as exc:
        raise BadInput(f"malformed {what}: unexpected value ({clip(first_line(exc))})", path=str(path)) from None
    except RecursionError:  # loads_toml bounds the depth; this is the last line of defence
        raise BadInput(f"malformed {what}: nested too deeply", path=str(path)) from None

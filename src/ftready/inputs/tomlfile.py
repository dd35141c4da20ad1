"""TOML loading that turns a syntax error into a one-line ``BadInput`` with the line."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BadInput

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)$|\s*\(at end of document\)$")


def read_text(path: Path) -> str:
    """Read a text file as UTF-8 (a BOM is dropped); unreadable is BadInput, not a traceback."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise BadInput("not UTF-8 text", path=str(path), line=line) from None


def load_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; returns the data and the text (for locating lines later)."""
    text = read_text(path)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = getattr(exc, "lineno", None)
        m = _AT_LINE.search(message)
        if m:
            message = message[: m.start()]
            if line is None and m.group(1):
                line = int(m.group(1))
        if line is None:
            line = text.count("\n") + 1
        msg = getattr(exc, "msg", None) or message
        raise BadInput(f"invalid TOML: {msg}", path=str(path), line=line) from None


def line_of(text: str, needle: str, default: int | None = None) -> int | None:
    """The first line (1-based) containing ``needle``: to point errors at a TOML value."""
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else default


@contextmanager
def shape_errors(path: Path, what: str) -> Iterator[None]:
    """Turn a wrong-type value deep in a parsed file (a string where a table belongs...)
    into one BadInput line, instead of checking the type of every field by hand."""
    try:
        yield
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BadInput(f"malformed {what}: unexpected value ({detail})", path=str(path)) from None

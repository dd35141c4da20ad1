"""TOML loading that turns a syntax error into a one-line ``BadInput`` with the line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..fsutil import loads_toml, read_text

__all__ = ["read_text", "load_toml", "line_of", "shape_errors"]


def load_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; returns the data and the text (for locating lines later)."""
    text = read_text(path)
    return loads_toml(text, str(path)), text


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

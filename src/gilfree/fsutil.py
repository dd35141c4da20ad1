"""File helpers: atomic writes (nothing half-written on Ctrl-C), and reading user files
(text, TOML) so that a bad one is a one-line BadInput with its path and line."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import platformdirs
import tomli  # not the stdlib's tomllib (the same parser): compiled wheels, 2.5x faster

from .errors import BadInput

_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)$|\s*\(at end of document\)$")


def default_cache_dir() -> Path:
    """Where gilfree keeps caches: ``GILFREE_CACHE_DIR``, else the platform's user cache."""
    return Path(os.environ.get("GILFREE_CACHE_DIR") or platformdirs.user_cache_dir("gilfree"))


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a text file as UTF-8 (a BOM is dropped); unreadable is BadInput, not a traceback."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput("not UTF-8 text", path=str(path), line=data[: exc.start].count(b"\n") + 1) from None


def loads_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML; a syntax error is a BadInput naming ``where`` and the line."""
    try:
        return tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
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
        raise BadInput(f"invalid TOML: {msg}", path=where, line=line) from None


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write to a temp file beside ``path``, then rename over it in one step."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write to a temp file beside ``path``, then rename over it in one step."""
    atomic_write_buffers(path, (data,))


def atomic_write_buffers(path: str | os.PathLike[str], buffers: Sequence[bytes]) -> None:
    """``atomic_write_bytes`` of the buffers one after the other, without joining them
    first (a copy of every cached page body).

    Few system calls (caches write thousands of small files per run, and a call costs
    tens of microseconds in a sandboxed kernel): the directory is made only when missing,
    and the buffers go out in one ``writev``. Readers see the old file or the new one,
    never a part; a failed write leaves no temporary file."""
    target = Path(path)
    tmp = f"{target.parent}{os.sep}.{target.name}.{secrets.token_hex(8)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o644)
    try:
        try:
            _write_all(fd, list(buffers))
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_IOV_MAX = 512  # buffers per writev call; well under every platform's limit


def _write_all(fd: int, buffers: list[bytes]) -> None:
    """Write every buffer in order, in few system calls, finishing short writes."""
    writev = getattr(os, "writev", None)
    if writev is None:  # Windows
        buffers = [b"".join(buffers)]
    for start in range(0, len(buffers), _IOV_MAX):
        batch = buffers[start : start + _IOV_MAX]
        done = writev(fd, batch) if writev is not None else os.write(fd, batch[0])
        size = sum(map(len, batch))
        if done < size:  # a short write: finish the batch the plain way
            rest = memoryview(b"".join(batch))[done:]
            while rest:
                rest = rest[os.write(fd, rest) :]

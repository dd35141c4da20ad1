"""File helpers: atomic writes (nothing half-written on Ctrl-C), and reading user files
(text, TOML) so that a bad one is a one-line BadInput with its path and line."""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

import platformdirs
import tomli  # not the stdlib's tomllib (the same parser): compiled wheels, 2.5x faster

from .errors import BadInput, IncompleteError, first_line, one_line

_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)$|\s*\(at end of document\)$")


def default_cache_dir() -> Path:
    """Where gilfree keeps caches: ``GILFREE_CACHE_DIR``, else the platform's user cache."""
    return Path(os.environ.get("GILFREE_CACHE_DIR") or platformdirs.user_cache_dir("gilfree"))


#: The biggest input file gilfree reads (a requirements file, a lock, a package list...):
#: the biggest real lock files are a few MB; this bound keeps ``-r /dev/zero``-like
#: inputs from eating memory.
MAX_INPUT_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024

#: How deep a parsed document (TOML, JSON) may nest: real ones nest under 10 levels; the
#: parsers and everything that walks their output recurse, so a hostile document is a
#: one-line error here instead of a RecursionError later.
MAX_DEPTH = 100

_KINDS = ((stat.S_ISDIR, "is a directory, not a file"), (stat.S_ISFIFO, "is a named pipe (FIFO), not a file"),
          (stat.S_ISCHR, "is a character device, not a file"), (stat.S_ISBLK, "is a block device, not a file"),
          (stat.S_ISSOCK, "is a socket, not a file"))


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as messages show it: one line, NUL bytes and control characters escaped."""
    text = os.fspath(path)
    return one_line(os.fsdecode(text) if isinstance(text, bytes) else text)


def os_problem(exc: OSError) -> str:
    """What an OSError on an input path means, in a few words."""
    code = exc.errno
    if code == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if code == errno.ENOENT:
        return "no such file or directory"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.ENOTDIR:
        return "a parent of it is not a directory"
    if code == errno.ENAMETOOLONG:
        return "file name too long"
    if code == errno.EISDIR:
        return "is a directory, not a file"
    return str(exc.strerror or exc).lower()


def _kind_problem(mode: int) -> str | None:
    return next((problem for test, problem in _KINDS if test(mode)), None) if not stat.S_ISREG(mode) else None


def check_path(path: str | os.PathLike[str]) -> str:
    """``path`` as a ``str`` (``os.fspath``), or BadInput when it has a NUL byte (which no
    system call takes; ``pathlib`` raises a bare ValueError)."""
    text = os.fspath(path)
    if "\0" in text:
        raise BadInput("contains a NUL byte", path=shown_path(text))
    return text


def input_stat(path: str | os.PathLike[str]) -> os.stat_result:
    """``os.stat`` of an input path (symlinks followed); any failure is a one-line BadInput
    naming the path (no such file, symlink loop, permission denied, NUL byte...)."""
    text = check_path(path)
    try:
        return os.stat(text)
    except OSError as exc:
        raise BadInput(os_problem(exc), path=shown_path(text)) from None
    except ValueError as exc:  # pragma: no cover - NUL is checked above; other odd paths
        raise BadInput(f"not a usable path ({exc})", path=shown_path(text)) from None


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a user's input file, safely: the one reader of every input.

    Only regular files (after symlinks): a directory, a named pipe, a device or a socket
    is refused without blocking, checked with ``os.stat`` before opening and again on the
    open file (opened with ``O_NONBLOCK``, so a FIFO swapped in between cannot block
    either). At most ``limit`` bytes (a file that grows past it while read is refused
    too). Every failure is a one-line BadInput naming the path."""
    text = check_path(path)
    shown = shown_path(text)
    try:
        problem = _kind_problem(os.stat(text).st_mode)
    except OSError as exc:
        raise BadInput(f"cannot read: {os_problem(exc)}", path=shown) from None
    if problem:
        raise BadInput(f"cannot read: {problem}", path=shown)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(text, flags)
    except OSError as exc:
        raise BadInput(f"cannot read: {os_problem(exc)}", path=shown) from None
    try:
        info = os.fstat(fd)
        problem = _kind_problem(info.st_mode)
        if problem:  # replaced between the stat and the open
            raise BadInput(f"cannot read: {problem}", path=shown)
        if info.st_size > limit:
            raise BadInput(f"too big: {info.st_size:,} bytes (the limit is {_size(limit)})", path=shown)
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            except BlockingIOError:  # pragma: no cover - regular files never block
                raise BadInput("cannot be read without blocking", path=shown) from None
            except OSError as exc:
                raise BadInput(f"cannot read: {os_problem(exc)}", path=shown) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise BadInput(f"too big: more than {_size(limit)}", path=shown)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, where: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Read a stream (standard input) to its end, but at most ``limit`` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise BadInput(f"too big: more than {_size(limit)}", path=where)
    return data


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


def decode_text(data: bytes, where: str) -> str:
    """UTF-8 text (a BOM is dropped); else a BadInput naming ``where`` and the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput("not UTF-8 text", path=where, line=data[: exc.start].count(b"\n") + 1) from None


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a text file as UTF-8 (a BOM is dropped) with ``read_bytes``' limits;
    unreadable is BadInput, not a traceback."""
    return decode_text(read_bytes(path), shown_path(check_path(path)))


def too_deep(doc: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a parsed document nests deeper than ``limit`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(doc, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        value, depth = pop()
        if type(value) is dict:
            children: Any = value.values()
        elif type(value) is list:
            children = value
        else:
            continue
        if depth >= limit:
            return True
        for child in children:
            if type(child) is dict or type(child) is list:
                push((child, depth + 1))
    return False


def loads_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML; a syntax error is a BadInput naming ``where`` and the line, and so is a
    document nested deeper than ``MAX_DEPTH`` (arrays, tables, dotted keys of many parts):
    tomli recurses, and so does much of what reads its output."""
    try:
        data = tomli.loads(text)
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
        msg = (getattr(exc, "msg", None) or message).strip()
        raise BadInput(f"invalid TOML: {msg.splitlines()[0] if msg else 'syntax error'}",
                       path=where, line=line) from None
    except RecursionError:
        raise BadInput(f"TOML nested too deeply (more than {MAX_DEPTH} levels)", path=where) from None
    if too_deep(data):
        raise BadInput(f"TOML nested too deeply (more than {MAX_DEPTH} levels)", path=where)
    return data


def loads_json(text: str | bytes, where: str) -> Any:
    """Parse JSON; invalid or nested deeper than ``MAX_DEPTH`` is a one-line BadInput."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON: {exc.msg}", path=where, line=exc.lineno) from None
    except RecursionError:
        raise BadInput(f"JSON nested too deeply (more than {MAX_DEPTH} levels)", path=where) from None
    except ValueError as exc:  # bytes that are not UTF-8/16/32
        raise BadInput(f"invalid JSON: {first_line(exc)}", path=where) from None
    if too_deep(data):
        raise BadInput(f"JSON nested too deeply (more than {MAX_DEPTH} levels)", path=where)
    return data


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write to a temp file beside ``path``, then rename over it in one step."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write to a temp file beside ``path``, then rename over it in one step."""
    atomic_write_buffers(path, (data,))


def atomic_write_buffers(path: str | os.PathLike[str], buffers: Sequence[bytes], *,
                         make_parents: bool = True, mode: int | None = None) -> None:
    """``atomic_write_bytes`` of the buffers one after the other, without joining them
    first (a copy of every cached page body).

    Few system calls (caches write thousands of small files per run, and a call costs
    tens of microseconds in a sandboxed kernel): the directory is made only when missing
    (and only with ``make_parents``), and the buffers go out in one ``writev``. Readers
    see the old file or the new one, never a part; a failed write leaves no temporary
    file. ``mode``: the new file's permission bits (else 0o644 less the umask)."""
    target = Path(path)
    tmp = f"{target.parent}{os.sep}.{target.name}.{secrets.token_hex(8)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:  # the open is inside: a signal right after it still removes the file
        try:
            fd = os.open(tmp, flags, 0o644)
        except FileNotFoundError:
            if not make_parents:
                raise
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, flags, 0o644)
        try:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
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


class Output:
    """Where a report goes (``--output``), checked before any work is done.

    ``check_output`` refuses at once what could not be written at the end: a directory, a
    missing parent directory (never created: a typo in a path should not grow a tree), a
    parent that is not a directory, no permission. A symlink is written through: the file
    it points at is replaced atomically, the link stays. A character device or a named
    pipe (``/dev/null``, ``/dev/stdout``, ``>(cmd)``) is a stream: written directly, never
    replaced."""

    def __init__(self, path: str, shown: str, stream: bool, mode: int | None) -> None:
        self.path = path  # the file written: a symlink's final target, or the stream
        self.shown = shown
        self.stream = stream
        self.mode = mode  # an existing file's permission bits, kept by the new one

    def write_text(self, text: str) -> None:
        """Write the report: atomically (temp file + rename) for a file. A failure now (a
        full disk) is IncompleteError: the input was fine."""
        data = text.encode("utf-8")
        try:
            if self.stream:
                with open(self.path, "wb") as fh:
                    fh.write(data)
            else:
                atomic_write_buffers(self.path, (data,), make_parents=False, mode=self.mode)
        except OSError as exc:
            raise IncompleteError(f"{self.shown}: cannot write the report: {exc.strerror or exc}") from None


def check_output(path: str | os.PathLike[str], option: str = "--output") -> Output:
    """Check an output path before any work (see ``Output``); BadInput (exit 2) if unusable."""
    text = check_path(path)
    shown = shown_path(text)
    if not text:
        raise BadInput(f"{option} is empty: give a file name")
    try:
        info: os.stat_result | None = os.stat(text)
    except FileNotFoundError:
        info = None  # a new file, or a symlink to a new file
    except OSError as exc:
        raise BadInput(f"{option}: {os_problem(exc)}", path=shown) from None
    mode = None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise BadInput(f"{option} is a directory: give a file name", path=shown)
        if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
            return Output(text, shown, True, None)
        if not stat.S_ISREG(info.st_mode):
            raise BadInput(f"{option} is not a regular file", path=shown)
        if not os.access(text, os.W_OK):
            raise BadInput(f"{option}: permission denied", path=shown)
        mode = stat.S_IMODE(info.st_mode)
    real = os.path.realpath(text)  # through symlinks: the link stays, its target is replaced
    parent = os.path.dirname(real) or "."
    try:
        parent_info = os.stat(parent)
    except FileNotFoundError:
        raise BadInput(f"{option}: no directory {shown_path(parent)} (missing directories are not "
                       "created)", path=shown) from None
    except OSError as exc:
        raise BadInput(f"{option}: {os_problem(exc)}", path=shown) from None
    if not stat.S_ISDIR(parent_info.st_mode):
        raise BadInput(f"{option}: {shown_path(parent)} is not a directory", path=shown)
    probe = os.path.join(parent, f".{os.path.basename(real)}.{secrets.token_hex(8)}.probe")
    try:  # what the atomic write will do at the end: create a file beside the target
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise BadInput(f"{option}: cannot write in {shown_path(parent)}: {os_problem(exc)}",
                           path=shown) from None
    finally:  # also when a signal lands between the open and here
        try:
            os.unlink(probe)
        except OSError:
            pass
    return Output(real, shown, False, mode)


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

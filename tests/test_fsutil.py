"""fsutil.atomic_write_bytes/_buffers: readers see the old file or the new one, never a part."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gilfree import fsutil
from gilfree.fsutil import atomic_write_bytes


def test_writes_replaces_and_makes_missing_directories(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two" * 100_000)
    assert target.read_bytes() == b"two" * 100_000
    assert sorted(p.name for p in target.parent.iterdir()) == ["file"]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "file"
    atomic_write_bytes(target, b"old")

    def broken_write(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, "write", broken_write)
    monkeypatch.setattr(fsutil.os, "writev", broken_write, raising=False)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file"]


def test_short_writes_are_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    monkeypatch.setattr(fsutil.os, "write", lambda fd, data: real_write(fd, bytes(data)[:7]))
    monkeypatch.setattr(fsutil.os, "writev", lambda fd, buffers: real_write(fd, bytes(buffers[0])[:7]),
                        raising=False)
    atomic_write_bytes(tmp_path / "file", b"0123456789" * 10)
    monkeypatch.undo()
    assert (tmp_path / "file").read_bytes() == b"0123456789" * 10


def test_buffers_are_written_in_order(tmp_path: Path) -> None:
    buffers = [bytes([i % 256]) * (i + 1) for i in range(1200)]  # more than one writev batch
    fsutil.atomic_write_buffers(tmp_path / "file", buffers)
    assert (tmp_path / "file").read_bytes() == b"".join(buffers)


# --- the one reader of every input (read_bytes / read_text) -----------------------------
# Every failure is one BadInput line naming the path; nothing blocks, nothing reads
# without a bound. Unreadable files cannot be made as root (root reads everything), so
# PermissionError is raised by a monkeypatched os.open: the same path through the code.

import errno  # noqa: E402
import stat  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from gilfree.errors import BadInput, IncompleteError  # noqa: E402


def _one_line(exc: BaseException) -> str:
    message = str(exc)
    assert message and "\n" not in message
    return message


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # no writer: opening it to read would block forever
    start = time.monotonic()
    with pytest.raises(BadInput, match="named pipe") as info:
        fsutil.read_text(fifo)
    assert time.monotonic() - start < 2 and str(fifo) in _one_line(info.value)


def test_a_fifo_swapped_in_after_the_stat_does_not_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race: os.stat saw a regular file, the open finds a FIFO (O_NONBLOCK: no wait)."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    real_stat = os.stat
    regular = real_stat(__file__)
    monkeypatch.setattr(fsutil.os, "stat", lambda p, *a, **k: regular if str(p) == str(fifo) else real_stat(p, *a, **k))
    done = threading.Event()
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            fsutil.read_bytes(fifo)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(5), "read_bytes blocked on a FIFO"
    assert isinstance(outcome[0], BadInput) and "named pipe" in str(outcome[0])


@pytest.mark.parametrize("path, fragment", [
    ("/dev/zero", "character device"),
    ("/dev/null", "character device"),
    ("/", "directory"),
])
def test_devices_and_directories_are_refused(path: str, fragment: str) -> None:
    with pytest.raises(BadInput, match=fragment) as info:
        fsutil.read_bytes(path)
    assert _one_line(info.value).startswith(f"{path}: ")


def test_symlink_loops_and_nul_bytes(tmp_path: Path) -> None:
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    with pytest.raises(BadInput, match="symlink loop"):
        fsutil.read_text(loop)
    with pytest.raises(BadInput, match="NUL byte") as info:
        fsutil.read_text(f"{tmp_path}/a\0b.txt")
    assert "\\x00" in _one_line(info.value) and "\0" not in str(info.value)


def test_permission_denied_names_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("numpy\n")

    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(fsutil.os, "open", denied)
    with pytest.raises(BadInput, match="permission denied") as info:
        fsutil.read_text(path)
    assert _one_line(info.value).startswith(f"{path}: ")


def test_the_size_limit_is_read_with_a_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 1000)
    assert fsutil.read_bytes(path, limit=1000) == b"x" * 1000
    with pytest.raises(BadInput, match="too big"):
        fsutil.read_bytes(path, limit=999)
    # a file that says it is small and grows while read (/proc files say 0): cut at the limit
    real_fstat = os.fstat

    def says_empty(fd: int) -> os.stat_result:
        fields = list(real_fstat(fd))
        fields[stat.ST_SIZE] = 0
        return os.stat_result(fields)

    monkeypatch.setattr(fsutil.os, "fstat", says_empty)
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(fsutil.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(BadInput, match="too big"):
        fsutil.read_bytes(path, limit=500)
    assert sum(reads) <= 501


def test_read_stream_is_bounded() -> None:
    import io

    assert fsutil.read_stream(io.BytesIO(b"abc"), "<stdin>", limit=3) == b"abc"
    with pytest.raises(BadInput, match="<stdin>: too big"):
        fsutil.read_stream(io.BytesIO(b"abcd"), "<stdin>", limit=3)


@pytest.mark.parametrize("text", [
    "a = " + "[" * 500 + "]" * 500,
    "a = " + "{b = " * 500 + "1" + "}" * 500,
    ".".join(["k"] * 1000) + " = 1",
    ".".join(["k"] * 5000) + " = 1",
    "[" + ".".join(["t"] * 1500) + "]",
    "a = " + "[" * 150 + "]" * 150,  # under tomli's limits, over ours
])
def test_toml_nested_too_deeply_is_one_bad_input_line(text: str) -> None:
    with pytest.raises(BadInput, match="nested too deeply") as info:
        fsutil.loads_toml(text, "pyproject.toml")
    assert _one_line(info.value).startswith("pyproject.toml: ")


def test_json_nested_too_deeply() -> None:
    for depth in (150, 100_000):
        with pytest.raises(BadInput, match="nested too deeply"):
            fsutil.loads_json("[" * depth + "]" * depth, "top.json")
    assert fsutil.loads_json('{"a": [1]}', "x") == {"a": [1]}
    with pytest.raises(BadInput, match="x:1: invalid JSON"):
        fsutil.loads_json("{", "x")


def test_toml_errors_are_one_line() -> None:
    with pytest.raises(BadInput) as info:
        fsutil.loads_toml('a = "\n', "f.toml")
    assert _one_line(info.value).startswith("f.toml:1: invalid TOML: ")


# --- --output: checked before any work; written through symlinks, atomically ----------


def test_output_to_a_new_file_and_a_replaced_one(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    fsutil.check_output(target).write_text("one")
    target.chmod(0o600)
    fsutil.check_output(target).write_text("two")
    assert target.read_text() == "two" and stat.S_IMODE(target.stat().st_mode) == 0o600  # mode kept
    assert sorted(os.listdir(tmp_path)) == ["report.json"]  # no probe or temporary left


def test_output_writes_through_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "report.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    fsutil.check_output(link).write_text("new")
    assert link.is_symlink() and real.read_text() == "new"
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "real" / "new.md")
    fsutil.check_output(dangling).write_text("created")
    assert dangling.is_symlink() and (tmp_path / "real" / "new.md").read_text() == "created"


@pytest.mark.parametrize("make, fragment", [
    (lambda p: p.mkdir() or p, "is a directory"),
    (lambda p: p.write_text("") or p / "report.json", "not a directory"),
    (lambda p: p / "missing" / "report.json", "no directory"),
    (lambda p: p.symlink_to(p) or p, "symlink loop"),
])
def test_unusable_outputs_are_bad_input(tmp_path: Path, make, fragment: str) -> None:
    path = make(tmp_path / "out")
    with pytest.raises(BadInput, match=fragment) as info:
        fsutil.check_output(path)
    assert "--output" in _one_line(info.value)
    assert not (tmp_path / "out" / "missing").exists()  # missing directories are not created


def test_an_output_directory_without_write_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(fsutil.os, "open", denied)  # root may write anywhere: simulate it
    with pytest.raises(BadInput, match="cannot write in .*permission denied"):
        fsutil.check_output(tmp_path / "report.json")


def test_devices_are_written_directly_never_replaced(tmp_path: Path) -> None:
    out = fsutil.check_output("/dev/null")
    assert out.stream
    out.write_text("discarded")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # still the device (as root, a rename would replace it)


def test_a_failed_report_write_is_incomplete_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = fsutil.check_output(tmp_path / "report.json")

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fsutil.os, "write", full)
    monkeypatch.setattr(fsutil.os, "writev", full, raising=False)
    with pytest.raises(IncompleteError, match="No space left"):
        out.write_text("x")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []

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

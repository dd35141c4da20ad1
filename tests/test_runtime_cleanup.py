"""Interrupting a real `gilfree audit` leaves no process and no temporary directory.

The audit runs as a subprocess with a marker variable in its environment (inherited by
every child: pip, its build backends, the probes) and its own TMPDIR. Once a child is
stuck (a probe of a module that hangs on import, or pip building an sdist whose backend
never returns), the audit gets SIGINT (Ctrl-C, once or three times in a row: the later
ones land in the cleanup) or SIGTERM; afterwards no process on the machine may carry the
marker, and TMPDIR must be empty.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.ft


def marked_processes(marker: bytes) -> list[tuple[int, list[str]]]:
    """(pid, argv) of every live process whose environment holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes():
                args = (entry / "cmdline").read_bytes().split(b"\0")
                found.append((int(entry.name), [a.decode(errors="replace") for a in args if a]))
        except OSError:  # gone meanwhile, or a zombie
            continue
    return found


def wait_for(predicate, timeout: float) -> bool:
    """Whether ``predicate()`` holds within ``timeout`` seconds (also tests/test_signals.py)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


STAGES = {
    # stage: (extra arguments, how to recognise the child that hangs there)
    "probe": (["ftr-hang", "ftr-declared", "ftr-two"], lambda argv: "ftr_hang" in argv),
    "pip-build": (["--allow-build", "ftr-slowbuild"], lambda argv: any("_in_process" in a for a in argv)),
}


@pytest.mark.parametrize("stage", sorted(STAGES))
@pytest.mark.parametrize(("signum", "exit_code", "times"),
                         [(signal.SIGINT, 130, 1), (signal.SIGTERM, 143, 1), (signal.SIGINT, 130, 3)],
                         ids=["SIGINT", "SIGTERM", "SIGINT-x3"])
def test_interrupting_an_audit_leaves_nothing_behind(
        stage: str, signum: int, exit_code: int, times: int, ft_python: Path,
        offline_pip_env: dict[str, str], tmp_path: Path) -> None:
    arguments, is_stuck_child = STAGES[stage]
    marker = f"GILFREE_TEST_MARKER={uuid.uuid4().hex}"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = dict(offline_pip_env, TMPDIR=str(tmpdir), **dict([marker.split("=", 1)]))
    log = tmp_path / "audit.log"
    with open(log, "wb") as out:
        audit = subprocess.Popen(
            [sys.executable, "-m", "gilfree", "audit", "--python", str(ft_python), "--timeout", "120",
             "--jobs", "2", *arguments],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    key = marker.encode()
    try:
        def stuck() -> bool:
            return any(is_stuck_child(argv) and pid != audit.pid for pid, argv in marked_processes(key))

        assert wait_for(lambda: stuck() or audit.poll() is not None, 90), log.read_text()
        assert audit.poll() is None, log.read_text()
        time.sleep(0.5)  # let the other children start too
        audit.send_signal(signum)
        for _ in range(times - 1):  # Ctrl-C again while the first one's cleanup runs
            time.sleep(0.02)
            if audit.poll() is None:
                audit.send_signal(signum)
        assert audit.wait(timeout=30) == exit_code, log.read_text()
        text = log.read_text()
        assert "Traceback" not in text and text.splitlines()[-1] == \
            ("gilfree: interrupted" if signum == signal.SIGINT else "gilfree: terminated"), text
        assert wait_for(lambda: not marked_processes(key), 5), [argv[:3] for _, argv in marked_processes(key)]
        assert sorted(p.name for p in tmpdir.iterdir()) == []
    finally:
        if audit.poll() is None:
            audit.kill()
        for pid, _ in marked_processes(key):  # never leave our own mess on the machine
            os.kill(pid, signal.SIGKILL)

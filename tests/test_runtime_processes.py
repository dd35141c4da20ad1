"""Children in their own process group: killed as a group on timeout, error and signals."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from gilfree.runtime import processes
from gilfree.runtime.processes import REGISTRY, ShuttingDown, Terminated, cleanup_on_signals, run


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_run_captures_output_and_status() -> None:
    result = run([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"])
    assert (result.returncode, result.stdout, result.stderr, result.timed_out) == (3, "out\n", "err\n", False)
    assert result.signal_name is None


def test_death_by_signal_is_named() -> None:
    result = run([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"])
    assert result.returncode == -signal.SIGSEGV
    assert result.signal_name == "SIGSEGV"


def test_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild"
    script = f"sleep 300 & echo $! > {pidfile}; wait"
    result = run(["sh", "-c", script], timeout=1)
    assert result.timed_out
    grandchild = int(pidfile.read_text())
    assert wait_until(lambda: not alive(grandchild))
    assert REGISTRY.live_processes() == 0


def test_exception_in_the_waiting_thread_kills_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    spawned = []
    real_spawn = REGISTRY.spawn

    def spawn(*args, **kwargs):
        proc = real_spawn(*args, **kwargs)
        spawned.append(proc)
        return proc

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(REGISTRY, "spawn", spawn)
    monkeypatch.setattr(processes.subprocess.Popen, "communicate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(["sleep", "300"])
    assert spawned and wait_until(lambda: spawned[0].poll() is not None)
    assert spawned[0].returncode == -signal.SIGKILL


def test_registry_cleanup_kills_children_of_other_threads_and_removes_dirs(tmp_path: Path) -> None:
    doomed = tmp_path / "doomed"
    doomed.mkdir()
    REGISTRY.add_dir(doomed)
    results = []
    worker = threading.Thread(target=lambda: results.append(run(["sleep", "300"])))
    worker.start()
    assert wait_until(lambda: REGISTRY.live_processes() == 1)
    try:
        REGISTRY.cleanup()
        worker.join(10)
        assert not worker.is_alive()
        assert results[0].returncode == -signal.SIGKILL
        assert not doomed.exists()
        with pytest.raises(ShuttingDown):
            run(["true"])
    finally:
        REGISTRY.reopen()
    assert run(["true"]).returncode == 0


def test_sigterm_becomes_terminated_and_cleans_up() -> None:
    results = []
    previous = signal.getsignal(signal.SIGTERM)
    worker = threading.Thread(target=lambda: results.append(run(["sleep", "300"])))
    with pytest.raises(Terminated):
        with cleanup_on_signals():
            worker.start()
            assert wait_until(lambda: REGISTRY.live_processes() == 1)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)  # the handler raises before this ends
    worker.join(10)
    assert results and results[0].returncode == -signal.SIGKILL
    assert signal.getsignal(signal.SIGTERM) == previous
    assert not REGISTRY.closing

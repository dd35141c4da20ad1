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


# --- a second signal never cuts a cleanup short -----------------------------------------


@pytest.fixture
def default_sigint():
    """Python's Ctrl-C handler in this (main) thread, even when pytest runs with it ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _tree(root: Path, files: int = 50) -> Path:
    for i in range(files):
        (root / f"d{i % 5}").mkdir(parents=True, exist_ok=True)
        (root / f"d{i % 5}" / f"f{i}").write_text("x")
    return root


def test_a_directory_is_forgotten_only_once_it_is_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doomed = _tree(tmp_path / "doomed")
    REGISTRY.add_dir(doomed)
    real_rmtree = processes.shutil.rmtree

    def cut_short(path, ignore_errors=False):
        (Path(path) / "d0" / "f0").unlink()  # a part is gone...
        raise KeyboardInterrupt  # ...when the removal is cut short

    monkeypatch.setattr(processes.shutil, "rmtree", cut_short)
    with pytest.raises(KeyboardInterrupt):
        REGISTRY.remove_dir(doomed)
    assert doomed.exists() and doomed in REGISTRY.registered_dirs()  # still known: retried
    monkeypatch.setattr(processes.shutil, "rmtree", real_rmtree)
    try:
        REGISTRY.cleanup()
    finally:
        REGISTRY.reopen()
    assert not doomed.exists() and doomed not in REGISTRY.registered_dirs()


def test_ctrl_c_during_a_removal_waits_until_it_is_done(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_sigint) -> None:
    doomed = _tree(tmp_path / "doomed")
    REGISTRY.add_dir(doomed)
    real_rmtree = processes.shutil.rmtree
    seen = []

    def interrupted(path, ignore_errors=False):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of the removal
        for _ in range(100_000):  # Python runs signal handlers in loops like this one
            pass
        seen.append(Path(path).exists())
        real_rmtree(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(processes.shutil, "rmtree", interrupted)
    with pytest.raises(KeyboardInterrupt):  # delivered, but after the removal
        REGISTRY.remove_dir(doomed)
    assert seen == [True] and not doomed.exists() and doomed not in REGISTRY.registered_dirs()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_second_ctrl_c_during_cleanup_does_not_cut_it_short(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_sigint) -> None:
    dirs = [_tree(tmp_path / f"venv{i}") for i in range(3)]
    for path in dirs:
        REGISTRY.add_dir(path)
    results = []
    worker = threading.Thread(target=lambda: results.append(run(["sleep", "300"])))
    worker.start()
    assert wait_until(lambda: REGISTRY.live_processes() == 1)
    real_rmtree = processes.shutil.rmtree

    def interrupted(path, ignore_errors=False):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100_000):
            pass
        real_rmtree(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(processes.shutil, "rmtree", interrupted)
    try:
        with pytest.raises(KeyboardInterrupt):
            REGISTRY.cleanup()
    finally:
        REGISTRY.reopen()
    worker.join(10)
    assert results and results[0].returncode == -signal.SIGKILL
    assert [p.exists() for p in dirs] == [False, False, False] and REGISTRY.registered_dirs() == []


def test_deferred_signals_delivers_each_held_signal_once_afterwards() -> None:
    got = []
    previous = {s: signal.signal(s, lambda signum, frame: got.append(signum))
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with processes.deferred_signals():
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGINT):
                os.kill(os.getpid(), signum)
                for _ in range(10_000):
                    pass
            assert got == []
        assert got == [signal.SIGTERM, signal.SIGINT]
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with processes.deferred_signals():  # ignored before: still ignored
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10_000):
                pass
        assert got == [signal.SIGTERM, signal.SIGINT]
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def test_a_child_started_as_ctrl_c_lands_is_registered(
        monkeypatch: pytest.MonkeyPatch, default_sigint) -> None:
    real_popen = processes.subprocess.Popen
    started = []

    def popen(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        started.append(proc)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C just after the fork, before registration
        for _ in range(100_000):
            pass
        return proc

    monkeypatch.setattr(processes.subprocess, "Popen", popen)
    with pytest.raises(KeyboardInterrupt):
        REGISTRY.spawn(["sleep", "300"])
    assert REGISTRY.live_processes() == 1  # so the cleanup finds it
    try:
        REGISTRY.cleanup()
    finally:
        REGISTRY.reopen()
    assert started[0].returncode == -signal.SIGKILL and REGISTRY.live_processes() == 0


def test_cleanup_on_signals_keeps_a_sigterm_handler_already_set() -> None:
    def mine(signum, frame):
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with cleanup_on_signals():
            assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_new_children_stay_refused_until_the_outermost_block_ends() -> None:
    with pytest.raises(KeyboardInterrupt):
        with cleanup_on_signals():
            try:
                with cleanup_on_signals():
                    raise KeyboardInterrupt
            finally:  # the outer block is still unwinding (an audit removing its venv)
                assert REGISTRY.closing
                with pytest.raises(ShuttingDown):
                    run(["true"])
    assert not REGISTRY.closing
    assert run(["true"]).returncode == 0

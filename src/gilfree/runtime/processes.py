"""Child processes that never outlive us.

Every child runs in its own process group (its own session), so one ``killpg`` removes it
and anything it spawned (pip's build backends, a probe's stray threads or forks). A module
registry knows every live group and every temporary directory, so that Ctrl-C or SIGTERM
removes all of them even when the work runs on a pool of threads: the signal lands in the
main thread, which cannot reach the workers' local variables, but can reach the registry.

Cleanup is never cut short by a second signal: the registry forgets a directory only once
it is gone (so a removal that was cut short anyway is retried by the next cleanup), and
removals and ``cleanup`` hold SIGINT/SIGTERM until they are done (``deferred_signals``),
then deliver them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import IncompleteError


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM: unwinds like Ctrl-C (so the same cleanup runs)."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


class ShuttingDown(IncompleteError):
    """A child was about to start after cleanup began (a worker thread racing Ctrl-C)."""


@dataclass(frozen=True)
class ProcessResult:
    """What a finished (or killed) child did."""

    args: tuple[str, ...]
    returncode: int  # negative: killed by that signal (POSIX convention)
    stdout: str
    stderr: str
    timed_out: bool
    duration: float

    @property
    def signal_name(self) -> str | None:
        """``SIGSEGV`` etc. when the child died of a signal."""
        if self.returncode >= 0:
            return None
        try:
            return signal.Signals(-self.returncode).name
        except ValueError:
            return f"signal {-self.returncode}"


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver them to the handlers
    that were set before (a Ctrl-C pressed while a directory is being deleted stops the
    run once it is deleted, not half-way).

    Only the main thread can set handlers, and only it runs them: in any other thread a
    signal cannot interrupt the block, and this does nothing. Nested use is fine (the
    inner block hands what it held to the outer one).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: object) -> None:
        held.append(signum)

    previous: dict[int, object] = {}
    try:
        for signum in STOP_SIGNALS:
            if signal.getsignal(signum) is not None:  # None: set outside Python, left alone
                previous[signum] = signal.signal(signum, hold)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        for signum in dict.fromkeys(held):
            _deliver(signum, previous[signum])


def _deliver(signum: int, handler: object) -> None:
    """What the signal would have done under ``handler`` (now set again)."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)
    # SIG_IGN: ignored, as it would have been


class Registry:
    """Live child process groups and temporary directories, for cleanup from anywhere."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # re-entrant: a signal handler may interrupt a holder
        self._procs: set[subprocess.Popen[str]] = set()
        self._dirs: set[Path] = set()
        self._closing = False
        self._guards = 0  # cleanup_on_signals blocks open in the main thread

    @property
    def closing(self) -> bool:
        return self._closing

    def spawn(self, args: Sequence[str], **kwargs: object) -> subprocess.Popen[str]:
        """Start a child in a new session and register it, atomically w.r.t. cleanup (and
        w.r.t. Ctrl-C: a child that started is registered, so the cleanup finds it)."""
        with deferred_signals(), self._lock:
            if self._closing:
                raise ShuttingDown("interrupted: not starting new processes")
            proc: subprocess.Popen[str] = subprocess.Popen(  # type: ignore[call-overload]
                list(args), start_new_session=True, **kwargs)
            self._procs.add(proc)
            return proc

    def forget(self, proc: subprocess.Popen[str]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def add_dir(self, path: Path) -> None:
        with self._lock:
            self._dirs.add(path)

    def remove_dir(self, path: Path) -> None:
        """Delete a registered directory now (idempotent).

        It is forgotten only once it is gone: a removal that fails (a file that cannot
        be deleted yet) leaves it registered, for the next ``cleanup`` to retry.
        SIGINT/SIGTERM wait until the removal is done."""
        with deferred_signals():
            shutil.rmtree(path, ignore_errors=True)
            if not os.path.lexists(path):
                with self._lock:
                    self._dirs.discard(path)

    def live_processes(self) -> int:
        with self._lock:
            return len(self._procs)

    def cleanup(self) -> None:
        """Kill every registered process group, then delete every registered directory.

        Refuses new children until ``reopen``: a worker thread that has not noticed the
        interrupt yet must not start a probe that nobody will wait for. SIGINT/SIGTERM
        wait until it is done (a second Ctrl-C does not leave a venv half-deleted).
        """
        with deferred_signals():
            with self._lock:
                self._closing = True
                procs = list(self._procs)
            for proc in procs:
                kill_group(proc)
            for proc in procs:
                with contextlib.suppress(Exception):
                    proc.wait(timeout=5)
            with self._lock:
                # reaped: their pids may be reused (a caller cut short by the signal may
                # never come to forget them)
                self._procs.difference_update(p for p in procs if p.returncode is not None)
                dirs = list(self._dirs)
            for path in dirs:
                self.remove_dir(path)

    def registered_dirs(self) -> list[Path]:
        with self._lock:
            return sorted(self._dirs)

    def reopen(self) -> None:
        with self._lock:
            self._closing = False


REGISTRY = Registry()


def kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the child's whole process group (it leads it: ``start_new_session``)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def run(
    args: Sequence[str | os.PathLike[str]],
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> ProcessResult:
    """Run a child to completion, capturing text output; its group dies with it.

    On timeout the group is killed and ``timed_out`` set (not an exception: a hang is a
    result). On any exception in the waiting thread (Ctrl-C included) the group is killed
    before the exception propagates.
    """
    argv = tuple(os.fspath(a) for a in args)
    start = time.monotonic()
    proc = REGISTRY.spawn(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None, cwd=cwd, text=True, encoding="utf-8",
        errors="replace")
    timed_out = False
    try:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
            out, err = proc.communicate()
        # A leader that exited may leave members behind (a daemonized grandchild).
        kill_group(proc)
    except BaseException:
        with deferred_signals():
            kill_group(proc)
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)
        raise
    finally:
        REGISTRY.forget(proc)
    return ProcessResult(argv, proc.returncode, out or "", err or "", timed_out,
                         time.monotonic() - start)


@contextlib.contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """Turn SIGTERM into ``Terminated`` and clean the registry on any interrupt.

    Only the main thread may set signal handlers; elsewhere this only cleans up when a
    KeyboardInterrupt passes through. SIGTERM keeps a handler that is already set (the
    command line's, which turns it into ``Terminated`` too); only the default action is
    replaced. Ordinary errors do not trigger it: a caller running several audits must not
    lose the others' children to one failure. Nested use is fine: the outermost block
    restores the handler and lets new children start again.
    """
    main = threading.current_thread() is threading.main_thread()
    previous = None
    installed = False

    def on_sigterm(signum: int, frame: object) -> None:
        signal.signal(signum, signal.SIG_IGN)  # once: the cleanup below must not be cut short
        REGISTRY.cleanup()
        raise Terminated(signum)

    if main:
        REGISTRY._guards += 1  # no call between this and the try: no signal lands there
    try:
        if main and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            previous = signal.signal(signal.SIGTERM, on_sigterm)
            installed = True
        yield
    except KeyboardInterrupt:  # Ctrl-C, or Terminated from a handler
        REGISTRY.cleanup()
        raise
    finally:
        if main:
            if installed:
                signal.signal(signal.SIGTERM, previous)
            REGISTRY._guards -= 1
            if not REGISTRY._guards:
                REGISTRY.reopen()

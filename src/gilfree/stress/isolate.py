"""Controller side of ``--ft-isolate``: tests run in a worker subprocess; when it dies
(segfault, abort) the test it was running gets a "crashed" failure with the worker's
faulthandler output (all threads' stacks), and a new worker carries on with the rest.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .report import PROPERTY
from .worker import ITEMS_ENV

#: Extra time the controller grants past --ft-timeout before it declares the worker
#: itself stuck (the worker's own timeout normally fires first).
_WORKER_GRACE = 30.0


class WorkerProcess:
    """One ``python -m pytest`` worker running ``nodeids`` and reporting over a pipe."""

    def __init__(self, config: pytest.Config, nodeids: list[str], round_index: int, workdir: Path) -> None:
        items_file = workdir / "items.txt"
        items_file.write_text("\n".join(nodeids) + "\n", encoding="utf-8")
        self.stderr_path = workdir / f"stderr-{time.monotonic_ns()}.txt"
        read_fd, write_fd = os.pipe()
        args = [
            sys.executable, "-m", "pytest", *config.invocation_params.args,
            "--ft-worker-channel", str(write_fd), "--ft-round", str(round_index),
            f"--rootdir={config.rootpath}",
        ]
        env = {**os.environ, ITEMS_ENV: str(items_file)}
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                args, cwd=config.invocation_params.dir, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=stderr, pass_fds=(write_fd,), start_new_session=True, env=env,
            )
        os.close(write_fd)
        self._reader = os.fdopen(read_fd, "r", encoding="utf-8")
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._reader, selectors.EVENT_READ)

    def messages(self, idle_timeout: float | None) -> Iterator[dict[str, Any]]:
        """Messages until the worker closes the pipe; TimeoutError if it goes silent."""
        while True:
            if not self._selector.select(idle_timeout):
                raise TimeoutError
            line = self._reader.readline()
            if not line:
                return
            yield json.loads(line)

    def stderr_from(self, offset: int) -> str:
        with open(self.stderr_path, "rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")

    def stderr_size(self) -> int:
        return self.stderr_path.stat().st_size

    def close(self) -> int:
        """Wait for (or, if still running, kill) the worker; return its exit code."""
        self._selector.close()
        self._reader.close()
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()


def run_isolated(session: pytest.Session, items: list[pytest.Item], round_index: int, timeout: float | None) -> None:
    """Run ``items`` in worker processes, restarting after each crash."""
    config = session.config
    idle = timeout + _WORKER_GRACE if timeout else None
    by_id = {item.nodeid: item for item in items}
    pending = [item.nodeid for item in items]
    with tempfile.TemporaryDirectory(prefix="gilfree-isolate-") as tmp:
        while pending:
            worker = WorkerProcess(config, pending, round_index, Path(tmp))
            current, offset, started_any, silent = None, 0, False, False
            try:
                for message in worker.messages(idle):
                    kind = message["kind"]
                    if kind == "start":
                        current, started_any = by_id[message["nodeid"]], True
                        reported = message.get("stderr_offset")
                        offset = worker.stderr_size() if reported is None else int(reported)
                        current.ihook.pytest_runtest_logstart(nodeid=current.nodeid, location=current.location)
                    elif kind == "report":
                        report = config.hook.pytest_report_from_serializable(config=config, data=message["report"])
                        by_id[report.nodeid].ihook.pytest_runtest_logreport(report=report)
                    elif kind == "finish" and current is not None:
                        current.ihook.pytest_runtest_logfinish(nodeid=current.nodeid, location=current.location)
                        pending.remove(current.nodeid)
                        current = None
                    _check_stop(session, worker)
            except TimeoutError:
                silent = True
                os.killpg(worker.process.pid, signal.SIGKILL)
            except BaseException:
                os.killpg(worker.process.pid, signal.SIGKILL)
                worker.close()
                raise
            code = worker.close()
            if current is not None:
                _report_crash(current, code, worker.stderr_from(offset), silent, idle)
                pending.remove(current.nodeid)
                _check_stop(session, None)
            elif pending:
                if not started_any or code not in (0, 1):
                    raise session.Interrupted(
                        f"gilfree: the isolated worker exited with code {code} before running "
                        f"{pending[0]}:\n{worker.stderr_from(0)[-3000:]}"
                    )
                return  # the worker stopped on its own (-x, --maxfail): so do we


def _check_stop(session: pytest.Session, worker: WorkerProcess | None) -> None:
    reason = session.shouldfail or session.shouldstop
    if not reason:
        return
    if worker is not None:
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.close()
    if session.shouldfail:
        raise session.Failed(session.shouldfail)
    raise session.Interrupted(session.shouldstop)


# A frame line faulthandler finished writing: 'File "x.py", line 5 in name'.
_COMPLETE_FRAME = re.compile(r'File ".*", line \d+ in \S')


#: Why a faulthandler dump can be empty or partial, and what to do about it.
_MANY_CRASHES = "which happens when several threads crash at the same moment; run again for the stacks"


def _report_crash(item: pytest.Item, code: int, stderr: str, silent: bool, idle: float | None) -> None:
    details: dict[str, Any]
    if silent:
        what = f"the worker process stopped responding for {idle:g}s (hung in native code?) and was killed"
        details = {"mode": "threaded", "hung": True, "crash": {"signal": None, "exit_code": code}}
    else:
        name = signal.Signals(-code).name if code < 0 and -code in signal.valid_signals() else None
        how = f"with {name}" if name else f"with exit code {code}"
        what = f"the worker process died {how} while running this test"
        details = {"mode": "threaded", "crashed": True, "crash": {"signal": name, "exit_code": code}}
    output = stderr.strip()
    if not output:
        output = f"(nothing: the process died before faulthandler could write, {_MANY_CRASHES})"
    elif not _COMPLETE_FRAME.search(output):
        output += ("\n(the dump was cut short before any whole frame: another thread crashed while "
                   f"faulthandler wrote, {_MANY_CRASHES})")
    elif not silent and f" in {item.name.partition('[')[0]}" not in output:
        output += (f"\n(the dump shows no frame of {item.name}: it was cut short while faulthandler "
                   f"wrote the other threads' stacks, {_MANY_CRASHES})")
    longrepr = f"crashed: {what}\n\n--- worker output (faulthandler: stacks of all threads) ---\n{output}"
    details["crash"]["output"] = stderr[-20000:]
    for when in ("call", "teardown"):
        report = pytest.TestReport(
            nodeid=item.nodeid, location=item.location, keywords=dict.fromkeys(item.keywords, 1),
            outcome="failed" if when == "call" else "passed", longrepr=longrepr if when == "call" else None,
            when=when, user_properties=[(PROPERTY, details)] if when == "call" else [],
        )
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)

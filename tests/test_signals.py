"""Ctrl-C and SIGTERM at random moments of real runs of `status`, `track`, `audit` and
`test`, the first 300 ms (the imports) included.

Each trial starts gilfree as a user does (the console script, or `python -m gilfree`,
in turn) with SIGINT at its default, its own empty TMPDIR and a marker variable in its
environment (inherited by every child: pip, the venv's interpreter, the probes, pytest),
waits a random time (seeded: GILFREE_SIGNAL_SEED repeats a run) and sends the signal.
Then: exit 130 (SIGINT) or 143 (SIGTERM) with the one line "gilfree: interrupted" /
"gilfree: terminated" and no traceback; no process carrying the marker; TMPDIR empty;
no partial output file.

A signal can also land before gilfree runs at all: in the interpreter's own start-up
(site, .pth files) or in the console-script wrapper's `import re`, 10-50 ms on a loaded
machine that no code of ours can cover. A trial knows which side it was on: gilfree's
`main` catches SIGTERM, which Python leaves at its default, so /proc/PID/status shows when
it has set its handlers. Before that moment only Python speaks (no frame of gilfree may
appear, and nothing may be left behind); from that moment on, the rules above hold
exactly. The "first 300 ms" trials count from that moment (they are the imports).

Two known windows belong to other layers and are allowed here (reported, not fixed):
fsutil creates a file beside the output (its write probe, the atomic write's temporary
file) one statement before the `try` that removes it, so a signal there leaves an empty
one (never the output, never a partial one); and store.schema.migrate rolls back after a
COMMIT that a signal interrupted, which fails (the track trials use migrated databases).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_runtime_cleanup import marked_processes, wait_for

import gilfree
from gilfree.store.db import Store

SEED = int(os.environ.get("GILFREE_SIGNAL_SEED", "16"))
PACKAGE_DIR = str(Path(gilfree.__file__).resolve().parent) + os.sep
CONSOLE_SCRIPT = Path(sys.executable).parent / "gilfree"
LINES = {signal.SIGINT: ("gilfree: interrupted", 130), signal.SIGTERM: ("gilfree: terminated", 143)}
PYTHON_SPEAKS = ("Traceback", "KeyboardInterrupt", "Exception ignored", "Fatal Python error")
RECORDED = ["cereggii", "cffi", "markupsafe", "msgpack", "numpy", "pydantic-core", "pytz", "pyyaml",
            "requests", "ruff", "six"]

needs_default_pass = pytest.mark.skipif(
    bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    reason="installs venvs: run once, in the default-interpreter pass",
)


@pytest.fixture(autouse=True)
def _children_get_default_sigint():
    """A background job inherits SIGINT ignored, and Python keeps it so; a caught signal
    is reset to its default by exec, so catching it here gives the children the default."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    else:
        yield


def handlers_in_place(pid: int) -> bool:
    """gilfree's ``main`` has set its signal handlers: it catches SIGTERM, which Python
    leaves at the default (and ignores it for the interpreter's last teardown)."""
    bit = 1 << (signal.SIGTERM - 1)
    try:
        masks = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                     if line.startswith(("SigCgt:", "SigIgn:")))
    except OSError:  # gone
        return False
    return any(int(mask, 16) & bit for mask in masks.values())


def fsutil_window(path: Path) -> bool:
    """An empty file that fsutil made beside the output and a signal kept it from
    removing: it creates one (``os.open``) just before the ``try`` that removes it, in the
    write probe of ``check_output`` and in ``atomic_write_buffers``. Never the output itself,
    never a partial one (a signal during the write removes the temporary file)."""
    return path.name.endswith((".probe", ".tmp")) and path.stat().st_size == 0


@dataclass
class Trial:
    """One run, and what the signal did to it."""

    number: int
    argv: list[str]
    signum: int
    delay: float
    from_main: bool  # the delay counts from the moment main set its handlers, not the spawn
    in_main: bool = False  # gilfree's handlers were set when the signal was sent
    sent: bool = False  # False: the run had ended already
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""

    @property
    def completed(self) -> bool:
        """The run ended on its own (the signal came after it, or never came)."""
        return self.returncode in (0, 1) and not any(w in self.stderr for w in PYTHON_SPEAKS)

    def __repr__(self) -> str:
        return (f"trial {self.number} (GILFREE_SIGNAL_SEED={SEED}): {signal.Signals(self.signum).name} "
                f"{self.delay * 1000:.0f} ms after {'main started' if self.from_main else 'the spawn'}, "
                f"{'in main' if self.in_main else 'before main'}, "
                f"sent={self.sent}, exit {self.returncode}\nstderr:\n{self.stderr[-3000:]}")


class Trials:
    """Runs of one command line, each interrupted at its moment, checked the same way."""

    def __init__(self, tmp_path: Path, argv: list[str], *, env: dict[str, str] | None = None) -> None:
        self.tmp_path = tmp_path
        self.argv = argv
        self.env = dict(os.environ if env is None else env)
        self.env.pop("PYTHON_GIL", None)
        self.rng = random.Random(f"{SEED}:{argv[0]}")
        self.count = 0

    def moments(self, early: int, late: int, duration: float) -> list[tuple[float, bool]]:
        """(delay, from main): ``early`` moments in the first 300 ms after gilfree's
        ``main`` started (the imports), a few in the interpreter's start-up (from the
        spawn), and ``late`` ones over the rest of the run."""
        startup = [(self.rng.uniform(0, 0.06), False) for _ in range(max(1, early // 3))]
        return ([(self.rng.uniform(0, 0.3), True) for _ in range(early)] + startup
                + [(self.rng.uniform(0.3, duration), False) for _ in range(late)])

    def run(self, moment: tuple[float, bool], signum: int = signal.SIGINT, *,
            extra: list[str] = (), again: float | None = None) -> Trial:
        """One run; ``again``: the same signal once more that long after the first (a
        second Ctrl-C while the first one's cleanup runs)."""
        delay, from_main = moment
        self.count += 1
        tmpdir = self.tmp_path / f"tmp-{self.count}"
        tmpdir.mkdir()
        marker = uuid.uuid4().hex
        env = {**self.env, "TMPDIR": str(tmpdir), "GILFREE_SIGNAL_TRIAL": marker}
        entry = [str(CONSOLE_SCRIPT)] if self.count % 2 and CONSOLE_SCRIPT.exists() \
            else [sys.executable, "-m", "gilfree"]
        trial = Trial(self.count, [*entry, *self.argv, *extra], signum, delay, from_main)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(trial.argv, env=env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err)
            try:
                if from_main:  # the clock starts when main has set its handlers
                    deadline = time.monotonic() + 60
                    while not handlers_in_place(proc.pid) and proc.poll() is None:
                        assert time.monotonic() < deadline, "gilfree's main never started"
                        time.sleep(0.0002)
                time.sleep(delay)
                if proc.poll() is None:
                    trial.in_main = handlers_in_place(proc.pid)
                    proc.send_signal(signum)
                    trial.sent = True
                    if again is not None:
                        time.sleep(again)
                        if proc.poll() is None:
                            proc.send_signal(signum)
                trial.returncode = proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            out.seek(0)
            err.seek(0)
            trial.stdout = out.read().decode(errors="replace")
            trial.stderr = err.read().decode(errors="replace")
        key = f"GILFREE_SIGNAL_TRIAL={marker}".encode()
        try:
            left = wait_for(lambda: not marked_processes(key), 10) or marked_processes(key)
            assert left is True, f"{trial}\nprocesses left: {left}"
        finally:
            for pid, _ in marked_processes(key):  # never leave our mess on the machine
                os.kill(pid, signal.SIGKILL)
        assert sorted(p.name for p in tmpdir.iterdir()) == [], trial
        self.check(trial)
        return trial

    @staticmethod
    def check(trial: Trial, *, quiet: bool = False) -> None:
        """The exit code and stderr; ``quiet``: nothing else on stderr (no progress lines)."""
        line, code = LINES[trial.signum]
        lines = [ln for ln in trial.stderr.splitlines() if ln.strip()]
        assert PACKAGE_DIR not in trial.stderr, trial  # never a traceback through gilfree
        if not trial.in_main:
            if trial.sent:  # during the interpreter's own start-up, before any code of ours
                assert trial.returncode in (code, -trial.signum, 1), trial
                return
        elif trial.returncode == code:
            assert not any(w in trial.stderr for w in PYTHON_SPEAKS), trial
            assert lines and lines[-1] == line and lines.count(line) == 1, trial
            if quiet:
                assert lines == [line], trial
            return
        # not interrupted: the run was over before the signal came
        assert trial.returncode in (0, 1), trial
        assert not any(w in trial.stderr for w in PYTHON_SPEAKS), trial


def _summary(trials: list[Trial]) -> str:
    return ", ".join(f"{'main+' if t.from_main else ''}{t.delay * 1000:.0f}ms:{'M' if t.in_main else 'S'}"
                     f"{t.returncode}" for t in trials)


def assert_interrupted(trials: list[Trial], late: int = 1) -> None:
    """Every trial of the first 300 ms after main started was interrupted (no run is that
    short), and at least ``late`` of the others: the moments did fall inside the runs."""
    summary = _summary(trials)
    interrupted = [t.in_main and t.returncode in (130, 143) for t in trials]
    assert all(i for t, i in zip(trials, interrupted) if t.from_main), summary
    assert sum(i for t, i in zip(trials, interrupted) if not t.from_main) >= late, summary


# --- status: the local test index, every answer late ------------------------------------


def test_status_interrupted_at_random_moments(test_index, tmp_path: Path) -> None:
    test_index.faults.slow(0.1, times=100_000)  # a run of 1.5 s or more
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    report = out_dir / "report.json"
    trials = Trials(tmp_path, ["status", *RECORDED, "--format", "json", "--output", str(report),
                               "--concurrency", "2", "--index-url", test_index.url,
                               "--json-url", test_index.json_url])
    done = []
    for n, moment in enumerate(trials.moments(5, 4, 1.0)):
        signum = signal.SIGTERM if n % 4 == 3 else signal.SIGINT
        cache = tmp_path / f"cache-{n}"
        trial = trials.run(moment, signum, extra=["--cache-dir", str(cache)])
        Trials.check(trial, quiet=True)
        if trial.completed:
            assert report.exists(), trial
        if report.exists():  # written whole or not at all (a signal at the very end: whole)
            assert json.loads(report.read_text())["results"], trial
            report.unlink()
        assert [p.name for p in out_dir.iterdir() if not fsutil_window(p)] == [], trial
        done.append(trial)
    assert_interrupted(done, late=2)


# --- track: a database written in batches -----------------------------------------------


def test_track_interrupted_at_random_moments(test_index, tmp_path: Path) -> None:
    test_index.faults.slow(0.08, times=100_000)  # a run of 1.5 s or more
    names = tmp_path / "ranking.txt"
    names.write_text("\n".join([*RECORDED, *(f"unknown-project-{i:02d}" for i in range(20))]) + "\n")
    trials = Trials(tmp_path, ["track", "--packages", str(names), "--index-url", test_index.url,
                               "--json-url", test_index.json_url, "--concurrency", "2", "--batch-size", "3",
                               "--target", "3.13t-manylinux_x86_64", "--target", "3.14t-manylinux_x86_64"])
    done = []
    for n, moment in enumerate(trials.moments(3, 3, 1.2)):
        db = tmp_path / f"track-{n}.sqlite3"
        Store.open(db).close()  # migrated already (see the module docstring)
        trial = trials.run(moment, extra=["--db", str(db), "--cache-dir", str(tmp_path / f"cache-{n}")])
        if db.exists():  # what was recorded is consistent: a batch is one transaction
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", trial
            finally:
                conn.close()
        done.append(trial)
    assert_interrupted(done)


# --- audit: a throwaway venv, pip and the probes (offline test wheels) ------------------


@pytest.mark.ft
@needs_default_pass
def test_audit_interrupted_at_random_moments(ft_python: Path, offline_pip_env: dict[str, str],
                                             tmp_path: Path) -> None:
    trials = Trials(tmp_path, ["audit", "--python", str(ft_python), "--jobs", "1", "--format", "json",
                               "ftr-declared", "ftr-two", "ftr-single", "ftr-undeclared", "ftr-setgil"],
                    env=offline_pip_env)
    done = []
    for n, moment in enumerate(trials.moments(2, 4, 2.0)):
        again = trials.rng.uniform(0.005, 0.1) if n % 2 else None  # Ctrl-C twice: during the cleanup
        trial = trials.run(moment, signal.SIGTERM if n == 4 else signal.SIGINT, again=again)
        if trial.completed:
            assert json.loads(trial.stdout)["results"], trial
        done.append(trial)
    assert_interrupted(done)


# --- test: a throwaway venv, pip, and the project's pytest streaming to our terminal ----


@pytest.mark.ft
@needs_default_pass
def test_test_interrupted_at_random_moments(ft_python: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "src" / "tinyproj").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tinyproj"\nversion = "0.1"\n')
    (project / "src" / "tinyproj" / "__init__.py").write_text("VALUE = 1\n")
    (project / "tests").mkdir()
    (project / "tests" / "test_tiny.py").write_text(
        "import time, tinyproj\ndef test_slow():\n    time.sleep(0.05)\n    assert tinyproj.VALUE == 1\n")
    trials = Trials(tmp_path, ["test", str(project), "--python", str(ft_python), "--iterations", "2",
                               "--", "-q", "-p", "no:cacheprovider"])
    done = [trials.run(moment, again=trials.rng.uniform(0.005, 0.1) if n % 2 else None)
            for n, moment in enumerate(trials.moments(2, 3, 8.0))]
    assert_interrupted(done)

"""Races that only show without a GIL: found on the free-threaded interpreter, within
a small budget, while thread-safe controls are never flagged.

RACY_SUITE and SAFE_SUITE are also what benchmarks/bench_stress.py races against
pytest-run-parallel (it reads them from this file).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
pytestmark = [
    pytest.mark.ft,
    pytest.mark.skipif(not FREE_THREADED, reason="needs the GIL off: runs in the free-threaded pass"),
]

RACY_SUITE = '''
import threading


class Counter:
    def __init__(self):
        self.value = 0

    def increment(self):
        self.value += 1


COUNTER = Counter()


def test_lost_update():
    before = COUNTER.value
    for _ in range(2000):
        COUNTER.increment()
    # other threads only add: fewer than 2000 more means updates were lost
    assert COUNTER.value >= before + 2000


PENDING = {}


def take_one():
    for key in list(PENDING):
        if key in PENDING:  # check ...
            return PENDING.pop(key)  # ... then act: another thread may have taken it
    return None


def test_check_then_act(thread_index):
    for n in range(20):
        PENDING[(thread_index, n)] = n
    while take_one() is not None:
        pass


REGISTRY = {}


def test_iteration_during_mutation(thread_index, iteration_index):
    for n in range(50):
        REGISTRY[(thread_index, iteration_index, n)] = n
    total = 0
    for key in REGISTRY:  # another thread inserts meanwhile
        total += 1
    assert total >= 50


LOCK_A, LOCK_B = threading.Lock(), threading.Lock()


def transfer(first, second):
    with first:
        sum(range(2000))
        with second:
            pass


def test_deadlock(thread_index):
    if thread_index % 2:
        transfer(LOCK_A, LOCK_B)
    else:
        transfer(LOCK_B, LOCK_A)
'''

SAFE_SUITE = '''
import queue
import threading

import pytest


class SafeCounter:
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def increment(self):
        with self._lock:
            self.value += 1


COUNTER = SafeCounter()


def test_locked_counter():
    before = COUNTER.value
    for _ in range(2000):
        COUNTER.increment()
    assert COUNTER.value >= before + 2000


LOCAL = threading.local()


def test_thread_local(thread_index):
    LOCAL.items = []
    for n in range(100):
        LOCAL.items.append(n)
    assert len(LOCAL.items) == 100


QUEUE = queue.Queue()


def test_queue_round_trip(thread_index):
    for n in range(100):
        QUEUE.put((thread_index, n))
    for _ in range(100):
        QUEUE.get_nowait()


@pytest.fixture
def basket():
    return []


def test_fixture_is_private(basket, thread_index):
    for n in range(100):
        basket.append(n)
    assert len(basket) == 100
'''

ARGS = ("--ft-threads", "8", "--ft-iterations", "20", "--ft-timeout", "3", "-p", "no:cacheprovider")


def _outcomes(pytester: pytest.Pytester, name: str) -> dict[str, dict]:
    doc = json.loads((pytester.path / name).read_text())
    return {t["nodeid"].split("::")[1]: t for t in doc["tests"]}


RACES = {
    "test_lost_update": ("failed", "AssertionError"),
    "test_check_then_act": ("failed", "KeyError"),
    "test_iteration_during_mutation": ("failed", "RuntimeError"),
    "test_deadlock": ("hung", None),
}
#: Seconds of rounds (--ft-duration) each race must be found within.
BUDGET = 20


@pytest.mark.parametrize("name", sorted(RACES))
def test_each_race_is_found_within_the_budget(pytester: pytest.Pytester, name: str) -> None:
    pytester.makepyfile(test_racy=RACY_SUITE)
    result = pytester.runpytest_subprocess(
        *ARGS, "-k", name, "--ft-duration", str(BUDGET), "--ft-report", "r.json", timeout=BUDGET + 60
    )
    doc = json.loads((pytester.path / "r.json").read_text())
    last = doc["tests"][-1]
    outcome, error = RACES[name]
    assert (last["nodeid"].split("::")[1], last["outcome"], last["mode"]) == (name, outcome, "threaded")
    assert doc["duration_s"] < BUDGET + 10  # rounds stop at the first round that finds it
    if error:
        assert last["stress"]["errors"][0]["type"] == error
    else:
        result.stdout.fnmatch_lines(["*stacks of the threads still running*", "*in transfer*", "*with second:*"])


def test_thread_safe_controls_are_never_flagged(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_safe=SAFE_SUITE)
    for seed in (1, 2, 3):
        result = pytester.runpytest(*ARGS, "--ft-seed", str(seed))
        result.assert_outcomes(passed=4)
        assert "did not run in parallel" not in result.stdout.str()


CRASHY_C = r"""
#include <Python.h>
#include <unistd.h>
static int busy = 0;
/* Not thread-safe on purpose: a second caller arriving while the first is inside
   dereferences NULL, as a C library with unguarded global state would. */
static PyObject *poke(PyObject *self, PyObject *args) {
    if (busy) { volatile int *p = NULL; *p = 1; }
    busy = 1;
    usleep(1000);
    busy = 0;
    Py_RETURN_NONE;
}
static PyMethodDef methods[] = {{"poke", poke, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static PyModuleDef_Slot slots[] = {{Py_mod_gil, Py_MOD_GIL_NOT_USED}, {0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "crashy", NULL, 0, methods, slots};
PyMODINIT_FUNC PyInit_crashy(void) { return PyModuleDef_Init(&mod); }
"""

GIL_C = r"""
#include <Python.h>
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "%s", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_%s(void) { return PyModule_Create(&mod); }
"""


def _compile(source: str, name: str, where: Path) -> Path:
    """Build extension module ``name`` for this interpreter with gcc."""
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to build the test extensions")
    c_file = where / f"{name}.c"
    c_file.write_text(source)
    target = where / f"{name}{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O1", f"-I{sysconfig.get_paths()['include']}", str(c_file), "-o", str(target)],
        check=True,
    )
    return target


def test_isolate_attributes_a_native_crash_to_its_test(pytester: pytest.Pytester) -> None:
    _compile(CRASHY_C, "crashy", pytester.path)
    pytester.makepyfile(
        """
        import crashy
        def test_before():
            pass
        def test_poke_from_threads():
            crashy.poke()
        def test_after():
            pass
        """
    )
    result = pytester.runpytest_subprocess(*ARGS, "--ft-isolate", timeout=120)
    result.assert_outcomes(failed=1, passed=2)
    result.stdout.fnmatch_lines(
        [
            "*crashed: the worker process died with SIGSEGV while running this test*",
            "*worker output (faulthandler: stacks of all threads)*",
            "CRASHED *test_poke_from_threads*",
        ]
    )
    # When two threads fault at the same instant CPython's faulthandler may write nothing
    # (the second fault kills the process first); then the report must say so.
    # A second fault can also cut the dump short mid-line ('... line 5 in'): line 5 of the
    # test file is the crashing call inside test_poke_from_threads, so either names it.
    # Or it is cut short after other threads' frames: then the report must say that the
    # test's own frames are missing.
    out = result.stdout.str()
    if "several threads crash at the same moment" not in out:
        result.stdout.fnmatch_lines(["*Fatal Python error: Segmentation fault*"])
        assert "in test_poke_from_threads" in out, out
    elif "in test_poke_from_threads" not in out:
        assert "(the dump shows no frame of test_poke_from_threads" in out \
            or "(nothing: the process died" in out or "before any whole frame" in out, out


def test_gil_check_names_every_module_that_enables_it(pytester: pytest.Pytester) -> None:
    for name in ("needs_gil_one", "needs_gil_two"):
        _compile(GIL_C % (name, name), name, pytester.path)
    pytester.makepyfile("import needs_gil_one, needs_gil_two\ndef test_x():\n    pass\n")
    result = pytester.runpytest_subprocess(*ARGS, "-p", "no:warnings", timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(
        [
            "*the GIL is enabled on this free-threaded interpreter*",
            "*re-enabled by importing needs_gil_one*",
            "*re-enabled by importing needs_gil_two*",
        ]
    )
    assert sys._is_gil_enabled() is False  # the check ran in the child, not here

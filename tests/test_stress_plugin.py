"""The pytest plugin on any interpreter: off by default, per-thread fixtures, honest
outcomes, unsafe tests kept out of threads, hangs, crashes, the JSON report."""

from __future__ import annotations

import json
import os
import time

import pytest

pytest_plugins = ["pytester"]

STRESS = ("--ft-threads", "4", "--ft-iterations", "3", "-p", "no:cacheprovider")



@pytest.fixture(autouse=True)
def _not_in_ci_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest prints whole failure messages in its short summary when CI is set (as on our
    CI): these tests count how often a traceback appears, so they run as on a desk."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)

def test_off_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        calls = []
        def test_once(thread_index, iteration_index):
            calls.append((thread_index, iteration_index))
        def test_check():
            assert calls == [(0, 0)]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert "gilfree stress" not in result.stdout.str()


def test_function_fixtures_are_per_thread_and_wider_scopes_shared(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import threading
        import pytest

        LOG = {"setup": 0, "teardown": 0, "boxes": set(), "modules": set(), "params": set()}
        LOCK = threading.Lock()

        @pytest.fixture(scope="module")
        def shared():
            return object()

        @pytest.fixture
        def box(thread_index, iteration_index):
            owner = threading.get_ident()
            value = {"thread": thread_index, "iteration": iteration_index, "items": []}
            with LOCK:
                LOG["setup"] += 1
            yield value
            assert threading.get_ident() == owner  # torn down in its own thread
            with LOCK:
                LOG["teardown"] += 1
        """
    )
    pytester.makepyfile(
        """
        import pytest
        from conftest import LOG, LOCK

        @pytest.mark.parametrize("items", [[]])
        def test_isolated(box, shared, items, thread_index, iteration_index):
            assert box["thread"] == thread_index and box["iteration"] == iteration_index
            box["items"].append(thread_index)
            items.append(thread_index)  # a private copy of the parametrize value
            assert box["items"] == [thread_index] and items == [thread_index]
            with LOCK:
                LOG["boxes"].add(id(box))
                LOG["modules"].add(id(shared))
                LOG["params"].add(id(items))

        @pytest.mark.ft_thread_unsafe
        def test_zz_report():
            # 4 threads x 3 iterations, plus the run alone; torn down as often as set up
            assert LOG["setup"] == LOG["teardown"] == 13
            assert len(LOG["modules"]) == 1
            assert len(LOG["params"]) > 1
        """
    )
    result = pytester.runpytest(*STRESS)
    result.assert_outcomes(passed=2)


def test_class_tests_get_an_instance_per_thread(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        class TestState:
            def setup_method(self):
                self.items = []

            def test_append(self, thread_index):
                self.items.append(thread_index)
                assert self.items == [thread_index]
        """
    )
    pytester.runpytest(*STRESS).assert_outcomes(passed=1)


def test_failures_count_every_thread_and_show_each_traceback_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_odd_threads_fail(thread_index):
            if thread_index % 2:
                raise ValueError("odd")

        def test_passes():
            pass
        """
    )
    result = pytester.runpytest(*STRESS)
    result.assert_outcomes(failed=1, passed=1)  # failed, not error
    out = result.stdout.str()
    assert "failed in 2 of 4 threads × 3 iterations (6 of 12 runs failed)" in out
    assert out.count("distinct error 1 of 1: ValueError, 6× in threads 1, 3") == 1
    assert out.count('raise ValueError("odd")') == 1


def test_a_test_failing_alone_is_not_called_a_race(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_broken():\n    assert 1 == 2\n")
    result = pytester.runpytest(*STRESS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*fails when run alone, before any threading*"])


def test_warnings_turned_into_errors_are_not_swallowed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import warnings
        def test_warns():
            warnings.warn("deprecated thing", DeprecationWarning)
        """
    )
    pytester.runpytest(*STRESS).assert_outcomes(passed=1)
    result = pytester.runpytest(*STRESS, "-W", "error::DeprecationWarning")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*DeprecationWarning: deprecated thing*"])


def test_skips_and_xfails_inside_threads_keep_their_meaning(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        def test_skip():
            pytest.skip("not here")
        @pytest.mark.xfail(strict=True)
        def test_xfail():
            assert False
        """
    )
    pytester.runpytest(*STRESS).assert_outcomes(skipped=1, xfailed=1)


def test_unsafe_tests_run_once_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        ft_unsafe_fixtures = my_global_fixture
        ft_unsafe_functions = helpers.danger
        """
    )
    pytester.makepyfile(helpers="def danger():\n    pass\n")
    pytester.makeconftest(
        """
        import pytest
        @pytest.fixture
        def my_global_fixture():
            return 1
        """
    )
    pytester.makepyfile(
        """
        import os
        import pytest
        import helpers
        from helpers import danger as alias

        import threading

        CALLS = {}
        LOCK = threading.Lock()  # test_threaded counts from 4 threads at once: no lost updates

        def count(name):
            with LOCK:
                CALLS[name] = CALLS.get(name, 0) + 1

        @pytest.mark.ft_thread_unsafe(reason="touches a singleton")
        def test_marked():
            count("marked")

        @pytest.mark.thread_unsafe
        def test_marked_like_run_parallel():
            count("rp")

        @pytest.mark.parallel_threads(1)
        def test_one_thread():
            count("one")

        def test_monkeypatch(monkeypatch):
            count("mp")
            monkeypatch.setenv("GILFREE_X", "1")

        def test_ini_fixture(my_global_fixture):
            count("ini")

        def test_ini_function_through_alias():
            count("fn")
            alias()

        def test_changes_environ():
            count("env")
            os.environ["GILFREE_STRESS_TEST_" + str(len(CALLS))] = "1"

        def test_chdir_and_back(tmp_path):
            count("cwd")
            old = os.getcwd()
            os.chdir(tmp_path)
            os.chdir(old)

        def test_threaded():
            count("threaded")

        @pytest.mark.ft_thread_unsafe
        def test_zz_counts():
            assert CALLS == {"marked": 1, "rp": 1, "one": 1, "mp": 1, "ini": 1, "fn": 1,
                             "env": 1, "cwd": 1, "threaded": 13}
        """
    )
    result = pytester.runpytest(*STRESS)
    result.assert_outcomes(passed=10)
    result.stdout.fnmatch_lines_random(
        [
            "*marked ft_thread_unsafe: touches a singleton*",
            "*marked thread_unsafe*",
            "*marked parallel_threads(1)*",
            "*uses thread-unsafe fixture(s): monkeypatch*",
            "*uses thread-unsafe fixture(s): my_global_fixture*",
            "*calls thread-unsafe function helpers.danger*",
            "*changes process-wide state: changed os.environ (GILFREE_STRESS_TEST_*",
            "*calls thread-unsafe function os.chdir*",
            "did not run in parallel: 9",
        ]
    )


def test_rebinding_a_project_global_keeps_a_test_single(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(settings="MODE = 'a'\n")
    pytester.makepyfile(
        """
        import settings
        def test_switch_mode():
            settings.MODE = "b" if settings.MODE == "a" else "a"
        """
    )
    result = pytester.runpytest(*STRESS)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*rebound globals of settings (MODE)*"])


def test_json_report_schema_and_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        def test_ok():
            pass
        def test_fail(thread_index):
            assert thread_index != 2
        @pytest.mark.ft_thread_unsafe(reason="why not")
        def test_single():
            pass
        """
    )
    reports = []
    for name in ("a.json", "b.json"):
        pytester.runpytest(*STRESS, "--ft-seed", "1234", "--ft-report", name).assert_outcomes(passed=2, failed=1)
        reports.append(json.loads((pytester.path / name).read_text()))
    doc = reports[0]
    assert doc["schema"] == "gilfree.stress/1"
    assert set(doc) == {"schema", "gilfree_version", "python", "parameters", "started", "duration_s", "rounds",
                        "summary", "tests"}
    assert set(doc["python"]) == {"version", "implementation", "executable", "free_threaded_build", "gil_enabled"}
    assert doc["parameters"] == {"threads": 4, "iterations": 3, "seed": 1234, "timeout_s": 60.0,
                                 "duration_s": None, "forever": False, "isolate": False}
    assert doc["summary"] == {"passed": 2, "failed": 1}
    tests = {t["nodeid"].split("::")[1]: t for t in doc["tests"]}
    assert tests["test_ok"]["mode"] == "threaded" and tests["test_ok"]["stress"]["completed_runs"] == 12
    failed = tests["test_fail"]["stress"]
    assert tests["test_fail"]["outcome"] == "failed"
    assert (failed["failed_runs"], failed["failed_threads"]) == (3, [2])
    assert failed["errors"][0]["type"] == "AssertionError" and failed["errors"][0]["count"] == 3
    assert set(tests["test_ok"]) == {"nodeid", "round", "outcome", "mode", "reason", "switch_interval",
                                     "duration_s", "stress", "crash"}
    assert set(tests["test_ok"]["stress"]) == {"threads", "iterations", "planned_runs", "completed_runs",
                                               "failed_runs", "failed_threads", "hung_threads", "duration_s",
                                               "errors", "stacks"}
    single = tests["test_single"]
    assert (single["mode"], single["reason"], single["stress"]) == ("single", "marked ft_thread_unsafe: why not", None)
    # the same seed draws the same switch intervals
    again = {t["nodeid"]: t["switch_interval"] for t in reports[1]["tests"]}
    assert all(again[t["nodeid"]] == t["switch_interval"] for t in doc["tests"])
    assert 1e-6 <= tests["test_ok"]["switch_interval"] <= 1e-3


def test_duration_repeats_rounds_until_the_time_is_up(pytester: pytest.Pytester) -> None:
    # a round of a trivial test takes milliseconds, so even a loaded machine fits several
    # in the second (a 50 ms test once took the whole 0.5 s in one round under load)
    pytester.makepyfile("def test_quick():\n    pass\n")
    started = time.monotonic()
    result = pytester.runpytest(*STRESS, "--ft-duration", "1.0", "--ft-report", "r.json")
    assert time.monotonic() - started >= 1.0  # rounds go on until the time is up
    doc = json.loads((pytester.path / "r.json").read_text())
    assert doc["rounds"] >= 2 and doc["summary"] == {"passed": doc["rounds"]}
    result.stdout.fnmatch_lines(["*gilfree round 2*"])


def test_the_report_is_named_only_when_it_is_kept(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_quick():\n    pass\n")
    kept = pytester.runpytest(*STRESS, "--ft-report", "r.json")
    kept.stdout.fnmatch_lines(["JSON report: r.json"])
    # `gilfree test` reads a report from its throwaway directory, then deletes it
    temporary = pytester.runpytest(*STRESS, "--ft-report", "t.json", "--ft-report-temporary")
    assert "JSON report" not in temporary.stdout.str()
    assert json.loads((pytester.path / "t.json").read_text())["summary"] == {"passed": 1}


def test_forever_stops_at_the_first_round_with_a_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading
        LOCK = threading.Lock()
        CALLS = [0]
        def test_breaks_in_round_three():
            with LOCK:
                CALLS[0] += 1
                calls = CALLS[0]
            assert calls <= 2 * 13  # each round: once alone, then 4 threads x 3 iterations
        """
    )
    result = pytester.runpytest(*STRESS, "--ft-forever", "--ft-report", "r.json")
    doc = json.loads((pytester.path / "r.json").read_text())
    assert doc["rounds"] == 3 and doc["parameters"]["forever"] is True
    assert [t["outcome"] for t in doc["tests"]] == ["passed", "passed", "failed"]
    result.stdout.fnmatch_lines(["*rounds run: 3*"])


def test_a_hang_is_reported_with_stacks_and_the_session_goes_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading
        never = threading.Event()
        def test_waits_forever(thread_index):
            if thread_index == 3:
                never.wait()
        def test_after():
            pass
        """
    )
    result = pytester.runpytest_subprocess(*STRESS, "--ft-timeout", "1", timeout=60)
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*hung: 1 of 4 threads still running after*",
            "*stacks of the threads still running at the timeout*",
            "*1 thread(s) [[]gilfree-3[]] stuck at*",
            "*in test_waits_forever*",
            "*never.wait()*",
            "HUNG *test_waits_forever*",
        ]
    )


def test_isolate_attributes_a_crash_and_carries_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        def test_before():
            pass
        def test_aborts():
            os.abort()
        def test_after():
            pass
        """
    )
    result = pytester.runpytest_subprocess(*STRESS, "--ft-isolate", "--ft-report", "r.json", timeout=120)
    result.assert_outcomes(failed=1, passed=2)
    result.stdout.fnmatch_lines(
        [
            "*crashed: the worker process died with SIGABRT while running this test*",
            "*Fatal Python error: Aborted*",
            "*in test_aborts*",
            "CRASHED *test_aborts*",
        ]
    )
    doc = json.loads((pytester.path / "r.json").read_text())
    crashed = [t for t in doc["tests"] if t["outcome"] == "crashed"]
    assert [t["nodeid"] for t in crashed] == ["test_isolate_attributes_a_crash_and_carries_on.py::test_aborts"]
    assert crashed[0]["crash"]["signal"] == "SIGABRT"


@pytest.mark.skipif(os.name != "posix", reason="faulthandler output checked on POSIX")
def test_default_build_says_races_are_less_likely(pytester: pytest.Pytester) -> None:
    from gilfree.stress.gil import FREE_THREADED_BUILD

    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest(*STRESS)
    said = "races are much less likely to show" in result.stdout.str()
    assert said is (not FREE_THREADED_BUILD)

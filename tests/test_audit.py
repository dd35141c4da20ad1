"""`gilfree audit`: real installs into a throwaway free-threaded venv, real imports."""

from __future__ import annotations

import json
import os
import shutil
import sysconfig
from pathlib import Path

import pytest
from packaging.markers import Marker

from gilfree.cli import main
from gilfree.commands.audit import (
    audit_environment,
    audit_packages,
    input_requirements,
    install_failure_reason,
    read_audit_input,
    summarize,
)
from gilfree.errors import BadInput, InterpreterError
from gilfree.inputs import LockedPackage, LockGraph, ProjectInput
from gilfree.runtime.extensions import DistExtensions
from gilfree.runtime.processes import run
from gilfree.runtime.pyinfo import inspect_interpreter
from gilfree.runtime.venv import throwaway_venv
from gilfree.verdicts.model import AuditResult, ModuleProbe
from gilfree.verdicts.serialize import from_data

FIXTURE_DISTS = ["ftr-declared", "ftr-undeclared", "ftr-setgil", "ftr-single", "ftr-segv", "ftr-hang",
                 "ftr-two", "ftr-testpkg"]


# --- pure logic (no interpreter needed) -------------------------------------------------

def _probe(module: str, outcome: str, detail: str = "") -> ModuleProbe:
    return ModuleProbe(module, f"/site/{module}.so", "cpython-313t-x86_64-linux-gnu", outcome, detail)


def test_summary_names_every_gil_module_and_ranks_crashes_first() -> None:
    dist = DistExtensions("pkg", "1.0", modules=(("a", "/a"), ("b", "/b"), ("c", "/c")))
    probes = [_probe("a", "gil-enabled"), _probe("b", "crashed", "killed by SIGSEGV\nFatal"),
              _probe("c", "gil-enabled")]
    result = summarize(dist, probes, python="3.13.5t")
    assert result.outcome == "crashed"
    assert result.gil_modules == ("a", "c")
    assert result.detail == "re-enables the GIL: a, c; crashed: b (killed by SIGSEGV)"


@pytest.mark.parametrize(("outcomes", "expected"), [
    (["gil-disabled", "gil-disabled"], "keeps-gil-disabled"),
    (["gil-disabled", "gil-enabled"], "re-enables-gil"),
    (["gil-enabled", "import-error"], "re-enables-gil"),
    (["gil-disabled", "timeout"], "import-fails"),
    ([], "keeps-gil-disabled"),
])
def test_summary_outcome(outcomes: list[str], expected: str) -> None:
    dist = DistExtensions("pkg", "1.0", modules=tuple((f"m{i}", f"/m{i}") for i in range(len(outcomes))))
    probes = [_probe(f"m{i}", o, "why") for i, o in enumerate(outcomes)]
    assert summarize(dist, probes, python="3.13.5t").outcome == expected


def test_a_missing_wheel_says_how_to_allow_a_build() -> None:
    stderr = ("Looking in links: /x\nERROR: Could not find a version that satisfies the requirement nope "
              "(from versions: none)\nERROR: No matching distribution found for nope\n")
    reason = install_failure_reason(stderr, allow_build=False)
    assert reason == ("No matching distribution found for nope (versions seen: none) "
                      "(only wheels were allowed: --allow-build lets pip build an sdist)")
    assert "--allow-build" not in install_failure_reason(stderr, allow_build=True)


def test_inputs_come_from_the_shared_readers(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("numpy>=2  # comment\n")
    (tmp_path / "req.txt").write_text("-r base.txt\n-c constraints.txt\nmsgpack ; python_version >= '3.13'\n"
                                      "pkg @ https://example.org/pkg-1.0.tar.gz\n")
    (tmp_path / "constraints.txt").write_text("numpy<3\n")
    wanted = read_audit_input(tmp_path / "req.txt")
    assert wanted.requirements == ("numpy>=2", 'msgpack; python_version >= "3.13"')
    assert wanted.constraints == ("numpy<3",) and not wanted.no_deps
    assert len(wanted.skipped) == 1 and wanted.skipped[0].startswith("pkg @ https://example.org")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["numpy", "msgpack>=1"]\n')
    assert read_audit_input(tmp_path).requirements == ("numpy", "msgpack>=1")


def test_a_lock_is_installed_pinned_with_markers_and_no_deps() -> None:
    graph = LockGraph(packages=(
        LockedPackage("numpy", "2.3.0"),
        LockedPackage("pywin32", "311", marker=Marker("sys_platform == 'win32'")),
        LockedPackage("app", "0.1", checked=False)), roots=None)
    wanted = input_requirements(ProjectInput(path="uv.lock", kind="uv.lock", name="app", locked=graph))
    assert wanted.requirements == ("numpy==2.3.0", 'pywin32==311 ; (sys_platform == "win32")')
    assert wanted.no_deps and wanted.skipped == ("app 0.1 (not from an index: not audited)",)


def test_unreadable_input_is_one_line_bad_input(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")
    with pytest.raises(BadInput, match="pyproject.toml:1: invalid TOML"):
        read_audit_input(tmp_path)


@pytest.mark.ft
@pytest.mark.parametrize("argv", [["audit"], ["audit", "--env", "numpy"], ["audit", "--", "--index-url=x"]])
def test_bad_usage_exits_2(argv: list[str], ft_python: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--python", str(ft_python)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gilfree: error:") and err.count("\n") == 1


def test_a_gil_interpreter_is_refused() -> None:
    gil_python = shutil.which("python3")
    if gil_python is None or inspect_interpreter(gil_python).free_threaded:
        pytest.skip("no GIL-enabled python3 on PATH")
    with pytest.raises(InterpreterError, match="not a free-threaded build"):
        audit_packages(["anything"], python=gil_python)


# --- real audits on the free-threaded interpreter ---------------------------------------

@pytest.fixture(scope="module")
def fixture_audit(ft_python: Path, offline_pip_args: list[str]) -> dict[str, AuditResult]:
    messages: list[str] = []
    results = audit_packages(FIXTURE_DISTS, python=ft_python, timeout=4, pip_args=offline_pip_args,
                             progress=messages.append)
    assert messages and messages[0].startswith("creating a throwaway venv")
    return {r.package: r for r in results}


@pytest.mark.ft
def test_each_package_gets_its_exact_outcome(fixture_audit, cext_builder) -> None:
    assert {name: r.outcome for name, r in fixture_audit.items()} == cext_builder.EXPECTED
    modules = {m.module: m.outcome for r in fixture_audit.values() for m in r.modules}
    assert modules == cext_builder.EXPECTED_MODULES  # the vendored libhelper.so is not a module
    testpkg = fixture_audit["ftr-testpkg"]  # greenlet.tests-like: needs a test-only dependency
    skipped = next(m for m in testpkg.modules if m.module == "ftr_testpkg.tests._test_ext")
    assert "its package ftr_testpkg.tests does not import" in skipped.detail
    assert "ftr_no_such_test_dependency" in skipped.detail and "fails to import" not in testpkg.detail
    assert testpkg.detail.startswith("all 1 extension module(s) checked keep the GIL disabled; not checked:")


@pytest.mark.ft
def test_both_undeclared_modules_of_one_package_are_named(fixture_audit) -> None:
    two = fixture_audit["ftr-two"]
    assert two.gil_modules == ("ftr_two._a", "ftr_two._b")
    assert two.detail == "re-enables the GIL: ftr_two._a, ftr_two._b"


@pytest.mark.ft
def test_results_carry_version_python_and_request_flags(fixture_audit) -> None:
    for r in fixture_audit.values():
        assert r.version == "1.0" and r.python.endswith("t") and r.requested and not r.built_from_sdist
    assert "SIGSEGV" in fixture_audit["ftr-segv"].detail
    assert "did not finish within 4s" in fixture_audit["ftr-hang"].detail


@pytest.mark.ft
def test_dependencies_are_audited_and_install_failures_keep_pips_reason(
        ft_python: Path, offline_pip_args: list[str]) -> None:
    results = audit_packages(["ftr-two", "ftr-no-such-package"], python=ft_python, pip_args=offline_pip_args)
    summary = [(r.package, r.outcome, r.requested) for r in results]
    assert summary == [("ftr-no-such-package", "install-failed", True), ("ftr-two", "re-enables-gil", True),
                       ("ftr-declared", "keeps-gil-disabled", False)]
    assert "No matching distribution found for ftr-no-such-package" in results[0].detail
    assert results[0].version is None


@pytest.mark.ft
def test_sdists_install_only_with_allow_build_and_are_marked(ft_python: Path, offline_pip_args: list[str]) -> None:
    [refused] = audit_packages(["ftr-fromsource"], python=ft_python, pip_args=offline_pip_args)
    assert refused.outcome == "install-failed" and "--allow-build" in refused.detail
    [built] = audit_packages(["ftr-fromsource"], python=ft_python, pip_args=offline_pip_args, allow_build=True)
    assert (built.outcome, built.built_from_sdist, built.detail) == (
        "keeps-gil-disabled", True, "no extension modules")


@pytest.mark.ft
def test_env_audits_an_existing_environment(ft_python: Path, cext_wheels: Path) -> None:
    with throwaway_venv(ft_python) as venv:
        wheels = [str(w) for pattern in ("ftr_setgil-*.whl", "ftr_single-*.whl") for w in cext_wheels.glob(pattern)]
        assert run([*venv.pip, "install", "--no-index", *wheels], timeout=300).returncode == 0
        results = {r.package: r.outcome for r in audit_environment(python=venv.python)}
        assert results == {"ftr-setgil": "keeps-gil-disabled", "ftr-single": "re-enables-gil"}
        # a .pth that imports an undeclared module turns the GIL on at start-up, for every
        # probe: each module is then judged by its own declaration
        (venv.info.site_dirs[-1] / "zz_startup.pth").write_text("import ftr_single\n")
        audited = {r.package: r for r in audit_environment(python=venv.python)}
        assert {name: r.outcome for name, r in audited.items()} == results
        assert "start-up" in audited["ftr-single"].modules[0].detail
        assert "start-up" in audited["ftr-setgil"].modules[0].detail
        with pytest.raises(BadInput, match="not installed"):
            audit_environment(python=venv.python, dist_names=["numpy"])


@pytest.mark.ft
def test_cli_json_and_exit_codes(ft_python: Path, offline_pip_env, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--python", str(ft_python), "--format", "json", "ftr-undeclared"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "gilfree.audit"
    [result] = doc["results"]
    assert (result["package"], result["outcome"]) == ("ftr-undeclared", "re-enables-gil")
    assert result["modules"][0]["module"] == "ftr_undeclared"
    restored = from_data(AuditResult, result)  # the documented schema round-trips
    assert restored.gil_modules == ("ftr_undeclared",) and restored.requested
    assert main(["audit", "--python", str(ft_python), "--fail-on", "never", "--format", "markdown",
                 "ftr-undeclared"]) == 0
    out = capsys.readouterr().out
    assert "| ftr-undeclared | 1.0 | re-enables-gil | 1 (1 GIL) |" in out


@pytest.mark.ft
def test_cli_reads_requirement_files_and_projects(ft_python: Path, offline_pip_env, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "requirements.txt").write_text("ftr-setgil\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\ndependencies = ["ftr-declared"]\n')
    code = main(["audit", "--python", str(ft_python), "-r", str(tmp_path / "requirements.txt"),
                 "--project", str(tmp_path), "--format", "json"])
    assert code == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert [(r["package"], r["outcome"]) for r in results] == [
        ("ftr-declared", "keeps-gil-disabled"), ("ftr-setgil", "keeps-gil-disabled")]


@pytest.mark.ft
def test_python_command_prints_the_interpreter(ft_python: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GILFREE_PYTHON", str(ft_python))
    assert main(["python", "--no-build"]) == 0
    assert capsys.readouterr().out.strip() == str(ft_python)


@pytest.mark.ft
@pytest.mark.live
def test_numpy_from_pypi_keeps_the_gil_disabled(ft_python: Path) -> None:
    results = {r.package: r for r in audit_packages(["numpy"], python=ft_python)}
    numpy = results["numpy"]
    assert numpy.outcome == "keeps-gil-disabled", numpy.detail
    assert len(numpy.modules) > 10 and not numpy.gil_modules
    assert all(m.abi_tag.startswith("cpython-31") and "t-" in m.abi_tag for m in numpy.modules)


@pytest.mark.ft
@pytest.mark.skipif(bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
                    reason="three throwaway venvs: run once, in the default-interpreter pass")
def test_python_version_all_audits_on_each_series(cext_builder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """One result per (package, release, Python) and a column per Python."""
    from gilfree.runtime import bootstrap

    pythons = {}
    for series in ("3.13t", "3.14t", "3.15t"):
        try:
            pythons[series] = bootstrap.find_ft_python(series, build=False)
        except InterpreterError as exc:
            if os.environ.get("GILFREE_REQUIRE_FT") == "1":
                pytest.fail(f"{series} required: {exc}")
            pytest.skip(f"{series} not built here: {exc}")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for series, python in pythons.items():
        for wheel in cext_builder.build_all(python, tmp_path / series).glob("ftr_undeclared-*.whl"):
            shutil.copy(wheel, wheels)
    for key, value in {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), "PIP_CONFIG_FILE": os.devnull}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GILFREE_PYTHON", raising=False)
    assert main(["audit", "ftr-undeclared", "--python-version", "all", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    got = sorted((r["package"], r["version"], r["python"][:5], r["outcome"]) for r in doc["results"])
    assert got == [("ftr-undeclared", "1.0", f"3.{m}.", "re-enables-gil") for m in (13, 14, 15)]
    assert len(doc["pythons"]) == 3
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["audit", "ftr-undeclared", "--python-version", "all"]) == 1
    table = capsys.readouterr().out
    assert "GIL audit per Python version" in table and table.count("re-enables-gil") == 3
    assert main(["audit", "ftr-undeclared", "--python-version", "3.15t", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["results"][0]["python"].startswith("3.15")

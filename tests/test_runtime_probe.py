"""probe_modules on the real free-threaded interpreter, with modules built by gcc."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from gilfree.errors import InterpreterError
from gilfree.runtime.probe import probe_modules
from gilfree.verdicts.model import ModuleProbe

pytestmark = pytest.mark.ft


@pytest.fixture(scope="module")
def unpacked(cext_wheels: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]]]:
    """Every test wheel unpacked into one directory (a stand-in site-packages)."""
    site = tmp_path_factory.mktemp("probe-site")
    for wheel in sorted(cext_wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(site)
    modules = sorted((".".join(p.relative_to(site).parts[:-1] + (p.name.split(".")[0],)), str(p))
                     for p in site.rglob("*.cpython-*.so"))
    return site, modules


@pytest.fixture(scope="module")
def probes(ft_python: Path, unpacked) -> dict[str, ModuleProbe]:
    site, modules = unpacked
    results = probe_modules(ft_python, modules, timeout=4, env={"PYTHONPATH": str(site), "PYTHON_GIL": "1"})
    assert [p.module for p in results] == [m for m, _ in modules]  # input order kept
    return {p.module: p for p in results}


def test_every_module_gets_its_exact_outcome(probes, cext_builder) -> None:
    assert {m: p.outcome for m, p in probes.items()} == cext_builder.EXPECTED_MODULES


def test_abi_tag_comes_from_the_file_suffix(probes, ft_python: Path, cext_builder) -> None:
    suffix = cext_builder.interpreter_facts(ft_python)["suffix"]  # .cpython-313t-x86_64-linux-gnu.so
    assert {p.abi_tag for p in probes.values()} == {suffix[1:-len(".so")]}


def test_gil_enabled_detail_is_cpythons_own_warning(probes) -> None:
    assert "has been enabled to load module 'ftr_single'" in probes["ftr_single"].detail
    assert probes["ftr_declared"].detail == ""


def test_second_undeclared_module_is_named_even_with_the_gil_already_on(probes) -> None:
    # ftr_two/__init__ imports _a first: _b's own declaration is read from the module object
    assert "re-enabled by ftr_two._a" in probes["ftr_two._b"].detail
    assert probes["ftr_two._ok"].outcome == "gil-disabled"


def test_crash_reports_signal_and_faulthandler_stack(probes) -> None:
    detail = probes["ftr_segv"].detail
    assert detail.startswith("killed by SIGSEGV")
    assert "Fatal Python error: Segmentation fault" in detail
    assert "create_module" in detail


def test_hang_reports_where_it_was_stuck(probes) -> None:
    detail = probes["ftr_hang"].detail
    assert detail.startswith("import did not finish within 4s")
    assert "create_module" in detail


def test_sequential_probes_agree_with_parallel_ones(ft_python: Path, unpacked, probes) -> None:
    site, modules = unpacked
    quick = [(m, p) for m, p in modules if m not in ("ftr_hang",)]
    sequential = probe_modules(ft_python, quick, jobs=1, env={"PYTHONPATH": str(site)})
    assert {p.module: p.outcome for p in sequential} == {m: probes[m].outcome for m, _ in quick}


def test_missing_module_is_an_import_error(ft_python: Path) -> None:
    [probe] = probe_modules(ft_python, [("ftr_nowhere", "/nonexistent/ftr_nowhere.so")])
    assert probe.outcome == "import-error"
    assert probe.detail.startswith("ModuleNotFoundError")


def test_no_modules_no_work(ft_python: Path) -> None:
    assert probe_modules(ft_python, []) == []


def test_an_interpreter_that_does_not_exist_is_an_interpreter_error(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="cannot run"):
        probe_modules(tmp_path / "python3.13t", [("json", "/x.so"), ("re", "/y.so")])

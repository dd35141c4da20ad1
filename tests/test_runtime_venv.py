"""Throwaway venvs and temporary directories that are always removed."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import pytest

from gilfree.errors import InterpreterError
from gilfree.runtime.processes import run
from gilfree.runtime.pyinfo import inspect_interpreter
from gilfree.runtime.venv import temporary_directory, throwaway_venv


def test_temporary_directory_is_removed_even_on_error() -> None:
    with pytest.raises(RuntimeError):
        with temporary_directory("gilfree-test-") as path:
            (path / "file").write_text("x")
            raise RuntimeError("boom")
    assert not path.exists()


def test_ctrl_c_while_a_temporary_directory_is_removed_still_removes_all_of_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    from gilfree.runtime import processes

    real_rmtree = processes.shutil.rmtree

    def interrupted(path, ignore_errors=False):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the venv is being deleted
        for _ in range(100_000):  # Python runs signal handlers in loops like this one
            pass
        real_rmtree(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(processes.shutil, "rmtree", interrupted)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with temporary_directory("gilfree-test-") as path:
                for i in range(20):
                    (path / f"f{i}").write_text("x")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not path.exists() and path not in processes.REGISTRY.registered_dirs()


def test_inspect_interpreter_reads_the_interpreter_itself() -> None:
    info = inspect_interpreter(sys.executable)
    assert info.version == tuple(sys.version_info[:3])
    assert info.free_threaded == bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert any(p.name == "site-packages" for p in info.site_dirs)


def test_inspect_interpreter_refuses_a_non_interpreter(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError):
        inspect_interpreter(tmp_path / "no-python")
    with pytest.raises(InterpreterError):
        inspect_interpreter("/bin/false")


@pytest.mark.ft
def test_throwaway_venv_is_free_threaded_has_pip_and_vanishes(ft_python: Path) -> None:
    with throwaway_venv(ft_python) as venv:
        assert venv.info.free_threaded and venv.info.in_venv
        assert venv.python.is_relative_to(venv.root)
        assert run([*venv.pip, "--version"], timeout=120).returncode == 0
        root = venv.root
    assert not root.exists() and not root.parent.exists()

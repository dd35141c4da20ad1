"""Process-wide state changes seen between two snapshots (the run alone of each test)."""

from __future__ import annotations

import os
import sys
import types
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from gilfree.stress.statewatch import StateWatch


@pytest.fixture
def project(tmp_path: Path) -> Iterator[types.ModuleType]:
    """A module that lives under the watched root, as a project's module would."""
    module = types.ModuleType("gilfree_watched_settings")
    module.__file__ = str(tmp_path / "gilfree_watched_settings.py")
    module.MODE = "a"
    module.CACHE = {}
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_nothing_changed_means_no_reasons(tmp_path: Path, project: types.ModuleType) -> None:
    watch = StateWatch([tmp_path])
    assert project.__name__ in watch.project_modules()
    before = watch.start()
    project.CACHE["filled"] = 1  # mutating a global object is not rebinding it
    assert watch.stop(before) == []


def test_rebinding_to_an_equal_new_object_is_seen(tmp_path: Path, project: types.ModuleType) -> None:
    watch = StateWatch([tmp_path])
    before = watch.start()
    project.CACHE = {}
    project.ADDED = 1
    assert watch.stop(before) == [f"rebound globals of {project.__name__} (ADDED, CACHE)"]


def test_modules_outside_the_root_and_excluded_ones_are_not_watched(
    tmp_path: Path, project: types.ModuleType
) -> None:
    assert project.__name__ not in StateWatch([tmp_path / "elsewhere"]).project_modules()
    assert project.__name__ not in StateWatch([tmp_path], {project.__name__}).project_modules()


def test_a_module_imported_later_is_watched_from_then_on(tmp_path: Path) -> None:
    watch = StateWatch([tmp_path])
    assert watch.project_modules() == []
    late = types.ModuleType("gilfree_watched_late")
    late.__file__ = str(tmp_path / "late.py")
    sys.modules[late.__name__] = late
    try:
        assert watch.project_modules() == [late.__name__]
    finally:
        del sys.modules[late.__name__]
    assert watch.project_modules() == []


def test_environment_cwd_path_filters_and_streams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    watch = StateWatch([tmp_path])
    before = watch.start()
    monkeypatch.setenv("GILFREE_WATCHED_VARIABLE", "1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "stdout", sys.stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        reasons = watch.stop(before)
    assert reasons == [
        "changed os.environ (GILFREE_WATCHED_VARIABLE)",
        f"changed the working directory to {os.getcwd()}",
        "changed sys.path",
        "changed the warnings filters",
        "replaced sys.stdout or sys.stderr",
    ]

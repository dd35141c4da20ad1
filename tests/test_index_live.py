"""Against the real PyPI: assertions that stay true as new releases appear."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gilfree.errors import ProjectNotFound
from gilfree.index import IndexClient, IndexConfig

pytestmark = pytest.mark.live


@pytest.fixture
def pypi(tmp_path: Path):
    with IndexClient(IndexConfig(cache_dir=tmp_path / "cache", retries=2, timeout=30.0)) as client:
        yield client


def test_numpy_2_1_0_has_a_cp313t_wheel(pypi: IndexClient) -> None:
    page = pypi.project_files("NumPy")
    assert page.name == "numpy" and "2.1.0" in page.versions
    assert any(f.filename.startswith("numpy-2.1.0-cp313-cp313t-") and f.filename.endswith(".whl")
               for f in page.files)
    assert page.last_serial and page.last_serial > 20_000_000
    assert all(f.sha256 for f in page.files if f.filename.startswith("numpy-2.1.0-"))


def test_numpy_json_api(pypi: IndexClient) -> None:
    info = pypi.project_info("numpy")
    assert info.name.lower() == "numpy" and info.version
    assert any(c.startswith("Programming Language :: Python :: 3") for c in info.classifiers)


def test_nonexistent_project(pypi: IndexClient) -> None:
    with pytest.raises(ProjectNotFound):
        pypi.project_files("gilfree-no-such-project-3f9c2a")


def test_offline_after_online(pypi: IndexClient) -> None:
    online = pypi.project_files("six")
    with IndexClient(dataclasses.replace(pypi.config, offline=True)) as offline:
        assert offline.project_files("six") == online

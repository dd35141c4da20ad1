"""pyproject.toml: PEP 621 dependencies, extras (incl. self-references), PEP 735 groups."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gilfree.errors import BadInput
from gilfree.inputs import load_input

DATA = Path(__file__).parent / "data" / "inputs"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    shutil.copy(DATA / "ds-pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _names(project) -> list[str]:
    return [r.name for r in project.requirements]


def test_runtime_dependencies_only_by_default(project_dir: Path) -> None:
    project = load_input(project_dir)
    assert project.kind == "pyproject" and project.name == "My_App"
    assert _names(project) == ["numpy", "pandas"]
    assert str(project.requirements[1].requirement.marker) == 'python_version >= "3.10"'
    assert project.requirements[0].origin.endswith("pyproject.toml:5")
    assert [u.reason.split(":")[0] for u in project.unchecked] == ["VCS checkout"]


def test_extras_expand_self_references(project_dir: Path) -> None:
    assert _names(load_input(project_dir, extras=["plots"])) == ["numpy", "pandas", "matplotlib"]
    # "all" is a real extra here: my-app[plots,parquet] pulls both
    assert sorted(_names(load_input(project_dir, extras=["all"]))) == ["matplotlib", "numpy", "pandas", "pyarrow"]


def test_groups_with_include_group(project_dir: Path) -> None:
    project = load_input(project_dir, groups=["dev"])
    assert _names(project) == ["numpy", "pandas", "pytest", "hypothesis", "ruff", "ipython"]
    both = load_input(project_dir, groups=["lint", "test"])
    assert _names(both) == ["numpy", "pandas", "ruff", "pytest", "hypothesis"]


def test_unknown_extra_or_group_lists_the_choices(project_dir: Path) -> None:
    with pytest.raises(BadInput, match=r"no extra named 'nope' \(available: all, parquet, plots\)"):
        load_input(project_dir, extras=["nope"])
    with pytest.raises(BadInput, match="no dependency group named 'docs'"):
        load_input(project_dir, groups=["docs"])


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, line, fragment", [
    ('[project]\nname = "x"\ndependencies = [\n  "ok",\n  "bad ==",\n]\n', 5, "invalid requirement 'bad =='"),
    ('[project]\nname = "x"\ndependencies = ["a",\n"b"\n[tool.x]\n', 5, "invalid TOML"),
    ('[project]\nname = "x"\nname = "y"\n', 3, "invalid TOML"),
    ('[project\nname = "x"\n', 1, "invalid TOML"),
    ('[project]\nname = "x"\ndependencies = "numpy"\n', 3, "must be a list of strings"),
])
def test_malformed_pyproject_is_one_line_with_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(BadInput) as info:
        load_input(_write(tmp_path, text))
    assert info.value.line == line, str(info.value)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_cyclic_groups_are_bad_input(tmp_path: Path) -> None:
    path = _write(tmp_path, '[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "a"}]\n')
    with pytest.raises(BadInput, match="Cyclic dependency group include"):
        load_input(path, groups=["a"])


def test_dynamic_dependencies_are_reported_not_guessed(tmp_path: Path) -> None:
    project = load_input(_write(tmp_path, '[project]\nname = "x"\ndynamic = ["dependencies"]\n'))
    assert project.requirements == () and "declared dynamic" in project.unchecked[0].reason


def test_poetry_only_pyproject_points_at_the_lock(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="point gilfree at poetry.lock"):
        load_input(_write(tmp_path, '[tool.poetry]\nname = "x"\n'))


def test_groups_without_project_table(tmp_path: Path) -> None:
    project = load_input(_write(tmp_path, '[dependency-groups]\ndocs = ["sphinx>=7"]\n'), groups=["docs"])
    assert _names(project) == ["sphinx"] and project.name == tmp_path.name

"""requirements*.txt in pip's format, including the shapes real projects have."""

from __future__ import annotations

from pathlib import Path

import pytest

from gilfree.errors import BadInput
from gilfree.inputs import load_input
from gilfree.inputs.requirements import logical_lines, read_requirements

DATA = Path(__file__).parent / "data" / "inputs"


def _read(tmp_path: Path, text: str | bytes, name: str = "requirements.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return read_requirements(path)


def test_nasty_real_world_file() -> None:
    project = read_requirements(DATA / "nasty-requirements.txt")
    reqs = [str(r.requirement) for r in project.requirements]
    assert reqs == [
        "pandas>=2",  # from -r nested/base.txt (which includes us back: read once)
        'requests[security,socks]>=2.31; python_version >= "3.8"',  # duplicate listed once
        "numpy==2.1.3",  # hashes stripped, continuation joined
        'uvloop>=0.19; sys_platform != "win32"',
        'pywin32==306; sys_platform == "win32"',
        "Django<5,>=4.2",
    ]
    assert [str(c.requirement) for c in project.constraints] == ["numpy<3"]
    numpy = project.requirements[2]
    assert numpy.origin.endswith("nasty-requirements.txt:8") and numpy.name == "numpy"
    reasons = {u.text: u.reason.split(":")[0] for u in project.unchecked}
    assert reasons == {
        "./src/mylib": "editable install",
        "git+https://github.com/org/editable.git#egg=editable": "editable install",
        "git+https://github.com/org/internal.git@v1.0#egg=internal": "VCS checkout",
        "https://example.com/wheels/foo-1.0-py3-none-any.whl": "direct URL",
        "./vendor/bar-2.0.tar.gz": "local path",
        "baz @ https://example.com/baz-1.0.tar.gz": "direct URL",
        "qux @ file:///opt/qux": "local path",
    }
    assert project.kind == "requirements" and project.name == "nasty-requirements.txt"


def test_logical_lines_follow_pip() -> None:
    text = "a \\\n  >=1\n# comment \\\nb  # trailing\n\nc\\\n"
    assert list(logical_lines(text)) == [(1, "a   >=1"), (4, "b"), (6, "c")]


def test_env_vars_expand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKG_VERSION", "1.2")
    project = _read(tmp_path, "foo==${PKG_VERSION}\n")
    assert str(project.requirements[0].requirement) == "foo==1.2"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_encodings(tmp_path: Path, encoding: str) -> None:
    project = _read(tmp_path, "requests\r\nidna\r\n".encode(encoding))
    assert [r.name for r in project.requirements] == ["requests", "idna"]


def test_option_spellings(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha\n")
    (tmp_path / "b.txt").write_text("beta\n")
    (tmp_path / "c.txt").write_text("gamma<2\n")
    project = _read(tmp_path, "-ra.txt\n--requirement=b.txt\n-c c.txt\n--pre\n--only-binary :all:\n-f ./wheels\n")
    assert [r.name for r in project.requirements] == ["alpha", "beta"]
    assert [c.name for c in project.constraints] == ["gamma"]


@pytest.mark.parametrize("text, line, fragment", [
    ("ok\nrequests ==\n", 2, "invalid requirement 'requests =='"),
    ("ok\n\nnumpy >= 1 <2\n", 3, "invalid requirement"),
    ("-r\n", 1, "-r needs a value"),
    ("--frobnicate\n", 1, "unknown option --frobnicate"),
    ("foo; python_version >>> '3'\n", 1, "invalid requirement"),
    ("ok\n-r nope.txt\n", 2, "cannot read"),
])
def test_malformed_lines_give_file_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(BadInput) as info:
        _read(tmp_path, text)
    assert info.value.line == line and info.value.path.endswith("requirements.txt")
    message = str(info.value)
    assert fragment in message and "\n" not in message
    assert message.startswith(f"{tmp_path / 'requirements.txt'}:{line}: ")


def test_binary_garbage_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r":2: not UTF-8"):
        _read(tmp_path, b"ok\n\xff\xfe\xfa garbage\n")


def test_error_inside_a_nested_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("fine\nbroken ===\n")
    with pytest.raises(BadInput) as info:
        _read(tmp_path, "-r base.txt\n")
    assert info.value.path.endswith("base.txt") and info.value.line == 2


def test_detected_in_a_directory_and_other_names(tmp_path: Path) -> None:
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    (tmp_path / "requirements.txt").write_text("flask\n")
    assert [r.name for r in load_input(tmp_path).requirements] == ["flask"]
    assert [r.name for r in load_input(tmp_path / "requirements-dev.txt").requirements] == ["pytest"]
    (tmp_path / "requirements.txt").unlink()
    assert [r.name for r in load_input(tmp_path).requirements] == ["pytest"]
    (tmp_path / "requirements-docs.txt").write_text("sphinx\n")
    with pytest.raises(BadInput, match="several requirements files"):
        load_input(tmp_path)
    with pytest.raises(BadInput, match="--extra and --group do not apply"):
        load_input(tmp_path / "requirements-dev.txt", extras=["x"])

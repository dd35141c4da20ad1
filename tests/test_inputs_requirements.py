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


# --- hostile inputs: each a one-line BadInput (or a result), quickly -------------------

import errno  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

from gilfree import fsutil  # noqa: E402
from gilfree.inputs.requirements import MAX_NESTING, pep508_url, strip_comment  # noqa: E402


def _bad(tmp_path: Path, text: str | bytes) -> BadInput:
    with pytest.raises(BadInput) as info:
        _read(tmp_path, text)
    assert "\n" not in str(info.value)
    return info.value


@pytest.mark.parametrize("line", [
    "a" + " " * 100_000 + "b",  # took 62 s: `(^|\s+)#.*$` and the PEP 508 URL pattern backtracked
    " " * 100_000 + "#x",
    "a" + " " * 100_000 + "[x]" + " " * 100_000 + "b",
    "-r" + " " * 100_000 + "x",
])
def test_a_line_of_100000_spaces_is_read_in_linear_time(tmp_path: Path, line: str) -> None:
    start = time.perf_counter()
    try:
        _read(tmp_path, line + "\n")
    except BadInput as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 1000  # the value is clipped
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("line, stripped", [
    ("numpy # comment", "numpy"), ("numpy#not-a-comment", "numpy#not-a-comment"),
    ("#all", ""), ("   # all", ""), ("a#b #c", "a#b"), ("a\t#c", "a"), ("", ""), ("a # b # c", "a"),
    ("url#egg=x #c", "url#egg=x"),
])
def test_strip_comment_is_pips_regular_expression(line: str, stripped: str) -> None:
    import re

    assert strip_comment(line).strip() == re.sub(r"(^|\s+)#.*$", "", line).strip() == stripped


@pytest.mark.parametrize("head, expected", [
    ("name @ https://x", True), ("name[extra] @ x", True), ("name  [a, b]  @x", True), ("name@x", True),
    ("name", False), ("name [extra", False), ("./path", False), ("name >= 1", False), ("@x", False),
])
def test_pep508_url(head: str, expected: bool) -> None:
    import re

    pattern = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")
    assert pep508_url(head) is expected is bool(pattern.match(head))


def test_caret_diagrams_are_cut_to_one_line(tmp_path: Path) -> None:
    exc = _bad(tmp_path, "requests >= 1 <2\n")
    assert "invalid requirement" in str(exc) and "^" not in str(exc)


def test_nested_symlink_loops_and_nul_bytes(tmp_path: Path) -> None:
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    assert "symlink loop" in str(_bad(tmp_path, "-r loop.txt\n"))
    exc = _bad(tmp_path, "ok\n-r a\0b.txt\n")
    assert exc.line == 2 and "NUL byte" in str(exc) and "\0" not in str(exc)


def test_a_fifo_or_a_device_as_r_target_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    start = time.monotonic()
    assert "named pipe" in str(_bad(tmp_path, "-r pipe.txt\n"))
    assert "character device" in str(_bad(tmp_path, "-r /dev/zero\n"))  # never read without a bound
    assert "directory" in str(_bad(tmp_path, f"-c {tmp_path}\n"))
    assert time.monotonic() - start < 2


def test_a_fifo_as_the_file_itself(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "requirements.txt")
    with pytest.raises(BadInput, match="named pipe"):
        load_input(tmp_path / "requirements.txt")


def test_r_chains_are_bounded(tmp_path: Path) -> None:
    """1,500 files deep was a RecursionError; the bound is MAX_NESTING, one line."""
    for i in range(1500):
        (tmp_path / f"r{i}.txt").write_text(f"-r r{i + 1}.txt\n")
    (tmp_path / "r1500.txt").write_text("six\n")
    with pytest.raises(BadInput, match=f"nested more than {MAX_NESTING} deep") as info:
        read_requirements(tmp_path / "r0.txt")
    assert "\n" not in str(info.value)
    (tmp_path / f"r{MAX_NESTING - 1}.txt").write_text("six\n")  # a chain within the bound reads
    assert [r.name for r in read_requirements(tmp_path / "r0.txt").requirements] == ["six"]


def test_an_unreadable_nested_file_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PermissionError, simulated: as root every file is readable."""
    (tmp_path / "secret.txt").write_text("six\n")
    real_open = os.open

    def deny(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if str(path).endswith("secret.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(fsutil.os, "open", deny)
    exc = _bad(tmp_path, "-r secret.txt\n")
    assert exc.line == 1 and "cannot read" in str(exc) and "secret.txt: permission denied" in str(exc)


def test_an_unreadable_directory_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory we may not list or search (simulated: root may), as the PATH of deps."""
    from gilfree.inputs import detect

    real_listdir = os.listdir

    def deny(path):  # noqa: ANN001
        if str(path) == str(tmp_path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_listdir(path)

    monkeypatch.setattr(detect.os, "listdir", deny)
    with pytest.raises(BadInput, match="permission denied") as info:
        load_input(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: ")
    monkeypatch.undo()
    (tmp_path / "requirements.txt").write_text("six\n")
    real_stat = os.stat

    def unsearchable(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if str(path).startswith(f"{tmp_path}/"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(detect.os, "stat", unsearchable)
    with pytest.raises(BadInput, match="permission denied"):
        load_input(tmp_path)


def test_many_requirements_are_deduplicated_in_linear_time(tmp_path: Path) -> None:
    text = "".join(f"pkg{i}>=1\n" for i in range(30_000)) + "pkg7>=1\n"
    start = time.perf_counter()
    project = _read(tmp_path, text)
    assert len(project.requirements) == 30_000 and time.perf_counter() - start < 10

"""uv.lock, poetry.lock and pylock.toml: the real example locks and hand-made edge cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gilfree.errors import BadInput
from gilfree.inputs import load_input
from gilfree.resolve.locked import walk_lock
from gilfree.verdicts.targets import parse_target

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data" / "inputs"
LINUX = parse_target("3.13t-manylinux_x86_64")
WIN = parse_target("3.14t-win_amd64")


def _walk(project, target=LINUX) -> dict[str, tuple[str, tuple[str, ...]]]:
    assert project.locked is not None
    return {d.name: (d.version, d.path) for d in walk_lock(project.locked, target, project.name)}


# --- uv.lock --------------------------------------------------------------------------

def test_uv_lock_example() -> None:
    project = load_input(ROOT / "examples" / "cli-uv")
    assert project.kind == "uv.lock" and project.name == "notes-cli"
    linux, win = _walk(project), _walk(project, WIN)
    assert linux["rich"][1] == ("notes-cli", "rich")
    assert linux["markdown-it-py"][1] == ("notes-cli", "rich", "markdown-it-py")
    assert "colorama" in win and "colorama" not in linux  # sys_platform == 'win32'
    assert "pywin32-ctypes" in win and "pywin32-ctypes" not in linux  # keyring's Windows backend
    assert "pytest" not in linux and "pyyaml" not in linux  # groups and extras are opt-in
    with_dev = _walk(load_input(ROOT / "examples" / "cli-uv", groups=["dev"], extras=["yaml"]))
    assert with_dev["pytest"][1] == ("notes-cli", "pytest") and "pyyaml" in with_dev


UV_FORKED = """\
version = 1
requires-python = ">=3.12"
resolution-markers = ["python_full_version >= '3.14'", "python_full_version < '3.14'"]

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "numpy", version = "2.0.2", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version < '3.14'" },
    { name = "numpy", version = "2.3.4", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version >= '3.14'" },
    { name = "mylib" },
    { name = "helper" },
]

[[package]]
name = "numpy"
version = "2.0.2"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version < '3.14'"]

[[package]]
name = "numpy"
version = "2.3.4"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version >= '3.14'"]

[[package]]
name = "mylib"
version = "0.3.0"
source = { git = "https://github.com/org/mylib?rev=v0.3#abc" }
dependencies = [{ name = "six" }]

[[package]]
name = "helper"
version = "1.0"
source = { path = "../helper" }

[[package]]
name = "six"
version = "1.16.0"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_lock_forks_and_direct_sources(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text(UV_FORKED)
    project = load_input(tmp_path)
    assert _walk(project)["numpy"][0] == "2.0.2" and _walk(project, WIN)["numpy"][0] == "2.3.4"
    assert _walk(project)["six"][1] == ("app", "mylib", "six")  # through an unchecked package
    assert "mylib" not in _walk(project) and "helper" not in _walk(project)
    assert {u.reason.split(":")[0] for u in project.unchecked} == {"VCS checkout", "local path"}


@pytest.mark.parametrize("text, fragment, line", [
    ('version = 1\n[[package]]\nname = "a"\nversion = "1"\n[[package]\n', "invalid TOML", 5),
    ('version = 1\n[[package]]\nversion = "1"\n', "[[package]] without a name", None),
    ('[[package]]\nname = "a"\n', "not a uv.lock", None),
    ('version = 1\n[[package]]\nname = "a"\nversion = "1"\nsource = { registry = "x" }\n', "no workspace root", None),
    ('version = 1\n[[package]]\nname = "a"\nsource = { virtual = "." }\n'
     'dependencies = [{ name = "b", marker = "python_version >>> \'3\'" }]\n', "invalid marker", 5),
])
def test_malformed_uv_lock(tmp_path: Path, text: str, fragment: str, line: int | None) -> None:
    (tmp_path / "uv.lock").write_text(text)
    with pytest.raises(BadInput) as info:
        load_input(tmp_path / "uv.lock")
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert info.value.line == line


# --- poetry.lock ----------------------------------------------------------------------

@pytest.fixture
def poetry_dir(tmp_path: Path) -> Path:
    shutil.copy(DATA / "poetry.lock", tmp_path / "poetry.lock")
    shutil.copy(DATA / "poetry-pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_poetry_lock_rooted_at_pyproject(poetry_dir: Path) -> None:
    project = load_input(poetry_dir)
    assert project.kind == "poetry.lock" and project.name == "svc"
    linux, win = _walk(project), _walk(project, WIN)
    assert set(linux) == {"requests", "pysocks", "certifi", "charset-normalizer", "idna", "urllib3"}
    assert linux["pysocks"][1] == ("svc", "requests", "pysocks")  # requests[socks] -> optional dep
    assert "colorama" in win and "pytest" not in win
    assert "mylib" not in linux and project.unchecked[0].reason.startswith("VCS checkout")


def test_poetry_lock_groups_and_extras(poetry_dir: Path) -> None:
    project = load_input(poetry_dir, groups=["dev"], extras=["xml"])
    linux = _walk(project)
    assert linux["pytest"][1] == ("svc", "pytest") and linux["iniconfig"][1] == ("svc", "pytest", "iniconfig")
    assert linux["lxml"][1] == ("svc", "lxml")


def test_poetry_lock_without_pyproject_uses_groups(tmp_path: Path) -> None:
    shutil.copy(DATA / "poetry.lock", tmp_path / "poetry.lock")
    linux = _walk(load_input(tmp_path))
    assert "pytest" not in linux and "requests" in linux and "lxml" in linux


def test_poetry_example_is_consistent() -> None:
    project = load_input(ROOT / "examples" / "service-poetry")
    linux = _walk(project)
    assert linux["uvloop"][1] == ("orders-service", "uvicorn", "uvloop")  # uvicorn[standard]
    assert "uvloop" not in _walk(project, WIN) and "pytest" not in linux


def test_malformed_poetry_lock(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text('[[package]]\nname = "a"\nversion = "1"\n[metadata]\nlock-version = "2.1"\n'
                                          '[package.dependencies]\nb = {version = "*", markers = "os_name ==="}\n')
    with pytest.raises(BadInput, match="invalid"):
        load_input(tmp_path)


# --- pylock.toml ----------------------------------------------------------------------

def test_pylock_example() -> None:
    project = load_input(ROOT / "examples" / "pylock")
    assert project.kind == "pylock"
    linux = _walk(project)
    assert {"lxml", "cryptography", "cffi", "pycparser", "pyyaml", "msgpack", "psutil", "ujson"} == set(linux)
    assert "typing-extensions" not in linux  # python_full_version == '3.10.*' only
    assert linux["pycparser"][0] == "3.12"  # the >= 3.11 fork, not the 3.10 one


PYLOCK = """\
lock-version = "1.0"
created-by = "hand"
requires-python = ">=3.10"
extras = ["crypto"]
dependency-groups = ["dev"]
default-groups = []

[[packages]]
name = "requests"
version = "2.32.3"
dependencies = [{ name = "idna" }]
wheels = [{ name = "requests-2.32.3-py3-none-any.whl", url = "https://x/requests-2.32.3-py3-none-any.whl", hashes = { sha256 = "70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6" } }]

[[packages]]
name = "idna"
version = "3.10"
wheels = [{ name = "idna-3.10-py3-none-any.whl", url = "https://x/idna-3.10-py3-none-any.whl", hashes = { sha256 = "946d195a0d259cbba61165e88e65941f16e9b36ea6ddb97f00452bae8b1287d3" } }]

[[packages]]
name = "cryptography"
version = "43.0.1"
marker = "'crypto' in extras"
sdist = { name = "cryptography-43.0.1.tar.gz", url = "https://x/cryptography-43.0.1.tar.gz", hashes = { sha256 = "203e92a75716d8cfb491dc47c79e17d0d9207ccffcbcb35f598fbe463ae3444d" } }

[[packages]]
name = "pytest"
version = "8.3.3"
marker = "'dev' in dependency_groups"
wheels = [{ name = "pytest-8.3.3-py3-none-any.whl", url = "https://x/pytest-8.3.3-py3-none-any.whl", hashes = { sha256 = "a6853c7375b2663155079443d2e45de913a911a11d669df02a50814944db57b2" } }]

[[packages]]
name = "local"
directory = { path = "./local" }
"""


def test_pylock_extras_groups_and_edges(tmp_path: Path) -> None:
    (tmp_path / "pylock.toml").write_text(PYLOCK)
    plain = _walk(load_input(tmp_path))
    assert plain == {"requests": ("2.32.3", (tmp_path.name, "requests")),
                     "idna": ("3.10", (tmp_path.name, "requests", "idna"))}
    full = _walk(load_input(tmp_path, extras=["crypto"], groups=["dev"]))
    assert {"cryptography", "pytest"} <= set(full)
    assert load_input(tmp_path).unchecked[0].reason.startswith("local path")
    with pytest.raises(BadInput, match="no extra named 'nope'"):
        load_input(tmp_path, extras=["nope"])


def test_invalid_pylock_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pylock.toml").write_text('lock-version = "9.0"\ncreated-by = "x"\n[[packages]]\nname = "a"\n')
    with pytest.raises(BadInput) as info:
        load_input(tmp_path)
    assert "invalid pylock file" in str(info.value) and "\n" not in str(info.value)
    (tmp_path / "pylock.toml").write_text('lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "a"\n')
    with pytest.raises(BadInput, match="invalid pylock file"):
        load_input(tmp_path)


@pytest.mark.parametrize("name, text", [
    ("uv.lock", 'version = 1\n[[package]]\nname = "a"\nsource = { virtual = "." }\noptional-dependencies = "x"\n'),
    ("uv.lock", 'version = 1\nmanifest = 3\n[[package]]\nname = "a"\nsource = { virtual = "." }\n'),
    ("uv.lock", 'version = 1\n[[package]]\nname = "b"\nversion = "1"\nresolution-markers = [1]\n'),
    ("poetry.lock", '[metadata]\n[[package]]\nname = "a"\nversion = "1"\ndependencies = 3\n'),
    ("poetry.lock", '[metadata]\n[[package]]\nname = "a"\nversion = "1"\nextras = 3\n'),
    ("pyproject.toml", '[project]\nname = 3\ndynamic = 3\n'),
    ("pylock.toml", 'lock-version = "1.0"\ncreated-by = "x"\npackages = 3\n'),
])
def test_wrong_types_are_one_line_bad_input(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(BadInput) as info:
        load_input(tmp_path / name)
    assert "\n" not in str(info.value) and str(tmp_path / name) in str(info.value)


@pytest.mark.parametrize("name, text", [
    ("pylock.toml", 'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "six"\nversion = "1.0"\n'
                    "marker = \"python_version >>> '3'\"\n"
                    'sdist = { url = "https://x/six-1.0.tar.gz", hashes = { sha256 = "00" } }\n'),
    ("uv.lock", 'version = 1\n[[package]]\nname = "a"\nsource = { virtual = "." }\n'
                "dependencies = [{ name = \"b\", marker = \"python_version >>> '3'\" }]\n"),
    ("poetry.lock", "[metadata]\n[[package]]\nname = \"a\"\nversion = \"1\"\nmarkers = \"os_name ==\"\n"),
    ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["requests >= 1 <2"]\n'),
])
def test_parser_caret_diagrams_are_cut_to_one_line(tmp_path: Path, name: str, text: str) -> None:
    """packaging's errors are three lines (message, text, caret): only the message is shown."""
    (tmp_path / name).write_text(text)
    with pytest.raises(BadInput) as info:
        load_input(tmp_path / name)
    message = str(info.value)
    assert "\n" not in message and "\\n" not in message and "^" not in message, message

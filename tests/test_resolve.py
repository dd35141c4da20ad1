"""resolve layer: marker environments, lock walking, uv output parsing, and real uv runs
against the synthetic index of ``resolve_index``."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from resolve_index import PROJECTS, FakeIndex

from gilfree.inputs import load_input
from gilfree.inputs.model import InputRequirement, LockEdge, LockedPackage, LockGraph, ProjectInput
from gilfree.resolve import ResolveOptions, resolve_input
from gilfree.resolve.environment import marker_environment, resolution_key
from gilfree.resolve.locked import walk_lock
from gilfree.resolve.uv import parse_compiled, summarize_uv_error
from gilfree.verdicts.targets import parse_target

LINUX = parse_target("3.13t-manylinux_x86_64")
MUSL = parse_target("3.13t-musllinux_x86_64")
WIN = parse_target("3.13t-win_amd64")
MAC = parse_target("3.14t-macosx_arm64")


@pytest.fixture(scope="module")
def fake_index():
    with FakeIndex(PROJECTS).serve() as index:
        yield index


@pytest.fixture(scope="module")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uv-cache")


def _options(index: FakeIndex, uv_cache: Path, cache_dir: Path | None = None) -> ResolveOptions:
    return ResolveOptions(index_url=index.url, cache_dir=cache_dir, uv_cache_dir=uv_cache, timeout=120)


def _requirements(*lines: str, name: str = "app") -> ProjectInput:
    requirements = tuple(InputRequirement(Requirement(t), f"test:{i}") for i, t in enumerate(lines, 1))
    return ProjectInput(path="test", kind="requirements", name=name, requirements=requirements)


def test_marker_environment_per_platform() -> None:
    assert Marker("sys_platform == 'win32' and platform_machine == 'AMD64'").evaluate(marker_environment(WIN))
    assert Marker("sys_platform == 'darwin' and platform_machine == 'arm64'").evaluate(marker_environment(MAC))
    assert Marker("python_version >= '3.14'").evaluate(marker_environment(MAC))
    assert not Marker("python_version >= '3.14'").evaluate(marker_environment(LINUX))
    # manylinux and musllinux cannot be told apart by markers: one resolution serves both
    assert resolution_key(LINUX) == resolution_key(MUSL) != resolution_key(WIN)


UV_OUTPUT = """\
certifi==2024.8.30
    # via requests
numpy==2.1.3
    # via
    #   -r requirements.in
    #   pandas
pandas==2.2.3
    # via -r requirements.in
python-dateutil==2.9.0.post0
    # via pandas
requests[socks]==2.32.3
    # via -r requirements.in
six==1.16.0
    # via python-dateutil
pysocks==1.7.1
    # via requests
"""


def test_parse_compiled_paths_are_shortest_from_root() -> None:
    deps = {d.name: d for d in parse_compiled(UV_OUTPUT, "app")}
    assert deps["numpy"].path == ("app", "numpy")  # direct beats app -> pandas -> numpy
    assert deps["six"].path == ("app", "pandas", "python-dateutil", "six")
    assert deps["requests"].version == "2.32.3"
    assert deps["pysocks"].path == ("app", "requests", "pysocks")
    assert deps["certifi"].direct is False and deps["pandas"].direct is True


def test_summarize_uv_error_is_one_line() -> None:
    stderr = ("  × No solution found when resolving dependencies:\n"
              "  ╰─▶ Because nothing==1.0 depends on missing and you require nothing, we can conclude...\n"
              "  hint: try something\n")
    message = summarize_uv_error(stderr)
    assert "\n" not in message and message.startswith("No solution found") and "hint" not in message


def _graph() -> LockGraph:
    return LockGraph(packages=(
        LockedPackage("web", "1.0", dependencies=(
            LockEdge("json", Marker("sys_platform == 'linux'")),
            LockEdge("colorama", Marker("sys_platform == 'win32'")),
            LockEdge("extra-lib", when_extra="full"))),
        LockedPackage("json", "2.0", dependencies=(LockEdge("six"),)),
        LockedPackage("colorama", "0.4.6"),
        LockedPackage("extra-lib", "1.0"),
        LockedPackage("six", "1.16.0"),
        LockedPackage("np", "1.26.4", resolution_markers=(Marker("python_version < '3.14'"),)),
        LockedPackage("np", "2.3.0", resolution_markers=(Marker("python_version >= '3.14'"),)),
        LockedPackage("member", "0.1", dependencies=(LockEdge("six"),), checked=False),
    ), roots=(LockEdge("web"), LockEdge("np"), LockEdge("member")))


def test_walk_lock_evaluates_markers_per_target() -> None:
    linux = {d.name: d for d in walk_lock(_graph(), LINUX, "proj")}
    win = {d.name: d for d in walk_lock(_graph(), WIN, "proj")}
    assert set(linux) == {"web", "json", "six", "np"}  # member: traversed, not checked
    assert set(win) == {"web", "colorama", "np", "six"}
    assert linux["six"].path == ("proj", "member", "six")  # shortest path wins
    assert linux["json"].path == ("proj", "web", "json")


def test_walk_lock_picks_the_fork_for_the_python() -> None:
    assert {d.name: d.version for d in walk_lock(_graph(), LINUX, "p")}["np"] == "1.26.4"
    assert {d.name: d.version for d in walk_lock(_graph(), MAC, "p")}["np"] == "2.3.0"


def test_walk_lock_follows_extras_only_when_asked() -> None:
    graph = _graph()
    asked = LockGraph(graph.packages, roots=(LockEdge("web", extras=frozenset({"full"})),))
    assert "extra-lib" in {d.name for d in walk_lock(asked, LINUX, "p")}
    assert "extra-lib" not in {d.name for d in walk_lock(graph, LINUX, "p")}


def test_walk_lock_without_roots_uses_package_markers() -> None:
    graph = LockGraph(packages=(LockedPackage("a", "1", marker=Marker("sys_platform == 'win32'")),
                                LockedPackage("b", "1", dependencies=(LockEdge("c"),)), LockedPackage("c", "1")),
                      roots=None)
    linux = {d.name: d.path for d in walk_lock(graph, LINUX, "p")}
    assert linux == {"b": ("p", "b"), "c": ("p", "b", "c")}


def test_resolve_with_uv_against_the_fake_index(fake_index: FakeIndex, uv_cache: Path) -> None:
    project = _requirements("webfw", "fastjson<2")
    result = resolve_input(project, [LINUX, WIN, MUSL], _options(fake_index, uv_cache))
    linux = {d.name: d for d in result[LINUX].deps}
    win = {d.name: d for d in result[WIN].deps}
    assert result[LINUX].error is None and result[LINUX].resolver.startswith("uv ")
    assert {n: d.version for n, d in linux.items()} == {"webfw": "1.0", "fastjson": "1.1"}
    assert {n: d.version for n, d in win.items()} == {"webfw": "1.0", "fastjson": "1.1", "winhelper": "1.0"}
    assert win["winhelper"].path == ("app", "webfw", "winhelper")
    assert result[MUSL].deps == result[LINUX].deps  # one resolution for both libcs


def test_resolve_extras_and_constraints(fake_index: FakeIndex, uv_cache: Path) -> None:
    project = ProjectInput(path="t", kind="requirements", name="app",
                           requirements=(InputRequirement(Requirement("webfw[full]"), "t:1"),),
                           constraints=(InputRequirement(Requirement("fastjson==2.0"), "c:1"),))
    deps = {d.name: d for d in resolve_input(project, [LINUX], _options(fake_index, uv_cache))[LINUX].deps}
    assert deps["fastjson"].version == "2.0"
    assert deps["tool-bin"].path == ("app", "webfw", "purelib", "tool-bin")


def test_resolution_is_cached(fake_index: FakeIndex, uv_cache: Path, tmp_path: Path) -> None:
    project = _requirements("purelib")
    first = resolve_input(project, [LINUX], _options(fake_index, uv_cache, tmp_path))[LINUX]
    count = len(fake_index.requests)
    second = resolve_input(project, [LINUX], _options(fake_index, uv_cache, tmp_path))[LINUX]
    assert not first.cached and second.cached and first.deps == second.deps
    assert len(fake_index.requests) == count  # no uv run, no request


def test_unresolvable_is_an_error_not_an_exception(fake_index: FakeIndex, uv_cache: Path) -> None:
    result = resolve_input(_requirements("fastjson>=9"), [LINUX], _options(fake_index, uv_cache))[LINUX]
    assert result.deps == () and result.error and "fastjson" in result.error


def test_locked_input_is_not_resolved(tmp_path: Path) -> None:
    lock = Path(__file__).parents[1] / "examples" / "cli-uv" / "uv.lock"
    project = load_input(lock)
    options = ResolveOptions(index_url="http://127.0.0.1:9/simple/")  # never contacted
    result = resolve_input(project, [LINUX, WIN], options)
    assert result[LINUX].resolver == "uv.lock"
    assert "colorama" in {d.name for d in result[WIN].deps}
    assert "colorama" not in {d.name for d in result[LINUX].deps}

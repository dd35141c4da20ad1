"""`gilfree deps`: the advice checked against answers computed by hand from the synthetic
index of ``resolve_index`` (see PROJECTS there), the gate, and the three renderings."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console
from resolve_index import PROJECTS, FakeIndex

from gilfree.cli import main
from gilfree.cli.deps import describe_targets, print_table, render
from gilfree.commands.deps import Action, DepsReport, advise, check_project
from gilfree.index.client import IndexClient
from gilfree.index.config import IndexConfig
from gilfree.inputs import load_input
from gilfree.inputs.tomlfile import MEMO_MIN_BYTES
from gilfree.resolve import ResolveOptions
from gilfree.verdicts.model import AuditResult, TargetStatus, Verdict
from gilfree.verdicts.targets import parse_target, select_targets

L13 = parse_target("3.13t-manylinux_x86_64")
W13 = parse_target("3.13t-win_amd64")
L14 = parse_target("3.14t-manylinux_x86_64")

UV_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.13"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "oldbuild" }, { name = "newpure" }, { name = "prerel" },
    { name = "tool-bin" }, { name = "fastjson" }, { name = "ghost" },
]

[[package]]
name = "oldbuild"
version = "1.0"
source = { registry = "http://x/simple" }

[[package]]
name = "newpure"
version = "1.0"
source = { registry = "http://x/simple" }

[[package]]
name = "prerel"
version = "1.0"
source = { registry = "http://x/simple" }

[[package]]
name = "tool-bin"
version = "1.0"
source = { registry = "http://x/simple" }

[[package]]
name = "fastjson"
version = "2.0"
source = { registry = "http://x/simple" }

[[package]]
name = "ghost"
version = "1.0"
source = { registry = "http://x/simple" }
"""


@pytest.fixture(scope="module")
def fake_index():
    with FakeIndex(PROJECTS).serve() as index:
        yield index


@pytest.fixture
def client(fake_index: FakeIndex, tmp_path: Path):
    with IndexClient(IndexConfig(index_url=fake_index.url, json_url=None, cache_dir=tmp_path / "http",
                                 use_cache=False, retries=0)) as c:
        yield c


@pytest.fixture
def options(fake_index: FakeIndex, tmp_path_factory: pytest.TempPathFactory) -> ResolveOptions:
    return ResolveOptions(index_url=fake_index.url, uv_cache_dir=tmp_path_factory.getbasetemp() / "uv-cache")


def _by(report: DepsReport) -> dict[tuple[str, str], tuple]:
    return {(d.name, t.target.name): (t.version, t.verdict, t.action, t.upgrade_to)
            for d in report.dependencies for t in d.targets}


def test_advice_on_a_resolved_project(tmp_path: Path, client: IndexClient, options: ResolveOptions) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("webfw\nfastjson<2\n")
    report = check_project(client, load_input(req), [L13, W13, L14], options)
    got = _by(report)
    assert got == {
        ("webfw", L13.name): ("1.0", Verdict.PURE, Action.NONE, None),
        ("webfw", W13.name): ("1.0", Verdict.PURE, Action.NONE, None),
        ("webfw", L14.name): ("1.0", Verdict.PURE, Action.NONE, None),
        # 1.1 has GIL wheels only; 2.0 adds cp313t wheels, 2.1 the first cp314t ones
        ("fastjson", L13.name): ("1.1", Verdict.NO_FT_WHEEL, Action.UPGRADE, "2.0"),
        ("fastjson", W13.name): ("1.1", Verdict.NO_FT_WHEEL, Action.UPGRADE, "2.0"),
        ("fastjson", L14.name): ("1.1", Verdict.NO_FT_WHEEL, Action.UPGRADE, "2.1"),
        # Windows only, and never had free-threaded wheels
        ("winhelper", W13.name): ("1.0", Verdict.NO_FT_WHEEL, Action.BLOCKED, None),
    }
    summary = {s.target.name: (s.dependencies, s.ok, s.upgrades, s.blocked, s.ready) for s in report.summaries}
    assert summary == {L13.name: (2, 1, 1, 0, False), W13.name: (3, 1, 1, 1, False), L14.name: (2, 1, 1, 0, False)}
    winhelper = next(d for d in report.dependencies if d.name == "winhelper")
    assert winhelper.targets[0].path == ("requirements.txt", "webfw", "winhelper")
    assert report.gate("blocked") and report.gate("upgrade") and not report.gate("never")
    assert not report.incomplete


def test_advice_on_a_locked_project(tmp_path: Path, client: IndexClient, options: ResolveOptions) -> None:
    (tmp_path / "uv.lock").write_text(UV_LOCK)
    report = check_project(client, load_input(tmp_path), [L13, L14], options)
    got = _by(report)
    assert got[("oldbuild", L13.name)] == ("1.0", Verdict.NEEDS_BUILD, Action.NEEDS_BUILD, None)
    assert got[("newpure", L13.name)] == ("1.0", Verdict.NO_FT_WHEEL, Action.UPGRADE, "2.0")  # 2.0 is pure
    assert got[("prerel", L13.name)] == ("1.0", Verdict.NO_FT_WHEEL, Action.BLOCKED, None)
    assert got[("tool-bin", L13.name)] == ("1.0", Verdict.BINARY, Action.NONE, None)
    assert got[("fastjson", L13.name)] == ("2.0", Verdict.FT_WHEEL, Action.NONE, None)
    assert got[("fastjson", L14.name)] == ("2.0", Verdict.NO_FT_WHEEL, Action.UPGRADE, "2.1")
    assert got[("ghost", L13.name)] == ("1.0", Verdict.MISSING, Action.BLOCKED, None)
    prerel = next(d for d in report.dependencies if d.name == "prerel").targets[0]
    assert "pre-release 2.0rc1" in prerel.detail
    assert report.gate("blocked")
    s = report.summaries[0]
    assert (s.dependencies, s.ok, s.upgrades, s.blocked, s.needs_build) == (6, 2, 1, 2, 1)


@pytest.mark.parametrize("width", [80, 120])
def test_table_keeps_names_and_verdicts_whole(tmp_path: Path, client: IndexClient, options: ResolveOptions,
                                               width: int) -> None:
    (tmp_path / "uv.lock").write_text(UV_LOCK)
    report = check_project(client, load_input(tmp_path), [L13, L14], options)
    out = io.StringIO()
    print_table(report, Console(file=out, width=width, color_system=None), show_all=True)
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= width
    cells = {c.strip() for line in text.splitlines() for c in line.split("│")}
    assert {"oldbuild", "tool-bin", "fastjson", "needs-build", "no-ft-wheel", "ft-wheel"} <= cells
    # a blocked row's URL is printed only where it does not squeeze every other column
    url = next(d.project_url for d in report.dependencies if d.name == "ghost")
    assert (url[:12] in text) == (width >= 120)


def test_a_dependency_that_dropped_its_free_threaded_wheels_is_downgraded(
        tmp_path: Path, client: IndexClient, options: ResolveOptions) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("dropped\n")
    report = check_project(client, load_input(req), [L13, L14], options)
    got = {(t.target.name, t.version, t.action, t.downgrade_to, t.upgrade_to)
           for d in report.dependencies for t in d.targets}
    assert got == {(L13.name, "2.0", Action.DOWNGRADE, "1.1", None),  # 1.1 was the last with cp313t
                   (L14.name, "2.0", Action.BLOCKED, None, None)}  # never had cp314t wheels
    assert [(s.downgrades, s.blocked) for s in report.summaries] == [(1, 0), (0, 1)]
    only_313 = check_project(client, load_input(req), [L13], options)
    assert not only_313.gate("blocked") and only_313.gate("upgrade")  # a way out exists: not blocked
    md = render(only_313, "markdown")
    assert "⬇️ downgrade to <= 1.1" in md and "| ⬇️ not ready: 1 downgrade (1 dependency) |" in md
    assert json.loads(render(only_313, "json"))["results"][0]["targets"][0]["downgrade_to"] == "1.1"


def test_advise_rules_in_isolation() -> None:
    def ts(verdict: Verdict, first: str | None = None, **kw: object) -> TargetStatus:
        return TargetStatus(L13, verdict, "1.0", first_ft_version=first, **kw)  # type: ignore[arg-type]

    assert advise(ts(Verdict.FT_WHEEL), "1.0") == (Action.NONE, None)
    assert advise(ts(Verdict.NO_FT_WHEEL, "1.5"), "1.0") == (Action.UPGRADE, "1.5")
    assert advise(ts(Verdict.NO_FT_WHEEL, "0.9"), "1.0") == (Action.BLOCKED, None)
    # free-threaded wheels dropped since 0.9.5: the way back is the last release that had them
    assert advise(ts(Verdict.NO_FT_WHEEL, "0.9", latest_ft_version="0.9.5"), "1.0") == (Action.DOWNGRADE, "0.9.5")
    assert advise(ts(Verdict.NEEDS_BUILD, "0.9", latest_ft_version="0.9"), "1.0") == (Action.DOWNGRADE, "0.9")
    assert advise(ts(Verdict.NO_FT_WHEEL, None, first_ft_prerelease="0.9rc1", latest_ft_version="0.9rc1"),
                  "1.0") == (Action.BLOCKED, None)  # a pre-release is no way back
    assert advise(ts(Verdict.NO_FT_WHEEL, "0.9", latest_ft_version="1.2"), "1.0") == (Action.UPGRADE, "1.2")
    assert advise(ts(Verdict.NEEDS_BUILD), "1.0") == (Action.NEEDS_BUILD, None)
    assert advise(ts(Verdict.NEEDS_BUILD, "2.0"), "1.0") == (Action.UPGRADE, "2.0")
    assert advise(ts(Verdict.ERROR), "1.0") == (Action.ERROR, None)
    assert advise(ts(Verdict.PYTHON_EXCLUDED), "1.0") == (Action.BLOCKED, None)


def test_describe_targets() -> None:
    every = select_targets(["3.13t", "3.14t"])
    assert describe_targets(every, every) == "all targets"
    assert describe_targets([t for t in every if t.python == (3, 14)], every) == "3.14t"
    assert describe_targets([W13], every) == "3.13t: win_amd64"
    most = [t for t in every if t.python == (3, 13) and t.platform != "win_arm64"]
    assert describe_targets(most, every) == "3.13t except win_arm64"
    windows = [t for t in every if t.platform.startswith("win")]
    assert describe_targets(windows, every) == "win_amd64, win_arm64 (all Pythons)"


def _cli(fake_index: FakeIndex, tmp_path: Path, *args: str) -> int:
    return main(["deps", *args, "--index-url", fake_index.url, "--cache-dir", str(tmp_path / "cache")])


def test_cli_json_and_exit_codes(fake_index: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv"))
    req = tmp_path / "requirements.txt"
    req.write_text("webfw\nfastjson<2\ngit+https://example.com/x.git#egg=x\n")
    assert _cli(fake_index, tmp_path, str(req), "-t", L13.name, "-f", "json") == 0  # upgrade only: not blocked
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "gilfree.deps" and doc["targets"] == [L13.name]
    fastjson = next(r for r in doc["results"] if r["name"] == "fastjson")
    assert fastjson["targets"][0]["action"] == "upgrade" and fastjson["targets"][0]["upgrade_to"] == "2.0"
    assert doc["summary"][0]["ready"] is False and doc["summary"][0]["upgrades"] == 1
    assert doc["unchecked"][0]["reason"].startswith("VCS checkout")
    assert _cli(fake_index, tmp_path, str(req), "-t", L13.name, "-f", "json", "--fail-on", "upgrade") == 1
    assert _cli(fake_index, tmp_path, str(req), "-t", W13.name, "-f", "json") == 1  # winhelper blocked
    assert _cli(fake_index, tmp_path, str(req), "-t", W13.name, "-f", "json", "--fail-on", "never") == 0
    capsys.readouterr()


def test_cli_keeps_a_big_lock_parsed_under_cache_dir(fake_index: FakeIndex, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GILFREE_CACHE_DIR", str(tmp_path / "default-cache"))
    project = tmp_path / "project"
    project.mkdir()
    padding = "".join(f"# {i:06d} {'.' * 60}\n" for i in range(MEMO_MIN_BYTES // 60))
    (project / "uv.lock").write_text(UV_LOCK + padding)
    assert _cli(fake_index, tmp_path, str(project), "-t", L13.name, "-f", "json") == 1  # ghost is blocked
    assert {r["name"] for r in json.loads(capsys.readouterr().out)["results"]} >= {"fastjson", "ghost"}
    assert len(list((tmp_path / "cache" / "toml").glob("*.json"))) == 1
    assert not (tmp_path / "default-cache").exists()  # --cache-dir is the only place written
    again = main(["deps", str(project), "-t", L13.name, "-f", "json", "--index-url", fake_index.url, "--no-cache"])
    assert again == 1 and not (tmp_path / "default-cache").exists()
    capsys.readouterr()


def test_cli_markdown_and_table(fake_index: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv"))
    req = tmp_path / "requirements.txt"
    req.write_text("webfw\nfastjson<2\n")
    _cli(fake_index, tmp_path, str(req), "-t", f"{L13.name},{W13.name}", "-f", "markdown", "--all")
    md = capsys.readouterr().out
    assert md.startswith("## Free-threading readiness: requirements.txt")
    assert ("| `3.13t` | ⛔ not ready on both platforms: winhelper blocked (win_amd64); "
            "fastjson upgrade to >= 2.0 (3 dependencies) |") in md
    assert "| `3.13t-win_amd64` | ⛔ not ready: 1 upgrade, 1 blocked (3 dependencies) |" in md  # per target
    assert "⬆️ upgrade to >= 2.0 | all targets | requirements.txt → fastjson |" in md
    assert "winhelper" in md and "<details>" in md
    out = tmp_path / "report.txt"
    _cli(fake_index, tmp_path, str(req), "-t", L13.name, "-o", str(out))
    text = out.read_text()
    assert "fastjson" in text and "upgrade to >= 2.0" in text
    assert "3.13t  not ready on manylinux_x86_64: fastjson upgrade to >= 2.0 (2 dependencies)" in text
    _cli(fake_index, tmp_path, str(req), "-t", L13.name, "-o", str(out), "--per-target")
    text = out.read_text()
    assert "3.13t-manylinux_x86_64" in text and "not ready: 1 upgrade (2 dependencies)" in text


def test_audit_column_hook(tmp_path: Path, client: IndexClient, options: ResolveOptions) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("fastjson<2\n")
    report = check_project(client, load_input(req), [L13], options)
    audit = {"fastjson": AuditResult("fastjson", "1.1", "re-enables-gil")}
    assert "re-enables-gil" in render(report, "table", audit=audit)
    assert "| audit |" in render(report, "markdown", audit=audit)
    assert json.loads(render(report, "json", audit=audit))["audit"]["fastjson"]["outcome"] == "re-enables-gil"
    assert "| audit |" not in render(report, "markdown")


@pytest.mark.parametrize("content, message", [
    ("requests ==\n", "requirements.txt:1: invalid requirement"),
    ("-r missing.txt\n", "requirements.txt:1: cannot read"),
    ("--bogus-option\n", "requirements.txt:1: unknown option --bogus-option"),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          content: str, message: str) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(content)
    assert main(["deps", str(req)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_resolution_failure_exits_3(fake_index: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv"))
    req = tmp_path / "requirements.txt"
    req.write_text("fastjson>=9\n")
    assert _cli(fake_index, tmp_path, str(req), "-t", L13.name, "-f", "json") == 3
    doc = json.loads(capsys.readouterr().out)
    assert "fastjson" in doc["summary"][0]["resolve_error"]


@pytest.mark.live
def test_live_example_lock_against_pypi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).parents[1] / "examples" / "cli-uv"
    code = main(["deps", str(example), "-t", "3.14t-manylinux_x86_64", "-f", "json", "--fail-on", "never",
                 "--cache-dir", str(tmp_path)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    names = {r["name"] for r in doc["results"]}
    assert {"click", "rich", "httpx", "pydantic"} <= names and "colorama" not in names  # win32 only
    pydantic = next(r for r in doc["results"] if r["name"] == "pydantic")["targets"][0]
    assert pydantic["path"] == ["notes-cli", "pydantic"] and pydantic["verdict"] == "pure"


@pytest.mark.live
def test_live_requirements_resolved_against_pypi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("requests>=2.31\npywin32; sys_platform == 'win32'\n")
    main(["deps", str(req), "-t", "3.14t-manylinux_x86_64,3.14t-win_amd64", "-f", "json", "--fail-on", "never",
          "--cache-dir", str(tmp_path)])
    doc = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r for r in doc["results"]}
    assert by_name["urllib3"]["targets"][0]["path"] == ["requirements.txt", "requests", "urllib3"]
    assert [t["target"] for t in by_name["pywin32"]["targets"]] == ["3.14t-win_amd64"]


@pytest.mark.ft
def test_audit_dependencies_fills_the_runtime_column(ft_python: Path, offline_pip_env: dict[str, str]) -> None:
    """`deps --audit`: each dependency installed at its pin and probed on the ft interpreter."""
    from gilfree.cli.deps import render
    from gilfree.commands.audit import local_target
    from gilfree.commands.deps import DepStatus, DepTarget, audit_dependencies

    targets = select_targets(["3.13t"])
    local = local_target(targets, "3.13")
    assert local is not None and local.python == (3, 13)
    deps = tuple(DepStatus(name, f"https://pypi.org/project/{name}/", (
        DepTarget(local, "1.0", Verdict.FT_WHEEL, Action.NONE, path=("app", name)),))
        for name in ("ftr-declared", "ftr-two"))
    report = DepsReport("app", "requirements.txt", "requirements", targets, deps, ())
    audit = audit_dependencies(report, python=str(ft_python))
    assert audit["ftr-declared"].outcome == "keeps-gil-disabled"
    assert audit["ftr-two"].outcome == "re-enables-gil"
    assert set(audit["ftr-two"].gil_modules) == {"ftr_two._a", "ftr_two._b"}
    table = render(report, "table", show_all=True, audit=audit)
    assert "GIL stays off" in table and "GIL re-enabled by ftr_two._a, ftr_two._b" in table


# --- hostile inputs and options: one line, exit 2, before any work -----------------------


def _bad_deps(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    assert main(["deps", *argv, "--no-cache", "--index-url", "http://127.0.0.1:9/simple/"]) == 2
    err = capsys.readouterr().err
    assert fragment in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_output_is_checked_before_the_input_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import gilfree.cli.deps as cli_deps

    read: list[object] = []
    monkeypatch.setattr(cli_deps, "load_input", lambda *a, **k: read.append(a))
    req = tmp_path / "requirements.txt"
    req.write_text("six\n")
    _bad_deps(capsys, [str(req), "-o", str(tmp_path)], "--output is a directory")
    _bad_deps(capsys, [str(req), "-o", str(req / "report.md")], "is not a directory")
    _bad_deps(capsys, [str(req), "-o", str(tmp_path / "no" / "report.md")], "missing directories are not created")
    assert read == [] and not (tmp_path / "no").exists()


@pytest.mark.parametrize("target", ["", ",", " ,, "])
def test_cli_empty_targets_are_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("six\n")
    _bad_deps(capsys, [str(req), "--target", target], "--target names no target")


def test_cli_hostile_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(tmp_path / "requirements.txt")  # no writer: a read would block forever
    _bad_deps(capsys, [str(tmp_path / "requirements.txt")], "named pipe")
    _bad_deps(capsys, [str(tmp_path)], "no uv.lock, poetry.lock")  # a FIFO is not a file to pick
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    _bad_deps(capsys, [str(tmp_path / "loop")], "symlink loop")
    _bad_deps(capsys, [f"{tmp_path}/a\0b.txt"], "NUL byte")
    other = tmp_path / "other"
    other.mkdir()
    (other / "requirements.txt").write_text("-r /dev/zero\n")
    _bad_deps(capsys, [str(other)], "requirements.txt:1: cannot read /dev/zero: is a character device")


@pytest.mark.parametrize("name, text", [
    ("pyproject.toml", '[project]\nname = "x"\ndependencies = []\nx = ' + "[" * 500 + "]" * 500 + "\n"),
    ("uv.lock", "version = 1\n" + ".".join(["k"] * 1000) + " = 1\n"),
    ("poetry.lock", "[metadata]\nx = " + "{a = " * 450 + "1" + "}" * 450 + "\n"),
    ("pylock.toml", 'lock-version = "1.0"\n[' + ".".join(["t"] * 1200) + "]\n"),
])
def test_cli_deep_toml_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    _bad_deps(capsys, [str(tmp_path / name)], f"{name}: TOML nested too deeply")


def test_cli_python_that_prints_another_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho \'{"python": "3.13.0", "dists": {"six": "1.0"}}\'\n')
    fake.chmod(0o755)
    _bad_deps(capsys, ["--python", str(fake)], 'environment report gilfree cannot read: no "dists" list')


def test_cli_malformed_index_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("six\n")
    assert main(["deps", str(req), "--no-cache", "--index-url", "http://[::1/simple/"]) == 2
    assert "--index-url is not a valid URL" in capsys.readouterr().err

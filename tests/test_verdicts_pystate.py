"""Per-Python states: a package on one Python version, over that version's platforms."""

from __future__ import annotations

import json

import pytest

from gilfree.cli import main
from gilfree.verdicts.model import PackageStatus, PythonState, Target, TargetStatus, Verdict
from gilfree.verdicts.pystate import describe, summarize, summarize_data
from gilfree.verdicts.serialize import to_data
from gilfree.verdicts.targets import PLATFORMS

V = Verdict


def status(per_platform, *, python=(3, 14), version="2.0", native=True, pure=False, latest_ft=None,
           first_ft=None) -> PackageStatus:
    """A status on one Python version; ``per_platform`` is a Verdict or platform -> Verdict."""
    pick = per_platform if callable(per_platform) else (lambda _p: per_platform)
    targets = []
    for platform in PLATFORMS:
        verdict = pick(platform)
        targets.append(TargetStatus(Target(python, platform), verdict, version,
                                    first_ft_version=first_ft if verdict is V.FT_WHEEL or latest_ft else None,
                                    latest_ft_version=version if verdict is V.FT_WHEEL else latest_ft))
    return PackageStatus("pkg", "pkg", version, tuple(targets), pure=pure, native=native)


def only(s: PackageStatus):
    (summary,) = summarize(s)
    return summary


def test_free_threaded_wheels_everywhere() -> None:
    summary = only(status(V.FT_WHEEL, first_ft="1.0"))
    assert summary.state is PythonState.FT_ALL and summary.platforms == 8
    assert summary.first_ft_version == "1.0" and summary.state.installs
    assert describe(summary) == "free-threaded wheels on all 8 platforms"


def test_some_platforms_name_the_missing_ones() -> None:
    summary = only(status(lambda p: V.NO_FT_WHEEL if p.startswith("musl") else V.FT_WHEEL))
    assert summary.state is PythonState.FT_SOME and not summary.state.installs
    assert summary.missing_platforms == ("musllinux_x86_64", "musllinux_aarch64")
    assert describe(summary).startswith("free-threaded wheels on 6 of 8 platforms; none for musllinux_x86_64")


def test_dropped_wheels_install_an_older_release() -> None:
    """numpy 2.5 on 3.13t: the newest release has none, 2.4.6 has them everywhere."""
    summary = only(status(V.NO_FT_WHEEL, python=(3, 13), version="2.5.5", latest_ft="2.4.6", first_ft="2.1.0"))
    assert summary.state is PythonState.OLDER and summary.older_version == "2.4.6"
    assert summary.first_ft_version == "2.1.0" and summary.state.installs
    assert "≤ 2.4.6" in describe(summary)
    # an sdist-only newest release with an older ft release: deps downgrades there too
    assert only(status(V.NEEDS_BUILD, version="3.0", latest_ft="2.9")).state is PythonState.OLDER
    # a pre-release with ft wheels is no way out
    assert only(status(V.NO_FT_WHEEL, version="3.0", latest_ft="3.1rc1")).state is PythonState.BLOCKED


def test_older_on_some_platforms_newest_on_others() -> None:
    summary = only(status(lambda p: V.FT_WHEEL if p.startswith("many") else V.NO_FT_WHEEL, latest_ft="1.9"))
    assert summary.state is PythonState.OLDER and summary.ft_platforms == ("manylinux_x86_64", "manylinux_aarch64")
    assert "only 2 of 8 platforms, 1.9 on all" in describe(summary)


def test_pure_fallback_is_not_pure_python() -> None:
    """cython, protobuf: compiled wheels for GIL builds only; the pure wheel installs."""
    fallback = only(status(V.PURE, native=True))
    assert fallback.state is PythonState.PURE_FALLBACK and fallback.state.installs
    assert only(status(V.PURE, native=False, pure=True)).state is PythonState.PURE


def test_binary_build_blocked_missing_error() -> None:
    assert only(status(V.BINARY, native=False)).state is PythonState.BINARY
    assert only(status(V.NEEDS_BUILD, native=False)).state is PythonState.NEEDS_BUILD
    assert only(status(V.NO_FT_WHEEL)).state is PythonState.BLOCKED
    assert only(status(V.PYTHON_EXCLUDED)).state is PythonState.BLOCKED
    assert only(status(V.MISSING)).state is PythonState.MISSING
    partial = only(status(lambda p: V.ERROR if p == "win_arm64" else V.FT_WHEEL))
    assert partial.state is PythonState.ERROR  # unknown somewhere: never called ready
    mixed = only(status(lambda p: V.NO_FT_WHEEL if p == "win_arm64" else V.PURE))
    assert mixed.state is PythonState.BLOCKED and mixed.missing_platforms == ("win_arm64",)
    assert describe(mixed) == "blocked on win_arm64"


def test_each_python_version_is_summarized_apart() -> None:
    per_python = {(3, 13): V.NO_FT_WHEEL, (3, 14): V.FT_WHEEL, (3, 15): V.FT_WHEEL}
    targets = tuple(TargetStatus(Target(py, p), v, "1.0", latest_ft_version="1.0" if v is V.FT_WHEEL else None)
                    for py, v in per_python.items() for p in PLATFORMS)
    s = PackageStatus("pkg", "pkg", "1.0", targets, pure=False, native=True)
    assert [(x.python, x.state) for x in summarize(s)] == [
        ("3.13", PythonState.BLOCKED), ("3.14", PythonState.FT_ALL), ("3.15", PythonState.FT_ALL)]


def test_serialized_statuses_summarize_the_same() -> None:
    s = status(V.NO_FT_WHEEL, python=(3, 13), version="2.5.5", latest_ft="2.4.6")
    assert summarize_data(to_data(s)) == summarize(s)
    old = to_data(status(V.PURE, native=True))
    del old["native"]  # stored before the field existed: the rules' note tells
    for t in old["targets"]:
        t["detail"] = "pure-Python wheel; native wheels exist for GIL builds only"
    assert summarize_data(old)[0].state is PythonState.PURE_FALLBACK


def test_status_json_carries_per_python_summaries(capsys: pytest.CaptureFixture[str], test_index, tmp_path) -> None:
    args = ["--index-url", test_index.url, "--json-url", test_index.json_url, "--cache-dir", str(tmp_path / "c")]
    main(["status", "numpy", "requests", "ruff", "--format", "json", *args])
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] == 2
    numpy, requests, ruff = ({p["python"]: p for p in r["pythons"]} for r in doc["results"])
    assert numpy["3.14"]["state"] == "ft-all" and numpy["3.14"]["platforms"] == 8
    # the recorded page keeps 2.1.0 as numpy's only cp313t release: no Windows wheels
    assert numpy["3.13"]["state"] == "ft-some" and numpy["3.13"]["older_version"] == "2.1.0"
    assert numpy["3.13"]["missing_platforms"] == ["win_amd64", "win_arm64"]
    assert numpy["3.13"]["first_ft_version"] == "2.1.0"
    assert {p["state"] for p in requests.values()} == {"pure"}
    assert {p["state"] for p in ruff.values()} == {"binary"}
    assert doc["results"][0]["native"] is True and doc["results"][1]["native"] is False

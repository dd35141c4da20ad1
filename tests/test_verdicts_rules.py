"""Every verdict of DESIGN.md's table, on real-world file name shapes."""

from __future__ import annotations

import pytest

from gilfree.verdicts.model import DistFile, ProjectFiles, Verdict
from gilfree.verdicts.rules import Releases, choose, ft_history, is_pure, parse_file
from gilfree.verdicts.targets import parse_target


def files(*names: str, requires_python: str | None = None, yanked: tuple[str, ...] = ()) -> ProjectFiles:
    return ProjectFiles("pkg", tuple(
        DistFile(n, f"https://files.example/{n}", requires_python=requires_python, yanked=n in yanked)
        for n in names), "https://index.example/simple/")


def verdict(target: str, *names: str, **kw) -> Verdict:
    rel = Releases(files(*names, **kw))
    latest = rel.latest()
    assert latest is not None
    return choose(rel.files(latest), parse_target(target)).verdict


T313 = "3.13t-manylinux_x86_64"


@pytest.mark.parametrize("name,target", [
    # manylinux multi-tags as uploaded by cibuildwheel / auditwheel
    ("numpy-2.1.0-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", T313),
    ("numpy-2.5.5-cp313-cp313t-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", T313),
    ("pyyaml-6.0.4-cp314-cp314t-manylinux2014_aarch64.manylinux_2_17_aarch64.manylinux_2_28_aarch64.whl",
     "3.14t-manylinux_aarch64"),
    ("x-1.0-cp313-cp313t-musllinux_1_2_x86_64.whl", "3.13t-musllinux_x86_64"),
    ("x-1.0-cp313-cp313t-macosx_10_13_universal2.whl", "3.13t-macosx_arm64"),
    ("x-1.0-cp313-cp313t-macosx_10_13_universal2.whl", "3.13t-macosx_x86_64"),
    ("x-1.0-cp314-cp314t-macosx_11_0_arm64.whl", "3.14t-macosx_arm64"),
    ("x-1.0-cp313-cp313t-win_arm64.whl", "3.13t-win_arm64"),
    ("x-1.0-cp313-cp313t-win_amd64.whl", "3.13t-win_amd64"),
    ("x-1.0-cp315-abi3t-manylinux_2_28_x86_64.whl", "3.15t-manylinux_x86_64"),
])
def test_ft_wheel_shapes(name: str, target: str) -> None:
    assert verdict(target, name, "x-1.0.tar.gz") is Verdict.FT_WHEEL


def test_gil_only_wheels_block_even_with_sdist() -> None:
    names = ("x-1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "x-1.0.tar.gz")
    assert verdict(T313, *names) is Verdict.NO_FT_WHEEL


def test_abi3_does_not_install_on_free_threaded() -> None:
    names = ("x-1.0-cp39-abi3-manylinux_2_17_x86_64.whl", "x-1.0-cp39-abi3-win_amd64.whl")
    assert verdict(T313, *names) is Verdict.NO_FT_WHEEL
    assert verdict("3.15t-manylinux_x86_64", *names) is Verdict.NO_FT_WHEEL


def test_abi3t_starts_at_315() -> None:
    name = "x-1.0-cp315-abi3t-manylinux_2_28_x86_64.whl"
    assert verdict("3.15t-manylinux_x86_64", name) is Verdict.FT_WHEEL
    assert verdict("3.14t-manylinux_x86_64", name) is Verdict.NO_FT_WHEEL


def test_other_python_ft_wheel_does_not_apply() -> None:
    assert verdict("3.14t-manylinux_x86_64", "x-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl") \
        is Verdict.NO_FT_WHEEL


def test_cp313t_only_package_is_blocked_on_314t_but_ready_on_313t() -> None:
    names = ("ftonly-0.3-cp313-cp313t-manylinux_2_17_x86_64.whl", "ftonly-0.3-cp313-cp313t-win_amd64.whl")
    assert verdict(T313, *names) is Verdict.FT_WHEEL
    assert verdict("3.13t-win_amd64", *names) is Verdict.FT_WHEEL
    assert verdict("3.13t-macosx_arm64", *names) is Verdict.NO_FT_WHEEL
    assert verdict("3.14t-manylinux_x86_64", *names) is Verdict.NO_FT_WHEEL


@pytest.mark.parametrize("name", ["requests-2.32.3-py3-none-any.whl", "six-1.16.0-py2.py3-none-any.whl"])
def test_pure(name: str) -> None:
    assert verdict(T313, name) is Verdict.PURE
    assert verdict("3.15t-win_arm64", name) is Verdict.PURE


def test_pure_fallback_beside_gil_only_native_wheels_is_pure_with_note() -> None:
    rel = Releases(files("m-1.0-cp313-cp313-manylinux_2_17_x86_64.whl", "m-1.0-py3-none-any.whl"))
    choice = choose(rel.files(rel.latest()), parse_target(T313))
    assert choice.verdict is Verdict.PURE
    assert "GIL builds only" in choice.detail


def test_ft_wheel_beats_pure_fallback() -> None:
    names = ("m-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl", "m-1.0-py3-none-any.whl")
    assert verdict(T313, *names) is Verdict.FT_WHEEL


def test_binary_wheels_like_ruff() -> None:
    names = ("ruff-0.6.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
             "ruff-0.6.0-py3-none-macosx_11_0_arm64.whl", "ruff-0.6.0-py3-none-win_arm64.whl",
             "ruff-0.6.0-py3-none-musllinux_1_2_aarch64.whl", "ruff-0.6.0.tar.gz")
    for target in (T313, "3.14t-macosx_arm64", "3.15t-win_arm64", "3.13t-musllinux_aarch64"):
        assert verdict(target, *names) is Verdict.BINARY, target
    # no wheel for this platform: the sdist (a Rust build) is what pip would try
    assert verdict("3.13t-win_amd64", *names) is Verdict.NEEDS_BUILD


def test_sdist_only_needs_build() -> None:
    assert verdict(T313, "legacy-1.0.tar.gz") is Verdict.NEEDS_BUILD
    assert verdict(T313, "legacy-1.0.zip") is Verdict.NEEDS_BUILD


def test_wheels_for_other_platforms_only() -> None:
    assert verdict(T313, "w-1.0-cp313-cp313t-win_amd64.whl") is Verdict.NO_FT_WHEEL


def test_manylinux_too_new_for_aarch64_legacy_alias_is_still_recognised() -> None:
    assert verdict("3.13t-manylinux_aarch64", "x-1.0-cp313-cp313t-manylinux2014_aarch64.whl") \
        is Verdict.FT_WHEEL


def test_requires_python_excludes_target() -> None:
    assert verdict(T313, "old-1.0-py3-none-any.whl", requires_python="<3.13") is Verdict.PYTHON_EXCLUDED
    assert verdict(T313, "new-1.0-py3-none-any.whl", requires_python=">=3.14") is Verdict.PYTHON_EXCLUDED
    assert verdict("3.14t-win_amd64", "new-1.0-py3-none-any.whl", requires_python=">=3.14") is Verdict.PURE
    # an unparseable requires-python is ignored, as pip ignores it
    assert verdict(T313, "odd-1.0-py3-none-any.whl", requires_python=">=3.6.*,") is Verdict.PURE


def test_yanked_files_are_ignored_unless_pinned() -> None:
    proj = files("y-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl", "y-1.1-cp313-cp313-manylinux_2_17_x86_64.whl",
                 "y-2.0-cp313-cp313t-manylinux_2_17_x86_64.whl",
                 yanked=("y-2.0-cp313-cp313t-manylinux_2_17_x86_64.whl",))
    rel = Releases(proj)
    assert str(rel.latest()) == "1.1"
    pinned = rel.pinned("2.0")
    assert pinned is not None and choose(pinned[1], parse_target(T313)).verdict is Verdict.FT_WHEEL
    assert rel.pinned("3.0") is None


def test_empty_release_is_missing() -> None:
    assert choose([], parse_target(T313)).verdict is Verdict.MISSING


@pytest.mark.parametrize("name", [
    "pytz-2004d-py2.4.egg", "weird-1.0.exe", "legacy-0.1dev-r1234.tar.gz", "x-1.0_beta-py3-none-any.whl",
    "foo-bar.tar.gz", "notes.txt", "x-latest.zip",
])
def test_legacy_and_odd_file_names_do_not_crash(name: str) -> None:
    parse_file(DistFile(name, "u"))  # None or parsed, never an exception
    Releases(files(name, "x-1.0-py3-none-any.whl"))


def test_legacy_versions_are_skipped_not_fatal() -> None:
    rel = Releases(files("pkg-0.1dev-r1234.tar.gz", "pkg-1.0-py3-none-any.whl"))
    assert [str(v) for v in rel.versions] == ["1.0"]


def test_latest_prefers_stable_over_newer_prerelease() -> None:
    rel = Releases(files("p-1.0-py3-none-any.whl", "p-2.0rc1-py3-none-any.whl"))
    assert str(rel.latest()) == "1.0"
    only_pre = Releases(files("p-2.0rc1-py3-none-any.whl"))
    assert str(only_pre.latest()) == "2.0rc1"


def test_first_ft_stable_and_prerelease_reported_separately() -> None:
    names = ["numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.whl",
             "numpy-2.1.0rc1-cp313-cp313t-manylinux_2_17_x86_64.whl",
             "numpy-2.1.0-cp313-cp313t-manylinux_2_17_x86_64.whl",
             "numpy-2.2.0-cp313-cp313t-manylinux_2_17_x86_64.whl",
             "numpy-2.3.0-cp314-cp314t-manylinux_2_17_x86_64.whl"]
    rel = Releases(files(*names))
    h = ft_history(rel, parse_target(T313))
    assert (str(h.first_stable), str(h.first_prerelease), str(h.latest)) == ("2.1.0", "2.1.0rc1", "2.2.0")
    h14 = ft_history(rel, parse_target("3.14t-manylinux_x86_64"))
    assert (str(h14.first_stable), h14.first_prerelease) == ("2.3.0", None)
    assert ft_history(rel, parse_target("3.13t-win_amd64")).first_stable is None


def test_prerelease_after_first_stable_is_not_reported() -> None:
    rel = Releases(files("p-1.0-cp313-cp313t-win_amd64.whl", "p-2.0b1-cp313-cp313t-win_amd64.whl"))
    h = ft_history(rel, parse_target("3.13t-win_amd64"))
    assert (str(h.first_stable), h.first_prerelease, str(h.latest)) == ("1.0", None, "2.0b1")


def test_is_pure() -> None:
    rel = Releases(files("a-1.0-py3-none-any.whl", "a-1.0.tar.gz"))
    assert is_pure(rel.files(rel.latest())) is True
    rel = Releases(files("a-1.0-cp313-cp313-win_amd64.whl", "a-1.0-py3-none-any.whl"))
    assert is_pure(rel.files(rel.latest())) is False
    rel = Releases(files("a-1.0.tar.gz"))
    assert is_pure(rel.files(rel.latest())) is None


def test_name_part_memos_stay_bounded_and_right(monkeypatch: pytest.MonkeyPatch) -> None:
    from gilfree.verdicts import rules

    monkeypatch.setattr(rules._Memo, "LIMIT", 2)
    monkeypatch.setattr(rules, "_MEMO", rules._Memo())
    names = [f"p{i}-1.{i}-cp313-cp313t-manylinux_2_17_x86_64.whl" for i in range(5)] + [
        "bad__name-1.0-py3-none-any.whl", "x-1.0-notabuild-py3-none-any.whl"]
    for _ in range(2):
        parsed = [parse_file(DistFile(n, "u")) for n in names]
        assert [p is not None for p in parsed] == [True] * 5 + [False, False]
        assert all(p.native and p.ft_or_none for p in parsed[:5])
        assert [str(p.version) for p in parsed[:5]] == [f"1.{i}" for i in range(5)]
        assert [str(rules._version(f"1.{i}")) for i in range(5)] == [f"1.{i}" for i in range(5)]
    memo = rules._MEMO
    assert max(len(memo.tags), len(memo.names), len(memo.versions)) <= 2


@pytest.mark.parametrize("page", ["numpy", "cffi", "cereggii", "msgpack", "pydantic-core", "markupsafe"])
def test_the_ft_prefilter_never_hides_an_ft_wheel(page: str) -> None:
    """``may_be_ft_wheel`` (names only, set operations) must say True wherever ``choose``
    finds an ft-wheel, on every release with a free-threaded ABI of real pages, or
    ``ft_history`` would miss a first free-threaded release."""
    import json
    from pathlib import Path

    from gilfree.index.simple import parse_project_files
    from gilfree.verdicts.targets import default_targets

    doc = json.loads((Path(__file__).parent / "data" / "index" / "simple" / f"{page}.json").read_text())
    files = parse_project_files(doc, name=page, index_url="x", page_url="https://example.org/simple/x/")
    releases = Releases(files)
    assert releases.ft_candidates or page == "markupsafe"
    hits = skipped = 0
    for version in releases.ft_candidates:
        for target in default_targets():
            ft = releases.choose(version, target).verdict is Verdict.FT_WHEEL
            may = releases.may_be_ft_wheel(version, target)
            assert may or not ft, (version, target.name)
            hits += ft
            skipped += not may
    assert hits or not releases.ft_candidates
    if page == "numpy":
        assert skipped  # e.g. win_arm64 before numpy shipped cp313t wheels for it


def chosen(target: str, *names: str, **kw) -> str | None:
    rel = Releases(files(*names, **kw))
    latest = rel.latest()
    assert latest is not None
    return choose(rel.files(latest), parse_target(target)).wheel


PYTDS = ("sqlalchemy_pytds-1.0.3-py2.py3-none-any.whl", "sqlalchemy_pytds-1.0.3-py3-none-any.whl")


@pytest.mark.parametrize("names", [PYTDS, PYTDS[::-1]])
def test_equally_ranked_wheels_the_last_listed_wins_as_pip_install_picks(names: tuple[str, str]) -> None:
    """Both wheels' best tag is py3-none-any; PyPI lists py2.py3 first and ``pip install``
    / ``pip download`` take py3-none-any (verified against PyPI): the later-listed one."""
    for target in (T313, "3.14t-win_amd64"):
        assert chosen(target, *names) == names[1], target


def test_equal_tie_follows_page_order_across_requires_python_groups() -> None:
    """Page order, not grouping by requires-python, breaks the tie."""
    names = ("q-1.0-py2.py3-none-any.whl", "q-1.0-py3-none-any.whl", "q-1.0-py3.py2-none-any.whl")
    proj = ProjectFiles("q", (DistFile(names[0], "u0"), DistFile(names[1], "u1", requires_python=">=3.8"),
                              DistFile(names[2], "u2")), "x")
    rel = Releases(proj)
    assert choose(rel.files(rel.latest()), parse_target(T313)).wheel == names[2]


FT1 = "pkg-1.0-1-cp314-cp314t-manylinux_2_17_x86_64.whl"
FT2 = "pkg-1.0-2-cp314-cp314t-manylinux_2_17_x86_64.whl"
FT10 = "pkg-1.0-10-cp314-cp314t-manylinux_2_17_x86_64.whl"
FT_NONE = "pkg-1.0-cp314-cp314t-manylinux_2_17_x86_64.whl"


@pytest.mark.parametrize("names,best", [
    ((FT1, FT2), FT2), ((FT2, FT1), FT2),
    ((FT2, FT_NONE), FT2), ((FT_NONE, FT1), FT1),  # no build tag is () and ranks lowest
    ((FT10, FT2), FT10), ((FT2, FT10), FT10),  # compared as (int, str): 10 beats 2
])
def test_higher_build_tag_wins_among_equally_ranked_wheels(names: tuple[str, str], best: str) -> None:
    assert chosen("3.14t-manylinux_x86_64", *names) == best


def test_build_tag_ranks_after_tag_priority() -> None:
    better = "pkg-1.0-1-cp314-cp314t-manylinux_2_28_x86_64.whl"  # newer manylinux: preferred tag
    worse = "pkg-1.0-9-cp314-cp314t-manylinux_2_17_x86_64.whl"
    for names in ((better, worse), (worse, better)):
        assert chosen("3.14t-manylinux_x86_64", *names) == better
    # an ft wheel with no build tag beats a pure wheel with a high one
    for names in (("pkg-1.0-7-py3-none-any.whl", FT_NONE), (FT_NONE, "pkg-1.0-7-py3-none-any.whl")):
        assert chosen("3.14t-manylinux_x86_64", *names) == FT_NONE

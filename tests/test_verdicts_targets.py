"""Targets: parsing, selection and the tag lists pip would use."""

from __future__ import annotations

import pytest
from packaging.tags import Tag

from gilfree.errors import BadInput
from gilfree.verdicts.model import Target
from gilfree.verdicts.targets import default_targets, parse_target, platform_tags, select_targets, target_tags


def test_default_targets_cover_three_pythons_and_eight_platforms() -> None:
    targets = default_targets()
    assert len(targets) == 24
    assert {t.python for t in targets} == {(3, 13), (3, 14), (3, 15)}
    assert Target((3, 14), "macosx_arm64") in targets


def test_parse_round_trip() -> None:
    assert parse_target("3.14t-manylinux_x86_64").name == "3.14t-manylinux_x86_64"


@pytest.mark.parametrize("bad", ["3.14-manylinux_x86_64", "3.12t-win_amd64", "3.14t-solaris", "", "numpy"])
def test_bad_targets_are_one_line_errors(bad: str) -> None:
    with pytest.raises(BadInput) as exc:
        parse_target(bad)
    assert "\n" not in str(exc.value)


def test_select_by_python_platform_or_name() -> None:
    assert {t.python for t in select_targets(["3.14t"])} == {(3, 14)}
    assert {t.platform for t in select_targets(["win_arm64"])} == {"win_arm64"}
    assert [t.name for t in select_targets(["3.13t-win_amd64,3.13t-win_amd64"])] == ["3.13t-win_amd64"]
    assert {t.python for t in select_targets(["3.16t"])} == {(3, 16)}  # future versions work


def test_linux_tags_include_legacy_aliases_and_plain_linux() -> None:
    tags = platform_tags("manylinux_x86_64")
    assert tags.index("manylinux_2_17_x86_64") < tags.index("manylinux2014_x86_64") < tags.index("manylinux_2_16_x86_64")
    assert "manylinux1_x86_64" in tags and tags[-1] == "linux_x86_64"
    arm = platform_tags("manylinux_aarch64")
    assert "manylinux2014_aarch64" in arm and "manylinux_2_5_aarch64" not in arm


def test_macos_universal2_in_both_arches() -> None:
    assert "macosx_10_13_universal2" in platform_tags("macosx_x86_64")
    assert "macosx_11_0_universal2" in platform_tags("macosx_arm64")
    assert "macosx_10_13_x86_64" not in platform_tags("macosx_arm64")


def test_free_threaded_abi_first_and_no_gil_abi3() -> None:
    ranking = target_tags(parse_target("3.14t-win_amd64"))
    best = min(ranking, key=ranking.get)
    assert best == Tag("cp314", "cp314t", "win_amd64")
    assert Tag("cp39", "abi3", "win_amd64") not in ranking
    assert Tag("cp314", "cp314", "win_amd64") not in ranking
    assert Tag("py3", "none", "any") in ranking
    assert ranking[Tag("cp314", "cp314t", "win_amd64")] < ranking[Tag("py3", "none", "win_amd64")] \
        < ranking[Tag("py3", "none", "any")]

"""Debian version strings: dpkg's order, and the version CPython reports for them."""

from __future__ import annotations

import pytest

from gilfree.runtime import debversion


@pytest.mark.parametrize(("older", "newer"), [
    ("3.15.0~rc2-1", "3.15.0-1"),       # a release candidate sorts before its release
    ("3.15.0~rc1-1", "3.15.0~rc2-1"),
    ("3.14.9-1", "3.14.10-1"),          # numbers, not strings
    ("3.13.5-2", "3.13.5-2+deb13u5"),   # a stable update
    ("1.0", "1.0.0"),
    ("1.0~rc1", "1.0"),
    ("1.0", "1.0a"),
    ("9.9", "1:1.0"),                   # epochs first
])
def test_dpkg_order(older: str, newer: str) -> None:
    assert debversion.compare_versions(older, newer) == -1
    assert debversion.compare_versions(newer, older) == 1
    assert debversion.compare_versions(newer, newer) == 0
    assert sorted([newer, older], key=debversion.version_key) == [older, newer]


def test_upstream_and_cpython_versions() -> None:
    assert debversion.upstream_version("3.15.0~rc2-1") == "3.15.0~rc2"
    assert debversion.upstream_version("1:3.13.5-2+deb13u5") == "3.13.5"
    assert debversion.python_version("3.15.0~rc2-1") == "3.15.0rc2"
    assert debversion.python_version("3.14.7-1") == "3.14.7"
    assert debversion.debian_form("3.15.0rc2") == "3.15.0~rc2"
    assert debversion.debian_form("3.14.7") == "3.14.7"


def test_prerelease() -> None:
    assert debversion.is_prerelease("3.15.0~rc2")
    assert debversion.is_prerelease("3.15.0rc2")
    assert debversion.is_prerelease("3.15.0b1")
    assert not debversion.is_prerelease("3.14.7")

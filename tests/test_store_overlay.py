"""The curated overlay: bundled file, --overlay FILE, and what a malformed file says."""

from __future__ import annotations

from pathlib import Path

import pytest

from gilfree.errors import BadInput
from gilfree.store.overlay import Curated, load_overlay

NIGHTLY = "https://pypi.anaconda.org/scientific-python-nightly-wheels/simple"


def test_bundled_overlay_is_valid_and_has_real_entries():
    overlay = load_overlay()
    assert overlay["numpy"].nightly_index == NIGHTLY
    assert overlay["numpy"].tracking_issue == "https://github.com/numpy/numpy/issues/26157"
    assert overlay["numpy"].tested_in_ci is True
    for name, entry in overlay.items():
        assert name == name.lower() and (entry.tracking_issue or entry.nightly_index)


def test_custom_overlay_names_are_canonicalised(tmp_path: Path):
    path = tmp_path / "o.toml"
    path.write_text('[packages."Zope.Interface"]\nnotes = "hand-written"\ntested_in_ci = false\n')
    assert load_overlay(path) == {"zope-interface": Curated(notes="hand-written", tested_in_ci=False)}


@pytest.mark.parametrize("text, fragment, line", [
    ('[packages.numpy]\ntracking_issue = "https://x"\nnotes = \n', "invalid TOML", 3),
    ('[packages.numpy]\ntracking_issue = "javascript:alert(1)"\n', "expected an http(s) URL", None),
    ('[packages.numpy]\nstars = 5\n', "unknown key(s) ['stars']", None),
    ('[packages.numpy]\ntested_in_ci = "yes"\n', "expected true or false", None),
    ('[numpy]\nnotes = "x"\n', "unknown top-level key", None),
])
def test_malformed_overlay(tmp_path: Path, text: str, fragment: str, line: int | None):
    path = tmp_path / "o.toml"
    path.write_text(text)
    with pytest.raises(BadInput) as info:
        load_overlay(path)
    assert fragment in str(info.value) and info.value.path == str(path)
    if line is not None:
        assert info.value.line == line


def test_missing_overlay_file(tmp_path: Path):
    with pytest.raises(BadInput, match="cannot read"):
        load_overlay(tmp_path / "absent.toml")

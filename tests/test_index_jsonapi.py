"""PyPI JSON API pages -> ProjectInfo."""

from __future__ import annotations

import json
from pathlib import Path

from gilfree.index.jsonapi import parse_project_info

DATA = Path(__file__).parent / "data" / "index" / "pypi"


def test_recorded_numpy_info() -> None:
    doc = json.loads((DATA / "numpy.json").read_text())
    info = parse_project_info(doc, name="numpy")
    assert info.name == "numpy"
    assert info.version == doc["info"]["version"]
    assert info.summary.startswith("Fundamental package")
    assert "Programming Language :: Python :: 3" in info.classifiers
    assert info.requires_python and info.requires_python.startswith(">=3.")
    assert dict(info.project_urls)  # label -> URL pairs, in the page's order
    assert all(url.startswith("http") for _, url in info.project_urls)


def test_every_recording_parses() -> None:
    for path in DATA.glob("*.json"):
        info = parse_project_info(json.loads(path.read_text()), name=path.stem)
        assert info.version, path.stem
        assert isinstance(info.classifiers, tuple)


def test_empty_values_become_none_or_empty() -> None:
    doc = {"info": {"name": "demo", "version": "1.0", "summary": None, "classifiers": None,
                    "project_urls": None, "requires_python": "", "home_page": "UNKNOWN"}}
    info = parse_project_info(doc, name="demo")
    assert (info.summary, info.classifiers, info.project_urls) == ("", (), ())
    assert info.requires_python is None and info.home_page is None


def test_missing_info_block_uses_the_asked_name() -> None:
    info = parse_project_info({"message": "odd"}, name="demo")
    assert info.name == "demo" and info.version == ""

"""PEP 691 simple pages -> ProjectFiles: recorded real pages and odd shapes."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gilfree.index import simple
from gilfree.verdicts.model import DistFile

DATA = Path(__file__).parent / "data" / "index" / "simple"
PAGE = "https://pypi.org/simple/numpy/"


def recorded(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def parse(name: str, **kwargs):
    return simple.parse_project_files(recorded(name), name=name, index_url="https://pypi.org/simple/",
                                      page_url=f"https://pypi.org/simple/{name}/", **kwargs)


def test_numpy_page_has_everything_we_read() -> None:
    page = parse("numpy")
    assert page.name == "numpy"
    assert "2.1.0" in page.versions and "1.26.4" in page.versions
    assert page.last_serial == int(recorded("numpy")["meta"]["_last-serial"])
    ft = [f for f in page.files if f.filename.startswith("numpy-2.1.0-cp313-cp313t-")]
    assert ft, "2.1.0 shipped cp313t wheels"
    wheel = ft[0]
    assert wheel.url.startswith("https://files.pythonhosted.org/") and wheel.url.endswith(wheel.filename)
    assert wheel.upload_time is not None and wheel.upload_time.tzinfo is not None
    assert wheel.upload_time.year == 2024
    assert wheel.requires_python == ">=3.10"
    assert isinstance(wheel.size, int) and wheel.size > 1_000_000
    assert wheel.sha256 is not None and len(wheel.sha256) == 64
    assert not wheel.yanked and wheel.yanked_reason is None


def test_every_recorded_file_is_kept_in_order() -> None:
    for path in DATA.glob("*.json"):
        doc = json.loads(path.read_text())
        names = [f["filename"] for f in doc["files"]]
        page = simple.parse_project_files(doc, name=path.stem, index_url="u/", page_url="https://x/")
        assert [f.filename for f in page.files] == names, path.stem


def test_yanked_files_keep_their_reason() -> None:
    doc = recorded("numpy")
    raw = [f for f in doc["files"] if f["yanked"]]
    assert raw, "the recording keeps a yanked release"
    page = parse("numpy")
    by_name = {f.filename: f for f in page.files}
    for entry in raw:
        parsed = by_name[entry["filename"]]
        assert parsed.yanked
        assert parsed.yanked_reason == (entry["yanked"] if isinstance(entry["yanked"], str) else None)


def test_legacy_versions_are_tolerated() -> None:
    page = parse("pytz")
    assert "2004d" in page.versions  # not PEP 440
    assert any(f.filename == "pytz-2004d.tar.gz" for f in page.files)


def test_header_serial_wins_over_page_meta() -> None:
    assert parse("six", last_serial="123").last_serial == 123
    assert parse("six", last_serial="garbage").last_serial is None


def test_fast_path_builds_objects_equal_to_the_constructor() -> None:
    page = parse("markupsafe")
    for f in page.files[:50]:
        rebuilt = DistFile(**{field.name: getattr(f, field.name) for field in dataclasses.fields(DistFile)})
        assert f == rebuilt and hash(f) == hash(rebuilt)
        with pytest.raises(dataclasses.FrozenInstanceError):
            f.filename = "x"  # type: ignore[misc]


BASE = {
    "filename": "demo-1.0-py3-none-any.whl",
    "url": "https://files.example/demo-1.0-py3-none-any.whl",
    "hashes": {"sha256": "ab" * 32},
    "requires-python": ">=3.9",
    "size": 1234,
    "upload-time": "2024-05-01T10:20:30.123456Z",
    "yanked": False,
}


def one(**changes) -> DistFile | None:
    entry = {**BASE, **changes}
    for key, value in changes.items():
        if value is KeyError:
            del entry[key]
    files = simple.parse_files([entry], "https://index.example/simple/demo/")
    return files[0] if files else None


def test_well_formed_entry() -> None:
    f = one()
    assert f == DistFile(
        filename=BASE["filename"], url=BASE["url"],
        upload_time=datetime(2024, 5, 1, 10, 20, 30, 123456, tzinfo=timezone.utc),
        yanked=False, yanked_reason=None, requires_python=">=3.9", size=1234,
        has_metadata=False, sha256="ab" * 32,
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"core-metadata": {"sha256": "cd" * 32}}, {"has_metadata": True}),
        ({"core-metadata": False}, {"has_metadata": False}),
        ({"dist-info-metadata": True}, {"has_metadata": True}),
        ({"yanked": "broken build"}, {"yanked": True, "yanked_reason": "broken build"}),
        ({"yanked": True}, {"yanked": True, "yanked_reason": None}),
        ({"yanked": ""}, {"yanked": False, "yanked_reason": None}),
        ({"requires-python": ""}, {"requires_python": None}),
        ({"requires-python": KeyError}, {"requires_python": None}),
        ({"size": "1234"}, {"size": None}),
        ({"size": True}, {"size": None}),
        ({"hashes": {"md5": "x"}}, {"sha256": None}),
        ({"hashes": KeyError}, {"sha256": None}),
        ({"upload-time": KeyError}, {"upload_time": None}),
        ({"upload-time": None}, {"upload_time": None}),
        ({"upload-time": "yesterday"}, {"upload_time": None}),
        ({"upload-time": "2024-05-01T10:20:30"}, {"upload_time": datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)}),
        ({"url": "../../packages/demo-1.0-py3-none-any.whl"},
         {"url": "https://index.example/packages/demo-1.0-py3-none-any.whl"}),
    ],
)
def test_odd_entries_are_read_carefully(changes: dict, expected: dict) -> None:
    f = one(**changes)
    assert f is not None
    for key, value in expected.items():
        assert getattr(f, key) == value, key


@pytest.mark.parametrize("changes", [{"filename": KeyError}, {"filename": ""}, {"url": None}, {"filename": 7}])
def test_entries_without_filename_or_url_are_skipped(changes: dict) -> None:
    assert one(**changes) is None


def test_malformed_page_shapes() -> None:
    page = simple.parse_project_files({"files": "nope", "versions": [1, "1.0"], "meta": []}, name="x",
                                      index_url="u/", page_url="https://x/")
    assert page.files == () and page.versions == ("1.0",) and page.last_serial is None and page.name == "x"
    assert simple.parse_files([None, 3, {**BASE}], "https://x/")[0].filename == BASE["filename"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:20:30Z", datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)),
        ("2024-05-01T10:20:30.5Z", datetime(2024, 5, 1, 10, 20, 30, 500000, tzinfo=timezone.utc)),
        ("2024-05-01T10:20:30.1234567Z", datetime(2024, 5, 1, 10, 20, 30, 123456, tzinfo=timezone.utc)),
        ("2024-05-01T10:20:30+00:00", datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)),
    ],
)
def test_python310_time_parser(text: str, expected: datetime) -> None:
    """The 3.10 fallback must agree with what 3.11+ reads natively."""
    assert simple._parse_time_310(text) == expected

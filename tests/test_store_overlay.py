"""The curated overlay: bundled file, --overlay FILE, and what a malformed file says; the
facts imported from the py-free-threading table and the script that regenerates them."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import tomli
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from gilfree.errors import BadInput
from gilfree.store.overlay import Curated, Source, load_overlay

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "gilfree" / "data"
TABLE_CSV = ROOT.parent / "shared" / "data" / "tracking-facts.csv"
NIGHTLY = "https://pypi.anaconda.org/scientific-python-nightly-wheels/simple"
TABLE = "py-free-threading"
OURS = {"astropy", "numexpr", "numpy", "pandas", "pillow", "scikit-image", "scikit-learn", "scipy"}
DROPPED = {"Bazel (rules-python)", "Boost.Python", "CMake", "conda", "cuda-tile", "mamba",
           "mlir-python", "mypyc", "Pixi", "PyO3", "rust-numpy", "Spack"}


@cache
def script() -> ModuleType:
    """scripts/import-tracking-facts, loaded as a module (it has no .py suffix)."""
    path = ROOT / "scripts" / "import-tracking-facts"
    loader = importlib.machinery.SourceFileLoader("import_tracking_facts", str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    sys.modules[loader.name] = module  # its dataclasses look their module up while being made
    loader.exec_module(module)
    return module


def test_bundled_overlay_is_valid_and_has_real_entries():
    overlay = load_overlay()
    assert overlay["numpy"].nightly_index == NIGHTLY
    assert overlay["numpy"].tracking_issue == "https://github.com/numpy/numpy/issues/26157"
    assert overlay["numpy"].tested_in_ci is True
    for name, entry in overlay.items():
        assert name == name.lower()
        assert all(f.tracking_issue or f.nightly_index or f.tested_in_ci is not None
                   for f in entry.fact_sets()), name


def test_bundled_overlay_holds_the_imported_table():
    overlay = load_overlay()
    with_issue = {n for n, c in overlay.items() if any(f.tracking_issue for f in c.fact_sets())}
    # 149 rows, 12 dropped; 136 imported tracking issues (6 imported rows carry only CI or
    # nightly facts, 3 rows name two or three projects) plus astropy, which only we have
    assert len(with_issue) == 137
    assert len(overlay) == 143
    assert overlay["torch"].tracking_issue == "https://github.com/pytorch/pytorch/issues/130249"
    assert overlay["torch"].nightly_index is None  # an install page, not an index
    assert overlay["torch"].nightly_link == "https://pytorch.org/get-started/locally/#start-locally"
    assert overlay["ujson"].source and overlay["ujson"].source.id == TABLE
    assert overlay["contourpy"].nightly_index == NIGHTLY
    assert overlay["contourpy"].nightly_platforms == ("linux", "macos", "windows")
    for name in ("cupy", "cupy-cuda12x", "cupy-cuda13x"):
        assert overlay[name].tracking_issue == "https://github.com/cupy/cupy/issues/8998"


def test_every_imported_fact_set_credits_its_source():
    overlay = load_overlay()
    own = {n for n, c in overlay.items() if c.source is None}
    assert own == OURS  # the hand-written entries, and only those, have no source
    imported = [f for c in overlay.values() for f in c.fact_sets() if f.source is not None]
    assert len(imported) == 142
    for facts in imported:
        source = facts.source
        assert source is not None and source.id == TABLE
        assert source.title and source.licence == "MIT OR 0BSD"
        assert source.url.startswith("https://github.com/Quansight-Labs/free-threaded-compatibility/")
        assert source.commit and source.commit in source.url
        assert not facts.notes  # facts only: none of the table's prose
        assert not facts.imported


def test_hand_written_entries_win_and_imported_ones_stay_beside_them():
    numpy = load_overlay()["numpy"]
    assert numpy.source is None
    assert numpy.notes.startswith("Free-threaded wheels since NumPy 2.1")
    [table] = numpy.imported
    assert table.source and table.source.id == TABLE
    assert table.tracking_issue == "https://github.com/numpy/numpy/issues/26157"
    assert table.nightly_link == "https://anaconda.org/scientific-python-nightly-wheels/numpy/"
    assert numpy.fact_sets() == (numpy, table)
    # scikit-learn: ours says nothing about CI, the table does; neither is merged into the other
    sklearn = load_overlay()["scikit-learn"]
    assert sklearn.tested_in_ci is None and sklearn.imported[0].tested_in_ci is True
    assert load_overlay()["astropy"].imported == ()


def test_dropped_rows_are_listed_with_a_reason_everywhere():
    mapping = tomli.loads((DATA / "tracking-import.toml").read_text())
    assert set(mapping["dropped"]) == DROPPED
    readme = (DATA / "README.md").read_text()
    overlay = load_overlay()
    for label in DROPPED:
        assert f"| {label} |" in readme
        assert mapping["dropped"][label].strip()
    assert not {"conda", "mamba", "pixi", "pyo3", "spack", "mypyc"} & set(overlay)


def test_bundled_overlay_is_what_the_import_script_makes_of_the_table():
    if not TABLE_CSV.is_file():
        pytest.skip(f"the table's CSV is not here ({TABLE_CSV})")
    text, result = script().build(TABLE_CSV)
    assert set(result.dropped) == DROPPED
    assert len(set(result.labels.values())) + len(result.dropped) == 149
    assert text == (DATA / "overlay.toml").read_text(encoding="utf-8"), \
        "overlay.toml is stale: run scripts/import-tracking-facts"


def _import_fixture(tmp_path: Path, rows: str, aliases: str = "", dropped: str = "") -> list[Path]:
    table = tmp_path / "t.csv"
    table.write_text("project,tracking_issue,tested_in_ci,nightly_link,nightly_platforms\n" + rows)
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'confirmed = ["not-ranked-but-real"]\n'
        '[source]\nid = "t"\ntitle = "A table"\nurl = "https://example.org/t"\nlicence = "0BSD"\n'
        f"[aliases]\n{aliases}\n"
        '[nightly_indexes]\n"https://anaconda.org/chan/" = "https://pypi.anaconda.org/chan/simple"\n'
        f"[dropped]\n{dropped}\n")
    overlay = tmp_path / "o.toml"
    overlay.write_text('# ours\n[packages.NumPy]\nnotes = "ours"\n')
    return [table, overlay, mapping]


def test_import_script_keeps_hand_written_part_and_is_idempotent(tmp_path: Path):
    table, overlay, mapping = _import_fixture(
        tmp_path,
        "NumPy,https://x.org/np/1,yes,https://anaconda.org/chan/numpy/,linux macos\n"
        "PyTorch,https://x.org/pt/2,,https://pytorch.org/nightly,\n"
        "Boost.Python,https://x.org/b/3,yes,,\n"
        "not-ranked-but-real,,no,,\n",
        aliases='"PyTorch" = "torch"', dropped='"Boost.Python" = "C++"')
    args = ["--csv", str(table), "--overlay", str(overlay), "--mapping", str(mapping)]
    assert script().main(args) == 0
    first = overlay.read_text()
    assert first.startswith('# ours\n[packages.NumPy]\nnotes = "ours"\n\n' + script().MARKER)
    assert script().main(args) == 0 and overlay.read_text() == first
    assert script().main([*args, "--check"]) == 0
    got = load_overlay(overlay)
    assert set(got) == {"numpy", "torch", "not-ranked-but-real"}
    source = Source("t", "A table", "https://example.org/t", "0BSD")
    assert got["numpy"] == Curated(notes="ours", imported=(Curated(
        "https://x.org/np/1", "https://pypi.anaconda.org/chan/simple", True,
        nightly_link="https://anaconda.org/chan/numpy/", nightly_platforms=("linux", "macos"),
        source=source),))
    assert got["torch"] == Curated("https://x.org/pt/2", nightly_link="https://pytorch.org/nightly",
                                   source=source)
    assert got["not-ranked-but-real"] == Curated(tested_in_ci=False, source=source)


@pytest.mark.parametrize("rows, aliases, dropped, fragment", [
    ("Fictional_Thing,https://x.org/1,,,\n", "", "", "'fictional-thing' is not in the bundled ranking"),
    ("CMake,,,,\n", "", "", "has no facts"),
    ("numpy,https://x.org/1,maybe,,\n", "", "", "is not yes/no"),
    ("numpy,https://x.org/1,,,\n", '"Gone" = "x"', "", "[aliases] names no row"),
    ("numpy,https://x.org/1,,,\nNumPy,https://x.org/2,,,\n", "", "", "both map to 'numpy'"),
])
def test_import_script_refuses_rows_it_cannot_account_for(tmp_path: Path, rows: str, aliases: str,
                                                          dropped: str, fragment: str):
    table, overlay, mapping = _import_fixture(tmp_path, rows, aliases, dropped)
    before = overlay.read_text()
    with pytest.raises(SystemExit) as info:
        script().main(["--csv", str(table), "--overlay", str(overlay), "--mapping", str(mapping)])
    assert fragment in str(info.value.code)
    assert overlay.read_text() == before


def test_custom_overlay_names_are_canonicalised(tmp_path: Path):
    path = tmp_path / "o.toml"
    path.write_text('[packages."Zope.Interface"]\nnotes = "hand-written"\ntested_in_ci = false\n')
    assert load_overlay(path) == {"zope-interface": Curated(notes="hand-written", tested_in_ci=False)}


def test_custom_overlay_with_a_source(tmp_path: Path):
    path = tmp_path / "o.toml"
    path.write_text('[sources.s]\ntitle = "S"\nurl = "https://s.org"\nlicence = "CC0-1.0"\ndate = "2026-01-02"\n'
                    '[packages.a]\nsource = "s"\ntracking_issue = "https://s.org/a"\n'
                    '[packages.b]\nsource = "gilfree"\nnotes = "ours"\n'
                    '[[packages.b.imported]]\nsource = "s"\nnightly_platforms = ["linux"]\n')
    s = Source("s", "S", "https://s.org", "CC0-1.0", date="2026-01-02")
    assert load_overlay(path) == {
        "a": Curated("https://s.org/a", source=s),
        "b": Curated(notes="ours", imported=(Curated(nightly_platforms=("linux",), source=s),))}


SOURCE = '[sources.s]\ntitle = "S"\nurl = "https://s.org"\nlicence = "0BSD"\n'


@pytest.mark.parametrize("text, fragment, line", [
    ('[packages.numpy]\ntracking_issue = "https://x"\nnotes = \n', "invalid TOML", 3),
    ('[packages.numpy]\ntracking_issue = "javascript:alert(1)"\n', "expected an http(s) URL", None),
    ('[packages.numpy]\nnightly_link = "file:///etc/passwd"\n', "nightly_link: expected an http(s) URL", None),
    ('[packages.numpy]\nstars = 5\n', "unknown key(s) ['stars']", None),
    ('[packages.numpy]\ntested_in_ci = "yes"\n', "expected true or false", None),
    ('[packages.numpy]\nnightly_platforms = "linux"\n', "nightly_platforms: expected a list", None),
    ('[numpy]\nnotes = "x"\n', "unknown top-level key", None),
    ('[packages.numpy]\nsource = "nowhere"\n', "packages.numpy.source: unknown source 'nowhere'", None),
    (SOURCE + '[packages.numpy]\nsource = "S"\n', "unknown source 'S' (declared: s)", None),
    (SOURCE + '[packages.numpy]\nsource = 1\n', "packages.numpy.source: expected the id", None),
    (SOURCE + '[[packages.numpy.imported]]\nnotes = "x"\n', "packages.numpy.imported[0].source: required", None),
    (SOURCE + '[[packages.numpy.imported]]\nsource = "gilfree"\n', "imported[0].source: required", None),
    (SOURCE + '[[packages.numpy.imported]]\nsource = "s"\n[[packages.numpy.imported.imported]]\n'
     'source = "s"\n', "packages.numpy.imported[0]: unknown key(s) ['imported']", None),
    (SOURCE + '[packages.numpy]\nimported = {source = "s"}\n', "expected [[packages.numpy.imported]]", None),
    ('[sources.s]\ntitle = "S"\nurl = "https://s.org"\n', "sources.s.licence: required", None),
    ('[sources.s]\ntitle = "S"\nurl = "s.org"\nlicence = "0BSD"\n', "sources.s.url: expected an http(s) URL", None),
    (SOURCE + 'stars = 1\n', "sources.s: unknown key(s) ['stars']", None),
    (SOURCE + 'date = 2026-01-02\n', "sources.s.date: expected a string", None),
    ('[sources.gilfree]\ntitle = "G"\nurl = "https://g.org"\nlicence = "MIT"\n', "reserved", None),
    ('[packages.Pillow]\nnotes = "a"\n[packages.pillow]\nnotes = "b"\n',
     "packages.Pillow and packages.pillow name the same project", None),
])
def test_malformed_overlay(tmp_path: Path, text: str, fragment: str, line: int | None):
    path = tmp_path / "o.toml"
    path.write_text(text)
    with pytest.raises(BadInput) as info:
        load_overlay(path)
    assert fragment in str(info.value) and info.value.path == str(path)
    assert "\n" not in str(info.value)
    if line is not None:
        assert info.value.line == line


def test_missing_overlay_file(tmp_path: Path):
    with pytest.raises(BadInput, match="cannot read"):
        load_overlay(tmp_path / "absent.toml")

"""Shared fixtures. Each layer keeps its fixtures in its own delimited section."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# --- free-threaded interpreter (lead) ---------------------------------------------------


@pytest.fixture(scope="session")
def ft_python() -> Path:
    """A free-threaded interpreter; missing is a failure when GILFREE_REQUIRE_FT=1 (CI)."""
    from gilfree.errors import InterpreterError
    from gilfree.runtime.bootstrap import find_ft_python

    try:
        return find_ft_python(build=False)
    except InterpreterError as exc:
        if os.environ.get("GILFREE_REQUIRE_FT") == "1":
            pytest.fail(f"free-threaded Python required: {exc}")
        pytest.skip(f"no free-threaded Python here: {exc}")


# --- GIL audit: test C extensions packed as wheels (audit) ------------------------------


def _load_cext_builder():
    """tests/fixtures/cext/build_wheels.py, loaded by path (tests/ is not a package)."""
    import importlib.util
    import sys

    path = Path(__file__).parent / "fixtures" / "cext" / "build_wheels.py"
    spec = importlib.util.spec_from_file_location("gilfree_test_cext_wheels", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def cext_builder():
    """The wheel builder module: its EXPECTED / EXPECTED_MODULES say what the audit must find."""
    return _load_cext_builder()


@pytest.fixture(scope="session")
def cext_wheels(ft_python: Path, cext_builder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of wheels with tiny C extensions, compiled with gcc once per session."""
    import shutil

    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to build the audit's test extensions")
    return cext_builder.build_all(ft_python, tmp_path_factory.mktemp("cext-wheels"))


@pytest.fixture(scope="session")
def offline_pip_args(cext_wheels: Path) -> list[str]:
    """pip options that install only the test wheels (no index, no network)."""
    return ["--no-index", "--find-links", str(cext_wheels)]


@pytest.fixture
def offline_pip_env(cext_wheels: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The same, as environment for an `gilfree audit` subprocess; machine pip.conf ignored."""
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(cext_wheels), "PIP_CONFIG_FILE": os.devnull}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return dict(os.environ)


# --- tracker store and site (track/site) ------------------------------------------------

TRACK_DAYS = ("2026-09-01", "2026-10-01", "2026-11-01")
XSS = "</script><script>alert('pwned')</script> <b>bold</b> & more"


def make_status(name: str, verdicts, version: str = "1.0.0", *, first_ft: str | None = None,
                summary: str = "", classifier: int | None = None, error: str | None = None,
                urls: tuple[tuple[str, str], ...] = ()):
    """A realistic PackageStatus on the default 24 targets.

    ``verdicts`` is one Verdict for every target or a callable ``Target -> Verdict``.
    """
    from datetime import datetime, timezone

    from gilfree.verdicts.model import ClassifierLevel, PackageStatus, TargetStatus, Verdict
    from gilfree.verdicts.targets import default_targets

    pick = verdicts if callable(verdicts) else (lambda _t: verdicts)
    targets = []
    for t in default_targets():
        v = pick(t)
        wheel = None
        if v is Verdict.FT_WHEEL:
            tag = f"cp{t.python[0]}{t.python[1]}"
            wheel = f"{name.replace('-', '_')}-{version}-{tag}-{tag}t-{t.platform}.whl"
        elif v is Verdict.PURE:
            wheel = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        targets.append(TargetStatus(t, v, version, first_ft_version=first_ft if v is Verdict.FT_WHEEL else None,
                                    wheel=wheel, detail=error or ""))
    return PackageStatus(
        name=name, requested=name, version=version, targets=tuple(targets),
        pure=all(ts.verdict is Verdict.PURE for ts in targets) if not error else None,
        native=any(ts.verdict in (Verdict.FT_WHEEL, Verdict.NO_FT_WHEEL) for ts in targets) if not error else None,
        classifier=ClassifierLevel(classifier, {1: "Unstable", 2: "Beta", 3: "Stable"}[classifier]) if classifier else None,
        summary=summary, project_urls=urls, error=error,
        checked_at=datetime(2026, 11, 1, tzinfo=timezone.utc))


def track_statuses(day: int) -> list:
    """Statuses of a small tracked world on snapshot ``day`` (0, 1, 2): numpy gains 3.15t
    wheels, one package is always an index error, one summary tries to inject a script."""
    from gilfree.verdicts.model import Verdict as V

    def numpy(t):
        if t.python == (3, 15):
            return V.FT_WHEEL if day >= 2 else V.NEEDS_BUILD
        return V.FT_WHEEL

    def pandas(t):
        return V.NO_FT_WHEEL if t.platform == "win_arm64" or day == 0 else V.FT_WHEEL

    out = [
        make_status("boto3", V.PURE, "1.40.0", summary="The AWS SDK for Python"),
        make_status("numpy", numpy, ("2.3.0", "2.3.4", "2.4.0")[day], first_ft="2.1.0",
                    summary="Fundamental package for array computing in Python", classifier=2 if day else None,
                    urls=(("Source", "https://github.com/numpy/numpy"), ("Evil", "javascript:alert(1)"))),
        make_status("requests", V.PURE, "2.32.5", summary="Python HTTP for Humans."),
        make_status("pandas", pandas, "2.3.3", first_ft="2.3.0" if day else None,
                    summary="Powerful data structures for data analysis"),
        make_status("psycopg2-binary", V.NO_FT_WHEEL, "2.9.11", summary="psycopg2 - Python-PostgreSQL Database Adapter"),
        make_status("ruff", V.BINARY, "0.14.0", summary="An extremely fast Python linter"),
        make_status("evil-summary", V.PURE, "0.1", summary=XSS),
        make_status("broken-index", V.ERROR, None, error="index answered 503 after 4 attempts"),
    ]
    fill = (V.PURE, V.NO_FT_WHEEL, V.FT_WHEEL, V.NEEDS_BUILD)
    out += [make_status(f"filler-{i:03d}", fill[(i + day) % 4], f"1.{i}.0", summary=f"filler package {i}")
            for i in range(150)]
    return out


def history_pages() -> dict:
    """Simple pages with upload times for the backfill: numpy gets cp313t wheels with 2.1.0
    (August 2024), cp314t with 2.3.2, drops cp313t in 2.5.0 and gets cp315t; pandas gets
    cp313t/cp314t with 2.3.0 (no win_arm64); psycopg2-binary never does."""
    from datetime import datetime, timezone

    from gilfree.verdicts.model import DistFile, ProjectFiles
    from gilfree.verdicts.targets import PLATFORMS

    tags = {"manylinux_x86_64": "manylinux_2_17_x86_64", "manylinux_aarch64": "manylinux_2_17_aarch64",
            "musllinux_x86_64": "musllinux_1_2_x86_64", "musllinux_aarch64": "musllinux_1_2_aarch64",
            "macosx_arm64": "macosx_11_0_arm64", "macosx_x86_64": "macosx_10_13_x86_64",
            "win_amd64": "win_amd64", "win_arm64": "win_arm64"}

    def files(name: str, releases) -> ProjectFiles:
        out = []
        for version, day, pythons, skip in releases:
            when = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
            mod = name.replace("-", "_")
            out.append(DistFile(f"{mod}-{version}.tar.gz", f"https://files.example/{mod}-{version}.tar.gz", when))
            for py in pythons:
                for plat in PLATFORMS:
                    if plat in skip:
                        continue
                    for abi in (f"cp{py}", *((f"cp{py}t",) if py != "312" else ())):
                        fn = f"{mod}-{version}-cp{py}-{abi}-{tags[plat]}.whl"
                        out.append(DistFile(fn, f"https://files.example/{fn}", when))
        return ProjectFiles(name, tuple(out), "https://index.example/simple/")

    return {
        "numpy": files("numpy", [("2.0.0", "2024-06-16", ("312",), ()),
                                 ("2.1.0", "2024-08-18", ("312", "313"), ()),
                                 ("2.3.2", "2025-07-24", ("313", "314"), ()),
                                 ("2.5.0", "2026-06-20", ("314", "315"), ())]),
        "pandas": files("pandas", [("2.2.0", "2024-01-20", ("312",), ()),
                                   ("2.3.0", "2025-06-05", ("313", "314"), ("win_arm64",))]),
        "psycopg2-binary": files("psycopg2-binary", [("2.9.11", "2025-10-10", ("312",), ())]),
    }


@pytest.fixture(scope="session")
def tracked_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A track database with three complete daily snapshots of ``track_statuses``, and the
    backfilled histories of ``history_pages``."""
    from gilfree.store.db import Store
    from gilfree.store.ranking import Ranking, RankedPackage
    from gilfree.store.runs import SnapshotWriter, complete_run, open_run
    from gilfree.verdicts.targets import default_targets

    from gilfree.commands.backfill import history_basis, history_json

    pages = history_pages()
    path = tmp_path_factory.mktemp("track") / "track.sqlite3"
    with Store.open(path) as store:
        for day, date in enumerate(TRACK_DAYS):
            statuses = track_statuses(day)
            ranking = Ranking("test", date, tuple(RankedPackage(i + 1, s.name, 10_000_000 // (i + 1))
                                                  for i, s in enumerate(statuses)))
            run = open_run(store, ranking, default_targets(), date)
            writer = SnapshotWriter(store, run)
            for status in statuses:
                page = pages.get(status.name)
                history = (history_basis(str(day), default_targets()), history_json(page, default_targets())) \
                    if page is not None else None
                writer.add(status, None, history)
            writer.flush()
            assert complete_run(store, run)
    return path


# --- end of tracker store and site ------------------------------------------------------


# --- index layer: local test index (index) ----------------------------------------------
# tests/indexserver.py serves the recorded pages in tests/data/index/ (see its README).


@pytest.fixture
def test_index():
    """A running local index: ``.url`` (simple root), ``.json_url``, ``.faults``, ``.log``."""
    import indexserver

    index = indexserver.start()
    try:
        yield index
    finally:
        index.close()


@pytest.fixture
def index_config(tmp_path: Path, test_index):
    """An IndexConfig for ``test_index``: private cache dir, short timeout, tiny backoff."""
    from gilfree.index.config import IndexConfig

    return IndexConfig(
        index_url=test_index.url,
        json_url=test_index.json_url,
        cache_dir=tmp_path / "index-cache",
        concurrency=4,
        timeout=5.0,
        retries=3,
        backoff=0.01,
    )


# --- end of index layer -----------------------------------------------------------------

"""The build cache: what counts as a build, what a build leaves behind (success, failed
verification, Ctrl-C), and the real cached builds (GIL disabled, required modules).

The pipeline tests build a fake "CPython" (a configure script and a Makefile whose install
links the real free-threaded interpreter into the prefix), so they run configure, make,
make install DESTDIR=..., the verification and the caching for real, in seconds."""

from __future__ import annotations

import json
import os
import stat
import tarfile
import threading
import time
from pathlib import Path

import pytest

from gilfree.errors import InterpreterError
from gilfree.runtime import bootstrap, builds, debsource

CONFIGURE = """#!/bin/sh
for a in "$@"; do case "$a" in --prefix=*) echo "${a#--prefix=}" > prefix.txt;; esac; done
printf 'all:\\n\\t@echo built\\ninstall:\\n\\tsh install.sh "$(DESTDIR)"\\n' > Makefile
"""
INSTALL = """#!/bin/sh
p="$1$(cat prefix.txt)"
mkdir -p "$p/bin"
ln -s "{target}" "$p/bin/python{minor}t"
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GILFREE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(builds, "_install_build_deps", lambda log, say: None)
    return tmp_path / "cache" / "python"


def _fake_source(tmp_path: Path, target: Path, minor: str, version: str) -> debsource.Source:
    top = tmp_path / "fake" / f"Python-{version}"
    top.mkdir(parents=True)
    for name, text in (("configure", CONFIGURE),
                       ("install.sh", INSTALL.format(target=target, minor=minor))):
        (top / name).write_text(text)
        (top / name).chmod(0o755)
    tarball = tmp_path / f"python{minor}_{version}.orig.tar.xz"
    with tarfile.open(tarball, "w:xz") as tf:
        tf.add(top, arcname=top.name)
    return debsource.Source(f"python{minor}", f"{version}-1", tarball, "ab" * 32, "test",
                            "SHA-256 from a test")


def _serve(monkeypatch: pytest.MonkeyPatch, source: debsource.Source) -> list[str]:
    calls: list[str] = []

    def fetch(minor, dest, **kw):
        calls.append(minor)
        return source

    monkeypatch.setattr(builds.debsource, "fetch_source", fetch)
    return calls


def _probe(python: Path) -> tuple[str, str]:
    found = bootstrap.probe(python)
    assert found is not None
    return found[0], found[1]


def test_a_build_is_verified_cached_with_its_time_and_reused(cache, tmp_path, monkeypatch,
                                                             ft_python: Path) -> None:
    minor, version = _probe(ft_python)
    calls = _serve(monkeypatch, _fake_source(tmp_path, ft_python, minor, version))
    messages: list[str] = []
    build, built_now = builds.build(minor, say=messages.append)
    assert built_now and calls == [minor]
    assert build.prefix == cache / f"cpython-{version}t"
    assert build.exe == build.prefix / "bin" / f"python{minor}t"
    meta = json.loads((build.prefix / builds.COMPLETE_MARKER).read_text())
    assert meta["version"] == version and meta["verified"] == "SHA-256 from a test"
    assert build.build_seconds is not None and build.build_seconds >= 0
    assert [b.prefix for b in builds.cached_builds()] == [build.prefix]
    assert not list(cache.glob(".tmp-build-*"))
    assert (cache / f"build-{minor}t.log").read_text().count("$ nice -n 19 make") == 2
    again, built_now = builds.build(minor, say=messages.append)
    assert (again.prefix, built_now, calls) == (build.prefix, False, [minor])


def test_a_build_that_fails_verification_is_not_cached(cache, tmp_path, monkeypatch) -> None:
    liar = tmp_path / "liar"  # says: GIL disabled, but ssl is missing
    liar.write_text("#!/bin/sh\necho '{\"gil_disabled\": 1, \"gil_enabled\": false, "
                    "\"version\": \"3.14.7\", \"missing\": [\"ssl\"]}'\n")
    liar.chmod(liar.stat().st_mode | stat.S_IXUSR)
    _serve(monkeypatch, _fake_source(tmp_path, liar, "3.14", "3.14.7"))
    with pytest.raises(InterpreterError, match="missing modules ssl"):
        builds.build("3.14", say=lambda m: None)
    assert sorted(p.name for p in cache.iterdir()) == [
        ".build-3.14t.lock", ".build-deps.lock", "build-3.14t.log"]


def test_ctrl_c_during_make_leaves_no_temporary_or_half_written_cache(
        cache, tmp_path, monkeypatch, ft_python) -> None:
    minor, version = _probe(ft_python)
    _serve(monkeypatch, _fake_source(tmp_path, ft_python, minor, version))
    real_run = builds._run

    def run(cmd, log, cwd=None, **kw):
        if "make" in cmd:
            raise KeyboardInterrupt
        return real_run(cmd, log, cwd, **kw)

    monkeypatch.setattr(builds, "_run", run)
    with pytest.raises(KeyboardInterrupt):
        builds.build(minor, say=lambda m: None)
    assert not list(cache.glob(".tmp-build-*")) and not list(cache.glob("cpython-*"))


def _entry(root: Path, name: str, marker: str | None) -> Path:
    prefix = root / name
    (prefix / "bin").mkdir(parents=True)
    if marker is not None:
        (prefix / builds.COMPLETE_MARKER).write_text(marker)
    return prefix


def test_only_marked_entries_are_builds_newest_first(tmp_path: Path) -> None:
    _entry(tmp_path, "cpython-3.14.7t", json.dumps({"build_seconds": 281.4}))
    _entry(tmp_path, "cpython-3.15.0rc2t", "")
    _entry(tmp_path, "cpython-3.15.0t", None)  # incomplete: not a build
    _entry(tmp_path, "cpython-3.13.5t", "/old/style/marker/python3.13t\n")
    found = builds.cached_builds(tmp_path)
    assert [b.version for b in found] == ["3.15.0rc2", "3.14.7", "3.13.5"]
    assert [b.minor for b in found] == ["3.15", "3.14", "3.13"]
    assert found[1].build_seconds == 281.4 and found[0].build_seconds is None
    assert found[2].meta == {"exe": "/old/style/marker/python3.13t"}
    assert found[0].exe == tmp_path / "cpython-3.15.0rc2t" / "bin" / "python3.15t"


def test_clean_incomplete_removes_only_what_interrupted_builds_of_that_series_left(
        tmp_path: Path) -> None:
    keep = [_entry(tmp_path, "cpython-3.14.7t", "{}"), _entry(tmp_path, "cpython-3.15.0t", None),
            tmp_path / ".tmp-build-3.15t-abc"]
    gone = [_entry(tmp_path, "cpython-3.14.10t", None), tmp_path / ".tmp-build-3.14t-xyz"]
    for path in keep[2:] + gone[1:]:
        path.mkdir()
    assert sorted(builds.clean_incomplete(tmp_path, "3.14")) == sorted(gone)
    assert all(p.exists() for p in keep) and not any(p.exists() for p in gone)


def test_a_second_builder_of_a_series_waits_for_the_first(tmp_path: Path) -> None:
    lock = tmp_path / ".build-3.14t.lock"
    said: list[str] = []
    order: list[str] = []
    with builds._lock(lock, said.append, "building 3.14t"):
        def second() -> None:
            with builds._lock(lock, said.append, "building 3.14t"):
                order.append("second")
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        order.append("first done")
    thread.join(10)
    assert order == ["first done", "second"]
    assert said == ["waiting for another gilfree process building 3.14t"]


def test_verify_refuses_an_interpreter_with_the_gil(tmp_path: Path) -> None:
    import shutil
    import sys

    gil = next((p for p in (sys.executable, shutil.which("python3"), shutil.which("python3.11"))
                if p and bootstrap.probe(p) is None and Path(p).exists()), None)
    if gil is None:
        pytest.skip("no GIL-enabled Python here")
    with pytest.raises(InterpreterError, match="Py_GIL_DISABLED is not set"):
        builds.verify(Path(gil))
    with pytest.raises(InterpreterError, match="does not run"):
        builds.verify(tmp_path / "nothing")


# --- the real builds --------------------------------------------------------------------

def _require_ft() -> bool:
    return os.environ.get("GILFREE_REQUIRE_FT") == "1"


@pytest.mark.parametrize("minor", bootstrap.SUPPORTED)
def test_each_cached_build_has_the_gil_disabled_and_the_required_modules(minor: str) -> None:
    found = [b for b in builds.cached_builds() if b.minor == minor]
    if not found:
        pytest.skip(f"no cached {minor}t build in {builds.python_root()}")
    for build in found:
        info = builds.verify(build.exe, build.version)
        assert info["gil_disabled"] == 1 and info["gil_enabled"] is False
        assert info["missing"] == []


def test_there_is_a_verified_free_threaded_interpreter() -> None:
    records = [r for r in bootstrap.list_pythons() if r.path is not None and r.full_version]
    if not records:
        if _require_ft():
            pytest.fail("no free-threaded Python found or cached")
        pytest.skip("no free-threaded Python here")
    for record in records:
        assert builds.verify(record.path)["gil_enabled"] is False

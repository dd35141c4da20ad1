"""Find a free-threaded CPython (3.13t, 3.14t, 3.15t), or build one from Debian's source.

Where interpreters are looked for, most explicit first: ``GILFREE_PYTHON``, ``python3.1Xt``
on PATH, uv-managed installs, gilfree's build cache (``builds``). A version that is found
nowhere is built from Debian's source package (``debsource``) into the cache.

The default (no version asked for) is ``GILFREE_PYTHON`` when set; else the newest *final*
release found; else, when only pre-releases are found, the newest of them (with a note that
it is one); else a build of ``DEFAULT_BUILD``, the newest series Debian has a final release
of. A release candidate is never picked silently over a final release.

Standard library only: ``scripts/ft-python`` runs this from a source checkout before
anything is installed (``python -m gilfree.runtime.bootstrap``).
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InterpreterError
from . import builds, debsource
from .builds import COMPLETE_MARKER, cache_root, format_seconds  # noqa: F401 - public names
from .debsource import debian_mirror  # noqa: F401 - public name

PROBE = ("import sys, sysconfig, platform; print(sysconfig.get_config_var('Py_GIL_DISABLED'), "
         "'%d.%d' % sys.version_info[:2], platform.python_version(), sys.version_info.releaselevel)")
SUPPORTED = tuple(debsource.SERIES)  # oldest first: 3.13, 3.14, 3.15
DEFAULT_BUILD = "3.14"
SOURCES = ("env", "PATH", "uv", "cache", "buildable")


@dataclass(frozen=True)
class PythonRecord:
    """One free-threaded interpreter found (or a version that can be built)."""

    version: str  # the series, "3.14t"
    full_version: str | None  # as the interpreter reports it: "3.15.0rc2"
    path: Path | None  # None for a version that is only buildable
    source: str  # env, PATH, uv, cache, buildable
    release_candidate: bool = False  # any pre-release (alpha, beta, rc)
    build_seconds: float | None = None
    note: str = ""

    @property
    def minor(self) -> str:
        return self.version.rstrip("t")

    @property
    def notes(self) -> str:
        parts = [self.note] if self.note else []
        if self.release_candidate and self.source != "buildable":
            parts.insert(0, f"{_prerelease_word(self.full_version or '')}")
        if self.build_seconds is not None:
            parts.append(f"built in {format_seconds(self.build_seconds)}")
        return "; ".join(parts)


def _prerelease_word(version: str) -> str:
    m = re.search(r"(a|b|rc)\d+$", version)
    return {"a": "alpha release", "b": "beta release"}.get(m.group(1) if m else "",
                                                          "release candidate")


def normalize_version(text: str) -> str:
    """``3.14t``, ``3.14`` -> ``3.14``; anything else is a ValueError."""
    m = re.fullmatch(r"\s*(3\.\d+)t?\s*", text or "")
    if not m or int(m.group(1).split(".")[1]) < 13:
        raise ValueError(f"not a free-threaded Python series: {text!r} "
                         f"(use {', '.join(f'{v}t' for v in SUPPORTED)})")
    return m.group(1)


def is_free_threaded(python: str | os.PathLike[str]) -> str | None:
    """The ``X.Y`` version when ``python`` runs with Py_GIL_DISABLED, else None."""
    found = probe(python)
    return found[0] if found else None


def probe(python: str | os.PathLike[str]) -> tuple[str, str, bool] | None:
    """``(X.Y, full version, is a pre-release)`` of a free-threaded ``python``, else None."""
    try:
        out = subprocess.run([os.fspath(python), "-c", PROBE], capture_output=True, text=True,
                             timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = out.stdout.split()
    if out.returncode != 0 or len(parts) != 4 or parts[0] != "1":
        return None
    return parts[1], parts[2], parts[3] != "final"


def _candidates() -> Iterator[tuple[str, Path]]:
    """``(source, path)`` where a free-threaded interpreter may be, most explicit first."""
    explicit = os.environ.get("GILFREE_PYTHON")
    if explicit:
        yield "env", Path(explicit)
    for minor in sorted(SUPPORTED, key=_minor_key, reverse=True):
        found = shutil.which(f"python{minor}t")
        if found:
            yield "PATH", Path(found)
    uv_dir = os.environ.get("UV_PYTHON_INSTALL_DIR") or os.path.join(
        os.path.expanduser("~"), ".local", "share", "uv", "python")
    for exe in sorted(glob.glob(os.path.join(uv_dir, "cpython-3.1*", "bin", "python3.1*t")),
                      reverse=True):
        yield "uv", Path(exe)
    for build in builds.cached_builds():
        yield from (("cache", exe) for exe in sorted(build.prefix.glob("bin/python3.*t")))


def candidates() -> Iterator[Path]:
    """Where a free-threaded interpreter may already be, most explicit first."""
    return (path for _source, path in _candidates())


def _minor_key(minor: str) -> tuple[int, ...]:
    return tuple(int(x) for x in minor.split("."))


def _named_minor(path: Path) -> str | None:
    m = re.fullmatch(r"python(3\.\d+)t", path.name)
    return m.group(1) if m else None


def found_pythons(want: str | None = None, *, strict: bool = True) -> Iterator[PythonRecord]:
    """The free-threaded interpreters there are (of series ``want``), one per real file.

    A ``GILFREE_PYTHON`` that is not free-threaded is an error when ``strict``, else a
    record with a note and no version."""
    explicit = os.environ.get("GILFREE_PYTHON")
    seen: set[str] = set()
    cached = {b.exe: b for b in builds.cached_builds()}
    for source, path in _candidates():
        named = _named_minor(path)
        if want and source != "env" and named and named != want:
            continue  # python3.13t is not the 3.14t asked for: no need to run it
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        found = probe(path)
        if found is None:
            if source == "env" and explicit:
                if strict:
                    raise InterpreterError(f"GILFREE_PYTHON={explicit} is not a free-threaded "
                                           "Python")
                yield PythonRecord("?", None, path, "env", note="not a free-threaded Python: ignored")
            continue
        minor, full, pre = found
        if want and minor != want:
            continue
        build = cached.get(path)
        yield PythonRecord(f"{minor}t", full, path, source, pre,
                           build.build_seconds if build else None,
                           _source_note(build) if build else "")


def _source_note(build: builds.CachedBuild) -> str:
    meta = build.meta
    parts = [f"from {meta['tarball']}" + (" (not verified)" if not meta.get("verified") else "")
             ] if meta.get("tarball") else []
    if meta.get("missing_optional"):
        parts.append(f"without {', '.join(meta['missing_optional'])}")
    return "; ".join(parts)


def choose_default(records: list[PythonRecord]) -> PythonRecord | None:
    """GILFREE_PYTHON; else the newest final release; else the newest pre-release."""
    usable = [r for r in records if r.path is not None and r.source != "buildable"
              and r.full_version]
    for r in usable:
        if r.source == "env":
            return r
    for pool in ([r for r in usable if not r.release_candidate], usable):
        if pool:  # max() keeps the first of equals: the most explicit source wins a tie
            return max(pool, key=lambda r: _minor_key(r.minor))
    return None


def find_ft_python(version: str | None = None, *, build: bool = True) -> Path:
    """A working free-threaded interpreter of series ``version`` (``"3.14t"``; None: the
    default, see the module docs); builds one (cached) when none is found and ``build``."""
    want = normalize_version(version) if version else None
    if want:
        for record in found_pythons(want):
            _note_prerelease(record)
            return record.path  # type: ignore[return-value]
        if not build:
            raise InterpreterError(f"no free-threaded Python {want}t found (GILFREE_PYTHON, "
                                   f"PATH, uv, cache); `gilfree python --version {want}t` "
                                   "builds it")
        return build_ft_python(want)
    if os.environ.get("GILFREE_PYTHON"):
        record = next(found_pythons())  # strict: raises when it is not free-threaded
        return record.path  # type: ignore[return-value]  # the user's choice: no note
    record = choose_default(list(found_pythons()))  # type: ignore[assignment]
    if record is not None:
        _note_prerelease(record)
        return record.path  # type: ignore[return-value]
    if not build:
        raise InterpreterError("no free-threaded Python found (set GILFREE_PYTHON, or run "
                               "`gilfree python --build`)")
    return build_ft_python()


def _say(message: str) -> None:
    print(f"gilfree: {message}", file=sys.stderr, flush=True)


def _note_prerelease(record: PythonRecord) -> None:
    if record.release_candidate:
        _say(f"note: {record.path} is {_prerelease_note(record.full_version or '')}")


def _prerelease_note(version: str) -> str:
    word = _prerelease_word(version)
    abi = " (it has the series' final ABI)" if word == "release candidate" else ""
    return f"CPython {version}, a {word}, not a final release{abi}"


def build_ft_python(version: str | None = None) -> Path:
    """The cached build of ``version`` (default ``DEFAULT_BUILD``), building it first if
    needed: configure ``--disable-gil``, make, install, verify; about 3-5 minutes."""
    minor = normalize_version(version) if version else DEFAULT_BUILD
    build, built_now = builds.build(minor, say=_say)
    if built_now:
        verified = build.meta.get("verified") or "NOT verified (no checksum was available)"
        _say(f"built CPython {build.version}t in {format_seconds(build.build_seconds)} "
             f"({build.meta.get('tarball')}: {verified}): {build.exe}")
    if debsource.is_prerelease(build.version):
        _say(f"note: {build.exe} is {_prerelease_note(build.version)}")
    return build.exe


def find_all(*, build: bool = True) -> dict[str, Path]:
    """``{"3.13t": path, ...}`` for every supported series, found or (``build``) built;
    after trying them all, an InterpreterError names those that could be neither."""
    found: dict[str, Path] = {}
    failed: list[str] = []
    for minor in SUPPORTED:
        try:
            found[f"{minor}t"] = find_ft_python(minor, build=build)
        except InterpreterError as exc:
            failed.append(f"{minor}t: {exc}")
    if failed:
        raise InterpreterError("; ".join(failed))
    return found


def list_pythons() -> list[PythonRecord]:
    """Every free-threaded interpreter found, then each supported series that is not
    (``source="buildable"``); never builds, never touches the network."""
    records = list(found_pythons(strict=False))
    have = {r.minor for r in records}
    for minor in SUPPORTED:
        if minor not in have:
            series = debsource.SERIES[minor]
            pre = all(debsource.is_prerelease(k.version) for k in series.known)
            records.append(PythonRecord(
                f"{minor}t", None, None, "buildable", pre,
                note=f"from Debian's {series.package} source ({'/'.join(series.suites)})"
                     + ("; known versions are release candidates" if pre else "")))
    return records


def format_list(records: list[PythonRecord]) -> list[str]:
    """Plain-text rows for ``--list`` (the CLI draws a rich table of the same records)."""
    default = choose_default(records)
    rows = [("VERSION", "RELEASE", "WHERE", "PATH", "NOTES")]
    for r in records:
        notes = "; ".join(x for x in ("default" if r is default else "", r.notes) if x)
        rows.append((r.version, r.full_version or "-", r.source, str(r.path or "-"), notes))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(row, widths)), row[4]]).rstrip()
            for row in rows]


def resolve(version: str | None, *, build: bool, force_build: bool = False,
            ) -> list[tuple[str, Path | InterpreterError]]:
    """What ``--version V|all`` asks for, as ``(series, path or error)``, in order."""
    if version == "all":
        wanted: list[str | None] = list(SUPPORTED)
    else:
        wanted = [normalize_version(version) if version else None]
    out: list[tuple[str, Path | InterpreterError]] = []
    for minor in wanted:
        try:
            if force_build:
                path = build_ft_python(minor)
            else:
                path = find_ft_python(minor, build=build)
            out.append((f"{minor}t" if minor else "default", path))
        except InterpreterError as exc:
            if version != "all":
                raise
            out.append((f"{minor}t", exc))
    return out


def version_arg(text: str) -> str:
    if text == "all":
        return text
    try:
        return f"{normalize_version(text)}t"
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ft-python", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", type=version_arg, metavar="3.13t|3.14t|3.15t|all",
                        help="the series to find or build (default: see above)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--no-build", action="store_true", help="only look, never build")
    mode.add_argument("--build", action="store_true", help="use (or make) gilfree's own build")
    mode.add_argument("--list", action="store_true", help="show what is found and buildable")
    args = parser.parse_args(argv)
    try:
        if args.list:
            print("\n".join(format_list(list_pythons())))
            return 0
        results = resolve(args.version, build=not args.no_build, force_build=args.build)
        failed = [f"{v}: {r}" for v, r in results if isinstance(r, InterpreterError)]
        for series, result in results:
            if not isinstance(result, InterpreterError):
                print(f"{series} {result}" if args.version == "all" else result)
        if failed:
            raise InterpreterError("; ".join(failed))
    except InterpreterError as exc:
        print(f"ft-python: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

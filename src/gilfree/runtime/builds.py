"""The build cache: free-threaded CPythons built from Debian's source, one per version.

Layout, under ``$GILFREE_CACHE_DIR`` or ``~/.cache/gilfree``::

    python/cpython-3.14.7t/          a complete build (its marker file says so)
    python/cpython-3.14.7t/.gilfree-complete   JSON: exe, source, verification, build time
    python/build-3.14t.log           the log of the last build of 3.14t
    python/.build-3.14t.lock         one build of a series at a time
    python/.tmp-build-3.14t-*/       a build in progress (download, source, staged install)

A build is configured with its final prefix, installed with ``DESTDIR`` into its temporary
directory, verified there (GIL disabled, required modules importable), renamed into place
and only then marked complete; an interrupted build leaves a temporary directory (removed
on the way out, or by the next build) and never a half-written ``cpython-*`` entry that is
used. Standard library only (see bootstrap).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InterpreterError
from . import debsource
from .debversion import debian_form, version_key

COMPLETE_MARKER = ".gilfree-complete"
BUILD_DEPS = ("libssl-dev", "zlib1g-dev", "libffi-dev", "libsqlite3-dev", "libbz2-dev",
              "liblzma-dev", "libreadline-dev", "uuid-dev", "libzstd-dev")
REQUIRED_MODULES = ("ssl", "sqlite3", "ctypes", "zlib", "lzma", "bz2")
# Not required, but said: 3.15 needs a system libmpdec for _decimal (bookworm has none).
OPTIONAL_MODULES = ("_decimal", "_uuid", "readline", "_curses", "_zstd")
VERIFY = """
import importlib, json, platform, sys, sysconfig
def missing(names):
    out = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            out.append(name)
    return out
required, optional = json.loads(sys.argv[1])
print(json.dumps({"gil_disabled": sysconfig.get_config_var("Py_GIL_DISABLED"),
                  "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
                  "version": platform.python_version(), "missing": missing(required),
                  "missing_optional": missing(optional if sys.version_info >= (3, 14)
                                              else [m for m in optional if m != "_zstd"])}))
"""


def cache_root() -> Path:
    base = os.environ.get("GILFREE_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "gilfree"


def python_root() -> Path:
    return cache_root() / "python"


@dataclass(frozen=True)
class CachedBuild:
    prefix: Path
    exe: Path
    version: str  # as CPython reports it: 3.15.0rc2
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])

    @property
    def build_seconds(self) -> float | None:
        value = self.meta.get("build_seconds")
        return float(value) if isinstance(value, (int, float)) else None


def read_marker(prefix: Path) -> dict | None:
    """The marker of a complete build (``{}`` for an old plain-text one), else None."""
    try:
        text = (prefix / COMPLETE_MARKER).read_text()
    except OSError:
        return None
    try:
        meta = json.loads(text)
    except ValueError:
        return {"exe": text.strip()} if text.strip() else {}
    return meta if isinstance(meta, dict) else {}


def cached_builds(root: Path | None = None) -> list[CachedBuild]:
    """The complete builds, newest first; incomplete entries are not builds."""
    root = python_root() if root is None else root
    out = []
    for prefix in root.glob("cpython-*t"):
        m = re.fullmatch(r"cpython-(\d+)\.(\d+)\.(\d+\w*)t", prefix.name)
        meta = read_marker(prefix)
        if not m or meta is None:
            continue
        exe = prefix / "bin" / f"python{m.group(1)}.{m.group(2)}t"
        out.append(CachedBuild(prefix, exe, prefix.name[len("cpython-"):-1], meta))
    return sorted(out, key=lambda b: version_key(debian_form(b.version)), reverse=True)


def verify(exe: Path, version: str | None = None) -> dict:
    """Run ``exe`` with PYTHON_GIL unset: GIL disabled, required modules importable (and
    it is CPython ``version``, when given)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_GIL", "PYTHONPATH",
                                                             "PYTHONHOME")}
    try:
        modules = json.dumps([REQUIRED_MODULES, OPTIONAL_MODULES])
        out = subprocess.run([str(exe), "-I", "-c", VERIFY, modules], env=env,
                             capture_output=True, text=True, timeout=120, check=False)
        info = json.loads(out.stdout)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise InterpreterError(f"{exe} does not run: {exc}") from None
    problems = []
    if info.get("gil_disabled") != 1:
        problems.append("Py_GIL_DISABLED is not set")
    if info.get("gil_enabled") is not False:
        problems.append("sys._is_gil_enabled() is not False")
    if version and info.get("version") != version:
        problems.append(f"it is Python {info.get('version')}, not {version}")
    if info.get("missing"):
        problems.append(f"missing modules {', '.join(info['missing'])}")
    if problems:
        raise InterpreterError(f"{exe}: {'; '.join(problems)}")
    return info


@contextlib.contextmanager
def _lock(path: Path, say: debsource.Say, what: str) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another gilfree process {what}")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _run(cmd: list[str], log: Path, cwd: Path | None = None, *, nice: bool = True) -> None:
    if nice and shutil.which("nice"):
        cmd = ["nice", "-n", "19", *cmd]
    with open(log, "ab") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n".encode())
        fh.flush()
        result = subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise InterpreterError(f"`{' '.join(cmd[:5])} …` failed (exit {result.returncode}); "
                               f"see {log}")


def _install_build_deps(log: Path, say: debsource.Say) -> None:
    """Headers CPython needs for ssl, sqlite3, ctypes...; only as root, only if missing."""
    if os.geteuid() != 0 or not shutil.which("dpkg-query"):
        return
    missing = [p for p in BUILD_DEPS if subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True, check=False
    ).stdout.strip() != "install ok installed"]
    if missing:
        say(f"installing build dependencies: {' '.join(missing)}")
        _run(["apt-get", "update"], log, nice=False)
        _run(["apt-get", "install", "-y", "--no-install-recommends", *missing], log, nice=False)


def clean_incomplete(root: Path, minor: str) -> list[Path]:
    """Remove what interrupted builds of ``minor`` left; call with its lock held."""
    gone = [p for p in root.glob(f".tmp-build-{minor}t-*") if p.is_dir()]
    gone += [p for p in root.glob(f"cpython-{minor}.*t") if p.is_dir() and read_marker(p) is None]
    for path in gone:
        shutil.rmtree(path, ignore_errors=True)
    return gone


def build(minor: str, *, say: debsource.Say = debsource._default_say,
          mirror: str | None = None) -> tuple[CachedBuild, bool]:
    """The cached build of ``minor`` (``3.14``), building it if there is none; returns
    ``(build, built_now)``. A build that fails verification is not cached."""
    root = python_root()
    with _lock(root / f".build-{minor}t.lock", say, f"building {minor}t"):
        done = [b for b in cached_builds(root) if b.minor == minor]
        if done:
            return done[0], False
        clean_incomplete(root, minor)
        log = root / f"build-{minor}t.log"
        log.write_text(f"gilfree build of {minor}t, {datetime.datetime.now().isoformat()}\n")
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f".tmp-build-{minor}t-", dir=root) as tmp:
            work = Path(tmp)
            with _lock(root / ".build-deps.lock", say, "installing build dependencies"):
                _install_build_deps(log, say)
            src = debsource.fetch_source(minor, work / "download", mirror=mirror, say=say)
            if not src.verified:
                say(f"{src.tarball.name} could not be verified (SHA-256 {src.sha256})")
            prefix = root / f"cpython-{src.python_version}t"
            say(f"building free-threaded CPython {src.python_version} from {src.tarball.name} "
                f"(nice -n 19, a few minutes); log: {log}")
            compile_start = time.monotonic()
            srcdir = _extract(src.tarball, work / "src")
            _run(["./configure", "--disable-gil", f"--prefix={prefix}",
                  "--with-ensurepip=install"], log, cwd=srcdir)
            _run(["make", f"-j{os.cpu_count() or 2}"], log, cwd=srcdir)
            stage = work / "stage"
            _run(["make", "install", f"DESTDIR={stage}"], log, cwd=srcdir)
            staged = stage / prefix.relative_to(prefix.anchor)
            exe_name = f"python{minor}t"
            verify(staged / "bin" / exe_name, src.python_version)  # raises: nothing is cached
            compile_seconds = time.monotonic() - compile_start
            if prefix.exists():
                shutil.rmtree(prefix)
            os.rename(staged, prefix)
        try:
            info = verify(prefix / "bin" / exe_name, src.python_version)
        except BaseException:
            shutil.rmtree(prefix, ignore_errors=True)  # unmarked: never used, but big
            raise
        meta = {"exe": str(prefix / "bin" / exe_name), "version": info["version"],
                "debian_version": src.version, "package": src.package, "tarball": src.tarball.name,
                "sha256": src.sha256, "origin": src.origin, "verified": src.verified,
                "build_seconds": round(time.monotonic() - start, 1),
                "compile_seconds": round(compile_seconds, 1),
                "missing_optional": info.get("missing_optional", []),
                "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "configure": ["--disable-gil", "--with-ensurepip=install"]}
        marker = prefix / (COMPLETE_MARKER + ".part")
        marker.write_text(json.dumps(meta, indent=1) + "\n")
        os.replace(marker, prefix / COMPLETE_MARKER)
        return CachedBuild(prefix, prefix / "bin" / exe_name, prefix.name[8:-1], meta), True


def _extract(tarball: Path, dest: Path) -> Path:
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(tarball) as tf:
        tf.extractall(dest, **safe)  # type: ignore[arg-type]
    dirs = [p for p in dest.iterdir() if p.is_dir()]
    if len(dirs) != 1 or not (dirs[0] / "configure").is_file():
        raise InterpreterError(f"{tarball.name} is not a CPython source tarball")
    return dirs[0]


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"

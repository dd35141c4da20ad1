"""Find a free-threaded CPython, or build 3.13t from Debian's trixie source package.

Standard library only: ``scripts/ft-python`` runs this from a source checkout before
anything is installed (``python -m gilfree.runtime.bootstrap``). Builds are cached under
``$GILFREE_CACHE_DIR`` or the user cache dir (``~/.cache/gilfree/python/``).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import InterpreterError

PROBE = ("import sys, sysconfig; "
         "print(sysconfig.get_config_var('Py_GIL_DISABLED'), '%d.%d' % sys.version_info[:2])")
DEBIAN_SOURCE_PACKAGE = "python3.13"
SOURCE_SUITE = "trixie"
BUILD_DEPS = ("libssl-dev", "zlib1g-dev", "libffi-dev", "libsqlite3-dev", "libbz2-dev",
              "liblzma-dev", "libreadline-dev", "uuid-dev")
COMPLETE_MARKER = ".gilfree-complete"


def cache_root() -> Path:
    base = os.environ.get("GILFREE_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "gilfree"


def is_free_threaded(python: str | os.PathLike[str]) -> str | None:
    """The ``X.Y`` version when ``python`` runs with Py_GIL_DISABLED, else None."""
    try:
        out = subprocess.run([os.fspath(python), "-c", PROBE], capture_output=True, text=True,
                             timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = out.stdout.split()
    return parts[1] if out.returncode == 0 and parts[:1] == ["1"] else None


def candidates() -> Iterator[Path]:
    """Where a free-threaded interpreter may already be, most explicit first."""
    explicit = os.environ.get("GILFREE_PYTHON")
    if explicit:
        yield Path(explicit)
    for name in ("python3.15t", "python3.14t", "python3.13t"):
        found = shutil.which(name)
        if found:
            yield Path(found)
    uv_dir = os.environ.get("UV_PYTHON_INSTALL_DIR") or os.path.join(
        os.path.expanduser("~"), ".local", "share", "uv", "python")
    for exe in sorted(glob.glob(os.path.join(uv_dir, "cpython-3.1*[0-9]t*", "bin", "python3.1*t")),
                      reverse=True):
        yield Path(exe)
    for prefix in sorted((cache_root() / "python").glob("cpython-*t"), reverse=True):
        if (prefix / COMPLETE_MARKER).exists():
            yield from sorted(prefix.glob("bin/python3.*t"))


def find_ft_python(*, build: bool = True) -> Path:
    """A working free-threaded interpreter; builds one (cached) when none is found."""
    explicit = os.environ.get("GILFREE_PYTHON")
    for path in candidates():
        if is_free_threaded(path):
            return path
        if explicit and str(path) == explicit:
            raise InterpreterError(f"GILFREE_PYTHON={explicit} is not a free-threaded Python")
    if not build:
        raise InterpreterError("no free-threaded Python found (set GILFREE_PYTHON, or run "
                               "`gilfree python --build`)")
    return build_ft_python()


# --- building --------------------------------------------------------------------------

def debian_mirror(apt_dir: Path = Path("/etc/apt")) -> str:
    """The Debian archive URI this machine's own apt sources use (not the security one)."""
    uris: list[str] = []
    for path in sorted(apt_dir.glob("sources.list.d/*.sources")):
        for m in re.finditer(r"^URIs:\s*(.+)$", path.read_text(errors="replace"), re.M):
            uris.extend(m.group(1).split())
    for path in [apt_dir / "sources.list", *sorted(apt_dir.glob("sources.list.d/*.list"))]:
        if path.is_file():
            for line in path.read_text(errors="replace").splitlines():
                m = re.match(r"^\s*deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)", line)
                if m:
                    uris.append(m.group(1))
    for uri in uris:
        if re.search(r"/debian/?$", uri) and "security" not in uri:
            return uri.rstrip("/")
    raise InterpreterError(f"no Debian archive found in {apt_dir}/sources.list*: cannot fetch "
                           f"the {SOURCE_SUITE} source package (set GILFREE_PYTHON instead)")


def _run(cmd: list[str], log: Path, cwd: Path | None = None) -> None:
    with open(log, "ab") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n".encode())
        fh.flush()
        result = subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise InterpreterError(f"`{' '.join(cmd[:3])} …` failed (exit {result.returncode}); see {log}")


def _fetch_source(work: Path, log: Path) -> Path:
    """``apt-get source --download-only`` with a private sources list; returns the orig tarball."""
    apt = work / "apt"
    (apt / "lists" / "partial").mkdir(parents=True)
    sources = apt / "trixie-src.sources"
    sources.write_text(f"Types: deb-src\nURIs: {debian_mirror()}\nSuites: {SOURCE_SUITE}\n"
                       "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
    opts = ["-o", f"Dir::Etc::SourceList={sources}", "-o", "Dir::Etc::SourceParts=/dev/null",
            "-o", f"Dir::State::Lists={apt / 'lists'}", "-o", "APT::Sandbox::User=root"]
    _run(["apt-get", *opts, "update"], log)
    _run(["apt-get", *opts, "source", "--download-only", DEBIAN_SOURCE_PACKAGE], log, cwd=work)
    tarballs = sorted(work.glob(f"{DEBIAN_SOURCE_PACKAGE}_*.orig.tar.*"))
    if not tarballs:
        raise InterpreterError(f"apt-get source gave no upstream tarball; see {log}")
    return tarballs[0]


def _install_build_deps(log: Path) -> None:
    """Headers CPython needs for ssl, sqlite3, ctypes...; only as root, only if missing."""
    if os.geteuid() != 0 or not shutil.which("dpkg-query"):
        return
    missing = [p for p in BUILD_DEPS if subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True, check=False
    ).stdout.strip() != "install ok installed"]
    if missing:
        _run(["apt-get", "update"], log)
        _run(["apt-get", "install", "-y", "--no-install-recommends", *missing], log)


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def build_ft_python() -> Path:
    """Configure ``--disable-gil``, make, install into the cache; about 3-5 minutes."""
    root = cache_root() / "python"
    with _build_lock(root):
        for path in candidates():  # another process may have finished while we waited
            if is_free_threaded(path):
                return path
        print(f"gilfree: building a free-threaded CPython from Debian's {SOURCE_SUITE} "
              f"source package into {root} (a few minutes, once)", file=sys.stderr)
        log = root / "build.log"
        log.write_text("")
        with tempfile.TemporaryDirectory(prefix="gilfree-build-") as tmp:
            work = Path(tmp)
            _install_build_deps(log)
            tarball = _fetch_source(work, log)
            version = re.search(r"_(\d+\.\d+\.\d+)\.orig", tarball.name)
            prefix = root / f"cpython-{version.group(1) if version else 'unknown'}t"
            shutil.rmtree(prefix, ignore_errors=True)  # an interrupted earlier build
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            with tarfile.open(tarball) as tf:
                tf.extractall(work / "src", **safe)  # type: ignore[arg-type]
            srcdir = next((work / "src").iterdir())
            _run(["./configure", "--disable-gil", f"--prefix={prefix}", "--with-ensurepip=install"],
                 log, cwd=srcdir)
            _run(["make", f"-j{os.cpu_count() or 2}"], log, cwd=srcdir)
            _run(["make", "install"], log, cwd=srcdir)
        exe = next(iter(sorted(prefix.glob("bin/python3.*t"))), None)
        if exe is None or not is_free_threaded(exe):
            raise InterpreterError(f"the build did not produce a free-threaded Python; see {log}")
        check = subprocess.run([str(exe), "-c", "import ssl, sqlite3, ctypes, zlib, lzma, bz2"],
                               capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise InterpreterError(f"built {exe} lacks stdlib modules: "
                                   f"{check.stderr.strip().splitlines()[-1]}; see {log}")
        (prefix / COMPLETE_MARKER).write_text(str(exe) + "\n")
        return exe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ft-python", description=__doc__)
    parser.add_argument("--no-build", action="store_true", help="only look, never build")
    args = parser.parse_args(argv)
    try:
        print(find_ft_python(build=not args.no_build))
    except InterpreterError as exc:
        print(f"ft-python: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

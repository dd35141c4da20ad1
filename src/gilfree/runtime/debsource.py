"""Find, fetch and verify Debian's CPython source packages (standard library only).

The archive mirror is the one this machine's own apt sources name (no host name lives in
the repository). For each Python series gilfree tries, newest first, the versions that the
suites' ``Sources`` indexes name, then a short table of known versions that mirrors keep in
their pool after the indexes have moved on (an index may name a version whose files the
mirror has not got yet: it answers 404 for them).

Trust: an index is checked against the suite's ``InRelease`` (signature checked with
``gpgv`` and Debian's archive keyring when both are present), the orig tarball against the
index's SHA-256; a known version's tarball against its ``.dsc`` when one is served, else
against the SHA-256 recorded below, else (no .dsc, nothing recorded) it is used unverified
and the caller is told so.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import lzma
import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InterpreterError
from .debversion import (  # noqa: F401 - re-exported
    compare_versions, is_prerelease, python_version, upstream_version, version_key)

ARCHIVE_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
TIMEOUT = 60
Say = Callable[[str], None]


@dataclass(frozen=True)
class Known:
    """A source version mirrors keep serving; ``sha256`` of its orig tarball as recorded
    from its ``.dsc`` (None: no .dsc was served when it was recorded)."""

    version: str  # Debian upstream version: 3.15.0~rc2
    revision: str  # Debian revision of the .dsc: 1
    sha256: str | None


@dataclass(frozen=True)
class Series:
    package: str
    suites: tuple[str, ...]
    known: tuple[Known, ...]


SERIES: dict[str, Series] = {
    "3.13": Series("python3.13", ("trixie",), (
        Known("3.13.5", "2+deb13u5", "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640"),)),
    "3.14": Series("python3.14", ("sid", "forky"), (
        Known("3.14.7", "1", "3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81"),)),
    "3.15": Series("python3.15", ("sid", "forky"), (
        Known("3.15.0~rc2", "1", None),
        Known("3.15.0~rc1", "1", "f84dad680ab2147417d2739355c2678f0f9acffe4ae8ef77895de1454b384b07"))),
}


class NotServed(InterpreterError):
    """The mirror answered 404 (or 410) for this file."""


def _default_say(message: str) -> None:
    import sys

    print(f"gilfree: {message}", file=sys.stderr, flush=True)


# --- the mirror -------------------------------------------------------------------------

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
                           "Debian's CPython source (set GILFREE_PYTHON instead)")


def _url(mirror: str, *parts: str) -> str:
    return "/".join([mirror.rstrip("/"), *(urllib.parse.quote(p, safe="/+~") for p in parts)])


def _open(url: str):
    request = urllib.request.Request(url, headers={"User-Agent": "gilfree"})
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT)  # noqa: S310 - http(s) only
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise NotServed(f"{url}: {exc.code}") from None
        raise InterpreterError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise InterpreterError(f"{url}: {getattr(exc, 'reason', exc)}") from None


def fetch_bytes(url: str) -> bytes:
    with _open(url) as response:
        return response.read()


def download(url: str, dest: Path, sha256: str | None = None) -> Path:
    """``url`` into ``dest`` (via a ``.part`` file); a SHA-256 that does not match is refused."""
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    try:
        with _open(url) as response, open(part, "wb") as out:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if sha256 and digest.hexdigest() != sha256.lower():
            raise InterpreterError(f"{dest.name}: SHA-256 {digest.hexdigest()} is not the expected "
                                   f"{sha256}: refusing it")
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return dest


# --- deb822: Sources stanzas, .dsc files, InRelease -------------------------------------

def parse_stanza(text: str) -> dict[str, str]:
    """One deb822 paragraph; a multi-line field keeps its lines, joined by newlines."""
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line and not line.startswith("#"):
            key, _, value = line.partition(":")
            key = key.strip()
            fields[key] = value.strip()
    return fields


def strip_signature(text: str) -> str:
    """The signed text of a clear-signed (.dsc, InRelease) file, or ``text`` unchanged."""
    m = re.search(r"-----BEGIN PGP SIGNED MESSAGE-----\n(?:[^\n]+\n)*\n(.*?)\n?-----BEGIN PGP SIGNATURE",
                  text, re.S)
    if not m:
        return text
    return "\n".join(line[2:] if line.startswith("- ") else line for line in m.group(1).splitlines())


def checksums(fields: dict[str, str], name: str = "Checksums-Sha256") -> dict[str, tuple[str, int]]:
    """``{file name: (hex digest, size)}`` of a ``Checksums-Sha256``-style field."""
    out: dict[str, tuple[str, int]] = {}
    for line in fields.get(name, "").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            out[parts[2]] = (parts[0].lower(), int(parts[1]))
    return out


def orig_tarball(files: dict[str, tuple[str, int]]) -> tuple[str, str] | None:
    """``(name, sha256)`` of the upstream tarball among a package's files."""
    for name, (digest, _size) in sorted(files.items()):
        if re.search(r"\.orig\.tar\.(xz|gz|bz2)$", name):
            return name, digest
    return None


@dataclass(frozen=True)
class Entry:
    """A source package as an index or a .dsc describes it."""

    package: str
    version: str  # full Debian version, 3.14.7-1
    directory: str
    files: dict[str, tuple[str, int]] = field(default_factory=dict)


def parse_dsc(text: str) -> Entry:
    fields = parse_stanza(strip_signature(text))
    package = fields.get("Source", "")
    return Entry(package, fields.get("Version", ""), f"pool/main/{_pool_letter(package)}/{package}",
                 checksums(fields))


def sources_entries(lines: Iterable[str], package: str) -> Iterator[Entry]:
    """The stanzas of ``package`` in a Sources index (read line by line: it is ~60 MB)."""
    chunk: list[str] = []
    in_stanza = False
    for line in itertools.chain(lines, ["\n"]):
        if not line.strip():
            if chunk:
                fields = parse_stanza("".join(chunk))
                yield Entry(package, fields.get("Version", ""), fields.get("Directory", ""),
                            checksums(fields))
            chunk, in_stanza = [], False
        elif chunk:
            chunk.append(line)
        elif not in_stanza:  # a stanza's first line says whose it is
            in_stanza = True
            if line.rstrip("\n") == f"Package: {package}":
                chunk = [line]


def _pool_letter(package: str) -> str:
    return package[:4] if package.startswith("lib") else package[:1]


# --- a suite's index --------------------------------------------------------------------

def release_checksums(mirror: str, suite: str, keyring: Path = ARCHIVE_KEYRING,
                      ) -> tuple[dict[str, tuple[str, int]] | None, str]:
    """The SHA-256 of each index file ``InRelease`` lists, and how far it is trusted.

    ``(None, why)`` when the mirror serves no InRelease; a signature that ``gpgv`` rejects
    is an error (an index that might be forged is not used at all)."""
    try:
        raw = fetch_bytes(_url(mirror, "dists", suite, "InRelease"))
    except NotServed:
        return None, "no InRelease served: index not signature-checked"
    gpgv = shutil.which("gpgv")
    if gpgv and keyring.is_file():
        with tempfile.TemporaryDirectory(prefix="gilfree-gpgv-") as tmp:
            signed = Path(tmp) / "InRelease"
            signed.write_bytes(raw)
            out = subprocess.run([gpgv, "--keyring", str(keyring), "--output", "-", str(signed)],
                                 capture_output=True, check=False)
        if out.returncode != 0:
            raise InterpreterError(f"the {suite} InRelease signature does not verify against "
                                   f"{keyring}: not using that index")
        text, trust = out.stdout.decode("utf-8", "replace"), "InRelease signature checked"
    else:
        text = strip_signature(raw.decode("utf-8", "replace"))
        trust = "InRelease signature not checked (no gpgv or archive keyring)"
    return checksums(parse_stanza(text), "SHA256"), trust


def read_index(mirror: str, suite: str, package: str, *, keyring: Path = ARCHIVE_KEYRING,
               ) -> tuple[list[Entry], str]:
    """The entries of ``package`` in ``suite``'s main Sources index, and the trust note."""
    listed, trust = release_checksums(mirror, suite, keyring)
    last: InterpreterError | None = None
    for name, opener in (("Sources.xz", lzma.open), ("Sources.gz", gzip.open)):
        path = f"main/source/{name}"
        if listed is not None and path not in listed:
            continue
        try:
            data = fetch_bytes(_url(mirror, "dists", suite, path))
        except NotServed as exc:
            last = exc
            continue
        if listed is not None and hashlib.sha256(data).hexdigest() != listed[path][0]:
            raise InterpreterError(f"{suite} {path}: SHA-256 does not match InRelease")
        with opener(io.BytesIO(data), "rt", encoding="utf-8", errors="replace") as lines:
            return list(sources_entries(lines, package)), trust
    raise last or NotServed(f"{suite}: no main/source/Sources index")


# --- fetching one series' source --------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """An orig tarball on disk, where it came from, and how (whether) it was verified."""

    package: str
    version: str  # full Debian version (3.14.7-1)
    tarball: Path
    sha256: str
    origin: str  # "sid Sources index", "known version (.dsc)"...
    verified: str | None  # how, or None: not verified

    @property
    def python_version(self) -> str:
        return python_version(self.version)


def fetch_source(minor: str, dest: Path, *, mirror: str | None = None, say: Say = _default_say,
                 keyring: Path = ARCHIVE_KEYRING) -> Source:
    """The newest orig tarball of ``python<minor>`` that the mirror really serves."""
    series = SERIES.get(minor)
    if series is None:
        raise InterpreterError(f"gilfree builds {', '.join(f'{m}t' for m in SERIES)} only, "
                               f"not {minor}t")
    mirror = mirror or debian_mirror()
    pkg = series.package
    dest.mkdir(parents=True, exist_ok=True)
    indexed: list[tuple[str, Entry, str]] = []
    for suite in series.suites:
        try:
            entries, trust = read_index(mirror, suite, pkg, keyring=keyring)
        except InterpreterError as exc:
            say(f"{suite}: {exc}")
            continue
        say(f"{suite} Sources index names {pkg} "
            f"{', '.join(e.version for e in entries) or 'no version'} ({trust})")
        indexed += [(suite, e, trust) for e in entries
                    if e.version not in {x[1].version for x in indexed}]
    tried: list[str] = []
    for suite, entry, trust in sorted(indexed, key=lambda x: version_key(x[1].version),
                                      reverse=True):
        orig = orig_tarball(entry.files)
        if orig is None:
            continue
        name, digest = orig
        try:
            path = download(_url(mirror, entry.directory, name), dest / name, digest)
        except NotServed:
            say(f"{pkg} {entry.version} ({suite}): the mirror does not serve {name} (404)")
            tried.append(entry.version)
            continue
        return Source(pkg, entry.version, path, digest, f"{suite} Sources index",
                      f"SHA-256 from the {suite} Sources index; {trust}")
    done = {upstream_version(v) for v in tried}
    for known in series.known:
        if known.version in done:
            continue
        source = _fetch_known(mirror, pkg, known, dest, say)
        if source is not None:
            return source
        tried.append(f"{known.version}-{known.revision}")
    raise InterpreterError(f"the mirror serves no {pkg} source gilfree can use "
                           f"(tried {', '.join(tried) or 'nothing'})")


def _fetch_known(mirror: str, pkg: str, known: Known, dest: Path, say: Say) -> Source | None:
    directory = f"pool/main/{_pool_letter(pkg)}/{pkg}"
    version = f"{known.version}-{known.revision}"
    dsc_name = f"{pkg}_{version}.dsc"
    try:
        dsc = parse_dsc(fetch_bytes(_url(mirror, directory, dsc_name)).decode("utf-8", "replace"))
    except NotServed:
        dsc = None
    orig = orig_tarball(dsc.files) if dsc is not None else None
    if orig is not None:
        name, digest = orig
        if known.sha256 and digest != known.sha256:
            raise InterpreterError(f"{dsc_name} names SHA-256 {digest} for {name}, not the "
                                   f"{known.sha256} gilfree recorded: refusing it")
        verified: str | None = f"SHA-256 from {dsc_name}"
    else:
        why = "no orig tarball in" if dsc is not None else "no"
        name, digest = f"{pkg}_{known.version}.orig.tar.xz", known.sha256 or ""
        verified = f"SHA-256 recorded by gilfree ({why} {dsc_name} served)" if digest else None
    say(f"trying {pkg} {version} from the pool: {name}"
        + ("" if verified else f" - {dsc_name} not served: downloading it WITHOUT verification"))
    try:
        path = download(_url(mirror, directory, name), dest / name, digest or None)
    except NotServed:
        say(f"{pkg} {version}: the mirror does not serve {name} (404)")
        return None
    if not digest:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Source(pkg, version, path, digest, "known version", verified)

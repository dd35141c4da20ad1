"""The verdict table of DESIGN.md: one release of one package on one target.

Pure functions over index data. Which file pip would install is decided by tag priority
(``targets.target_tags``), never by substring matching on file names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .model import DistFile, ProjectFiles, Target, Verdict
from .targets import target_tags

SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar")


@dataclass(frozen=True)
class ParsedFile:
    """A distribution file with its version and (for wheels) tags parsed once."""

    file: DistFile
    version: Version
    tags: frozenset[Tag] | None  # None for an sdist

    @property
    def is_wheel(self) -> bool:
        return self.tags is not None


@dataclass(frozen=True)
class Choice:
    """What pip would do for one release on one target."""

    verdict: Verdict
    wheel: str | None = None
    detail: str = ""


def parse_file(f: DistFile) -> ParsedFile | None:
    """Parse a file name; None for files pip ignores (eggs, .exe, legacy versions)."""
    name = f.filename
    try:
        if name.endswith(".whl"):
            _, version, _, file_tags = parse_wheel_filename(name)
            return ParsedFile(f, version, frozenset(file_tags))
        if name.endswith(SDIST_SUFFIXES):
            if name.endswith(".tar.gz") or name.endswith(".zip"):
                _, version = parse_sdist_filename(name)
            else:  # legacy sdist formats pip still accepts
                stem = name.rsplit(".tar", 1)[0] if ".tar" in name else name.rsplit(".", 1)[0]
                version = Version(stem.rsplit("-", 1)[1])
            return ParsedFile(f, version, None)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion, IndexError):
        return None
    return None


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _cheap_version(filename: str) -> str | None:
    """The version field of a wheel or sdist name, for grouping only.

    Every file is grouped, but only the files of releases we judge get the full
    ``packaging`` parse: numpy alone has 4,000+ wheels, a 300-package lock 190,000.
    """
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return parts[1] if len(parts) in (5, 6) else None
    for suffix in SDIST_SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)].rpartition("-")[2] or None
    return None


def _abi_field_is_ft(filename: str) -> bool:
    """Whether a wheel name's ABI field lists a free-threaded ABI (cp3XXt or abi3t)."""
    if not filename.endswith(".whl"):
        return False
    parts = filename[:-4].split("-")
    return len(parts) in (5, 6) and any(
        abi == "abi3t" or (abi.startswith("cp") and abi.endswith("t")) for abi in parts[-2].split("."))


class Releases:
    """A project's files grouped by release; a release's names are parsed when first judged."""

    def __init__(self, project: ProjectFiles) -> None:
        self.project = project
        grouped: dict[Version, list[DistFile]] = defaultdict(list)
        yanked: dict[Version, list[DistFile]] = defaultdict(list)
        seen: dict[str, Version | None] = {}  # a release's files share one version string
        for f in project.files:
            text = _cheap_version(f.filename)
            if text is None:
                continue
            if text not in seen:
                seen[text] = _version(text)
            version = seen[text]
            if version is not None:
                (yanked if f.yanked else grouped)[version].append(f)
        self._raw = dict(sorted(grouped.items()))
        # PEP 592: yanked files count only for an exact pin of their release.
        self._raw_yanked = {v: fs for v, fs in yanked.items() if v not in self._raw}
        self._parsed: dict[Version, list[ParsedFile]] = {}

    def files(self, version: Version) -> list[ParsedFile]:
        """The parsed, non-yanked files of one release (empty if unknown)."""
        if version not in self._parsed:
            raw = self._raw.get(version) or self._raw_yanked.get(version) or []
            self._parsed[version] = [p for p in map(parse_file, raw) if p is not None]
        return self._parsed[version]

    @cached_property
    def versions(self) -> list[Version]:
        return [v for v in self._raw if self.files(v)]

    def latest(self) -> Version | None:
        """The newest stable release, else the newest pre-release (what pip would pick)."""
        for pool in ([v for v in reversed(self._raw) if not v.is_prerelease], list(reversed(self._raw))):
            for version in pool:
                if self.files(version):
                    return version
        return None

    def pinned(self, text: str) -> tuple[Version, list[ParsedFile]] | None:
        """The files of an exactly pinned release (yanked ones too, as pip allows)."""
        wanted = _version(text)
        if wanted is None:
            return None
        files = self.files(wanted)
        return (wanted, files) if files else None

    @cached_property
    def ft_candidates(self) -> list[Version]:
        """Releases with any free-threaded wheel at all: the only ones worth ranking."""
        return [v for v, fs in self._raw.items() if any(_abi_field_is_ft(f.filename) for f in fs)]


# Memo of requires-python checks: a project repeats one spec on thousands of files. Keyed
# by str with bool values on purpose: on a free-threaded build, lookups of str keys in a
# shared dict touch no reference counts, while tuple keys (or lru_cache) make every thread
# contend for the same objects; measured 60x slower on 8 threads.
_SPEC_MEMO: dict[str, bool] = {}


def _python_allowed(spec: str | None, python: str) -> bool:
    """Whether ``requires-python`` admits Python ``python`` (``"3.14"``)."""
    if not spec:
        return True
    key = f"{python}|{spec}"
    allowed = _SPEC_MEMO.get(key)
    if allowed is None:
        try:
            allowed = SpecifierSet(spec).contains(f"{python}.0", prereleases=True)
        except InvalidSpecifier:
            allowed = True  # pip ignores an unparseable requires-python the same way
        _SPEC_MEMO[key] = allowed
    return allowed


def _is_ft_tag(tag: Tag) -> bool:
    return tag.abi.endswith("t") and tag.abi.startswith("cp") or tag.abi == "abi3t"


def choose(files: list[ParsedFile], target: Target) -> Choice:
    """The verdict for one release's files on one target (see DESIGN.md's table)."""
    if not files:
        return Choice(Verdict.MISSING, detail="release has no installable files")
    python = target.python_str
    allowed = [p for p in files if _python_allowed(p.file.requires_python, python)]
    if not allowed:
        spec = files[0].file.requires_python
        return Choice(Verdict.PYTHON_EXCLUDED, detail=f"requires-python {spec} excludes {target.python_str}")
    ranking = target_tags(target)
    best: tuple[int, ParsedFile, Tag] | None = None
    for p in allowed:
        if p.tags is None:
            continue
        for tag in p.tags:
            rank = ranking.get(tag)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, p, tag)
    if best is not None:
        _, p, tag = best
        if _is_ft_tag(tag):
            return Choice(Verdict.FT_WHEEL, p.file.filename)
        if tag.platform == "any":
            note = "pure-Python wheel" + (
                "; native wheels exist for GIL builds only" if any(_is_native(x) for x in allowed) else "")
            return Choice(Verdict.PURE, p.file.filename, note)
        return Choice(Verdict.BINARY, p.file.filename, "platform wheel without an extension-module ABI")
    has_sdist = any(p.tags is None for p in allowed)
    natives = [p for p in allowed if _is_native(p)]
    if natives:
        detail = "native wheels for GIL builds only"
        if has_sdist:
            detail += "; pip would try to build the sdist"
        return Choice(Verdict.NO_FT_WHEEL, detail=detail)
    if has_sdist:
        return Choice(Verdict.NEEDS_BUILD, detail="sdist only: pip would compile it")
    return Choice(Verdict.NO_FT_WHEEL, detail="no file for this platform")


def _is_native(p: ParsedFile) -> bool:
    """A wheel with a CPython extension ABI (cp3XX, abi3, ...), i.e. compiled code."""
    return p.tags is not None and any(t.abi not in ("none",) for t in p.tags)


@dataclass(frozen=True)
class FtHistory:
    """Where free-threaded wheels begin (and last appear) for one target."""

    first_stable: Version | None = None
    first_prerelease: Version | None = None  # only when earlier than first_stable
    latest: Version | None = None  # newest release of any kind with ft-wheel


def ft_history(releases: Releases, target: Target) -> FtHistory:
    """Walk the releases with any free-threaded wheel from both ends; stop at the hits."""
    candidates = releases.ft_candidates

    def hit(version: Version) -> bool:
        return choose(releases.files(version), target).verdict is Verdict.FT_WHEEL

    stable = pre = None
    for version in candidates:
        if hit(version):
            if not version.is_prerelease:
                stable = version
                break
            pre = pre or version
    latest = next((v for v in reversed(candidates) if hit(v)), None)
    return FtHistory(stable, pre, latest)


def is_pure(files: list[ParsedFile]) -> bool | None:
    """True when a release ships only pure-Python wheels; None when it has no wheels."""
    wheels = [p for p in files if p.tags is not None]
    if not wheels:
        return None
    return all(t.abi == "none" and t.platform == "any" for p in wheels for t in p.tags or ())

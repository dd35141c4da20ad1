"""The verdict table of DESIGN.md: one release of one package on one target.

Pure functions over index data. Which file pip would install is decided by tag priority
(``targets.target_tags``), never by substring matching on file names.
"""

from __future__ import annotations

import functools
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


class Releases:
    """A project's non-yanked files grouped by release (pre-parsed once for all targets)."""

    def __init__(self, project: ProjectFiles) -> None:
        self.project = project
        by_version: dict[Version, list[ParsedFile]] = defaultdict(list)
        yanked: dict[Version, list[ParsedFile]] = defaultdict(list)
        for f in project.files:
            parsed = parse_file(f)
            if parsed is not None:
                (yanked if f.yanked else by_version)[parsed.version].append(parsed)
        self.by_version = dict(sorted(by_version.items()))
        # PEP 592: yanked files count only for an exact pin of their release.
        self.yanked = {v: fs for v, fs in yanked.items() if v not in self.by_version}

    @cached_property
    def versions(self) -> list[Version]:
        return list(self.by_version)

    def latest(self) -> Version | None:
        """The newest stable release, else the newest pre-release (what pip would pick)."""
        stable = [v for v in self.versions if not v.is_prerelease]
        pool = stable or self.versions
        return pool[-1] if pool else None

    def pinned(self, text: str) -> tuple[Version, list[ParsedFile]] | None:
        """The files of an exactly pinned release (yanked ones too, as pip allows)."""
        try:
            wanted = Version(text)
        except InvalidVersion:
            return None
        files = self.by_version.get(wanted) or self.yanked.get(wanted)
        return (wanted, files) if files else None

    @cached_property
    def ft_candidates(self) -> list[Version]:
        """Releases with any free-threaded wheel at all: the only ones worth ranking."""
        return [v for v, fs in self.by_version.items()
                if any(_is_ft_tag(t) for p in fs for t in p.tags or ())]


def _python_allowed(spec: str | None, target: Target) -> bool:
    return not spec or _spec_allows(spec, target.python)


@functools.lru_cache(maxsize=4096)
def _spec_allows(spec: str, python: tuple[int, int]) -> bool:
    """Cached: a project repeats one requires-python on thousands of files."""
    try:
        return SpecifierSet(spec).contains(f"{python[0]}.{python[1]}.0", prereleases=True)
    except InvalidSpecifier:
        return True  # pip ignores an unparseable requires-python the same way


def _is_ft_tag(tag: Tag) -> bool:
    return tag.abi.endswith("t") and tag.abi.startswith("cp") or tag.abi == "abi3t"


def choose(files: list[ParsedFile], target: Target) -> Choice:
    """The verdict for one release's files on one target (see DESIGN.md's table)."""
    if not files:
        return Choice(Verdict.MISSING, detail="release has no installable files")
    allowed = [p for p in files if _python_allowed(p.file.requires_python, target)]
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
    """Scan the releases that have any free-threaded wheel, oldest first."""
    hits = [v for v in releases.ft_candidates
            if choose(releases.by_version[v], target).verdict is Verdict.FT_WHEEL]
    stable = next((v for v in hits if not v.is_prerelease), None)
    pre = next((v for v in hits if v.is_prerelease), None)
    if pre is not None and stable is not None and pre > stable:
        pre = None
    return FtHistory(stable, pre, hits[-1] if hits else None)


def is_pure(files: list[ParsedFile]) -> bool | None:
    """True when a release ships only pure-Python wheels; None when it has no wheels."""
    wheels = [p for p in files if p.tags is not None]
    if not wheels:
        return None
    return all(t.abi == "none" and t.platform == "any" for p in wheels for t in p.tags or ())

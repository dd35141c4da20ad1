"""The verdict table of DESIGN.md: one release of one package on one target.

Pure functions over index data. Which file pip would install is decided by tag priority
(``targets.target_tags``), never by substring matching on file names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
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
    native: bool = False  # a wheel with an extension-module ABI (cp3XX, abi3, cp3XXt...)
    # the only tags that can match a free-threaded target: ABI "none", cp3XXt or abi3t
    ft_or_none: tuple[Tag, ...] = ()


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
            return ParsedFile(f, version, file_tags, native=any(t.abi != "none" for t in file_tags),
                              ft_or_none=tuple(t for t in file_tags if t.abi == "none" or _is_ft_tag(t)))
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


def _cheap_fields(filename: str) -> tuple[str | None, bool]:
    """The version field of a wheel or sdist name, and whether it lists a free-threaded ABI.

    For grouping only: every file is grouped, but only the files of releases we judge get
    the full ``packaging`` parse (numpy alone has 4,000+ wheels, a 300-package lock
    190,000). The ABI flag only nominates releases worth judging; ``choose`` decides.
    """
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) not in (5, 6):
            return None, False
        abis = parts[-2]  # free-threaded ABIs (cp3XXt, abi3t) are the ones ending in "t"
        return parts[1], abis.endswith("t") or "t." in abis
    for suffix in SDIST_SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)].rpartition("-")[2] or None, False
    return None, False


class FileList(list):  # type: ignore[type-arg]
    """One release's parsed files; per-release facts are computed once for all targets."""

    groups: list[SpecGroup] | None = None


@dataclass
class SpecGroup:
    """A release's files that share one ``requires-python`` (usually all of them)."""

    spec: str | None
    candidates: list[tuple[Tag, ParsedFile]] = field(default_factory=list)  # ft or "none" tags
    native: bool = False
    sdist: bool = False


def spec_groups(files: list[ParsedFile]) -> list[SpecGroup]:
    cached = getattr(files, "groups", None)
    if cached is not None:
        return cached
    by_spec: dict[str | None, SpecGroup] = {}
    for p in files:
        spec = p.file.requires_python
        group = by_spec.get(spec)
        if group is None:
            group = by_spec[spec] = SpecGroup(spec)
        if p.tags is None:
            group.sdist = True
            continue
        group.native = group.native or p.native
        group.candidates.extend((tag, p) for tag in p.ft_or_none)
    groups = list(by_spec.values())
    if isinstance(files, FileList):
        files.groups = groups
    return groups


class Releases:
    """A project's files grouped by release; a release's names are parsed when first judged."""

    def __init__(self, project: ProjectFiles) -> None:
        self.project = project
        grouped: dict[Version, list[DistFile]] = defaultdict(list)
        yanked: dict[Version, list[DistFile]] = defaultdict(list)
        seen: dict[str, Version | None] = {}  # a release's files share one version string
        ft: set[Version] = set()
        for f in project.files:
            text, is_ft = _cheap_fields(f.filename)
            if text is None:
                continue
            if text not in seen:
                seen[text] = _version(text)
            version = seen[text]
            if version is None:
                continue
            if f.yanked:
                yanked[version].append(f)
            else:
                grouped[version].append(f)
                if is_ft:
                    ft.add(version)
        self._raw = dict(sorted(grouped.items()))
        # PEP 592: yanked files count only for an exact pin of their release.
        self._raw_yanked = {v: fs for v, fs in yanked.items() if v not in self._raw}
        self._parsed: dict[Version, FileList] = {}
        #: Releases with any free-threaded wheel at all: the only ones worth ranking.
        self.ft_candidates: list[Version] = sorted(ft)

    def files(self, version: Version) -> FileList:
        """The parsed files of one release (empty if unknown); yanked ones only if all are."""
        if version not in self._parsed:
            raw = self._raw.get(version) or self._raw_yanked.get(version) or []
            self._parsed[version] = FileList(p for p in map(parse_file, raw) if p is not None)
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
    groups = spec_groups(files)
    allowed = [g for g in groups if _python_allowed(g.spec, python)]
    if not allowed:
        return Choice(Verdict.PYTHON_EXCLUDED, detail=f"requires-python {groups[0].spec} excludes {python}")
    ranking = target_tags(target)
    best: tuple[int, ParsedFile, Tag] | None = None
    for group in allowed:
        for tag, p in group.candidates:
            rank = ranking.get(tag)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, p, tag)
    native = any(g.native for g in allowed)
    if best is not None:
        _, p, tag = best
        if _is_ft_tag(tag):
            return Choice(Verdict.FT_WHEEL, p.file.filename)
        if tag.platform == "any":
            note = "pure-Python wheel" + ("; native wheels exist for GIL builds only" if native else "")
            return Choice(Verdict.PURE, p.file.filename, note)
        return Choice(Verdict.BINARY, p.file.filename, "platform wheel without an extension-module ABI")
    has_sdist = any(g.sdist for g in allowed)
    if native:
        detail = "native wheels for GIL builds only"
        if has_sdist:
            detail += "; pip would try to build the sdist"
        return Choice(Verdict.NO_FT_WHEEL, detail=detail)
    if has_sdist:
        return Choice(Verdict.NEEDS_BUILD, detail="sdist only: pip would compile it")
    return Choice(Verdict.NO_FT_WHEEL, detail="no file for this platform")


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

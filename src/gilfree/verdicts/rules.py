"""The verdict table of DESIGN.md: one release of one package on one target.

Pure functions over index data. Which file pip would install is decided by tag priority
(``targets.target_tags``), never by substring matching on file names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import Any, Protocol, TypeVar, cast

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import (
    BuildTag,
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .model import DistFile, ProjectFiles, Target, Verdict
from .perthread import Tables, per_thread
from .targets import target_tags

T = TypeVar("T")
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
    build: BuildTag = ()  # a wheel's build tag as pip compares it: (1, "a") or ()


@dataclass(frozen=True)
class Choice:
    """What pip would do for one release on one target."""

    verdict: Verdict
    wheel: str | None = None
    detail: str = ""


def parse_file(f: DistFile, version: Version | None = None) -> ParsedFile | None:
    """Parse a file name; None for files pip ignores (eggs, .exe, legacy versions).

    ``version`` is the release's, when the caller has parsed its version field already.
    """
    name = f.filename
    try:
        if name.endswith(".whl"):
            facts = _wheel_facts(name)
            if facts is None:
                return None
            file_tags, native, ft_or_none, build = facts
            if version is None:
                version = Version(name.split("-", 2)[1])
            return ParsedFile(f, version, file_tags, native, ft_or_none, build)
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


WheelFacts = tuple[frozenset[Tag], bool, tuple[Tag, ...], BuildTag]


class _Memo(Tables):
    """Parsed name parts and requires-python answers (per thread on a free-threaded
    build: see ``perthread``)."""

    def __init__(self) -> None:
        self.tags: dict[str, WheelFacts | None] = {}  # build + tag fields of a wheel name
        self.names: dict[str, bool] = {}  # project-name field of a wheel name: valid?
        self.versions: dict[str, Version | None] = {}
        self.specs: dict[str, bool] = {}  # "3.14|>=3.9": does the spec admit 3.14?
        self.target_ft: dict[str, frozenset[Tag]] = {}  # target name -> its ft tags


_MEMO = per_thread(_Memo)


def _wheel_facts(filename: str) -> WheelFacts | None:
    """A wheel name's tags (and what they tell) and build tag, as ``parse_wheel_filename``
    reads them; None when packaging rejects the name.

    packaging validates the name, version, build and tag fields independently, so each is
    parsed once (the version by the caller): a few thousand tag strings recur across a
    tracker run's million wheels, and a project's name field across all its wheels.
    """
    stem = filename[:-4]
    dashes = stem.count("-")
    if dashes not in (4, 5):
        return None
    head, _, rest = stem.partition("-")
    tail = rest.partition("-")[2]  # [build-]python-abi-platform
    memo = _MEMO
    valid = memo.names.get(head)
    if valid is None:
        valid = memo.put(memo.names, head, _parses(f"{head}-0-py3-none-any.whl"))
    if not valid:
        return None
    if tail in memo.tags:
        return memo.tags[tail]
    try:
        _, _, build, tags = parse_wheel_filename(f"x-0-{tail}.whl")
    except InvalidWheelFilename:
        return memo.put(memo.tags, tail, None)
    return memo.put(memo.tags, tail, (tags, any(t.abi != "none" for t in tags),
                                      tuple(t for t in tags if t.abi == "none" or _is_ft_tag(t)), build))


def _parses(wheel_name: str) -> bool:
    try:
        parse_wheel_filename(wheel_name)
    except InvalidWheelFilename:
        return False
    return True


def _version(text: str) -> Version | None:
    """``Version(text)``, None if invalid; memoized per thread (a tracker run parses ~90,000
    version fields per 1,000 projects, a third of them distinct)."""
    memo = _MEMO
    if text in memo.versions:
        return memo.versions[text]
    try:
        found: Version | None = Version(text)
    except InvalidVersion:
        found = None
    return memo.put(memo.versions, text, found)


def release_fields(filename: str) -> tuple[str | None, bool]:
    """The version field of a wheel or sdist name, and whether it lists a free-threaded ABI.

    For grouping only: every file is grouped, but only the files of releases we judge get
    the full ``packaging`` parse (numpy alone has 4,000+ wheels, a 300-package lock
    190,000). The ABI flag only nominates releases worth judging; ``choose`` decides.
    """
    if filename[-4:] == ".whl":
        parts = filename.split("-")
        if len(parts) != 5 and len(parts) != 6:
            return None, False
        abis = parts[-2]  # free-threaded ABIs (cp3XXt, abi3t) are the ones ending in "t"
        return parts[1], abis[-1:] == "t" or "t." in abis
    for suffix in SDIST_SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)].rpartition("-")[2] or None, False
    return None, False


@dataclass
class RawRelease:
    """The files of one version field of a page, not parsed yet: ``DistFile`` objects, or
    whatever the page's ``release_groups`` keeps until ``make`` turns them into files."""

    files: list[Any] = field(default_factory=list)
    yanked: list[Any] = field(default_factory=list)
    ft_names: list[str] = field(default_factory=list)  # wheels naming a free-threaded ABI


def group_by_release(items: Iterable[T], filename: Callable[[T], str],
                     yanked: Callable[[T], object]) -> dict[str, RawRelease]:
    """Items (files, or raw index entries) by the version field of their file names.

    The hottest loop of a tracker run (a million entries): accessors are C-level getters,
    and consecutive files of one release (an index lists them together) reuse its group.
    """
    groups: dict[str, RawRelease] = {}
    fields = release_fields
    last = group = None
    for item in items:
        name = filename(item)
        text, is_ft = fields(name)
        if text is None:
            continue
        if text != last:
            group = groups.get(text)
            if group is None:
                group = groups[text] = RawRelease()
            last = text
        assert group is not None
        if yanked(item):
            group.yanked.append(item)
        else:
            group.files.append(item)
            if is_ft:
                group.ft_names.append(name)
    return groups


class ReleaseGroups(Protocol):
    """What a lazily parsed page offers instead of a tuple of files (``index.simple``)."""

    def release_groups(self) -> tuple[dict[str, RawRelease], Callable[[list[Any]], Sequence[DistFile]]]: ...


def _as_files(raw: list[Any]) -> Sequence[DistFile]:
    return raw


class FileList(list):  # type: ignore[type-arg]
    """One release's parsed files; per-release facts are computed once for all targets."""

    groups: list[SpecGroup] | None = None


@dataclass
class SpecGroup:
    """A release's files that share one ``requires-python`` (usually all of them)."""

    spec: str | None
    # (ft or "none" tag, page position of its file, file): positions break ties in ``choose``
    candidates: list[tuple[Tag, int, ParsedFile]] = field(default_factory=list)
    native: bool = False
    sdist: bool = False


def spec_groups(files: list[ParsedFile]) -> list[SpecGroup]:
    cached = getattr(files, "groups", None)
    if cached is not None:
        return cached
    by_spec: dict[str | None, SpecGroup] = {}
    for pos, p in enumerate(files):
        spec = p.file.requires_python
        group = by_spec.get(spec)
        if group is None:
            group = by_spec[spec] = SpecGroup(spec)
        if p.tags is None:
            group.sdist = True
            continue
        group.native = group.native or p.native
        group.candidates.extend((tag, pos, p) for tag in p.ft_or_none)
    groups = list(by_spec.values())
    if isinstance(files, FileList):
        files.groups = groups
    return groups


class Releases:
    """A project's files grouped by release; a release's names are parsed when first judged."""

    def __init__(self, project: ProjectFiles) -> None:
        self.project = project
        if hasattr(project.files, "release_groups"):
            groups, self._make = cast(ReleaseGroups, project.files).release_groups()
        else:
            groups = group_by_release(project.files, attrgetter("filename"), attrgetter("yanked"))
            self._make = _as_files
        grouped: dict[Version, list[Any]] = {}
        yanked: dict[Version, list[Any]] = {}
        ft: dict[Version, list[str]] = {}
        for text, group in groups.items():
            version = _version(text)
            if version is None:
                continue
            if group.files:
                grouped.setdefault(version, []).extend(group.files)
                if group.ft_names:
                    ft.setdefault(version, []).extend(group.ft_names)
            if group.yanked:
                yanked.setdefault(version, []).extend(group.yanked)
        self._raw = grouped  # in page order: sorted only when all of them are wanted
        # PEP 592: yanked files count only for an exact pin of their release.
        self._raw_yanked = {v: fs for v, fs in yanked.items() if v not in self._raw}
        self._parsed: dict[Version, FileList] = {}
        self._choices: dict[tuple[Version, Target], Choice] = {}  # one thread's: any keys will do
        self._ft_names = ft
        self._ft_tags: dict[Version, frozenset[Tag]] = {}
        #: Releases with any free-threaded wheel at all: the only ones worth ranking.
        self.ft_candidates: list[Version] = sorted(ft)

    def files(self, version: Version) -> FileList:
        """The parsed files of one release (empty if unknown); yanked ones only if all are."""
        if version not in self._parsed:
            raw = self._raw.get(version) or self._raw_yanked.get(version) or []
            parsed = (parse_file(f, version) for f in self._make(raw))
            self._parsed[version] = FileList(p for p in parsed if p is not None)
        return self._parsed[version]

    def may_be_ft_wheel(self, version: Version, target: Target) -> bool:
        """False when no wheel of the release has a free-threaded tag ``target`` accepts:
        then ``choose`` cannot say ft-wheel. Set operations instead of a ranking walk, for
        the many (release, target) pairs of ``ft_history`` that never match."""
        tags = self._ft_tags.get(version)
        if tags is None:  # from the names alone: a release is parsed only if it may match
            facts = (_wheel_facts(name) for name in self._ft_names.get(version, ()))
            tags = self._ft_tags[version] = frozenset(
                t for found in facts if found is not None for t in found[2] if t.abi != "none")
        return bool(tags) and not tags.isdisjoint(_target_ft_tags(target))

    def choose(self, version: Version, target: Target) -> Choice:
        """``choose`` for one of these releases, once per target: the latest release is
        judged for the status and again while looking for the newest ft-wheel."""
        key = (version, target)
        found = self._choices.get(key)
        if found is None:
            found = self._choices[key] = choose(self.files(version), target)
        return found

    @cached_property
    def versions(self) -> list[Version]:
        return [v for v in self._ordered if self.files(v)]

    @property
    def ordered(self) -> list[Version]:
        """Every release's version in order, without parsing its files (some may have none
        that pip accepts: ``versions`` checks, at the cost of parsing them all)."""
        return self._ordered

    @cached_property
    def _ordered(self) -> list[Version]:
        return sorted(self._raw)

    def latest(self) -> Version | None:
        """The newest stable release, else the newest pre-release (what pip would pick)."""
        newest = max(self._raw, default=None)  # nearly always the answer: no sort needed
        if newest is not None and not newest.is_prerelease and self.files(newest):
            return newest
        for pool in ([v for v in reversed(self._ordered) if not v.is_prerelease], self._ordered[::-1]):
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


def _python_allowed(spec: str | None, python: str) -> bool:
    """Whether ``requires-python`` admits Python ``python`` (``"3.14"``); memoized per
    thread, since a project repeats one spec on thousands of files."""
    if not spec:
        return True
    key = f"{python}|{spec}"
    memo = _MEMO
    allowed = memo.specs.get(key)
    if allowed is None:
        try:
            allowed = SpecifierSet(spec).contains(f"{python}.0", prereleases=True)
        except InvalidSpecifier:
            allowed = True  # pip ignores an unparseable requires-python the same way
        memo.put(memo.specs, key, allowed)
    return allowed


def _target_ft_tags(target: Target) -> frozenset[Tag]:
    """The free-threaded tags among those ``target`` accepts (memoized per thread)."""
    memo = _MEMO.target_ft
    found = memo.get(target.name)
    if found is None:
        found = memo[target.name] = frozenset(t for t in target_tags(target) if _is_ft_tag(t))
    return found


def _is_ft_tag(tag: Tag) -> bool:
    return tag.abi.endswith("t") and tag.abi.startswith("cp") or tag.abi == "abi3t"


def choose(files: list[ParsedFile], target: Target) -> Choice:
    """The verdict for one release's files on one target (see DESIGN.md's table).

    The wheel is pip's: best tag, then highest build tag (pip's ``CandidateEvaluator._sort_key``
    ends there), then the last listed: ``sorted()`` is stable and ``pip install``'s resolver
    walks it reversed (``iter_index_candidate_infos``), so the last tie wins, not ``max()``'s
    first (``best_candidate``, unused by install). Real pip on sqlalchemy-pytds 1.0.3 takes
    py3-none-any, listed after py2.py3-none-any."""
    if not files:
        return Choice(Verdict.MISSING, detail="release has no installable files")
    python = target.python_str
    groups = spec_groups(files)
    allowed = [g for g in groups if _python_allowed(g.spec, python)]
    if not allowed:
        return Choice(Verdict.PYTHON_EXCLUDED, detail=f"requires-python {groups[0].spec} excludes {python}")
    ranking = target_tags(target)
    best: tuple[int, BuildTag, int, ParsedFile, Tag] | None = None  # rank, build, position
    for group in allowed:
        for tag, pos, p in group.candidates:
            rank = ranking.get(tag)
            if rank is not None and (best is None or rank < best[0]
                                     or rank == best[0] and (p.build, pos) > best[1:3]):
                best = (rank, p.build, pos, p, tag)
    native = any(g.native for g in allowed)
    if best is not None:
        p, tag = best[3], best[4]
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
        return releases.may_be_ft_wheel(version, target) \
            and releases.choose(version, target).verdict is Verdict.FT_WHEEL

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

"""The domain model: frozen dataclasses that travel through every layer.

Index data (what an index says about a project) comes in; package statuses (what we
conclude per target) go out. JSON output is these objects serialized by ``to_json``
(schema version ``SCHEMA_VERSION``, documented in docs/json-schema.md).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

SCHEMA_VERSION = 2  # 2: PackageStatus.native and .pythons (per-Python summaries)


class Verdict(str, enum.Enum):
    """Whether one release of one package installs on one free-threaded target."""

    FT_WHEEL = "ft-wheel"
    PURE = "pure"
    BINARY = "binary"
    NEEDS_BUILD = "needs-build"
    NO_FT_WHEEL = "no-ft-wheel"
    PYTHON_EXCLUDED = "python-excluded"
    MISSING = "missing"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value

    @property
    def installs(self) -> bool:
        """True when pip installs a prebuilt file with no build step."""
        return self in (Verdict.FT_WHEEL, Verdict.PURE, Verdict.BINARY)

    @property
    def blocks(self) -> bool:
        """True when the target is known to be blocked (not merely unknown)."""
        return self in (Verdict.NO_FT_WHEEL, Verdict.PYTHON_EXCLUDED, Verdict.MISSING)


@dataclass(frozen=True, order=True)
class Target:
    """One free-threaded interpreter a user may run, e.g. ``3.14t-manylinux_x86_64``."""

    python: tuple[int, int]
    platform: str  # manylinux_x86_64, musllinux_aarch64, macosx_arm64, win_amd64 ...

    @property
    def name(self) -> str:
        return f"{self.python[0]}.{self.python[1]}t-{self.platform}"

    @property
    def python_str(self) -> str:
        return f"{self.python[0]}.{self.python[1]}"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class DistFile:
    """One file of a project as an index lists it (PEP 691 JSON simple API)."""

    filename: str
    url: str
    upload_time: datetime | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    requires_python: str | None = None
    size: int | None = None
    has_metadata: bool = False
    sha256: str | None = None


@dataclass(frozen=True)
class ProjectFiles:
    """Everything an index's simple page says about one project."""

    name: str
    files: Sequence[DistFile]  # a tuple, or index.simple.PageFiles (parsed per release on demand)
    index_url: str
    versions: tuple[str, ...] = ()  # PEP 700 list; may include releases with no files
    last_serial: int | None = None


@dataclass(frozen=True)
class ProjectInfo:
    """What the JSON API adds for one release: classifiers, summary, links."""

    name: str
    version: str
    summary: str = ""
    classifiers: tuple[str, ...] = ()
    project_urls: tuple[tuple[str, str], ...] = ()
    requires_python: str | None = None
    home_page: str | None = None


@dataclass(frozen=True)
class ClassifierLevel:
    """The "Programming Language :: Python :: Free Threading :: N - Label" classifier."""

    level: int
    label: str  # Unstable, Beta, Stable, Resilient

    def __str__(self) -> str:
        return f"{self.level} - {self.label}"


@dataclass(frozen=True)
class TargetStatus:
    """The verdict for one target, plus where free-threaded support began on it."""

    target: Target
    verdict: Verdict
    version: str | None  # the release the verdict is about
    first_ft_version: str | None = None  # first stable release with ft-wheel here
    first_ft_prerelease: str | None = None  # first pre-release with ft-wheel, if earlier
    latest_ft_version: str | None = None  # newest release with ft-wheel (may predate `version`)
    first_ft_uploaded: str | None = None  # UTC date (YYYY-MM-DD) first_ft_version was uploaded
    latest_ft_uploaded: str | None = None  # and latest_ft_version
    wheel: str | None = None  # the file pip would install, when one applies
    detail: str = ""


@dataclass(frozen=True)
class ExtraIndexStatus:
    """Free-threaded wheels found on an extra (e.g. nightly) index, reported apart."""

    index_url: str
    latest_version: str | None
    ft_targets: tuple[str, ...] = ()  # target names with ft-wheel on that index
    error: str | None = None  # "not checked: LABEL unreachable (why)" when the run gave it up
    label: str = ""  # what reports call the index ("scientific-python nightly"; an extra index: its URL)
    nightly: bool = False  # a nightly-wheel index (docs/nightlies.md), not an --extra-index-url
    # per Python version ("3.14"), the newest release there with a free-threaded wheel for it
    # (on any requested platform); usually latest_version, older when that dropped the Python
    ft_pythons: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ModuleProbe:
    """Runtime result of importing one extension module on a free-threaded interpreter."""

    module: str
    path: str
    abi_tag: str  # e.g. cpython-313t-x86_64-linux-gnu, abi3, or "" if none
    outcome: str  # gil-disabled, gil-enabled, import-error, crashed, timeout
    detail: str = ""


@dataclass(frozen=True)
class AuditResult:
    """GIL audit of one installed package (filled by the audit layer)."""

    package: str
    version: str | None
    outcome: str  # keeps-gil-disabled, re-enables-gil, import-fails, crashed, install-failed
    python: str = ""
    modules: tuple[ModuleProbe, ...] = ()
    built_from_sdist: bool = False
    detail: str = ""
    requested: bool = True  # False: installed only as a dependency of what was asked for

    @property
    def gil_modules(self) -> tuple[str, ...]:
        return tuple(m.module for m in self.modules if m.outcome == "gil-enabled")


class PythonState(str, enum.Enum):
    """A package on one Python version, over that version's platforms (``pystate``)."""

    FT_ALL = "ft-all"  # free-threaded wheels of the newest release on every platform
    FT_SOME = "ft-some"  # on some platforms (missing_platforms names the others)
    OLDER = "older"  # pip installs an older release: the newest has no ft wheel somewhere
    PURE_FALLBACK = "pure-fallback"  # native wheels are GIL-only; a pure-Python wheel installs
    PURE = "pure"
    BINARY = "binary"  # platform wheels without an extension module
    NEEDS_BUILD = "needs-build"
    BLOCKED = "blocked"
    MISSING = "missing"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value

    @property
    def installs(self) -> bool:
        """Every platform installs a prebuilt file (of the newest or an older release)."""
        return self in (PythonState.FT_ALL, PythonState.OLDER, PythonState.PURE_FALLBACK,
                        PythonState.PURE, PythonState.BINARY)


@dataclass(frozen=True)
class PythonSummary:
    """One Python version of a package status, e.g. numpy on 3.13t: older, ≤ 2.4.6."""

    python: str  # "3.14"
    state: PythonState
    platforms: int
    ft_platforms: tuple[str, ...] = ()  # where the newest release has a free-threaded wheel
    missing_platforms: tuple[str, ...] = ()  # ft-some: without one; blocked: where nothing installs
    older_version: str | None = None  # older: the newest release with ft wheels on all of them
    first_ft_version: str | None = None  # first stable release with a ft wheel on any platform
    latest_ft_version: str | None = None  # newest release with a ft wheel on any platform
    first_ft_uploaded: str | None = None  # when first_ft_version was uploaded (UTC date)
    latest_ft_uploaded: str | None = None  # when latest_ft_version was uploaded


@dataclass(frozen=True)
class PackageStatus:
    """What gilfree concludes about one package, per target."""

    name: str
    requested: str  # what the user asked for (e.g. "numpy" or "numpy==2.0.0")
    version: str | None  # the release judged (latest stable unless pinned)
    targets: tuple[TargetStatus, ...] = ()
    pure: bool | None = None  # True when the release ships only pure-Python wheels
    native: bool | None = None  # the release has wheels with an extension-module ABI
    classifier: ClassifierLevel | None = None
    summary: str = ""
    project_urls: tuple[tuple[str, str], ...] = ()
    extra_indexes: tuple[ExtraIndexStatus, ...] = ()
    error: str | None = None  # set when the verdicts are `error` (why)
    audit: AuditResult | None = None
    checked_at: datetime | None = field(default=None, compare=False)
    notes: tuple[str, ...] = ()  # facts we could not establish that do not change verdicts
    pythons: tuple[PythonSummary, ...] = ()  # per Python version (``pystate.summarize``)

    def for_target(self, target: Target) -> TargetStatus | None:
        for ts in self.targets:
            if ts.target == target:
                return ts
        return None

    @property
    def verdicts(self) -> dict[str, Verdict]:
        return {ts.target.name: ts.verdict for ts in self.targets}

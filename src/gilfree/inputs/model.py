"""What a project depends on, as read from its files (before any resolution)."""

from __future__ import annotations

from dataclasses import dataclass, field

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class InputRequirement:
    """One requirement still to resolve, with where it came from (``file:line``)."""

    requirement: Requirement
    origin: str

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)


@dataclass(frozen=True)
class Unchecked:
    """An entry we cannot judge from an index (URL, VCS, local path...) and why."""

    text: str
    reason: str
    origin: str


@dataclass(frozen=True)
class LockEdge:
    """A dependency edge of a lock graph, active when its marker holds on a target."""

    name: str
    marker: Marker | None = None
    extras: frozenset[str] = frozenset()  # extras of the child this edge asks for
    version: str | None = None  # set when the lock holds several versions of ``name``
    when_extra: str | None = None  # the parent's extra that brings this edge in


@dataclass(frozen=True)
class LockedPackage:
    """One pinned package of a lock file or an installed environment."""

    name: str
    version: str
    marker: Marker | None = None  # the package's own marker (pylock, poetry)
    dependencies: tuple[LockEdge, ...] = ()
    resolution_markers: tuple[Marker, ...] = ()  # uv forks: where this version applies
    checked: bool = True  # False for workspace members, VCS, paths (see ProjectInput.unchecked)


@dataclass(frozen=True)
class LockGraph:
    """Pinned packages and, where the format has them, the edges from the project root.

    ``roots`` is None when the format records no root (pylock, or a poetry.lock with no
    pyproject.toml beside it): then every package whose own marker holds is in use, and so
    it is when ``complete`` (an installed environment: the roots only anchor the paths).
    """

    packages: tuple[LockedPackage, ...]
    roots: tuple[LockEdge, ...] | None
    complete: bool = False
    marker_context: str = "metadata"  # "lock_file" for PEP 751 markers (extras/groups sets)
    extras: frozenset[str] = frozenset()  # selected, for lock_file markers
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProjectInput:
    """A project's dependencies: requirements to resolve, or a lock graph to use as is."""

    path: str  # the file (or interpreter) read
    kind: str  # one of detect.INPUT_KINDS
    name: str  # the root of every "why is this here" path
    requirements: tuple[InputRequirement, ...] = ()
    constraints: tuple[InputRequirement, ...] = ()
    locked: LockGraph | None = None
    unchecked: tuple[Unchecked, ...] = field(default=())

    @property
    def is_locked(self) -> bool:
        return self.locked is not None

"""The dependency tree in use on one target: pins with their "why is this here" paths."""

from __future__ import annotations

from dataclasses import dataclass

from ..verdicts.model import Target


@dataclass(frozen=True)
class ResolvedDep:
    """One package in use on a target; ``path`` runs from the project root to it."""

    name: str
    version: str
    path: tuple[str, ...]

    @property
    def direct(self) -> bool:
        return len(self.path) <= 2


@dataclass(frozen=True)
class Resolution:
    """The tree for one target, or why it could not be had (``error``, never a guess)."""

    target: Target
    deps: tuple[ResolvedDep, ...] = ()
    error: str | None = None
    resolver: str = ""  # "uv 0.13.9", "uv.lock", ... for the record
    cached: bool = False

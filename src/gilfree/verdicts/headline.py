"""The tracker's headline per Python version: what "is the ecosystem ready on 3.14t?"
means, counted two ways, each saying what it counts (the site's home page and the
``track`` summary print the same numbers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .model import PythonState, PythonSummary
from .pystate import PHASES, display_order


@dataclass(frozen=True)
class Headline:
    """One Python version over the tracked packages."""

    python: str
    phase: str
    extension: int  # tracked packages whose latest release ships extension modules
    ext_all: int  # ... with free-threaded wheels on every platform (newest release)
    ext_older: int  # ... on every platform, but only from an older release
    ext_some: int  # ... on some platforms
    ext_none: int  # ... on none (blocked, fallback, build, error, missing)
    tracked: int  # all tracked packages with a verdict
    installs: int  # ... that install without a build on every platform of this version
    errors: int  # ... whose index page could not be read

    @property
    def ext_ready(self) -> int:
        return self.ext_all + self.ext_older



_SOME = (PythonState.FT_ALL, PythonState.OLDER, PythonState.FT_SOME)


def count_headlines(packages: Iterable[tuple[bool, Mapping[str, PythonSummary]]],
                    pythons: Sequence[str]) -> list[Headline]:
    """Per Python version in ``display_order``; ``packages`` are (ships extension modules,
    summaries by Python version) pairs."""
    packages = list(packages)
    out = []
    for py in display_order(pythons):
        states = [(native, summaries[py].state) for native, summaries in packages if py in summaries]
        ext = [state for native, state in states if native]
        out.append(Headline(
            python=py, phase=PHASES.get(py, ""), extension=len(ext),
            ext_all=ext.count(PythonState.FT_ALL), ext_older=ext.count(PythonState.OLDER),
            ext_some=ext.count(PythonState.FT_SOME),
            ext_none=len(ext) - sum(ext.count(s) for s in _SOME),
            tracked=len(states), installs=sum(state.installs for _, state in states),
            errors=sum(state is PythonState.ERROR for _, state in states)))
    return out


def headline_text(h: Headline) -> str:
    """One line for a terminal."""
    older = f" ({h.ext_older:,} only from an older release)" if h.ext_older else ""
    errors = f"; {h.errors:,} could not be read" if h.errors else ""
    return (f"{h.python}t: {h.ext_ready:,} of {h.extension:,} packages with extension modules have "
            f"free-threaded wheels on every platform{older}, {h.ext_some:,} on some; "
            f"{h.installs:,} of {h.tracked:,} install without a build{errors}")

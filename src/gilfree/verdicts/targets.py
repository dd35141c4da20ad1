"""Targets and their tag lists, decided exactly as pip decides them (``packaging.tags``).

A target's tag list is ordered most-preferred first, like ``pip debug --verbose`` on that
interpreter; the position of a wheel's best tag is how pip chooses between wheels.
"""

from __future__ import annotations

import re
import threading

from packaging import tags

from ..errors import BadInput
from .model import Target
from .perthread import FREE_THREADED, Tables, per_thread

PYTHONS: tuple[tuple[int, int], ...] = ((3, 13), (3, 14), (3, 15))

# One name per platform family a user picks; expanded to every tag pip accepts there.
PLATFORMS: tuple[str, ...] = (
    "manylinux_x86_64",
    "manylinux_aarch64",
    "musllinux_x86_64",
    "musllinux_aarch64",
    "macosx_arm64",
    "macosx_x86_64",
    "win_amd64",
    "win_arm64",
)

# The newest C libraries and macOS we assume a user runs; older tags follow from them.
GLIBC_MAX_MINOR = 41
MUSL_MAX_MINOR = 2
MACOS_MAX = (26, 0)

_TARGET_RE = re.compile(r"^(?P<major>\d+)\.(?P<minor>\d+)t-(?P<platform>[a-z0-9_]+)$")


def default_targets() -> tuple[Target, ...]:
    return tuple(Target(py, plat) for py in PYTHONS for plat in PLATFORMS)


def parse_target(text: str) -> Target:
    """Parse ``3.14t-manylinux_x86_64``; a bad value is a one-line BadInput."""
    m = _TARGET_RE.match(text.strip())
    if not m or m["platform"] not in PLATFORMS:
        raise BadInput(
            f"unknown target {text!r}: expected PYTHONt-PLATFORM, e.g. 3.14t-manylinux_x86_64,"
            f" with PLATFORM one of {', '.join(PLATFORMS)}"
        )
    py = (int(m["major"]), int(m["minor"]))
    if py < (3, 13):
        raise BadInput(f"unknown target {text!r}: free-threaded builds start at 3.13t")
    return Target(py, m["platform"])


def select_targets(specs: list[str] | None) -> tuple[Target, ...]:
    """Expand ``--target`` values: full names, a Python (``3.14t``) or a platform."""
    if not specs:
        return default_targets()
    chosen: list[Target] = []
    for spec in specs:
        for part in (p for p in spec.split(",") if p.strip()):
            part = part.strip()
            if re.fullmatch(r"\d+\.\d+t?", part):
                py = tuple(int(x) for x in part.rstrip("t").split("."))
                found = [t for t in default_targets() if t.python == py]
                if not found:
                    found = [parse_target(f"{part.rstrip('t')}t-{p}") for p in PLATFORMS]
            elif part in PLATFORMS:
                found = [t for t in default_targets() if t.platform == part]
            else:
                found = [parse_target(part)]
            chosen.extend(t for t in found if t not in chosen)
    return tuple(chosen)


def platform_tags(platform: str) -> list[str]:
    """Every platform tag pip accepts on this platform family, most preferred first."""
    family, _, arch = platform.partition("_")
    if family == "manylinux":
        out = [f"manylinux_2_{m}_{arch}" for m in range(GLIBC_MAX_MINOR, 4, -1)]
        # Legacy aliases sit at the position of the glibc they stand for (PEP 600).
        for alias, minor in (("manylinux2014", 17), ("manylinux2010", 12), ("manylinux1", 5)):
            if arch in ("x86_64", "i686") or alias == "manylinux2014":
                out.insert(out.index(f"manylinux_2_{minor}_{arch}") + 1, f"{alias}_{arch}")
        if arch == "aarch64":
            out = [t for t in out if not re.match(r"manylinux_2_(5|[6-9]|1[0-6])_", t)]
        return out + [f"linux_{arch}"]
    if family == "musllinux":
        return [f"musllinux_1_{m}_{arch}" for m in range(MUSL_MAX_MINOR, -1, -1)] + [f"linux_{arch}"]
    if family == "macosx":
        return list(tags.mac_platforms(MACOS_MAX, arch))
    if family == "win":
        return [platform]
    raise ValueError(f"unknown platform family {platform!r}")


class _Memo(Tables):
    """Each target's ranked tags, read by every ``choose()`` (per thread on a free-threaded
    build: see ``perthread``)."""

    def __init__(self) -> None:
        self.tags: dict[str, dict[tags.Tag, int]] = {}


_MEMO = per_thread(_Memo)
_RANKED: dict[str, dict[tags.Tag, int]] = {}  # built once; threads copy from here
_RANKING = threading.Lock()


def target_tags(target: Target) -> dict[tags.Tag, int]:
    """The target's supported tags mapped to their priority (0 = most preferred)."""
    memo = _MEMO.tags
    name = target.name
    cached = memo.get(name)
    if cached is None:
        with _RANKING:  # building one takes milliseconds: once per process, then copied
            ranked = _RANKED.get(name)
            if ranked is None:
                ranked = _RANKED[name] = _rank_tags(target)
        cached = memo[name] = dict(ranked) if FREE_THREADED else ranked
    return cached


def _rank_tags(target: Target) -> dict[tags.Tag, int]:
    abi = f"cp{target.python[0]}{target.python[1]}t"
    plats = platform_tags(target.platform)
    ordered = list(tags.cpython_tags(target.python, [abi], plats))
    ordered += list(tags.compatible_tags(target.python, f"cp{target.python[0]}{target.python[1]}", plats))
    ranking: dict[tags.Tag, int] = {}
    for tag in ordered:
        ranking.setdefault(tag, len(ranking))
    return ranking

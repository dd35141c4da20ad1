"""resolve layer: the dependency tree in use on each target.

Locked inputs are walked as locked (markers evaluated per target). Unpinned inputs are
resolved by uv (see ``resolve.uv`` for why uv and how free-threading is handled), once
per distinct (Python, marker environment) group, groups in parallel threads, results
cached (``resolve.cache``).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import IncompleteError
from ..inputs.model import ProjectInput
from ..verdicts.model import Target
from .cache import ResolveCache
from .environment import marker_environment, platform_markers, resolution_key
from .locked import walk_lock
from .model import Resolution, ResolvedDep
from .uv import UvOptions, parse_compiled, run_uv_compile, uv_version

__all__ = ["ResolveOptions", "ResolvedDep", "Resolution", "marker_environment", "resolve_input"]


@dataclass(frozen=True)
class ResolveOptions:
    index_url: str = "https://pypi.org/simple/"
    cache_dir: Path | None = None  # where resolutions are cached; None: no cache
    offline: bool = False
    ttl: float = 6 * 3600
    workers: int = 4  # parallel uv runs (each is itself multi-threaded)
    uv_cache_dir: Path | None = None  # None: uv's default cache, shared with the user's uv
    timeout: float = 300.0


def resolve_input(project: ProjectInput, targets: Sequence[Target],
                  options: ResolveOptions) -> dict[Target, Resolution]:
    """One ``Resolution`` per target: a lock walked, or requirements resolved by uv."""
    if project.locked is not None:
        return {t: Resolution(t, tuple(walk_lock(project.locked, t, project.name)), resolver=project.kind)
                for t in targets}
    groups: dict[tuple[str, str, str], list[Target]] = {}
    for target in targets:
        groups.setdefault(resolution_key(target), []).append(target)
    if not project.requirements:
        return {t: Resolution(t, (), resolver="none needed") for t in targets}
    out: dict[Target, Resolution] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(groups)))) as pool:
        futures = {key: pool.submit(_resolve_group, project, members[0], options) for key, members in groups.items()}
        try:
            for key, future in futures.items():
                deps, error, cached, resolver = future.result()
                for target in groups[key]:
                    out[target] = Resolution(target, deps, error, resolver, cached)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return {t: out[t] for t in targets}


def _resolve_group(project: ProjectInput, target: Target,
                   options: ResolveOptions) -> tuple[tuple[ResolvedDep, ...], str | None, bool, str]:
    resolver = f"uv {uv_version()}"
    cache = ResolveCache(options.cache_dir, options.ttl, any_age=options.offline) if options.cache_dir else None
    key = ResolveCache.key({
        "requirements": [str(r.requirement) for r in project.requirements],
        "constraints": [str(c.requirement) for c in project.constraints],
        "python": target.python_str, "platform": platform_markers(target).uv_platform,
        "index": options.index_url, "resolver": resolver,
    })
    text = cache.get(key) if cache else None
    cached = text is not None
    if text is None:
        uv = UvOptions(options.index_url, options.uv_cache_dir, options.offline, options.timeout)
        try:
            text = run_uv_compile(project.requirements, project.constraints, target, uv)
        except IncompleteError as exc:
            return (), str(exc), False, resolver
        if cache:
            cache.put(key, text)
    return tuple(parse_compiled(text, project.name)), None, cached, resolver

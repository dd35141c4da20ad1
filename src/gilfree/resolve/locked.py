"""Use a lock graph as locked: walk it from the roots with each edge's marker evaluated on
the target, keeping the first (shortest) path that reaches every package."""

from __future__ import annotations

from collections import deque

from packaging.markers import Marker

from ..inputs.model import LockEdge, LockedPackage, LockGraph
from ..verdicts.model import Target
from .environment import marker_environment
from .model import ResolvedDep


class _Walker:
    def __init__(self, graph: LockGraph, target: Target) -> None:
        self.graph = graph
        self.env = marker_environment(target)
        self.by_name: dict[str, list[LockedPackage]] = {}
        for package in graph.packages:
            self.by_name.setdefault(package.name, []).append(package)

    def holds(self, marker: Marker | None, extras: frozenset[str] = frozenset()) -> bool:
        if marker is None:
            return True
        if self.graph.marker_context == "lock_file":
            env = {**self.env, "extras": self.graph.extras, "dependency_groups": self.graph.groups}
            return marker.evaluate(env, context="lock_file")
        return any(marker.evaluate({**self.env, "extra": e}) for e in ("", *sorted(extras)))

    def pick(self, edge: LockEdge) -> LockedPackage | None:
        """The package an edge points at; with forks, the version whose markers hold."""
        candidates = self.by_name.get(edge.name, [])
        if edge.version is not None:
            candidates = [p for p in candidates if p.version == edge.version] or candidates
        if len(candidates) > 1:
            candidates = [p for p in candidates
                          if not p.resolution_markers or any(self.holds(m) for m in p.resolution_markers)] or candidates
        candidates = [p for p in candidates if self.holds(p.marker)]
        return candidates[0] if candidates else None

    def follows(self, parent_extras: frozenset[str], edge: LockEdge) -> bool:
        if edge.when_extra is not None and edge.when_extra not in parent_extras:
            return False
        return self.holds(edge.marker, parent_extras)

    def walk(self, root: str) -> list[ResolvedDep]:
        paths: dict[tuple[str, str], tuple[str, ...]] = {}
        active: dict[tuple[str, str], frozenset[str]] = {}
        queue: deque[tuple[LockedPackage, frozenset[str], tuple[str, ...]]] = deque()

        def visit(edges: tuple[LockEdge, ...], parent_extras: frozenset[str], path: tuple[str, ...]) -> None:
            for edge in edges:
                if not self.follows(parent_extras, edge):
                    continue
                package = self.pick(edge)
                if package is None:
                    continue
                key = (package.name, package.version)
                extras = active.get(key, frozenset()) | edge.extras
                if key in paths and extras == active[key]:
                    continue  # already reached by a path as short, with these extras
                paths.setdefault(key, (*path, package.name))
                active[key] = extras
                queue.append((package, extras, paths[key]))

        graph = self.graph
        roots = graph.roots
        if roots is None or graph.complete:
            in_use = [p for p in graph.packages if self.holds(p.marker)]
            children = {e.name for p in in_use for e in p.dependencies}
            if roots is None:
                roots = tuple(LockEdge(p.name, version=p.version) for p in in_use if p.name not in children)
        visit(roots, frozenset(), (root,))
        while queue:
            package, extras, path = queue.popleft()
            visit(package.dependencies, extras, path)
        if graph.roots is None or graph.complete:  # every package in use, even off the graph
            for p in in_use:
                paths.setdefault((p.name, p.version), (root, p.name))
        by_key = {(p.name, p.version): p for p in graph.packages}
        return [ResolvedDep(name, version, path) for (name, version), path in paths.items()
                if by_key[(name, version)].checked]


def walk_lock(graph: LockGraph, target: Target, root: str) -> list[ResolvedDep]:
    """The packages of ``graph`` in use on ``target``, each with its path from ``root``."""
    return sorted(_Walker(graph, target).walk(root), key=lambda d: d.name)

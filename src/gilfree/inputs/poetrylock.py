"""``poetry.lock``: pinned packages and their edges; roots come from the pyproject.toml
beside it (PEP 621 ``[project]`` or ``[tool.poetry]`` tables), else from the lock's groups."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..errors import BadInput, clip, first_line
from .model import LockEdge, LockedPackage, LockGraph, ProjectInput, Unchecked
from .pyproject import select
from .tomlfile import load_toml, shape_errors
from .uvlock import marker

_DIRECT = {"git": "VCS checkout: built from source, not from the index",
           "directory": "local path: not on the index", "file": "local path: not on the index",
           "url": "direct URL: not on the index"}


def _constraints(value: Any) -> list[dict[str, Any]]:
    """A poetry dependency value: "^1.0", a table, or a list of tables (per-marker)."""
    items = value if isinstance(value, list) else [value]
    return [v if isinstance(v, dict) else {"version": str(v)} for v in items]


def _extra_members(extras: dict[str, list[str]]) -> dict[str, list[str]]:
    """Map a dependency name to the extras that bring it in (``[package.extras]``)."""
    out: dict[str, list[str]] = {}
    for extra, reqs in extras.items():
        for text in reqs:
            try:
                name = Requirement(text.replace(" (", "").replace(")", "")).name
            except InvalidRequirement:
                name = text.split()[0] if text.split() else text
            out.setdefault(canonicalize_name(name), []).append(canonicalize_name(extra))
    return out


def _edges(deps: dict[str, Any], extras: dict[str, list[str]], path: Path, text: str) -> tuple[LockEdge, ...]:
    by_extra = _extra_members(extras)
    out: list[LockEdge] = []
    for name, value in deps.items():
        cname = canonicalize_name(name)
        if cname == "python":
            continue
        for spec in _constraints(value):
            m = marker(spec.get("markers"), path, text)
            child_extras = frozenset(canonicalize_name(e) for e in spec.get("extras", ()))
            if spec.get("optional"):
                out += [LockEdge(cname, m, child_extras, when_extra=e) for e in by_extra.get(cname, ())]
            else:
                out.append(LockEdge(cname, m, child_extras))
    return tuple(out)


def _package_marker(entry: dict[str, Any], groups: set[str], path: Path, text: str) -> Marker | None:
    value = entry.get("markers")
    if isinstance(value, dict):  # per group: the package applies where a chosen group's does
        value = " or ".join(f"({v})" for g, v in value.items() if canonicalize_name(g) in groups) or None
    return marker(value, path, text) if isinstance(value, str) else None


def _requirement(text_req: str, path: Path) -> Requirement:
    try:
        return Requirement(text_req)
    except InvalidRequirement as exc:
        raise BadInput(f"invalid requirement {clip(text_req)!r}: {first_line(exc)}", path=str(path)) from None


def _roots_from_pyproject(pyproject: Path, extras: Sequence[str],
                          groups: Sequence[str]) -> tuple[str, list[LockEdge]] | None:
    """The project's direct dependencies: PEP 621 lists (Poetry 2) and ``[tool.poetry]`` tables."""
    if not os.path.isfile(pyproject):  # no (regular) pyproject.toml beside it; never raises
        return None
    data, text = load_toml(pyproject)
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    name = project.get("name") or poetry.get("name") or pyproject.parent.resolve().name
    optional = project.get("optional-dependencies", {})
    poetry_extras = poetry.get("extras", {})
    chosen = select(extras, {**optional, **poetry_extras}, "extra", pyproject)
    pep621 = list(project.get("dependencies", []))
    for extra in chosen:
        pep621 += optional.get(extra, [])
    roots = [LockEdge(canonicalize_name(r.name), r.marker, frozenset(canonicalize_name(e) for e in r.extras))
             for r in (_requirement(t, pyproject) for t in pep621)]
    poetry_groups = dict(poetry.get("group", {}))
    if "dev-dependencies" in poetry:  # Poetry < 1.2 spelling of the dev group
        poetry_groups.setdefault("dev", {"dependencies": poetry["dev-dependencies"]})
    tables = [poetry.get("dependencies", {})]
    tables += [poetry_groups[g].get("dependencies", {})
               for g in select(groups, poetry_groups, "dependency group", pyproject)]
    chosen_extras = {canonicalize_name(e) for e in chosen}
    for table in tables:
        roots += [LockEdge(e.name, e.marker, e.extras) for e in _edges(table, poetry_extras, pyproject, text)
                  if e.when_extra is None or e.when_extra in chosen_extras]
    return str(name), roots


def read_poetry_lock(path: Path, extras: Sequence[str] = (), groups: Sequence[str] = (),
                     memo_dir: Path | None = None) -> ProjectInput:
    """Every locked package with its edges, rooted at the project's declared dependencies."""
    with shape_errors(path, "poetry.lock"):
        return _read_poetry_lock(path, extras, groups, memo_dir)


def _read_poetry_lock(path: Path, extras: Sequence[str], groups: Sequence[str],
                      memo_dir: Path | None) -> ProjectInput:
    data, text = load_toml(path, memo_dir)
    raw = data.get("package")
    if not isinstance(raw, list) or "metadata" not in data:
        raise BadInput("not a poetry.lock: no [metadata] and [[package]] entries", path=str(path))
    chosen_groups = {"main", *(canonicalize_name(g) for g in groups)}
    packages: list[LockedPackage] = []
    unchecked: list[Unchecked] = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or "version" not in entry:
            raise BadInput(f"[[package]] without name and version: {str(entry)[:60]}", path=str(path))
        name = canonicalize_name(entry["name"])
        source = entry.get("source", {})
        kind = source.get("type", "") if isinstance(source, dict) else ""
        if kind in _DIRECT:
            unchecked.append(Unchecked(f"{name} @ {source.get('url', '')}", _DIRECT[kind], str(path)))
        entry_groups = {canonicalize_name(g) for g in entry.get("groups", ("main",))}
        own = _package_marker(entry, chosen_groups, path, text)
        if not entry_groups & chosen_groups and "groups" in entry:
            own = Marker("python_version < '0'")  # only in groups not chosen: never in use
        packages.append(LockedPackage(
            name=name, version=str(entry["version"]), marker=own,
            dependencies=_edges(entry.get("dependencies", {}), entry.get("extras", {}), path, text),
            checked=kind not in _DIRECT))
    rooted = _roots_from_pyproject(path.parent / "pyproject.toml", extras, groups)
    name, roots = rooted if rooted else (path.parent.resolve().name, None)
    return ProjectInput(path=str(path), kind="poetry.lock", name=name,
                        locked=LockGraph(packages=tuple(packages), roots=tuple(roots) if roots is not None else None),
                        unchecked=tuple(unchecked))

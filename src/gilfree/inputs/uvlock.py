"""``uv.lock``: pinned packages and their dependency edges, rooted at the workspace members.

The root package(s) (``source = { editable | virtual }``) contribute their dependencies,
the chosen optional-dependencies (``--extra``) and dev-dependencies (``--group``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name

from ..errors import BadInput, clip, first_line
from .model import LockEdge, LockedPackage, LockGraph, ProjectInput, Unchecked
from .pyproject import select
from .tomlfile import line_of, load_toml, shape_errors

_MEMBER_SOURCES = ("editable", "virtual")
_DIRECT_SOURCES = {"git": "VCS checkout: built from source, not from the index",
                   "path": "local path: not on the index", "directory": "local path: not on the index",
                   "url": "direct URL: not on the index"}


def marker(text: str | None, path: Path, source: str) -> Marker | None:
    """Parse a lock file marker; a bad one is BadInput pointing at its line."""
    if not text:
        return None
    try:
        return Marker(text)
    except InvalidMarker as exc:
        raise BadInput(f"invalid marker {clip(text)!r}: {first_line(exc)}",
                       path=str(path), line=line_of(source, text)) from None


def _edges(items: Any, path: Path, text: str, when_extra: str | None = None) -> tuple[LockEdge, ...]:
    if not isinstance(items, list):
        raise BadInput("dependencies must be an array of tables", path=str(path))
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise BadInput(f"dependency without a name: {item!r}", path=str(path))
        out.append(LockEdge(name=canonicalize_name(item["name"]), marker=marker(item.get("marker"), path, text),
                            extras=frozenset(canonicalize_name(e) for e in item.get("extra", ())),
                            version=item.get("version"), when_extra=when_extra))
    return tuple(out)


def read_uv_lock(path: Path, extras: Sequence[str] = (), groups: Sequence[str] = (),
                 memo_dir: Path | None = None) -> ProjectInput:
    """Every locked package with its edges; roots are the workspace members' dependencies."""
    with shape_errors(path, "uv.lock"):
        return _read_uv_lock(path, extras, groups, memo_dir)


def _read_uv_lock(path: Path, extras: Sequence[str], groups: Sequence[str],
                  memo_dir: Path | None) -> ProjectInput:
    data, text = load_toml(path, memo_dir)
    raw = data.get("package")
    if not isinstance(raw, list) or "version" not in data:
        raise BadInput("not a uv.lock: no `version` and [[package]] entries", path=str(path))
    members = {canonicalize_name(m) for m in data.get("manifest", {}).get("members", ())}
    packages: list[LockedPackage] = []
    roots: list[LockEdge] = []
    unchecked: list[Unchecked] = []
    root_names: list[str] = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise BadInput(f"[[package]] without a name: {str(entry)[:60]}", path=str(path))
        name = canonicalize_name(entry["name"])
        source = entry.get("source", {})
        kind = next(iter(source), "registry") if isinstance(source, dict) else "registry"
        deps = _edges(entry.get("dependencies", []), path, text)
        optional = entry.get("optional-dependencies", {})
        for extra, items in optional.items():
            deps += _edges(items, path, text, when_extra=canonicalize_name(extra))
        is_root = kind in _MEMBER_SOURCES and (name in members or source.get(kind) == ".")
        if is_root:
            root_names.append(entry["name"])
            roots += [e for e in deps if e.when_extra is None]
            for extra in select(extras, optional, "extra", path):
                roots += [replace(e, when_extra=None) for e in deps if e.when_extra == canonicalize_name(extra)]
            dev = entry.get("dev-dependencies", {})
            for group in select(groups, dev, "dependency group", path):
                roots += _edges(dev[group], path, text)
            continue
        if kind in _MEMBER_SOURCES:
            unchecked.append(Unchecked(name, "workspace member: your own code", str(path)))
        elif kind in _DIRECT_SOURCES:
            unchecked.append(Unchecked(f"{name} @ {source[kind]}", _DIRECT_SOURCES[kind], str(path)))
        version = entry.get("version")
        if version is None and kind == "registry":
            raise BadInput(f"package {name} has no version", path=str(path),
                           line=line_of(text, f'name = "{entry["name"]}"'))
        forks = tuple(m for m in (marker(t, path, text) for t in entry.get("resolution-markers", ())) if m)
        packages.append(LockedPackage(name=name, version=str(version or ""), dependencies=deps,
                                      resolution_markers=forks, checked=kind == "registry"))
    if not root_names:
        raise BadInput("no workspace root (a package with an editable or virtual source)", path=str(path))
    return ProjectInput(path=str(path), kind="uv.lock", name=", ".join(root_names),
                        locked=LockGraph(packages=tuple(packages), roots=tuple(roots)),
                        unchecked=tuple(unchecked))

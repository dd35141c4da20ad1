"""``pyproject.toml``: PEP 621 dependencies, optional-dependencies (``--extra``) and PEP 735
dependency groups (``--group``, with ``include-group``), expanded by ``packaging``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from packaging.dependency_groups import DependencyGroupResolver
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..errors import BadInput, clip, first_line
from .direct import direct_reason
from .model import InputRequirement, ProjectInput, Unchecked
from .tomlfile import Lines, line_of, load_toml, shape_errors


def _string_list(value: Any, where: str, path: Path, text: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(f"{where} must be a list of strings", path=str(path),
                       line=line_of(text, where.rsplit(".", 1)[-1]))
    return value


def _parse(text_req: str, where: str, path: Path, text: str) -> Requirement:
    try:
        return Requirement(text_req)
    except InvalidRequirement as exc:
        raise BadInput(f"invalid requirement {clip(text_req)!r} in {where}: {first_line(exc)}",
                       path=str(path), line=line_of(text, text_req)) from None


def select(names: Sequence[str], available: Iterable[str], what: str, path: Path) -> list[str]:
    """Canonical names of the chosen extras/groups; ``all`` picks every one; unknown is BadInput."""
    known = {canonicalize_name(a): a for a in available}
    if any(n == "all" for n in names) and "all" not in known:
        return list(known.values())
    chosen = []
    for name in names:
        if canonicalize_name(name) not in known:
            choices = ", ".join(sorted(known.values())) or "none defined"
            raise BadInput(f"no {what} named {name!r} (available: {choices})", path=str(path))
        chosen.append(known[canonicalize_name(name)])
    return chosen


def read_pyproject(path: Path, extras: Sequence[str] = (), groups: Sequence[str] = (),
                   memo_dir: Path | None = None) -> ProjectInput:
    """The project's runtime requirements plus the chosen extras and dependency groups."""
    with shape_errors(path, "pyproject.toml"):
        return _read_pyproject(path, extras, groups, memo_dir)


def _read_pyproject(path: Path, extras: Sequence[str], groups: Sequence[str],
                    memo_dir: Path | None) -> ProjectInput:
    data, text = load_toml(path, memo_dir)
    project = data.get("project")
    dep_groups = data.get("dependency-groups", {})
    if project is None and not dep_groups:
        hint = " (a Poetry project: point gilfree at poetry.lock)" if "poetry" in data.get("tool", {}) else ""
        raise BadInput(f"no [project] table or [dependency-groups]{hint}", path=str(path))
    if project is not None and not isinstance(project, dict):
        raise BadInput("[project] must be a table", path=str(path), line=line_of(text, "project"))
    project = project or {}
    name = str(project.get("name") or path.parent.resolve().name)
    unchecked: list[Unchecked] = []
    if "dependencies" in project.get("dynamic", ()):
        unchecked.append(Unchecked("[project].dependencies", "declared dynamic: only static "
                                   "metadata is read; check a lock or requirements file", str(path)))
    runtime = _string_list(project.get("dependencies", []), "project.dependencies", path, text)
    entries: list[tuple[str, str]] = [(r, "project.dependencies") for r in runtime]
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        raise BadInput("project.optional-dependencies must be a table", path=str(path),
                       line=line_of(text, "optional-dependencies"))
    pending = select(extras, optional, "extra", path)
    if pending:
        pending += [e for r, _ in entries for e in _self_extras(r, name, optional)]
    done: set[str] = set()
    while pending:  # an extra may name the project itself: app[cli] pulls the cli extra
        extra = pending.pop()
        if extra in done:
            continue
        done.add(extra)
        where = f"project.optional-dependencies.{extra}"
        added = [(r, where) for r in _string_list(optional[extra], where, path, text)]
        entries += added
        pending += [e for r, _ in added for e in _self_extras(r, name, optional)]  # new ones only
    if not isinstance(dep_groups, dict):
        raise BadInput("[dependency-groups] must be a table", path=str(path), line=line_of(text, "dependency-groups"))
    try:
        resolver = DependencyGroupResolver(dep_groups)
        for group in select(groups, dep_groups, "dependency group", path):
            entries += [(str(r), f"dependency-groups.{group}") for r in resolver.resolve(group)]
    except Exception as exc:  # noqa: BLE001 - packaging raises an ExceptionGroup of ValueErrors
        while getattr(exc, "exceptions", None):
            exc = exc.exceptions[0]  # type: ignore[attr-defined]
        message = first_line(exc)
        raise BadInput(f"[dependency-groups]: {message}", path=str(path),
                       line=line_of(text, "dependency-groups")) from None
    requirements: list[InputRequirement] = []
    kept: set[str] = set()  # a set: a scan of ``requirements`` made big files quadratic
    lines = Lines(text)
    for req_text, where in entries:
        req = _parse(req_text, where, path, text)
        origin = f"{path}:{lines.of(req_text, 0)}"
        if canonicalize_name(req.name) == canonicalize_name(name):
            continue  # self-reference: its extras were expanded above
        if req.url:
            unchecked.append(Unchecked(req_text, direct_reason(req.url), origin))
        elif str(req) not in kept:
            kept.add(str(req))
            requirements.append(InputRequirement(req, origin))
    return ProjectInput(path=str(path), kind="pyproject", name=name,
                        requirements=tuple(requirements), unchecked=tuple(unchecked))


def _self_extras(req_text: str, project: str, optional: dict[str, Any]) -> list[str]:
    try:
        req = Requirement(req_text)
    except InvalidRequirement:
        return []  # reported with its line when parsed for real
    if canonicalize_name(req.name) != canonicalize_name(project):
        return []
    known = {canonicalize_name(k): k for k in optional}
    return [known[canonicalize_name(e)] for e in req.extras if canonicalize_name(e) in known]

"""`gilfree deps`: is my project ready? Every dependency, what blocks it, what fixes it.

Thin orchestration: read the input (``inputs``), get the tree per target (``resolve``),
judge each pinned release once with the status engine (``check_packages``), then advise
an action per dependency and target. No rendering here (``cli.deps`` does that).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..index.client import IndexClient
from ..inputs.model import ProjectInput, Unchecked
from ..resolve import Resolution, ResolveOptions, resolve_input
from ..verdicts.model import AuditResult, PackageStatus, Target, TargetStatus, Verdict
from .status import PackageRequest, check_packages

FAIL_ON = ("blocked", "upgrade", "never")


class Action(str, enum.Enum):
    """What the user should do about one dependency on one target."""

    NONE = "none"  # installs as is
    UPGRADE = "upgrade"  # a newer release installs: upgrade to >= upgrade_to
    DOWNGRADE = "downgrade"  # only older releases install (newer ones dropped ft wheels): <= downgrade_to
    BLOCKED = "blocked"  # no release installs: wait for (or ask) the project
    NEEDS_BUILD = "needs-build"  # only an sdist: it would be compiled; unknown
    ERROR = "error"  # the index could not be read: unknown, never a guess

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class DepTarget:
    """One dependency on one target: the release in use, its verdict and the advice."""

    target: Target
    version: str
    verdict: Verdict
    action: Action
    upgrade_to: str | None = None
    downgrade_to: str | None = None  # the newest release with ft-wheel, older than the one in use
    first_ft_version: str | None = None  # first stable release with ft-wheel here
    first_ft_prerelease: str | None = None
    path: tuple[str, ...] = ()  # why it is here: project -> ... -> this package
    detail: str = ""


@dataclass(frozen=True)
class DepStatus:
    """A dependency across the targets where it is in use."""

    name: str
    project_url: str
    targets: tuple[DepTarget, ...]

    def worst(self) -> Action:
        order = (Action.ERROR, Action.BLOCKED, Action.NEEDS_BUILD, Action.UPGRADE, Action.NONE)
        actions = {t.action for t in self.targets}
        return next((a for a in order if a in actions), Action.NONE)


@dataclass(frozen=True)
class TargetSummary:
    """One line per target: ready, or how many upgrades and blockers stand in the way."""

    target: Target
    dependencies: int
    ok: int = 0
    upgrades: int = 0
    downgrades: int = 0
    blocked: int = 0
    needs_build: int = 0
    errors: int = 0
    resolve_error: str | None = None

    @property
    def ready(self) -> bool:
        return self.resolve_error is None and self.ok == self.dependencies


@dataclass(frozen=True)
class DepsReport:
    project: str
    input: str
    kind: str
    targets: tuple[Target, ...]
    dependencies: tuple[DepStatus, ...]
    summaries: tuple[TargetSummary, ...]
    unchecked: tuple[Unchecked, ...] = ()

    def gate(self, fail_on: str) -> bool:
        """True when ``--fail-on`` trips: ``blocked``, or ``upgrade`` (anything not clean)."""
        if fail_on == "never":
            return False
        if fail_on == "blocked":
            return any(s.blocked for s in self.summaries)
        return any(s.blocked or s.upgrades or s.downgrades or s.needs_build for s in self.summaries)

    @property
    def incomplete(self) -> bool:
        return any(s.errors or s.resolve_error for s in self.summaries)


def _newer(candidate: str | None, than: str) -> bool:
    if not candidate:
        return False
    try:
        return Version(candidate) > Version(than)
    except InvalidVersion:
        return False


def advise(in_use: TargetStatus, version: str, latest: TargetStatus | None = None) -> tuple[Action, str | None]:
    """The action for a release in use on one target, and the version to move to.

    Upgrade to the first stable release with an ft-wheel when it is newer than the one in
    use (else to the newest with one, if that is newer); failing that, to the latest release
    when it installs (e.g. it became pure Python). When only older releases have ft-wheels
    (the project dropped them, as numpy 2.5 did for 3.13t), downgrade to the newest of those.
    """
    if in_use.verdict.installs:
        return Action.NONE, None
    if in_use.verdict is Verdict.ERROR:
        return Action.ERROR, None
    for candidate in (in_use.first_ft_version, in_use.latest_ft_version):
        if _newer(candidate, version) and candidate and not Version(candidate).is_prerelease:
            return Action.UPGRADE, candidate
    if latest is not None and latest.verdict.installs and _newer(latest.version, version):
        return Action.UPGRADE, latest.version
    older = in_use.latest_ft_version
    if older and _newer(version, older) and not Version(older).is_prerelease:
        return Action.DOWNGRADE, older
    if in_use.verdict is Verdict.NEEDS_BUILD:
        return Action.NEEDS_BUILD, None
    return Action.BLOCKED, None


def move_text(action: Action, move_to: str | None) -> str:
    """``upgrade to >= X`` / ``downgrade to <= X``, else the action's name."""
    if action is Action.UPGRADE:
        return f"upgrade to >= {move_to}"
    if action is Action.DOWNGRADE:  # newer releases dropped their free-threaded wheels
        return f"downgrade to <= {move_to}"
    return action.value


def project_url(index_url: str, name: str) -> str:
    """The page a user can open about a project (PyPI's, else the index's simple page)."""
    if "pypi.org/" in index_url:
        return f"https://pypi.org/project/{name}/"
    return f"{index_url.rstrip('/')}/{name}/"


def _extra_index_notes(status: PackageStatus, target: Target) -> list[str]:
    """Extra and nightly indexes with free-threaded wheels for this target: reported apart."""
    return [f"{extra.label or extra.index_url} has free-threaded wheels {extra.latest_version} "
            f"(pip install --pre --extra-index-url {extra.index_url} {status.name})"
            for extra in status.extra_indexes if target.name in extra.ft_targets]


def _summaries(resolutions: Mapping[Target, Resolution], deps: Sequence[DepStatus]) -> tuple[TargetSummary, ...]:
    out = []
    for target, resolution in resolutions.items():
        actions = [t.action for d in deps for t in d.targets if t.target == target]
        out.append(TargetSummary(
            target=target, dependencies=len(actions), ok=actions.count(Action.NONE),
            upgrades=actions.count(Action.UPGRADE), downgrades=actions.count(Action.DOWNGRADE),
            blocked=actions.count(Action.BLOCKED),
            needs_build=actions.count(Action.NEEDS_BUILD), errors=actions.count(Action.ERROR),
            resolve_error=resolution.error))
    return tuple(out)


def check_project(
    client: IndexClient,
    project: ProjectInput,
    targets: Sequence[Target],
    options: ResolveOptions,
    *,
    progress: Callable[[PackageStatus], None] | None = None,
    on_resolved: Callable[[int], None] | None = None,
) -> DepsReport:
    """Resolve ``project`` per target, judge every pinned release, advise per target.

    ``on_resolved(n)`` is told how many releases will be checked; ``progress`` sees each."""
    resolutions = resolve_input(project, targets, options)
    pins = sorted({(d.name, d.version) for r in resolutions.values() for d in r.deps})
    if on_resolved is not None:
        on_resolved(len(pins))
    requests = [PackageRequest(name, version, f"{name}=={version}") for name, version in pins]
    statuses = dict(zip(pins, check_packages(client, requests, targets, progress=progress), strict=True))
    stuck = sorted({name for (name, version), s in statuses.items()
                    for ts in s.targets if advise(ts, version)[0] in (Action.BLOCKED, Action.NEEDS_BUILD)})
    latest_requests = [PackageRequest(n, None, n) for n in stuck]
    latest = dict(zip(stuck, check_packages(client, latest_requests, targets), strict=True))
    deps: dict[str, list[DepTarget]] = {}
    for target, resolution in resolutions.items():
        for dep in resolution.deps:
            status = statuses[(dep.name, dep.version)]
            ts = status.for_target(target)
            if ts is None:  # pragma: no cover - check_packages answers every target
                continue
            newest = latest[dep.name].for_target(target) if dep.name in latest else None
            action, move_to = advise(ts, dep.version, newest)
            detail = ts.detail or (status.error or "")
            if action is Action.BLOCKED and ts.first_ft_prerelease:
                detail = f"pre-release {ts.first_ft_prerelease} has free-threaded wheels; {detail}".rstrip("; ")
            if action is not Action.NONE:
                detail = "; ".join([detail, *_extra_index_notes(status, target)]).strip("; ")
            deps.setdefault(dep.name, []).append(DepTarget(
                target=target, version=dep.version, verdict=ts.verdict, action=action,
                upgrade_to=move_to if action is Action.UPGRADE else None,
                downgrade_to=move_to if action is Action.DOWNGRADE else None,
                first_ft_version=ts.first_ft_version, first_ft_prerelease=ts.first_ft_prerelease,
                path=dep.path, detail=detail))
    dep_statuses = tuple(DepStatus(name, project_url(client.config.index_url, name), tuple(rows))
                         for name, rows in sorted(deps.items()))
    return DepsReport(project=project.name, input=project.path, kind=project.kind, targets=tuple(targets),
                      dependencies=dep_statuses, summaries=_summaries(resolutions, dep_statuses),
                      unchecked=project.unchecked)


def audit_dependencies(report: DepsReport, *, python: str, timeout: float = 60,
                       progress: Callable[[str], None] | None = None) -> dict[str, AuditResult]:
    """Install every dependency as pinned for this machine's target and audit it.

    ``--no-deps``: the report already lists the whole tree, each at its own pin.
    """
    from ..runtime.pyinfo import inspect_interpreter
    from .audit import audit_packages, local_target

    info = inspect_interpreter(python)
    target = local_target(report.targets, f"{info.version[0]}.{info.version[1]}")
    pins = []
    for dep in report.dependencies:
        chosen = next((t for t in dep.targets if t.target == target), dep.targets[0] if dep.targets else None)
        if chosen is not None and chosen.version:
            pins.append(f"{dep.name}=={chosen.version}")
    if not pins:
        return {}
    results = audit_packages(pins, python=python, timeout=timeout, pip_args=["--no-deps"], progress=progress)
    return {str(canonicalize_name(r.package)): r for r in results}

"""Package status: the verdicts of one package on every requested target.

Pure: index data in, ``PackageStatus`` out. The status command does the fetching.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone

from packaging.version import Version

from .model import (
    ClassifierLevel,
    ExtraIndexStatus,
    PackageStatus,
    ProjectFiles,
    ProjectInfo,
    Target,
    TargetStatus,
    Verdict,
)
from .pystate import summarize
from .rules import Releases, ft_history, is_pure

_CLASSIFIER = re.compile(r"^Programming Language :: Python :: Free Threading :: (\d+) - (.+)$")


def classifier_level(classifiers: Sequence[str]) -> ClassifierLevel | None:
    """The highest "Free Threading :: N - Label" trove classifier, if any."""
    levels = [ClassifierLevel(int(m[1]), m[2].strip())
              for c in classifiers if (m := _CLASSIFIER.match(c.strip()))]
    return max(levels, key=lambda c: c.level) if levels else None


def _str(value: object | None) -> str | None:
    return None if value is None else str(value)


def _uploaded(releases: Releases, version: Version | None) -> str | None:
    """The UTC date a release's first file was uploaded, when the index says."""
    if version is None:
        return None
    times = [p.file.upload_time for p in releases.files(version) if p.file.upload_time]
    return min(times).astimezone(timezone.utc).date().isoformat() if times else None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def uniform_status(name: str, requested: str, targets: Sequence[Target], verdict: Verdict,
                   detail: str, *, version: str | None = None) -> PackageStatus:
    """A status with the same verdict everywhere: `missing` or `error` (with why)."""
    return _summarized(PackageStatus(
        name=name, requested=requested, version=version,
        targets=tuple(TargetStatus(t, verdict, version, detail=detail) for t in targets),
        error=detail if verdict is Verdict.ERROR else None,
        checked_at=_now(),
    ))


def _summarized(status: PackageStatus) -> PackageStatus:
    """The status with its per-Python summaries, which every front end shows."""
    return replace(status, pythons=summarize(status))


def build_status(
    files: ProjectFiles,
    targets: Sequence[Target],
    *,
    requested: str | None = None,
    version: str | None = None,
    releases: Releases | None = None,
) -> PackageStatus:
    """Judge the latest release (or the pinned ``version``) on every target.

    ``releases`` is ``Releases(files)`` when the caller has it already (parsed files are
    kept there)."""
    requested = requested or (f"{files.name}=={version}" if version else files.name)
    releases = releases or Releases(files)
    if version is not None:
        found = releases.pinned(version)
        if found is None:
            return uniform_status(files.name, requested, targets, Verdict.MISSING,
                                  f"no release {version} of {files.name}", version=version)
        judged, release_files = found
    else:
        latest = releases.latest()
        if latest is None:
            return uniform_status(files.name, requested, targets, Verdict.MISSING,
                                  f"{files.name} has no installable release files")
        judged, release_files = latest, releases.files(latest)
    per_target = []
    for target in targets:
        choice = releases.choose(judged, target)
        history = ft_history(releases, target)
        per_target.append(TargetStatus(
            target=target,
            verdict=choice.verdict,
            version=str(judged),
            first_ft_version=_str(history.first_stable),
            first_ft_prerelease=_str(history.first_prerelease),
            latest_ft_version=_str(history.latest),
            first_ft_uploaded=_uploaded(releases, history.first_stable),
            latest_ft_uploaded=_uploaded(releases, history.latest),
            wheel=choice.wheel,
            detail=choice.detail,
        ))
    return _summarized(PackageStatus(
        name=files.name,
        requested=requested,
        version=str(judged),
        targets=tuple(per_target),
        pure=is_pure(release_files),
        native=any(p.native for p in release_files),
        checked_at=_now(),
    ))


def with_info(status: PackageStatus, info: ProjectInfo | None, info_error: str | None = None,
              extra: Sequence[ExtraIndexStatus] = ()) -> PackageStatus:
    """Attach what the JSON API and extra indexes add; they never change verdicts."""
    changes: dict[str, object] = {"extra_indexes": tuple(extra)}
    if info is not None:
        changes.update(classifier=classifier_level(info.classifiers), summary=info.summary,
                       project_urls=info.project_urls)
    if info_error is not None:
        changes["notes"] = (*status.notes, f"classifier unknown: {info_error}")
    return replace(status, **changes)


def extra_index_status(files: ProjectFiles, targets: Sequence[Target], *, label: str = "",
                       nightly: bool = False) -> ExtraIndexStatus:
    """Which targets an extra (e.g. nightly) index serves free-threaded wheels for: those
    of its newest release (pre-releases count: nightlies are dev releases), and per Python
    version the newest release there with one for any of its requested platforms."""
    releases = Releases(files)
    latest = releases.versions[-1] if releases.versions else None  # nightlies are pre-releases
    if latest is None:
        return ExtraIndexStatus(files.index_url, None, label=label, nightly=nightly)
    ft = tuple(t.name for t in targets
               if releases.choose(latest, t).verdict is Verdict.FT_WHEEL)
    per_python: dict[tuple[int, int], list[Target]] = {}
    for t in targets:
        per_python.setdefault(t.python, []).append(t)
    newest_first = sorted(releases.ft_candidates, reverse=True)  # releases with any ft wheel
    pythons = []
    for python, on in sorted(per_python.items()):
        found = next((v for v in newest_first
                      if any(releases.choose(v, t).verdict is Verdict.FT_WHEEL for t in on)), None)
        if found is not None:
            pythons.append((on[0].python_str, str(found)))
    return ExtraIndexStatus(files.index_url, str(latest), ft, label=label, nightly=nightly,
                            ft_pythons=tuple(pythons))

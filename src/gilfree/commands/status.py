"""`gilfree status`: fetch index data for packages and judge them on every target.

Thin orchestration over the index client (I/O, threads) and ``verdicts`` (pure rules).
``iter_statuses`` is the engine that deps (through ``check_packages``) and track reuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..errors import BadInput, GilfreeError, IndexUnavailable, ProjectNotFound
from ..fsutil import read_text
from ..index.client import IndexClient
from ..index.config import ExtraIndex
from ..index.coremetadata import metadata_file
from ..index.pool import Then
from ..verdicts.model import ExtraIndexStatus, PackageStatus, Target, Verdict
from ..verdicts.rules import Releases
from ..verdicts.status import build_status, extra_index_status, uniform_status, with_info
from .verdict_memo import Judged, VerdictMemo


@dataclass(frozen=True)
class PackageRequest:
    """One package to judge: its latest release, or an exact pin."""

    name: str  # canonical name
    version: str | None
    requested: str  # the text the user gave


def parse_request(text: str) -> PackageRequest:
    """``numpy`` or ``numpy==2.1.0``; anything else is a one-line BadInput."""
    raw = text.strip()
    try:
        req = Requirement(raw)
    except InvalidRequirement:
        raise BadInput(f"not a package name or NAME==VERSION: {text!r}") from None
    if req.url or req.marker:
        raise BadInput(f"give a plain NAME or NAME==VERSION, not {text!r}")
    version = None
    if req.specifier:
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator not in ("==", "==="):
            raise BadInput(f"only an exact pin NAME==VERSION is supported, not {text!r}")
        version = specs[0].version
        if "*" in version:
            raise BadInput(f"only an exact pin NAME==VERSION is supported, not {text!r}")
    return PackageRequest(str(canonicalize_name(req.name)), version, raw)


def read_request_file(path: str) -> list[PackageRequest]:
    """A list of NAME[==VERSION], one per line; ``#`` comments and blank lines skipped."""
    lines = read_text(path).splitlines()
    out = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            out.append(parse_request(text))
        except BadInput as exc:
            raise BadInput(str(exc), path=path, line=number) from None
    return out


def dedupe(requests: Iterable[PackageRequest]) -> list[PackageRequest]:
    seen: set[tuple[str, str | None]] = set()
    out = []
    for r in requests:
        if (r.name, r.version) not in seen:
            seen.add((r.name, r.version))
            out.append(r)
    return out


@dataclass(frozen=True)
class Pending:
    """A judged page whose release info or extra indexes are still to be read (``add_info``)."""

    name: str
    version: str | None  # the request's pin: with the digest, the memo's key
    digest: str  # SHA-256 of the simple page
    judged: Judged
    fresh: bool  # judged now, not read from the memo: to be saved once its info is known


def judge_page(client: IndexClient, request: PackageRequest, targets: Sequence[Target],
               memo: VerdictMemo | None = None) -> PackageStatus | Then[Pending]:
    """The first step of a package's status (``iter_statuses``): the page's verdicts
    (CPU-bound), not parsed again when the ``memo`` judged this page before.
    ``Then(Pending)`` when the release's metadata or extra indexes are still to be read
    (``add_info``)."""
    name, version = request.name, request.version
    known = None if memo is None else (lambda digest: memo.load(digest, name, version, request.requested))
    try:
        page = client.project_page(name, known=known)
    except ProjectNotFound:
        return uniform_status(name, request.requested, targets, Verdict.MISSING,
                              f"no project {name!r} on the index", version=version)
    except IndexUnavailable as exc:
        return uniform_status(name, request.requested, targets, Verdict.ERROR, str(exc), version=version)
    judged, fresh = page.known, page.known is None
    if judged is None:
        assert page.files is not None
        releases = Releases(page.files)
        status = build_status(page.files, targets, requested=request.requested, version=version,
                              releases=releases)
        judged = Judged(status, metadata_file(releases, status.version) if status.version else None)
    status = judged.status
    final = status.version is None or bool(status.targets) and status.targets[0].verdict is Verdict.MISSING
    needs_info = not final and bool(client.config.json_url) and judged.info is None
    if fresh and memo is not None and not needs_info:
        memo.save(page.digest, name, version, judged)  # else once the info is read
    if final:
        return status
    if not needs_info and not client.config.extra_indexes:
        return with_info(status, judged.info)
    return Then(Pending(name, version, page.digest, judged, fresh))


def add_info(client: IndexClient, pending: Pending, targets: Sequence[Target],
             memo: VerdictMemo | None = None) -> PackageStatus:
    """The second step of a package's status (latency-bound): classifier, summary and
    links of the judged release (kept in the memo with its verdicts), and what the extra
    and nightly indexes serve (read every time: they are other indexes; never a verdict)."""
    judged = pending.judged
    status = judged.status
    assert status.version is not None
    info, info_error = judged.info, None
    if info is None and client.config.json_url:
        try:
            info = client.release_info(pending.name, status.version, judged.metadata_wheel)
        except (IndexUnavailable, ProjectNotFound) as exc:
            info_error = str(exc)
        if memo is not None and (pending.fresh or info is not None):
            memo.save(pending.digest, pending.name, pending.version, replace(judged, info=info))
    extra = [_extra(client, index, pending.name, targets) for index in client.config.extra_indexes]
    return with_info(status, info, info_error, [e for e in extra if e])


def _extra(client: IndexClient, index: ExtraIndex, name: str, targets: Sequence[Target]) -> ExtraIndexStatus | None:
    """What one extra or nightly index has for a package: None when nothing (no such
    project there), else its free-threaded wheels, or why it could not be read. Whatever
    happens here stays here: it never makes the package's status an error."""
    try:
        files = client.extra_project_files(index, name)
        if files is None:
            return None
        return extra_index_status(files, targets, label=index.label, nightly=index.nightly)
    except GilfreeError as exc:  # NotChecked ("not checked: LABEL unreachable (why)"), IndexUnavailable
        error = str(exc)
    except Exception as exc:  # a bug reading an odd page: reported on this index, not the package
        error = f"internal error: {type(exc).__name__}: {exc}"
    return ExtraIndexStatus(index.url, None, error=error, label=index.label, nightly=index.nightly)


def iter_statuses(
    client: IndexClient,
    requests: Sequence[PackageRequest],
    targets: Sequence[Target],
) -> Iterator[tuple[int, PackageStatus]]:
    """(index in ``requests``, status) as each package is done, fetched in parallel
    (bounded threads). Nothing is kept: a tracker run of 15,000 packages stores each status
    as it comes instead of holding them all."""
    config = client.config
    memo_dir = config.cache_for("verdicts")
    memo = VerdictMemo(memo_dir, targets) if memo_dir is not None else None
    # Pages are fetched and judged on config.concurrency threads, as many as pages in
    # flight; metadata and extra-index requests (their own lane) on other threads, so that
    # they overlap with the page fetches without adding parsing threads.
    try:
        for (i, request), outcome in client.map(lambda item: judge_page(client, item[1], targets, memo),
                                                enumerate(requests),
                                                then=lambda pending: add_info(client, pending, targets, memo)):
            if isinstance(outcome, BaseException):
                outcome = uniform_status(request.name, request.requested, targets, Verdict.ERROR,
                                         f"internal error: {type(outcome).__name__}: {outcome}",
                                         version=request.version)
            yield i, outcome
    finally:
        if memo is not None:
            memo.close()  # what is still buffered


def check_packages(
    client: IndexClient,
    requests: Sequence[PackageRequest],
    targets: Sequence[Target],
    *,
    progress: Callable[[PackageStatus], None] | None = None,
) -> list[PackageStatus]:
    """Statuses in the order of ``requests`` (see ``iter_statuses``)."""
    results: dict[int, PackageStatus] = {}
    for i, status in iter_statuses(client, requests, targets):
        results[i] = status
        if progress is not None:
            progress(status)
    return [results[i] for i in range(len(requests))]

"""`gilfree track`: judge the ranked packages and record a dated snapshot in the store.

The status engine (``iter_statuses``) fetches in parallel and hands each status to the
calling thread, the only one that writes to SQLite; statuses are not kept in memory.
Batches are committed as they fill, so Ctrl-C or a kill loses at most one uncommitted
batch and the next run of the same day picks up the rest.

Re-runs are cheap: the index client revalidates its HTTP cache with conditional requests,
and a package whose simple page is byte for byte the one its stored status was judged from
(SHA-256), with the same gilfree, targets and indexes, keeps that status without the page
being parsed again.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from ..errors import GilfreeError
from ..index.client import K, IndexClient, Page
from ..store.db import Store
from ..store.histories import history_bases
from ..store.ranking import Ranking
from ..store.runs import Run, SnapshotWriter, complete_run, open_run, pending, reusable
from ..verdicts.model import AuditResult, PackageStatus, Target, Verdict
from .backfill import history_basis, history_json
from .status import PackageRequest, iter_statuses
from .verdict_memo import rules_fingerprint


@dataclass(frozen=True)
class TrackResult:
    """What one invocation did."""

    run: Run
    ranked: int  # packages in the snapshot
    checked: int  # recorded by this invocation (the rest were done by a killed run)
    reused: int  # of those, unchanged on the index: stored status kept
    changed: int  # whose stored status changed
    errors: int  # recorded with verdict `error` by this invocation
    complete: bool
    seconds: float


#: Tracking this many packages or more, a re-run first reads every project's serial from
#: the index's root page (one request; PyPI's is ~40 MB) instead of asking page by page.
ROOT_SERIALS_FROM = 2000


def page_identity(digest: str, serial: int | None) -> str:
    """What the store keeps in ``last_serial``: the page's digest, and its serial if known."""
    return digest if serial is None else f"{digest} {serial}"


def _read_identity(identity: str) -> tuple[str, int | None]:
    """``page_identity`` read back: (digest, serial or None)."""
    digest, _, serial = identity.partition(" ")
    return digest, int(serial) if serial.isdigit() else None


class _PageTap:
    """Wraps the index client to note each project's simple page (digest and serial) as
    ``iter_statuses`` reads it, so it can be stored beside the status (in the store's
    ``last_serial`` column: ``page_identity``, on indexes with or without serials), and to
    work out the package's history from the page's files (``backfill``).

    A page whose history is not stored for its digest is parsed even when the verdict
    memo knows it: the history needs the files."""

    def __init__(self, client: IndexClient, targets: Sequence[Target], bases: dict[str, str]) -> None:
        self._client = client
        self._targets = targets
        self._bases = bases  # name -> basis of the stored history
        self._lock = threading.Lock()
        self.digests: dict[str, str] = {}
        self.histories: dict[str, tuple[str, str]] = {}  # name -> (basis, history JSON)

    def project_page(self, name: str, index_url: str | None = None,
                     known: Callable[[str], K | None] | None = None) -> Page[K]:
        if index_url is not None:
            return self._client.project_page(name, index_url, known)
        def ask(digest: str) -> K | None:
            if known is None or self._bases.get(name) != history_basis(digest, self._targets):
                return None
            return known(digest)

        page = self._client.project_page(name, index_url, ask if known is not None else None)
        found = None
        if page.files is not None:
            basis = history_basis(page.digest, self._targets)
            if self._bases.get(page.name) != basis:
                found = (basis, history_json(page.files, self._targets))
        with self._lock:
            self.digests[page.name] = page_identity(page.digest, page.serial)
            if found is not None:
                self.histories[page.name] = found
        return page

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._client, attr)


def basis(client: IndexClient, targets: Sequence[Target]) -> str:
    """What a stored status depends on besides the project itself: a changed rule (or
    gilfree release) re-judges every package."""
    config = client.config
    key = [rules_fingerprint(), [t.name for t in targets], config.index_url, config.json_url,
           list(config.extra_index_urls), [[i.url, list(i.projects or ())] for i in config.nightly_indexes]]
    return hashlib.blake2b(json.dumps(key).encode(), digest_size=12).hexdigest()


def _unchanged(client: IndexClient, known: dict[str, str], on_reuse: Callable[[str], None]) -> set[str]:
    """Of the known projects, those whose simple page is still the one the stored status
    was judged from.

    With many of them, and an index whose root page lists serials (PyPI), a project whose
    serial did not move is unchanged without a request. The others are fetched (a
    conditional request when cached) and compared by digest; pages are not parsed here: an
    unchanged body parsed fine before, and a changed one is fetched again (from the HTTP
    cache) and parsed by the status engine."""
    same: set[str] = set()
    ask = list(known)
    if len(known) >= ROOT_SERIALS_FROM:
        try:
            serials = client.project_serials() or {}
        except GilfreeError:
            serials = {}  # no root page: ask page by page
        ask = []
        for name, stored in known.items():
            serial = _read_identity(stored)[1]
            if serial is not None and serials.get(name) == serial:
                same.add(name)
                on_reuse(name)
            else:
                ask.append(name)
    for name, outcome in client.map(lambda n: client.project_page(n, known=str).digest, ask):
        if outcome == _read_identity(known[name])[0]:
            same.add(name)
            on_reuse(name)
        elif isinstance(outcome, Exception) and not isinstance(outcome, GilfreeError):
            raise outcome  # a bug, not an index answer: do not hide it
    return same


def track(
    client: IndexClient,
    store: Store,
    ranking: Ranking,
    targets: Sequence[Target],
    *,
    day: str | None = None,
    batch_size: int = 200,
    progress: Callable[[str], None] | None = None,
) -> TrackResult:
    """Check every not-yet-recorded package of today's snapshot and record it."""
    start = time.perf_counter()
    run = open_run(store, ranking, targets, day)
    todo = pending(store, run)
    key = basis(client, targets)
    writer = SnapshotWriter(store, run, batch_size, key)
    bases = history_bases(store)
    tap = _PageTap(client, targets, bases)
    errors = 0

    def reused(name: str) -> None:
        writer.reuse(name)
        if progress is not None:
            progress(name)

    def record(status: PackageStatus) -> None:
        nonlocal errors
        writer.add(status, tap.digests.pop(status.requested, None), tap.histories.pop(status.requested, None))
        errors += status.error is not None or Verdict.ERROR in status.verdicts.values()
        if progress is not None:
            progress(status.name)

    try:
        # an unchanged page whose history is missing or stale is read again for it
        known = {name: identity for name, identity in reusable(store, todo, key).items()
                 if bases.get(name) == history_basis(_read_identity(identity)[0], targets)}
        same = _unchanged(client, known, reused)
        requests = [PackageRequest(name, None, name) for name in todo if name not in same]
        for _, status in iter_statuses(cast(IndexClient, tap), requests, targets):
            record(status)
    finally:
        writer.flush()  # keep what was fetched, even when interrupted
    complete = complete_run(store, run)
    return TrackResult(run, len(ranking.packages), writer.recorded, writer.reused, writer.changed,
                       errors, complete, time.perf_counter() - start)


def audit_candidates(store: Store, run: Run, n: int, python_version: str) -> list[tuple[str, str]]:
    """The top ``n`` packages of ``run`` (by rank) with a free-threaded wheel for this
    machine's target, as (name, version), less the releases already audited.

    Read from the snapshot's one-letter codes: no stored status needs decoding.
    """
    from ..store.audits import audited_versions
    from ..store.codes import CODES
    from ..store.read import snapshot
    from ..verdicts.targets import parse_target
    from .audit import local_target

    target = local_target([parse_target(t) for t in run.targets], python_version)
    if target is None:
        return []
    column, ft = run.targets.index(target.name), CODES[Verdict.FT_WHEEL]
    top = [(row.name, row.version) for row in snapshot(store, run.id)
           if row.verdicts and row.version and row.verdicts[column] == ft][:n]
    done = audited_versions(store, python_version)
    return [(name, version) for name, version in top if done.get(name) != version]


def audit_top(store: Store, run: Run, n: int, *, python: str, timeout: float = 60,
              progress: Callable[[str], None] | None = None) -> list[AuditResult]:
    """Fill the runtime column: audit each candidate in its own throwaway venv, record it."""
    from ..runtime.pyinfo import inspect_interpreter
    from ..store.audits import save_audit
    from .audit import audit_packages

    info = inspect_interpreter(python)
    results = []
    for name, version in audit_candidates(store, run, n, f"{info.version[0]}.{info.version[1]}"):
        if progress is not None:
            progress(f"auditing {name} {version}")
        found = audit_packages([f"{name}=={version}"], python=python, timeout=timeout)
        mine = next((r for r in found if r.requested), None)
        if mine is not None:
            save_audit(store, name, mine)
            results.append(mine)
    return results

"""Extra and nightly indexes during one run: asked politely, given up on quickly.

Their answers are optional facts beside the verdicts, so what one of them costs is
bounded however many packages a run checks (a tracker run checks 15,000):

- **Until an index has answered once, one request at a time goes to it** (the probe);
  the other packages wait for that answer instead of all failing in parallel.
- **Unreachable, it is not asked again this run.** A request that got no answer from the
  server at all (DNS error, refused, TLS or proxy failure, timeout: ``http.Unreachable``;
  not retried after a timeout, a refusal or an unknown host name, else ``extra_retries``
  times) marks the index unreachable; so do ``FAILURES_IN_A_ROW`` other failures in a row
  (5xx after retries, bodies that do not parse). Every package then gets ``NotChecked``
  at once, without a request: "not checked: LABEL unreachable (why)".
- **A 404 is an answer** (the project has no nightly builds there), never an error.
- **A nightly index without a project list is read through its root page** (one cached
  request a run: the projects it has), so only those are asked about; without a usable
  root page (404, not a project list), each package is asked about.

Offline, nothing reaches the network: a root page missing from the cache makes the index
"not checked" (the run that cached it would have cached the pages too).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from gilfree.errors import IndexUnavailable, ProjectNotFound
from gilfree.index.config import ExtraIndex
from gilfree.index.http import Cancelled, Unreachable

T = TypeVar("T")

FAILURES_IN_A_ROW = 3  # answers we could not use, in a row, before an index is given up


class NotChecked(IndexUnavailable):
    """This run does not ask the index any more (see ``IndexHealth``); the message is
    what reports show: ``not checked: LABEL unreachable (why)``."""


class IndexHealth:
    """What one run knows about reaching one extra index; thread-safe."""

    def __init__(self, index: ExtraIndex, *, offline: bool = False) -> None:
        self.index = index
        self._offline = offline
        self._lock = threading.Lock()  # guards the fields below
        self._probe = threading.Lock()  # held by the one request in flight while not yet answered
        self._listing_lock = threading.Lock()
        self.answered = False  # the server answered once (any status): reachable
        self.down: str | None = None  # set once: why the index is not asked any more
        self._failures = 0
        self._listed = False
        self._listing: frozenset[str] | None = None
        self.requests = 0  # requests this run sent (attempts inside one count as one)

    def run(self, fetch: Callable[[], T]) -> T:
        """``fetch()`` unless the index was given up; the probe while it never answered.

        Raises ``NotChecked`` when given up (now or before), else what ``fetch`` raises.
        """
        self._check()
        if not self.answered:
            with self._probe:
                self._check()
                if not self.answered:
                    return self._attempt(fetch)
        return self._attempt(fetch)

    def listing(self, fetch: Callable[[], frozenset[str] | None]) -> frozenset[str] | None:
        """The projects the index lists on its root page (fetched once a run), or None
        when it gives no usable list (then each package is asked about)."""
        if self._listed:
            return self._listing
        with self._listing_lock:
            if not self._listed:
                try:
                    self._listing = self.run(fetch)
                except ProjectNotFound:
                    self._listing = None
                except NotChecked:
                    raise
                except IndexUnavailable:
                    if self._offline:
                        self._give_up("offline, and its root page is not in the cache")
                        raise NotChecked(self.down) from None
                    self._listing = None  # a failing root page: ask page by page
                self._listed = True
        return self._listing

    def _check(self) -> None:
        if self.down is not None:
            raise NotChecked(self.down)

    def _attempt(self, fetch: Callable[[], T]) -> T:
        with self._lock:
            self.requests += 1
        try:
            result = fetch()
        except ProjectNotFound:
            self._ok()
            raise
        except Cancelled:
            raise
        except Unreachable as exc:
            self._give_up(exc.reason)
            raise NotChecked(self.down) from None
        except IndexUnavailable as exc:
            if self._failed(str(exc)):
                raise NotChecked(self.down) from None
            raise
        self._ok()
        return result

    def _ok(self) -> None:
        with self._lock:
            self.answered = True
            self._failures = 0

    def _failed(self, why: str) -> bool:
        """Count a failure; True when that gave the index up."""
        if self._offline:
            return False  # a cache miss for one page says nothing about the others
        with self._lock:
            self._failures += 1
            if self._failures < FAILURES_IN_A_ROW:
                return False
        self._give_up(f"{FAILURES_IN_A_ROW} requests in a row failed; last: {why}")
        return True

    def _give_up(self, why: str) -> None:
        with self._lock:
            if self.down is None:
                self.down = f"not checked: {self.index.label} unreachable ({why})"


class ExtraIndexes:
    """The ``IndexHealth`` of every extra index a run asks (made on first use)."""

    def __init__(self, *, offline: bool = False) -> None:
        self._offline = offline
        self._lock = threading.Lock()
        self._health: dict[str, IndexHealth] = {}

    def health(self, index: ExtraIndex) -> IndexHealth:
        with self._lock:
            found = self._health.get(index.url)
            if found is None:
                found = self._health[index.url] = IndexHealth(index, offline=self._offline)
            return found

    def all(self) -> list[IndexHealth]:
        with self._lock:
            return list(self._health.values())

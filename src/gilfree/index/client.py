"""``IndexClient``: the one object other layers use to read package indexes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, Union
from urllib.parse import quote

import httpx
from packaging.utils import canonicalize_name

from gilfree.caches import auto_prune
from gilfree.errors import BadInput, IndexUnavailable, ProjectNotFound
from gilfree.index import coremetadata, jsonapi, pep503, simple
from gilfree.index.config import ExtraIndex, IndexConfig
from gilfree.index.extras import ExtraIndexes, IndexHealth
from gilfree.index.http import Fetched, Fetcher, Stats, WrongShape, parse_object
from gilfree.index.pool import Progress, bounded_map
from gilfree.index.transport import build_client, build_network, build_storage
from gilfree.verdicts.model import DistFile, ProjectFiles, ProjectInfo

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")

# PEP 508 names; anything else could not be a project, and could escape the URL path.
_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def _root(url: str) -> str:
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class Page(Generic[K]):
    """A fetched simple page: what ``known`` said about its body, or its parsed files."""

    name: str  # canonical project name
    index_url: str
    digest: str  # SHA-256 of the body as served: the page's identity
    known: K | None
    files: ProjectFiles | None  # None exactly when ``known`` answered
    serial: int | None = None  # the project's serial (PyPI's X-PyPI-Last-Serial), if known


def _root_page(body: bytes) -> dict[str, int] | None:
    """Canonical name -> serial from a root page; {} for one without serials (HTML, or
    JSON from an index that keeps none); None for a broken body (retried, never cached)."""
    if not body.lstrip().startswith(b"{"):
        return {}
    doc = parse_object(body)
    if doc is None:
        return None
    projects = doc.get("projects")
    if not isinstance(projects, list):
        return {}
    serials = {}
    for entry in projects:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) \
                and type(entry.get("_last-serial")) is int:
            serials[canonicalize_name(entry["name"])] = entry["_last-serial"]
    return serials


def _info_page(body: bytes) -> dict[str, Any] | None:
    """A JSON API page, checked (``jsonapi.info_problem``) before it is read or cached."""
    doc = parse_object(body)
    if doc is None:
        return None
    problem = jsonapi.info_problem(doc)
    if problem is not None:
        raise WrongShape(problem)
    return doc


def _metadata_file(body: bytes) -> bytes:
    """A PEP 658 ``.metadata`` file, checked (``coremetadata.metadata_problem``)."""
    problem = coremetadata.metadata_problem(body)
    if problem is not None:
        raise WrongShape(problem)
    return body


class IndexClient:
    """Reads PEP 691 simple pages and PyPI's JSON API; thread-safe, one per run.

    Every method either returns what the index said or raises ``ProjectNotFound`` (the
    index answered 404) or ``IndexUnavailable`` (with a one-line reason): never a guess.
    """

    def __init__(self, config: IndexConfig) -> None:
        self.config = config
        self._storage = build_storage(config)
        network = build_network(config)
        self._http = build_client(config, self._storage, network)
        # Range requests (a wheel's tail) and release metadata are never HTTP-cached: they
        # skip the cache's lookups.
        self._direct = build_client(config, None, network)
        self._fetcher = Fetcher(config, self._http, self._storage, direct=self._direct)
        self._extras = ExtraIndexes(offline=config.offline)

    @property
    def stats(self) -> Stats:
        return self._fetcher.stats

    def project_files(self, name: str, index_url: str | None = None) -> ProjectFiles:
        """The files of a project on ``index_url`` (default: the configured index)."""
        files = self.project_page(name, index_url).files
        assert files is not None  # no ``known``: the page is always parsed
        return files

    def project_page(self, name: str, index_url: str | None = None,
                     known: Callable[[str], K | None] | None = None) -> Page[K]:
        """A project's simple page with the SHA-256 of its body; parsed only if needed.

        ``known(digest)`` may answer for a body seen before (e.g. a status judged from it):
        then the page is not parsed at all (``files`` is None). Otherwise the body is parsed
        as ``project_files`` does, and a body that is not a JSON object is retried and never
        returned, as for every document.
        """
        root = _root(index_url or self.config.index_url)
        project = self._canonical(name)

        def parse(body: bytes) -> tuple[str, K | None, dict[str, Any] | None] | None:
            digest = hashlib.sha256(body).hexdigest()
            # ``known`` only holds what was judged from pages that passed ``page_problem``
            # below, so a digest it knows is a well-formed page: not parsed again
            answer = known(digest) if known is not None else None
            if answer is not None:
                return digest, answer, None
            doc = parse_object(body)
            if doc is None:
                return None
            problem = simple.page_problem(doc)  # before anything is judged or cached
            if problem is not None:
                raise WrongShape(problem)
            return digest, None, doc

        fetched = self._fetcher.get(f"{root}{project}/", simple.ACCEPT, parse, "invalid JSON")
        digest, answer, doc = fetched.doc
        files = None if doc is None else simple.parse_project_files(
            doc,
            name=project,
            index_url=root,
            page_url=fetched.url,  # after redirects: relative file URLs resolve against it
            last_serial=fetched.headers.get("x-pypi-last-serial"),
        )
        serial = files.last_serial if files is not None else simple.to_int(fetched.headers.get("x-pypi-last-serial"))
        return Page(project, root, digest, answer, files, serial)

    def project_serials(self, index_url: str | None = None) -> dict[str, int] | None:
        """Every project's serial from the index's root page (PEP 691 JSON, as PyPI serves
        it: one request instead of one per project); None when the index gives none.

        Raises like the other methods when the index cannot be read.
        """
        root = _root(index_url or self.config.index_url)
        fetched = self._fetcher.get(root, simple.ACCEPT, _root_page, "not a JSON project list")
        return fetched.doc or None

    def extra_project_files(self, index: ExtraIndex, name: str) -> ProjectFiles | None:
        """A project's files on an extra (e.g. nightly) index, PEP 691 JSON or PEP 503 HTML;
        None when it has none there: a 404, absent from the index's root page, or not one
        of ``index.projects`` (those two without a request for the project).

        Raises ``extras.NotChecked`` when this run gave the index up as unreachable (at once,
        without a request), ``IndexUnavailable`` when this page could not be read.
        """
        project = self._canonical(name)
        if index.projects and project not in index.projects:
            return None
        health = self._extras.health(index)
        if index.nightly and not index.projects:
            listed = health.listing(lambda: self._extra_listing(index))
            if listed is not None and project not in listed:
                return None
        try:
            return health.run(lambda: self._extra_page(index, project))
        except ProjectNotFound:
            return None

    def extra_health(self) -> list[IndexHealth]:
        """What this run found about each extra index it asked (reachable, given up...)."""
        return self._extras.all()

    def _extra_get(self, url: str, parse: Callable[[bytes, str], Any], invalid: str) -> Fetched:
        config = self.config
        timeout = httpx.Timeout(min(config.timeout, config.extra_timeout),
                                connect=min(config.timeout, config.extra_connect_timeout))
        return self._fetcher.get(url, pep503.ACCEPT_ANY, parse, invalid, typed=True,
                                 retries=config.extra_retries, fail_fast=True, timeout=timeout)

    def _extra_listing(self, index: ExtraIndex) -> frozenset[str] | None:
        # wrapped in a tuple: a root page that lists nothing is an answer (ask page by page),
        # not a body to retry
        fetched = self._extra_get(index.url, lambda body, kind: (pep503.parse_root_page(body, kind),),
                                  "not a project list")
        return fetched.doc[0]

    def _extra_page(self, index: ExtraIndex, project: str) -> ProjectFiles:
        fetched = self._extra_get(f"{index.url}{project}/", pep503.parse_any, "invalid JSON")
        return pep503.project_files(fetched.doc, name=project, index_url=index.url, page_url=fetched.url,
                                    last_serial=fetched.headers.get("x-pypi-last-serial"))

    def project_info(self, name: str, version: str | None = None, *, cached: bool = True) -> ProjectInfo:
        """Classifiers, summary and links of the latest release, or of ``version``."""
        project = self._canonical(name)
        path = f"{project}/{quote(version, safe='')}/json" if version else f"{project}/json"
        fetched = self._fetcher.get(self._json_root() + path, jsonapi.ACCEPT, _info_page, "invalid JSON",
                                    cached=cached)
        return jsonapi.parse_project_info(fetched.doc, name=project)

    def release_info(self, name: str, version: str, wheel: DistFile | None) -> ProjectInfo:
        """Classifiers, summary and links of one release, cheapest source first.

        The PEP 658 ``.metadata`` file of ``wheel`` (one of the release's wheels, as
        ``coremetadata.metadata_file`` picks it) when the index announces one (a few KB,
        immutable), else that wheel's METADATA read from its last 64 KB with a range request
        (wheels put .dist-info last), else the JSON API (per release when the index has it,
        else the project page when ``version`` is its latest). Raises like the other methods
        when none answers.

        Nothing of it goes to the HTTP cache: the caller keeps the answer (``status`` keeps
        it in the verdict memo, beside the verdicts it belongs to), which saves a cache file
        per package on a cold run (file creation is most of a cache write).
        """
        if wheel is not None and wheel.has_metadata:
            try:
                # an answer that is not core metadata (an HTML error page with a 200) is
                # retried, then IndexUnavailable: a note "classifier unknown: …"
                fetched = self._fetcher.get(wheel.url + ".metadata", "text/plain", _metadata_file,
                                            "not UTF-8 text", lane="metadata", cached=False)
                return coremetadata.parse_core_metadata(name, version, fetched.doc)
            except ProjectNotFound:
                pass  # announced but not served: read it from the wheel's tail instead
        if wheel is not None:
            raw = self._fetch_metadata_ranges(wheel.url)
            if raw is not None and coremetadata.metadata_problem(raw) is None:
                return coremetadata.parse_core_metadata(name, version, raw)
            # no ranges, or a METADATA that is not core metadata: ask the JSON API
        try:
            return self.project_info(name, version, cached=False)
        except ProjectNotFound:
            latest = self.project_info(name, cached=False)
            if latest.version != version:
                raise
            return latest

    def _fetch_metadata_ranges(self, url: str) -> bytes | None:
        try:
            tail, size = self._fetcher.get_range(url, f"-{coremetadata.TAIL_BYTES}").doc
            chunks = {size - len(tail): tail}
            found = coremetadata.metadata_from_wheel(chunks, size)
            for _ in range(2):
                if not isinstance(found, int):
                    break
                # the zip directory or the member is before what we have: fetch from there
                # up to the next downloaded byte (bounded)
                end = min([start for start in chunks if start > found] + [size])
                end = min(end, found + coremetadata.MAX_EXTRA_BYTES)
                chunk, _ = self._fetcher.get_range(url, f"{found}-{end - 1}").doc
                chunks[found] = chunk
                found = coremetadata.metadata_from_wheel(chunks, size)
        except (ProjectNotFound, IndexUnavailable):
            return None  # no ranges here: the caller asks the JSON API
        return found if isinstance(found, bytes) else None

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        progress: Progress | None = None,
        then: Callable[[Any], R] | None = None,
    ) -> Iterator[tuple[T, Union[R, Exception]]]:
        """Run ``fn`` on ``config.concurrency`` threads; yield (item, result or exception) as
        each completes. A ``pool.Then(arg)`` from ``fn`` is finished by ``then(arg)`` on
        ``config.metadata_concurrency`` more threads. Requests stay bounded per lane however
        many workers there are. Ctrl-C stops pending work and re-raises KeyboardInterrupt."""
        return bounded_map(
            fn, items, workers=self.config.concurrency, cancel=self._fetcher.cancel,
            progress=progress, then=then, then_workers=self.config.metadata_concurrency,
        )

    def close(self) -> None:
        self._http.close()
        self._direct.close()
        if self.config.use_cache and not self.config.offline:
            auto_prune(self.config.cache_dir, self.config.cache_max_size)

    def __enter__(self) -> IndexClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @staticmethod
    def _canonical(name: str) -> str:
        if not _VALID_NAME.match(name.strip()):
            raise BadInput(f"not a valid project name: {name!r}")
        return canonicalize_name(name.strip())

    def _json_root(self) -> str:
        if self.config.json_url:
            return _root(self.config.json_url)
        root = _root(self.config.index_url)
        if root.endswith("/simple/"):
            return root[: -len("simple/")] + "pypi/"
        raise IndexUnavailable(f"{root}: this index has no JSON API (set a JSON API URL)")

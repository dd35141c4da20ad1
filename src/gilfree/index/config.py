"""How to reach the indexes: URLs, cache, concurrency, offline mode; extra and nightly indexes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gilfree.caches import max_size_from_environment
from gilfree.fsutil import default_cache_dir

PYPI_SIMPLE = "https://pypi.org/simple/"
PYPI_JSON = "https://pypi.org/pypi/"


@dataclass(frozen=True)
class ExtraIndex:
    """An index checked beside the main one, reported apart: never part of a verdict.

    ``nightly``: one of the nightly-wheel indexes (shipped list, ``--nightly-index``,
    ``[tool.gilfree] nightly-indexes``); else an ``--extra-index-url``. A nightly index
    without ``projects`` is read through its root page (one request a run: the projects it
    has), so that a run over thousands of packages asks it only about those.
    """

    url: str  # simple API root, ending in "/"
    label: str  # what reports call it: "scientific-python nightly", or the URL
    nightly: bool = True
    # canonical names of the only projects asked about here (e.g. PyTorch's index also
    # mirrors numpy, pillow...: those copies are not nightlies); () asks about any
    projects: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexConfig:
    """Settings shared by every index request of one run."""

    index_url: str = PYPI_SIMPLE  # a PEP 691 simple API root
    json_url: str | None = PYPI_JSON  # PyPI-style JSON API root (None: derive/skip)
    extra_index_urls: tuple[str, ...] = ()
    # Nightly-wheel indexes (index.nightly). None by default: the CLI fills in the shipped
    # list (cli.common.index_config), so API callers and tests never reach them unasked.
    nightly_indexes: tuple[ExtraIndex, ...] = ()
    cache_dir: Path = field(default_factory=default_cache_dir)
    use_cache: bool = True
    # the caches are pruned to this many bytes at most once a day (0: never; caches.py)
    cache_max_size: int = field(default_factory=max_size_from_environment)
    offline: bool = False  # answer from the cache only; a miss is `error`
    concurrency: int = 16  # simple pages and JSON API pages in flight at once
    # PEP 658 metadata files in flight at once, on top of `concurrency`: tiny, immutable,
    # latency-bound requests that overlap with the page fetches instead of queueing behind them
    metadata_concurrency: int = 32
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 0.5  # seconds, doubled per attempt (Retry-After wins when given)
    max_retry_after: float = 60.0  # a longer Retry-After is an error, not a wait
    # Freshness for responses that carry no caching headers (some mirrors strip them):
    # PyPI itself sends max-age=600 on simple pages; metadata files never change.
    default_max_age: int = 600
    # Extra and nightly indexes: optional facts, so a slow or unreachable one costs little
    # (index.extras): shorter timeouts, no retry after a timeout, a refused connection or an
    # unknown host name, one retry after other failures; then the run stops asking it.
    extra_timeout: float = 10.0
    extra_connect_timeout: float = 5.0
    extra_retries: int = 1

    @property
    def extra_indexes(self) -> tuple[ExtraIndex, ...]:
        """Every index checked beside the main one: ``--extra-index-url`` ones, then the
        nightly ones (a nightly index that is also an extra index or the main index is
        checked once, as the extra index)."""
        plain = tuple(ExtraIndex(url, url, nightly=False) for url in self.extra_index_urls)
        seen = {self.index_url, *self.extra_index_urls}
        return plain + tuple(n for n in self.nightly_indexes if n.url not in seen)

    def cache_for(self, name: str) -> Path | None:
        """The directory of one cache under ``cache_dir``; None when caching is off."""
        return self.cache_dir / name if self.use_cache else None

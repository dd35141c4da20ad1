"""How to reach the indexes: URLs, cache, concurrency, offline mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gilfree.caches import max_size_from_environment
from gilfree.fsutil import default_cache_dir

PYPI_SIMPLE = "https://pypi.org/simple/"
PYPI_JSON = "https://pypi.org/pypi/"


@dataclass(frozen=True)
class IndexConfig:
    """Settings shared by every index request of one run."""

    index_url: str = PYPI_SIMPLE  # a PEP 691 simple API root
    json_url: str | None = PYPI_JSON  # PyPI-style JSON API root (None: derive/skip)
    extra_index_urls: tuple[str, ...] = ()
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

    def cache_for(self, name: str) -> Path | None:
        """The directory of one cache under ``cache_dir``; None when caching is off."""
        return self.cache_dir / name if self.use_cache else None

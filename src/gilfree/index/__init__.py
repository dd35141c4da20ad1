"""index layer: reads package indexes (PEP 691 simple API, PyPI JSON API).

``IndexClient`` is the facade; the modules below it each do one job:
``transport`` (pooled connections, cache, offline), ``cache`` (on-disk storage),
``http`` (retries, backoff, Retry-After), ``simple`` and ``jsonapi`` (parsing),
``pep503`` (HTML simple pages, as nightly indexes serve them), ``pool`` (bounded
threads); ``coremetadata`` reads PEP 658 metadata files; ``nightly`` (the shipped list of
nightly-wheel indexes) and ``extras`` (giving up on an unreachable extra index once a run).
"""

from gilfree.index.client import IndexClient
from gilfree.index.config import IndexConfig

__all__ = ["IndexClient", "IndexConfig"]

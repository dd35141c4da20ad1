"""index layer: reads package indexes (PEP 691 simple API, PyPI JSON API).

``IndexClient`` is the facade; the modules below it each do one job:
``transport`` (pooled connections, cache, offline), ``cache`` (on-disk storage),
``http`` (retries, backoff, Retry-After), ``simple`` and ``jsonapi`` (parsing),
``pool`` (bounded threads); ``coremetadata`` reads PEP 658 metadata files.
"""

from gilfree.index.client import IndexClient
from gilfree.index.config import IndexConfig

__all__ = ["IndexClient", "IndexConfig"]

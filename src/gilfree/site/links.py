"""Links from package metadata: only http(s) URLs may become links."""

from __future__ import annotations


def safe_url(url: object) -> str | None:
    """Only http(s) URLs become links: metadata could carry ``javascript:``."""
    return url if isinstance(url, str) and url.lower().startswith(("https://", "http://")) else None

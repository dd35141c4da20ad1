"""Why a direct reference (URL, VCS, local path) cannot be judged from an index."""

from __future__ import annotations

VCS_SCHEMES = ("git+", "hg+", "svn+", "bzr+")


def direct_reason(url: str) -> str:
    """The "not checked" reason for a requirement that points at a URL or a path."""
    if url.startswith(VCS_SCHEMES):
        return "VCS checkout: built from source, not from the index"
    if url.startswith("file:") or not url.startswith(("http://", "https://")):
        return "local path: not on the index"
    return "direct URL: not on the index"

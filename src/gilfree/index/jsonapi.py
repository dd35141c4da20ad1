"""PyPI's JSON API (``/pypi/<name>[/<version>]/json``) -> ``ProjectInfo``.

Only the ``info`` block is read: the file lists come from the simple API, which every
index has; the JSON API is PyPI's, and adds classifiers, summary and links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gilfree.verdicts.model import ProjectInfo

ACCEPT = "application/json"


def _text(value: Any) -> str | None:
    """A non-empty string, or None (the API uses "", null and "UNKNOWN" for nothing)."""
    if isinstance(value, str) and value.strip() and value.strip() != "UNKNOWN":
        return value.strip()
    return None


def info_problem(doc: Mapping[str, Any]) -> str | None:
    """Why ``doc`` is not a JSON API page (None when it is one): it must have an ``info``
    object, whose ``classifiers`` (when present) is a list and ``project_urls`` an object
    or null. Checked before the page is read or cached, so that a page of another shape is
    an error (retried), never an empty ``ProjectInfo`` (a classifier silently dropped)."""
    info = doc.get("info")
    if not isinstance(info, dict):
        return "not a JSON API page: no `info` object"
    if "classifiers" in info and not isinstance(info["classifiers"], list):
        return "not a JSON API page: `info.classifiers` is not a list"
    if info.get("project_urls") is not None and not isinstance(info["project_urls"], dict):
        return "not a JSON API page: `info.project_urls` is not an object"
    return None


def parse_project_info(doc: Mapping[str, Any], *, name: str) -> ProjectInfo:
    """The ``info`` block of a JSON API page; ``name`` is used if the page lacks one."""
    info = doc.get("info")
    if not isinstance(info, dict):
        info = {}
    classifiers = info.get("classifiers")
    urls = info.get("project_urls")
    return ProjectInfo(
        name=_text(info.get("name")) or name,
        version=_text(info.get("version")) or "",
        summary=_text(info.get("summary")) or "",
        classifiers=tuple(c for c in classifiers if isinstance(c, str)) if isinstance(classifiers, list) else (),
        project_urls=tuple(
            (label, url) for label, url in urls.items() if isinstance(label, str) and isinstance(url, str)
        )
        if isinstance(urls, dict)
        else (),
        requires_python=_text(info.get("requires_python")),
        home_page=_text(info.get("home_page")),
    )

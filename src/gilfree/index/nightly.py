"""Nightly-wheel indexes: the shipped list (``gilfree/data/nightly-indexes.toml``) and
what a user may name one by (a shipped name, a URL, or a table in ``[tool.gilfree]``).

Which of them a run checks is the CLI's decision (``cli.common.nightly_indexes``);
reading them is ``IndexClient.extra_project_files`` (``index.extras``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from packaging.utils import canonicalize_name

from gilfree.errors import BadInput
from gilfree.index.config import ExtraIndex

DATA_FILE = "nightly-indexes.toml"


def _root(url: str) -> str:
    return url.rstrip("/") + "/"


def _entry(raw: Any, where: str) -> tuple[str, ExtraIndex]:
    if not isinstance(raw, dict):
        raise BadInput(f"{where}: expected a table with a url")
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise BadInput(f"{where}: url must be an http(s) URL, got {url!r}")
    label = raw.get("label") or label_for(url)
    projects = raw.get("projects", [])
    if not isinstance(label, str) or not isinstance(projects, list) \
            or not all(isinstance(p, str) and p for p in projects):
        raise BadInput(f"{where}: label must be text and projects a list of names")
    name = raw.get("name", "")
    return (name if isinstance(name, str) else ""), ExtraIndex(
        _root(url), label, nightly=True, projects=tuple(sorted({str(canonicalize_name(p)) for p in projects})))


@lru_cache(maxsize=1)
def _shipped() -> tuple[tuple[str, ExtraIndex], ...]:
    import tomli

    text = resources.files("gilfree.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    entries = tomli.loads(text).get("index", [])
    return tuple(_entry(raw, f"bundled {DATA_FILE}") for raw in entries)


def default_nightly_indexes() -> tuple[ExtraIndex, ...]:
    """The shipped list, in its order."""
    return tuple(index for _, index in _shipped())


def shipped_names() -> tuple[str, ...]:
    return tuple(name for name, _ in _shipped() if name)


def label_for(url: str) -> str:
    """A short name for an index given by URL alone: its host and path."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}".rstrip("/") or url


def nightly_index(spec: Any, where: str = "--nightly-index") -> ExtraIndex:
    """One index from what a user wrote: a shipped name (``scientific-python``), a URL
    (a shipped index's URL keeps its label and project list) or, in ``[tool.gilfree]``,
    a table ``{url = "...", label = "...", projects = [...]}``."""
    if isinstance(spec, dict):
        return _entry(spec, where)[1]
    if not isinstance(spec, str) or not spec.strip():
        raise BadInput(f"{where}: expected a URL or one of {', '.join(shipped_names())}, got {spec!r}")
    text = spec.strip()
    for name, index in _shipped():
        if text == name or _root(text) == index.url:
            return index
    if not text.startswith(("http://", "https://")):
        raise BadInput(f"{where} must be an http(s) URL or one of {', '.join(shipped_names())}, got {text!r}")
    return ExtraIndex(_root(text), label_for(text), nightly=True)


def nightly_indexes(specs: Any, where: str) -> tuple[ExtraIndex, ...]:
    """Several of them (a list, or one string of space-separated ones), duplicates dropped."""
    if isinstance(specs, str):
        specs = specs.split()
    if not isinstance(specs, (list, tuple)):
        raise BadInput(f"{where}: expected a list of URLs or names, got {specs!r}")
    out: dict[str, ExtraIndex] = {}
    for spec in specs:
        index = nightly_index(spec, where)
        out.setdefault(index.url, index)
    return tuple(out.values())

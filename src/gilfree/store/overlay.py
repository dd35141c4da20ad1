"""The curated overlay: facts humans maintain (tracking issue, notes, nightly index,
"tested in CI") that the site shows beside the computed ones, never merged into them.

The bundled ``gilfree/data/overlay.toml`` is the default; ``--overlay FILE`` replaces it.
Facts come from gilfree's maintainers or, when an entry names a ``source``, from a
third-party list declared under ``[sources.ID]``; the file's header documents the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from ..errors import BadInput
from ..fsutil import loads_toml, read_text

OVERLAY = "overlay.toml"
OWN_SOURCE = "gilfree"  # ``source = "gilfree"`` is the same as no source: our own facts
_URL_KEYS = ("tracking_issue", "nightly_index", "nightly_link")
_FACT_KEYS = frozenset({"tracking_issue", "nightly_index", "nightly_link", "nightly_platforms",
                        "tested_in_ci", "notes", "source"})
_SOURCE_KEYS = frozenset({"title", "url", "licence", "commit", "date"})


@dataclass(frozen=True)
class Source:
    """A third-party list that overlay facts were imported from, for crediting it."""

    id: str
    title: str
    url: str
    licence: str
    commit: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Curated:
    """What the overlay says about one package.

    The plain fields are one set of facts: gilfree's own when ``source`` is None, else
    those of ``source``. ``imported`` holds further fact sets, each with its ``source``
    set, kept beside our own rather than merged into them (see ``fact_sets``).
    """

    tracking_issue: str | None = None
    nightly_index: str | None = None  # a PEP 503/691 index URL, usable with --extra-index-url
    tested_in_ci: bool | None = None
    notes: str = ""
    nightly_link: str | None = None  # a page about nightly builds (not necessarily an index)
    nightly_platforms: tuple[str, ...] = ()
    source: Source | None = None
    imported: tuple[Curated, ...] = ()

    def fact_sets(self) -> tuple[Curated, ...]:
        """This entry's own facts (when it has any) followed by each imported set."""
        own = (self,) if self._has_facts() else ()
        return own + tuple(self.imported)

    def _has_facts(self) -> bool:
        return bool(self.tracking_issue or self.nightly_index or self.nightly_link
                    or self.nightly_platforms or self.tested_in_ci is not None or self.notes)


def load_overlay(path: str | Path | None = None) -> dict[str, Curated]:
    """Curated entries by canonical package name; a malformed file is a BadInput."""
    if path is None:
        where = f"bundled {OVERLAY}"
        text = resources.files("gilfree.data").joinpath(OVERLAY).read_text(encoding="utf-8")
    else:
        where = str(path)
        text = read_text(path)
    data = loads_toml(text, where)
    unknown = set(data) - {"packages", "sources"}
    if unknown:
        raise BadInput(f"unknown top-level key(s) {sorted(unknown)}; expected [packages.NAME]"
                       " or [sources.ID]", path=where)
    sources = _sources(data.get("sources", {}), where)
    packages = data.get("packages", {})
    if not isinstance(packages, dict):
        raise BadInput("packages: expected a table of [packages.NAME]", path=where)
    out: dict[str, Curated] = {}
    spelled: dict[str, str] = {}
    for name, entry in packages.items():
        key = str(canonicalize_name(name))
        if key in spelled:
            raise BadInput(f"packages.{spelled[key]} and packages.{name} name the same project",
                           path=where)
        spelled[key] = name
        out[key] = _entry(f"packages.{name}", entry, sources, where, top=True)
    return out


def _sources(table: Any, where: str) -> dict[str, Source]:
    if not isinstance(table, dict):
        raise BadInput("sources: expected a table of [sources.ID]", path=where)
    out = {}
    for sid, entry in table.items():
        label = f"sources.{sid}"
        if sid == OWN_SOURCE:
            raise BadInput(f"{label}: {OWN_SOURCE!r} is reserved for gilfree's own entries",
                           path=where)
        if not isinstance(entry, dict):
            raise BadInput(f"{label}: expected a table", path=where)
        unknown = set(entry) - _SOURCE_KEYS
        if unknown:
            raise BadInput(f"{label}: unknown key(s) {sorted(unknown)}", path=where)
        for key in ("title", "url", "licence"):
            if not (isinstance(entry.get(key), str) and entry[key].strip()):
                raise BadInput(f"{label}.{key}: required, a non-empty string", path=where)
        for key in ("commit", "date"):
            if key in entry and not isinstance(entry[key], str):
                raise BadInput(f"{label}.{key}: expected a string", path=where)
        _check_url(f"{label}.url", entry["url"], where)
        out[sid] = Source(sid, entry["title"], entry["url"], entry["licence"],
                          entry.get("commit"), entry.get("date"))
    return out


def _entry(label: str, entry: Any, sources: dict[str, Source], where: str,
           *, top: bool) -> Curated:
    if not isinstance(entry, dict):
        raise BadInput(f"{label}: expected a table", path=where)
    unknown = set(entry) - _FACT_KEYS - ({"imported"} if top else set())
    if unknown:
        raise BadInput(f"{label}: unknown key(s) {sorted(unknown)}", path=where)
    for key in _URL_KEYS:
        if entry.get(key) is not None:
            _check_url(f"{label}.{key}", entry[key], where)
    tested = entry.get("tested_in_ci")
    if tested is not None and not isinstance(tested, bool):
        raise BadInput(f"{label}.tested_in_ci: expected true or false", path=where)
    notes = entry.get("notes", "")
    if not isinstance(notes, str):
        raise BadInput(f"{label}.notes: expected a string", path=where)
    platforms = entry.get("nightly_platforms", [])
    if not (isinstance(platforms, list) and all(isinstance(p, str) and p for p in platforms)):
        raise BadInput(f"{label}.nightly_platforms: expected a list of names", path=where)
    source = _source_ref(label, entry.get("source"), sources, where, required=not top)
    imported: list[Curated] = []
    if top:
        sets = entry.get("imported", [])
        if not isinstance(sets, list):
            raise BadInput(f"{label}.imported: expected [[{label}.imported]] tables", path=where)
        imported = [_entry(f"{label}.imported[{i}]", s, sources, where, top=False)
                    for i, s in enumerate(sets)]
    return Curated(entry.get("tracking_issue"), entry.get("nightly_index"), tested, notes,
                   entry.get("nightly_link"), tuple(platforms), source, tuple(imported))


def _source_ref(label: str, sid: Any, sources: dict[str, Source], where: str,
                *, required: bool) -> Source | None:
    """The Source an entry names; an imported fact set must name a declared one."""
    if sid is None or sid == OWN_SOURCE:
        if required:
            raise BadInput(f"{label}.source: required, the id of a [sources.ID] table "
                           "(imported facts are never gilfree's own)", path=where)
        return None
    if not isinstance(sid, str):
        raise BadInput(f"{label}.source: expected the id of a [sources.ID] table", path=where)
    if sid not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise BadInput(f"{label}.source: unknown source {sid!r} (declared: {known})", path=where)
    return sources[sid]


def _check_url(label: str, value: Any, where: str) -> None:
    if not (isinstance(value, str) and value.startswith(("https://", "http://"))):
        raise BadInput(f"{label}: expected an http(s) URL, got {value!r}", path=where)

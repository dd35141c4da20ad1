"""PEP 691 JSON simple pages -> ``ProjectFiles``.

Runs once per file of every project (hundreds of thousands for a tracker run), so it is
written for speed: one pass, local lookups. The page's shape is checked once, before
anything is judged (``page_problem``: the client calls it); within that shape odd fields
(legacy versions, a bad size or upload time) are read leniently, never fatal: an index's
history is full of them.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from operator import itemgetter, methodcaller
from typing import Any, overload
from urllib.parse import urljoin

from gilfree.verdicts.model import DistFile, ProjectFiles
from gilfree.verdicts.rules import RawRelease, group_by_release

ACCEPT = "application/vnd.pypi.simple.v1+json"

_fromisoformat = datetime.fromisoformat
_ISO_Z_OK = sys.version_info >= (3, 11)  # 3.10's fromisoformat rejects "Z" and short fractions


def parse_time(value: Any) -> datetime | None:
    """An ``upload-time`` (ISO 8601, usually ending in Z) as an aware datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if _ISO_Z_OK:
            when = _fromisoformat(value)
        else:
            when = _parse_time_310(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _parse_time_310(value: str) -> datetime:
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    head, dot, rest = value.partition(".")
    if dot:  # pad or cut the fraction to the 6 digits 3.10 insists on
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}"
    return _fromisoformat(value)


def parse_file(entry: Mapping[str, Any], page_url: str) -> DistFile | None:
    """One ``files`` entry; None when it has no usable filename or URL."""
    filename = entry.get("filename")
    url = entry.get("url")
    if not isinstance(filename, str) or not filename or not isinstance(url, str) or not url:
        return None
    if not url.startswith(("https://", "http://")):
        url = urljoin(page_url, url)  # PEP 691 allows URLs relative to the page
    yanked = entry.get("yanked", False)
    hashes = entry.get("hashes")
    size = entry.get("size")
    requires_python = entry.get("requires-python")
    metadata = entry.get("core-metadata")
    if metadata is None:
        metadata = entry.get("dist-info-metadata", False)  # the PEP 658 name (PEP 714)
    return DistFile(
        filename,
        url,
        parse_time(entry.get("upload-time")),
        bool(yanked),
        yanked if isinstance(yanked, str) and yanked else None,
        requires_python if isinstance(requires_python, str) and requires_python else None,
        size if type(size) is int else None,
        bool(metadata),
        hashes.get("sha256") if isinstance(hashes, dict) else None,
    )


# DistFile is a frozen dataclass whose __init__ sets each field through
# object.__setattr__: that alone costs as much as parsing the file's JSON. Filling the
# instance dict in one step gives an equal object at half the cost; it is only done while
# DistFile stays a plain dataclass with exactly the fields filled below.
_FIELDS = (
    "filename", "url", "upload_time", "yanked", "yanked_reason",
    "requires_python", "size", "has_metadata", "sha256",
)  # fmt: skip
_BYPASS_INIT = (
    tuple(f.name for f in dataclasses.fields(DistFile)) == _FIELDS
    and not hasattr(DistFile, "__post_init__")
    and not hasattr(DistFile, "__slots__")
)
_new = object.__new__
_set = object.__setattr__
_ABSOLUTE = ("https://", "http://")


class _Odd(Exception):
    """An entry the fast path does not handle; ``parse_file`` takes it instead."""


def parse_files(entries: Any, page_url: str) -> tuple[DistFile, ...]:
    """All usable ``files`` entries of a page, in order; empties ``entries``.

    The loop is a fast path for well-formed entries (all of PyPI's): anything unusual,
    including a missing key, raises inside it and goes to the careful ``parse_file``.
    """
    if not isinstance(entries, list):
        return ()
    files: list[DistFile] = []
    append = files.append
    fromiso = _fromisoformat if _ISO_Z_OK else _parse_time_310
    cls = DistFile
    new = _new if _BYPASS_INIT else None
    fill = _set
    absolute = _ABSOLUTE
    # Consumed in order from the end of a reversed list: each entry's dicts are freed as
    # soon as its DistFile exists, so the garbage collector never walks both (that was
    # most of the cost of parsing big pages on many threads).
    entries.reverse()
    pop = entries.pop
    while entries:
        entry = pop()
        try:
            filename = entry["filename"]
            url = entry["url"]
            size = entry["size"]
            requires_python = entry["requires-python"]
            yanked = entry["yanked"]
            when = fromiso(entry["upload-time"])
            sha256 = entry["hashes"]["sha256"]
            metadata = entry.get("core-metadata")
            if metadata is None:
                metadata = entry.get("dist-info-metadata")  # its PEP 658 name (PEP 714)
            if yanked is False or yanked is True:
                reason = None
            elif type(yanked) is str and yanked:
                reason, yanked = yanked, True
            else:
                raise _Odd
            if not (
                type(filename) is str
                and filename
                and type(url) is str
                and url.startswith(absolute)
                and (size is None or type(size) is int)
                and (requires_python is None or type(requires_python) is str)
                and type(sha256) is str
                and when.tzinfo is not None
            ):
                raise _Odd
            fields = {
                "filename": filename,
                "url": url,
                "upload_time": when,
                "yanked": yanked,
                "yanked_reason": reason,
                "requires_python": requires_python or None,
                "size": size,
                "has_metadata": metadata is not None and metadata is not False and bool(metadata),
                "sha256": sha256,
            }
        except (_Odd, LookupError, TypeError, ValueError, AttributeError):
            parsed = parse_file(entry, page_url) if isinstance(entry, dict) else None
            if parsed is not None:
                append(parsed)
            continue
        if new is not None:
            obj = new(cls)
            fill(obj, "__dict__", fields)
            append(obj)
        else:
            append(cls(**fields))
    return tuple(files)


_FILENAME = itemgetter("filename")
_YANKED = methodcaller("get", "yanked")


class PageFiles(Sequence[DistFile]):
    """A page's ``files``, grouped by release in one cheap pass; ``DistFile`` objects are
    made per release when the verdict rules first look at it.

    Why: a tracker run reads over a million file entries and judges a few percent of them
    (the latest release, and those with free-threaded wheels). As a sequence it holds every
    usable file in page order, as ``parse_files`` gives them (made on first use).
    """

    def __init__(self, entries: Any, page_url: str) -> None:
        self._entries: list[Any] = entries if isinstance(entries, list) else []
        self._page_url = page_url
        self._all: tuple[DistFile, ...] | None = None

    def release_groups(self) -> tuple[dict[str, RawRelease], Callable[[list[Any]], Sequence[DistFile]]]:
        """Raw entries by the version field of their names, and how to make files of them."""
        try:
            groups = group_by_release(self._entries, _FILENAME, _YANKED)
        except (TypeError, LookupError, AttributeError):  # odd entries: parse_files drops them
            usable = [e for e in self._entries if isinstance(e, dict) and isinstance(e.get("filename"), str)]
            groups = group_by_release(usable, _FILENAME, _YANKED)
        return groups, self._make

    def _make(self, entries: list[Any]) -> tuple[DistFile, ...]:
        return parse_files(list(entries), self._page_url)

    def _files(self) -> tuple[DistFile, ...]:
        if self._all is None:
            self._all = self._make(self._entries)
        return self._all

    def __len__(self) -> int:
        return len(self._files())

    @overload
    def __getitem__(self, index: int) -> DistFile: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[DistFile]: ...
    def __getitem__(self, index: int | slice) -> DistFile | Sequence[DistFile]:
        return self._files()[index]

    def __iter__(self) -> Iterator[DistFile]:
        return iter(self._files())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PageFiles):
            other = other._files()
        return isinstance(other, tuple) and self._files() == other

    def __hash__(self) -> int:
        return hash(self._files())


def _what(value: Any) -> str:
    """A JSON value's kind, for messages: null, a string, an object..."""
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def page_problem(doc: Mapping[str, Any]) -> str | None:
    """Why ``doc`` is not a PEP 691 project page, or None when it is one.

    The one check of a page's shape, made before anything is judged, memoized or cached:
    ``files`` must be a list of objects, each with a non-empty ``filename`` and ``url``
    string (PEP 691 requires both); ``name``, ``versions`` and ``meta``, when present,
    a string, a list and an object. Anything else (``files`` absent, null, an object, a
    string, an entry without a filename) is not "a project with no files" (``missing``):
    the client retries it like a broken body and reports ``error`` if it stays.
    Other odd fields (a bad size, a legacy version) stay the lenient parser's business.
    One pass over the entries; a PyPI page is always well-formed."""
    if "files" not in doc:
        return "not a PEP 691 project page: no `files`"
    files = doc["files"]
    if type(files) is not list:
        return f"not a PEP 691 project page: `files` is {_what(files)}, not a list"
    for key, kind, label in (("name", str, "a string"), ("versions", list, "a list"), ("meta", dict, "an object")):
        if key in doc and type(doc[key]) is not kind:
            return f"not a PEP 691 project page: `{key}` is {_what(doc[key])}, not {label}"
    dict_, str_ = dict, str
    for entry in files:  # the fast loop: the message is made after it
        if type(entry) is not dict_:
            break
        filename = entry.get("filename")
        url = entry.get("url")
        if type(filename) is not str_ or type(url) is not str_ or not filename or not url:
            break
    else:
        return None
    i = files.index(entry)
    if type(entry) is not dict:
        return f"not a PEP 691 project page: files[{i}] is {_what(entry)}, not an object"
    filename = entry.get("filename")
    if type(filename) is not str or not filename:
        return f"not a PEP 691 project page: files[{i}] has no `filename`"
    return f"not a PEP 691 project page: files[{i}] ({filename[:80]}) has no `url`"


def parse_project_files(
    doc: Mapping[str, Any], *, name: str, index_url: str, page_url: str, last_serial: str | None = None
) -> ProjectFiles:
    """A whole simple page. ``last_serial`` is the ``X-PyPI-Last-Serial`` header, if any."""
    versions = doc.get("versions")
    meta = doc.get("meta")
    if last_serial is None and isinstance(meta, dict):
        last_serial = meta.get("_last-serial")  # PyPI puts it in the page as well
    page_name = doc.get("name")
    return ProjectFiles(
        name=page_name if isinstance(page_name, str) and page_name else name,
        files=PageFiles(doc.get("files"), page_url),
        index_url=index_url,
        versions=tuple(v for v in versions if isinstance(v, str)) if isinstance(versions, list) else (),
        last_serial=to_int(last_serial),
    )


def to_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None

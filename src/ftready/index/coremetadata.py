"""Release metadata from PEP 658 ``.metadata`` files: classifiers without the JSON API.

A release's core metadata is immutable and small (a few KB), unlike PyPI's JSON API page
for a project (megabytes for numpy); and the per-release JSON API is not served by every
PyPI mirror. So classifiers come from the core-metadata file of one wheel of the release.
"""

from __future__ import annotations

import io
import zipfile

from packaging.metadata import parse_email
from packaging.version import InvalidVersion, Version

from ..verdicts.model import DistFile, ProjectFiles, ProjectInfo


def metadata_file(files: ProjectFiles, version: str) -> DistFile | None:
    """A wheel of ``version`` to read core metadata from (``<url>.metadata``).

    Wheels the index announces metadata for (PEP 658/714) come first; otherwise any
    wheel: some mirrors serve ``.metadata`` files without announcing them, and the caller
    falls back to the JSON API when the file is not there.
    """
    try:
        wanted = Version(version)
    except InvalidVersion:
        return None
    versions: dict[str, bool] = {}  # version field -> is it the wanted release (parsed once)
    wheels = []
    for f in files.files:
        if f.yanked or not f.filename.endswith(".whl"):
            continue
        parts = f.filename[:-4].split("-")
        if len(parts) not in (5, 6):
            continue
        text = parts[1]
        if text not in versions:
            try:
                versions[text] = Version(text) == wanted
            except InvalidVersion:
                versions[text] = False
        if versions[text]:
            wheels.append(f)
    # announced metadata first; then the smallest wheel, whose tail most likely holds it
    wheels.sort(key=lambda f: (not f.has_metadata, f.size if f.size is not None else 1 << 62))
    return wheels[0] if wheels else None


# Wheels put .dist-info last, so a wheel's last 64 KB hold METADATA and the zip directory.
TAIL_BYTES = 64 * 1024


class _Tail(io.RawIOBase):
    """A seekable view of a file of which only the last bytes were downloaded."""

    def __init__(self, tail: bytes, size: int) -> None:
        self._tail, self._size, self._start, self._pos = tail, size, size - len(tail), 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self._pos < self._start:
            raise OSError("outside the downloaded tail")
        chunk = self._tail[self._pos - self._start: self._pos - self._start + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


def metadata_from_wheel_tail(tail: bytes, size: int) -> bytes | None:
    """The ``*.dist-info/METADATA`` of a wheel from its last bytes; None if not in them."""
    try:
        with zipfile.ZipFile(_Tail(tail, size)) as zf:
            name = next((n for n in zf.namelist()
                         if n.count("/") == 1 and n.endswith(".dist-info/METADATA")), None)
            return zf.read(name) if name else None
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        return None


def parse_core_metadata(name: str, version: str, data: bytes) -> ProjectInfo:
    """Lenient parse (``packaging.metadata.parse_email``): odd fields never raise."""
    raw, _unparsed = parse_email(data)
    urls = raw.get("project_urls") or {}  # parse_email splits "Label, URL" lines
    return ProjectInfo(
        name=name,
        version=version,
        summary=(raw.get("summary") or "").strip(),
        classifiers=tuple(raw.get("classifiers") or ()),
        project_urls=tuple((label.strip(), url.strip()) for label, url in urls.items()),
        requires_python=raw.get("requires_python"),
        home_page=raw.get("home_page"),
    )

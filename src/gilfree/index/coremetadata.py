"""Release metadata from PEP 658 ``.metadata`` files: classifiers without the JSON API.

A release's core metadata is immutable and small (a few KB), unlike PyPI's JSON API page
for a project (megabytes for numpy); and the per-release JSON API is not served by every
PyPI mirror. So classifiers come from the core-metadata file of one wheel of the release.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable

from ..verdicts.model import DistFile, ProjectInfo
from ..verdicts.rules import Releases


def metadata_file(releases: Releases, version: str) -> DistFile | None:
    """A wheel of ``version`` to read core metadata from (``<url>.metadata``).

    Wheels the index announces metadata for (PEP 658/714) come first; otherwise any
    wheel: some mirrors serve ``.metadata`` files without announcing them, and the caller
    falls back to the JSON API when the file is not there.
    """
    found = releases.pinned(version)
    return metadata_wheel(p.file for p in found[1]) if found else None


def metadata_wheel(files: Iterable[DistFile]) -> DistFile | None:
    """Of one release's files, the wheel to read core metadata from: one whose metadata the
    index announces, else the smallest (its tail most likely holds it); never a yanked one."""
    wheels = [f for f in files if not f.yanked and f.filename.endswith(".whl")]
    return min(wheels, key=lambda f: (not f.has_metadata, f.size if f.size is not None else 1 << 62),
               default=None)


# Wheels put .dist-info last, so a wheel's last 64 KB hold METADATA and the zip directory.
TAIL_BYTES = 64 * 1024
MAX_EXTRA_BYTES = 1024 * 1024  # a bigger zip directory is not worth it: ask the JSON API


class _Missing(OSError):
    """zipfile asked for a byte that was not downloaded yet."""

    def __init__(self, position: int) -> None:
        super().__init__(f"byte {position} was not downloaded")
        self.position = position


class _Sparse(io.RawIOBase):
    """A seekable view of a remote file of which only some byte ranges were downloaded."""

    def __init__(self, chunks: dict[int, bytes], size: int) -> None:
        self._chunks, self._size, self._pos = chunks, size, 0

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
        """Fill ``buffer`` across adjacent downloaded ranges; a hole raises _Missing."""
        view = memoryview(buffer)
        filled = 0
        while filled < len(view) and self._pos < self._size:
            for start, data in self._chunks.items():
                if start <= self._pos < start + len(data):
                    chunk = data[self._pos - start: self._pos - start + len(view) - filled]
                    view[filled: filled + len(chunk)] = chunk
                    filled += len(chunk)
                    self._pos += len(chunk)
                    break
            else:
                if filled:
                    return filled
                raise _Missing(self._pos)
        return filled


def _metadata_member(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    return next((i for i in zf.infolist()
                 if i.filename.count("/") == 1 and i.filename.endswith(".dist-info/METADATA")), None)


# APPNOTE.TXT 4.3.12 (central directory header) and 4.3.7 (local file header).
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_SUFFIX = b".dist-info/METADATA"


def _contiguous(chunks: dict[int, bytes]) -> list[tuple[int, bytes]]:
    """Downloaded ranges, with adjacent or overlapping ones joined."""
    out: list[tuple[int, bytes]] = []
    for start, data in sorted(chunks.items()):
        if out and out[-1][0] + len(out[-1][1]) >= start:
            first, joined = out[-1]
            out[-1] = (first, joined + data[first + len(joined) - start:])
        else:
            out.append((start, data))
    return out


def _metadata_by_record(chunks: dict[int, bytes]) -> bytes | int | None:
    """METADATA read through its own central-directory record; or the position of the
    first byte of it still to download; None to leave the wheel to ``zipfile``.

    The common case, taken first because ``zipfile`` builds an index of every member
    first: thousands for big wheels, most of the CPU time of a classifier lookup. Anything
    unusual (encryption, zip64, other compression, a bad CRC) is left to ``zipfile``.
    """
    ranges = _contiguous(chunks)
    for start, data in reversed(ranges):  # the zip directory is at the end
        end = len(data)
        while (hit := data.rfind(_SUFFIX, 0, end)) >= 0:
            end = hit
            record = data.rfind(b"PK\x01\x02", max(0, hit - _CENTRAL.size - 1024), hit)
            if record < 0 or record + _CENTRAL.size > hit:
                continue
            fields = _CENTRAL.unpack_from(data, record)
            flags, method, crc, size, name_length, offset = (fields[5], fields[6], fields[9], fields[10],
                                                             fields[12], fields[18])
            name = data[record + _CENTRAL.size: hit + len(_SUFFIX)]
            if len(name) != name_length or name.count(b"/") != 1:
                continue  # the suffix inside some other member's name or data
            if flags & 1 or method not in (0, 8) or 0xFFFFFFFF in (size, offset):
                return None
            return _member(ranges, offset, size, method, crc)
    return None


def _member(ranges: list[tuple[int, bytes]], offset: int, size: int, method: int, crc: int) -> bytes | int | None:
    """The member whose local header is at ``offset``, or the first byte still needed."""
    for start, data in ranges:
        local = offset - start
        if not 0 <= local < len(data):
            continue
        if local + _LOCAL.size > len(data):
            return start + len(data)
        header = _LOCAL.unpack_from(data, local)
        if header[0] != b"PK\x03\x04":
            return None
        body = local + _LOCAL.size + header[10] + header[11]
        if body + size > len(data):
            return start + len(data)
        raw = data[body: body + size]
        try:
            content = zlib.decompress(raw, -15) if method == 8 else raw
        except zlib.error:
            return None
        return content if zlib.crc32(content) == crc else None
    return offset


def metadata_from_wheel(chunks: dict[int, bytes], size: int) -> bytes | int | None:
    """A wheel's ``*.dist-info/METADATA`` from the byte ranges downloaded so far.

    Returns the bytes; or the position of the first byte still needed (a zip directory
    larger than the tail, or a backend that wrote .dist-info first); or None when the
    file is not a wheel with METADATA.
    """
    found = _metadata_by_record(chunks)
    if found is not None:
        return found
    try:
        with zipfile.ZipFile(_Sparse(chunks, size)) as zf:
            member = _metadata_member(zf)
            return zf.read(member) if member is not None else None
    except _Missing as missing:
        return missing.position
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        return None


def header_block(data: bytes) -> bytes:
    """``data`` up to its first empty line: the fields, without the long description that
    follows them (gilfree never shows it; it was most of the parsing time)."""
    lf, crlf = data.find(b"\n\n"), data.find(b"\r\n\r\n")
    ends = [end for found, end in ((lf, lf + 1), (crlf, crlf + 2)) if found >= 0]
    return data[: min(ends)] if ends else data


# RFC 822 header lines: "Field-Name: value", or a continuation starting with whitespace.
_FIELD = re.compile(rb"[!-9;-~]+:")
_REQUIRED = (b"metadata-version", b"name", b"version")


def metadata_problem(data: bytes) -> str | None:
    """Why ``data`` is not core metadata (None when it is): its header block must be
    RFC 822-like ``Field: value`` lines (continuations indented), in UTF-8, with
    ``Metadata-Version``, ``Name`` and ``Version``. An HTML error page served with a 200
    for a ``.metadata`` file fails this, and becomes a note ("classifier unknown: …"),
    never a release without classifiers."""
    block = header_block(data.lstrip(b"\r\n"))
    if not block.strip():
        return "not core metadata: empty"
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        return "not core metadata: not UTF-8"
    seen = set()
    for line in block.splitlines():
        if not line.strip() or line[:1] in (b" ", b"\t"):
            continue
        field = _FIELD.match(line)
        if field is None:
            return f"not core metadata: {line[:40].decode('utf-8', 'replace')!r} is not a `Field: value` line"
        seen.add(line[: field.end() - 1].strip().lower())
    missing = [name.decode() for name in _REQUIRED if name not in seen]
    if missing:
        return f"not core metadata: no {', '.join(f.title() for f in missing)} field"
    return None


def parse_core_metadata(name: str, version: str, data: bytes) -> ProjectInfo:
    """Lenient parse (``packaging.metadata.parse_email``): odd fields never raise."""
    from packaging.metadata import parse_email  # 50 ms of imports (email): only when used

    raw, _unparsed = parse_email(header_block(data))
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

"""Which extension modules an installed distribution brought, from its RECORD.

RECORD (not a walk of site-packages) is what ties a file to the distribution that
installed it, so a result can say "numpy re-enables the GIL" rather than "some .so does".
A shared library is only an extension module if it exports ``PyInit_<name>``: vendored
libraries (``numpy.libs/libopenblas…so``, ``pkg/_libs/libfoo.so``) are not probed.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name

# name[.tag].so / .pyd, e.g. _core.cpython-313t-x86_64-linux-gnu.so, _speedups.abi3.so
_EXTENSION = re.compile(r"^(?P<name>[^.]+)(?:\.(?P<tag>[^/]+))?\.(?:so|pyd)$")


@dataclass(frozen=True)
class DistExtensions:
    """One installed distribution and the extension modules its RECORD lists."""

    name: str  # as its metadata spells it
    version: str
    modules: tuple[tuple[str, str], ...] = ()  # (dotted module name, absolute file path)
    has_record: bool = True  # False: files unknown, so modules could not be listed
    site_dir: str = ""
    requires: tuple[str, ...] = field(default=(), compare=False)


def abi_tag(path: str | os.PathLike[str]) -> str:
    """The ABI part of an extension file name: ``cpython-313t-x86_64-linux-gnu``, ``abi3``, ``""``."""
    m = _EXTENSION.match(Path(path).name)
    return (m.group("tag") or "") if m else ""


def module_name(relative: PurePosixPath) -> str | None:
    """The dotted import name of an extension file under site-packages, or None if the
    file cannot be imported by name (outside site-packages, in ``numpy.libs/``, …)."""
    m = _EXTENSION.match(relative.name)
    if not m or not m.group("name").isidentifier():
        return None
    parents = relative.parts[:-1]
    if any(not part.isidentifier() for part in parents):
        return None
    parts = [*parents, m.group("name")]
    if parts[-1] == "__init__":  # a compiled package __init__
        parts.pop()
    return ".".join(parts) if parts else None


def exports_init(path: str | os.PathLike[str], name: str) -> bool:
    """True when the file names ``PyInit_<last component>`` (or PEP 489's ``PyInitU_``)."""
    last = name.rpartition(".")[2]
    needles = [b"PyInit_" + last.encode("ascii", "replace") + b"\0", b"PyInitU_"]
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                return False
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return any(data.find(needle) >= 0 for needle in needles)
    except OSError:
        return False


def _modules_of(dist: metadata.Distribution, site_dir: Path) -> tuple[tuple[str, str], ...] | None:
    files = dist.files
    if files is None:
        return None
    found: list[tuple[str, str]] = []
    for entry in files:
        rel = PurePosixPath(str(entry).replace("\\", "/"))
        if ".." in rel.parts or rel.is_absolute():
            continue
        name = module_name(rel)
        if name is None:
            continue
        path = site_dir.joinpath(*rel.parts)
        if path.is_file() and exports_init(path, name):
            found.append((name, str(path)))
    return tuple(sorted(found))


def scan_distributions(
    site_packages: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    dist_names: Iterable[str] | None = None,
) -> list[DistExtensions]:
    """Every distribution installed in ``site_packages`` (or only ``dist_names``), sorted
    by name, each with its extension modules. The first of duplicate names wins, as in
    ``importlib.metadata``."""
    dirs = [site_packages] if isinstance(site_packages, (str, os.PathLike)) else list(site_packages)
    wanted = None if dist_names is None else {canonicalize_name(n) for n in dist_names}
    seen: set[str] = set()
    out: list[DistExtensions] = []
    for site_dir in (Path(d) for d in dirs):
        for dist in metadata.distributions(path=[str(site_dir)]):
            raw = dist.metadata["Name"] or ""
            key = canonicalize_name(raw)
            if not raw or key in seen or (wanted is not None and key not in wanted):
                continue
            seen.add(key)
            modules = _modules_of(dist, site_dir)
            out.append(DistExtensions(
                name=raw, version=dist.version, modules=modules or (),
                has_record=modules is not None, site_dir=str(site_dir),
                requires=tuple(dist.requires or ())))
    return sorted(out, key=lambda d: canonicalize_name(d.name))


def find_extension_modules(
    site_packages: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    dist_names: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """(module, path) of every extension module the named distributions installed."""
    return [m for dist in scan_distributions(site_packages, dist_names) for m in dist.modules]

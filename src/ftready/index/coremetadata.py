"""Release metadata from PEP 658 ``.metadata`` files: classifiers without the JSON API.

A release's core metadata is immutable and small (a few KB), unlike PyPI's JSON API page
for a project (megabytes for numpy); and the per-release JSON API is not served by every
PyPI mirror. So classifiers come from the core-metadata file of one wheel of the release.
"""

from __future__ import annotations

from packaging.metadata import parse_email
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
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
    wheels = []
    for f in files.files:
        if not f.filename.endswith(".whl") or f.yanked:
            continue
        try:
            if parse_wheel_filename(f.filename)[1] == wanted:
                wheels.append(f)
        except (InvalidWheelFilename, InvalidVersion):
            continue
    wheels.sort(key=lambda f: not f.has_metadata)
    return wheels[0] if wheels else None


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

"""Judged statuses kept on disk, keyed by the exact simple page they were judged from.

Why: judging a page means parsing every file entry on it (a 300-package lock holds about
245,000 of them), while the answer for one release is a few hundred bytes. The verdict
rules are pure, so the same page bytes (SHA-256 of the body as served), the same request
and the same targets give the same status: a warm run, or a re-run where a project did not
change, reads it back instead of parsing the page again. The key also holds a fingerprint
of the rules' own source and of ``packaging``, so a changed rule never serves an old answer.

Kept: what ``build_status`` computes from the page, the wheel to read the release's core
metadata from, and what that metadata says (classifiers, summary, links: immutable for a
release, and read again only if it could not be read before). On a hit neither the page
nor the metadata is read again; extra indexes are asked on every run. One file per
package, and nothing else per package outside the HTTP cache: creating files is most of
what a cold run's cache writes cost. A memo file that cannot be read is a miss, never an
error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import packaging

from .. import __version__
from ..fsutil import atomic_write_bytes
from ..verdicts import model
from ..verdicts.model import DistFile, PackageStatus, ProjectInfo, Target
from ..verdicts.serialize import from_data, to_data

#: The modules whose code decides a status from a page.
_RULES = ("model.py", "rules.py", "serialize.py", "status.py", "targets.py")


@cache
def rules_fingerprint() -> str:
    """ftready's and packaging's versions and the verdict rules' source, hashed."""
    digest = hashlib.sha256(f"{__version__} {packaging.__version__}".encode())
    here = Path(model.__file__).parent
    for name in _RULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Judged:
    """What one page says about one request."""

    status: PackageStatus
    metadata_wheel: DistFile | None = None  # where the judged release's core metadata is
    info: ProjectInfo | None = None  # what it says, once read


class VerdictMemo:
    """One directory of small JSON files, one per (page, request, targets); thread-safe
    because every write is an atomic rename and every read is of a whole file."""

    def __init__(self, root: Path, targets: Sequence[Target]) -> None:
        self.root = root
        self._basis = f"{rules_fingerprint()} {' '.join(t.name for t in targets)}"

    def _path(self, digest: str, name: str, version: str | None) -> Path:
        key = f"{self._basis} {name} {version or ''} {digest}"
        return self.root / hashlib.sha256(key.encode()).hexdigest()[:40]

    def load(self, digest: str, name: str, version: str | None, requested: str) -> Judged | None:
        """What was judged from this page before, as of now; None if nothing was."""
        try:
            judged = from_data(Judged, json.loads(self._path(digest, name, version).read_bytes()))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        status = replace(judged.status, requested=requested,
                         checked_at=datetime.now(timezone.utc).replace(microsecond=0))
        return replace(judged, status=status)

    def save(self, digest: str, name: str, version: str | None, judged: Judged) -> None:
        try:
            atomic_write_bytes(self._path(digest, name, version),
                               json.dumps(to_data(judged), separators=(",", ":")).encode())
        except OSError:
            pass  # a memo that cannot be written is only slower

"""The tracker's history backfill: each package's free-threaded wheel history, worked out
from the simple page a run fetches anyway (``verdicts.history``), kept in the store with
the basis it was computed on.

The basis is the page's digest, the rules' and the history module's source, and the
targets: an unchanged project keeps its history, and a changed rule recomputes every one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from ..verdicts import history
from ..verdicts.model import ProjectFiles, Target
from .verdict_memo import rules_fingerprint


@cache
def history_fingerprint() -> str:
    """The verdict rules' fingerprint and the history module's source, hashed."""
    digest = hashlib.sha256(rules_fingerprint().encode())
    digest.update(Path(history.__file__).read_bytes())
    return digest.hexdigest()


def history_basis(page_digest: str, targets: Sequence[Target]) -> str:
    """What a package's stored history was computed from."""
    key = [history_fingerprint(), page_digest, [t.name for t in targets]]
    return hashlib.blake2b(json.dumps(key).encode(), digest_size=12).hexdigest()


def history_json(files: ProjectFiles, targets: Sequence[Target]) -> str:
    """The package's history as stored (``PackageHistory.to_data`` JSON)."""
    return json.dumps(history.package_history(files, targets).to_data(), separators=(",", ":"))

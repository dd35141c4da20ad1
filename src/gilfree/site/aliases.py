"""Search terms for the package table: normalized names and common import names.

People search for what they import ("sklearn", "PIL", "yaml", "cv2") or for a spelling
of the project name ("scikit_learn", "PyYAML"); both must find the project. The import
names come from a small bundled table (``gilfree/data/import-names.toml``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources

from packaging.utils import canonicalize_name

from ..fsutil import loads_toml

IMPORT_NAMES = "import-names.toml"


@cache
def import_names() -> Mapping[str, tuple[str, ...]]:
    """Canonical project name -> the import names that point at it."""
    text = resources.files("gilfree.data").joinpath(IMPORT_NAMES).read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for module, project in loads_toml(text, f"bundled {IMPORT_NAMES}").get("imports", {}).items():
        out.setdefault(str(canonicalize_name(project)), []).append(module)
    return {name: tuple(mods) for name, mods in out.items()}


def search_terms(name: str) -> str:
    """Lower-case words a search box matches besides the name: spellings with ``_`` and
    ``.`` for ``-`` (PEP 503 treats them alike), and the import names."""
    words = {name.replace("-", sep) for sep in ("_", ".", "")}
    words.update(m.lower() for m in import_names().get(name, ()))
    words.discard(name)
    return " ".join(sorted(words))

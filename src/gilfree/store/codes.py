"""One-letter verdict codes: how snapshot rows (and the site's table data) stay compact.

A snapshot row holds one code per target, in the order of its run's target list, so 15,000
packages times 24 targets cost 360 kB per snapshot instead of megabytes of JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..verdicts.model import Verdict

CODES: Mapping[Verdict, str] = {
    Verdict.FT_WHEEL: "F",
    Verdict.PURE: "P",
    Verdict.BINARY: "B",
    Verdict.NEEDS_BUILD: "S",  # sdist only
    Verdict.NO_FT_WHEEL: "N",
    Verdict.PYTHON_EXCLUDED: "X",
    Verdict.MISSING: "M",
    Verdict.ERROR: "E",
}
UNCHECKED = "-"  # the status has no verdict for this target (it was not asked for)
VERDICTS: Mapping[str, Verdict] = {code: verdict for verdict, code in CODES.items()}
VERDICT_OF: Mapping[str, Verdict] = {v.value: v for v in Verdict}


def encode(verdicts: Mapping[str, Verdict], target_names: Sequence[str]) -> str:
    """The codes of ``verdicts`` (target name -> verdict) in ``target_names`` order."""
    return "".join(CODES[verdicts[t]] if t in verdicts else UNCHECKED for t in target_names)


def encode_data(status: Mapping[str, Any], target_names: Sequence[str]) -> str:
    """Like ``encode``, from a serialized status (``to_data`` shape) without rebuilding it."""
    by_target = {t.get("target"): t.get("verdict") for t in status.get("targets") or ()}
    verdicts = (VERDICT_OF.get(by_target.get(t) or "") for t in target_names)
    return "".join(CODES[v] if v else UNCHECKED for v in verdicts)


def decode(codes: str, target_names: Sequence[str]) -> dict[str, Verdict]:
    """Inverse of ``encode``; targets coded as unchecked are left out."""
    return {t: VERDICTS[c] for t, c in zip(target_names, codes) if c != UNCHECKED}


# How the tracker groups verdicts when it counts: the five shares the site charts.
CATEGORIES: tuple[str, ...] = ("ready", "pure", "unknown", "blocked", "error")
_CATEGORY_OF_CODE: Mapping[str, str] = {
    "F": "ready", "B": "ready",  # a free-threaded wheel, or a binary with no extension
    "P": "pure",
    "S": "unknown",  # only an sdist: it may or may not build and work
    "N": "blocked", "X": "blocked", "M": "blocked",
    "E": "error",  # the index could not be read: reported as such, never as blocked
}


def category(codes: str) -> str | None:
    """One package's category over the targets in ``codes`` (None: none checked).

    Worst first: any error, then any blocked target, then any unknown; all-pure is
    ``pure``; anything else installs everywhere with at least one native ft wheel.
    """
    found = {_CATEGORY_OF_CODE[c] for c in codes if c != UNCHECKED}
    for worst in ("error", "blocked", "unknown"):
        if worst in found:
            return worst
    if not found:
        return None
    return "pure" if found == {"pure"} else "ready"


def target_category(code: str) -> str | None:
    """The category of one target's verdict code (None: not checked)."""
    return _CATEGORY_OF_CODE.get(code)

"""Debian version strings: dpkg's order, and the version CPython itself reports.

``3.15.0~rc2-1`` is Debian's name for CPython 3.15.0rc2 (revision 1): the ``~`` sorts it
before ``3.15.0-1``. Standard library only (see bootstrap).
"""

from __future__ import annotations

import functools
import re


def _order(c: str) -> int:
    if c == "~":
        return -1
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _compare_part(a: str, b: str) -> int:
    pa, pb = re.findall(r"(\D*)(\d*)", a), re.findall(r"(\D*)(\d*)", b)
    for i in range(max(len(pa), len(pb))):
        (sa, na), (sb, nb) = (pa[i:i + 1] or [("", "")])[0], (pb[i:i + 1] or [("", "")])[0]
        ka, kb = [*map(_order, sa), 0], [*map(_order, sb), 0]  # end of part sorts as 0
        if ka != kb:
            return -1 if ka < kb else 1
        if int(na or 0) != int(nb or 0):
            return -1 if int(na or 0) < int(nb or 0) else 1
    return 0


def compare_versions(a: str, b: str) -> int:
    """dpkg's order of two Debian versions (``3.15.0~rc2-1 < 3.15.0-1``): -1, 0 or 1."""
    def split(v: str) -> tuple[int, str, str]:
        epoch, _, rest = v.rpartition(":") if ":" in v else ("0", "", v)
        upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
        return int(epoch or 0), upstream, revision

    ea, ua, ra = split(a)
    eb, ub, rb = split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)


version_key = functools.cmp_to_key(compare_versions)


def upstream_version(debian_version: str) -> str:
    """``3.15.0~rc2-1`` -> ``3.15.0~rc2`` (no epoch, no revision)."""
    v = debian_version.split(":", 1)[-1]
    return v.rpartition("-")[0] if "-" in v else v


def python_version(debian_version: str) -> str:
    """The version CPython itself reports: ``3.15.0~rc2-1`` -> ``3.15.0rc2``."""
    return upstream_version(debian_version).replace("~", "")


def is_prerelease(version: str) -> bool:
    return re.search(r"(a|b|rc)\d+$", version.replace("~", "")) is not None


def debian_form(version: str) -> str:
    """``3.15.0rc2`` (as CPython reports it) -> ``3.15.0~rc2``, which dpkg orders before 3.15.0."""
    return re.sub(r"(\d)(a|b|rc)(\d+)$", r"\1~\2\3", version)

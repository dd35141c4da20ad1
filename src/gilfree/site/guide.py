"""The documentation hub: the guide's pages in the order of ``docs/guide/nav.toml``, each
with the sidebar, previous/next links and entries for the site's search.

The pages are the repository's own ``docs/guide/*.md`` files, shipped in the wheel as
package data (``gilfree/site/docs/guide/``), so ``gilfree site`` publishes the same text
a reader finds in the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..fsutil import loads_toml
from ..verdicts.model import PythonState
from .markdown import Doc, read_doc, render_markdown

NAV = "guide/nav.toml"


@dataclass(frozen=True)
class GuidePage:
    slug: str
    section: str
    doc: Doc

    @property
    def href(self) -> str:
        return f"guide/{self.slug}.html"


@dataclass(frozen=True)
class Guide:
    pages: tuple[GuidePage, ...]
    sections: tuple[tuple[str, tuple[GuidePage, ...]], ...]

    def neighbours(self, page: GuidePage) -> tuple[GuidePage | None, GuidePage | None]:
        i = self.pages.index(page)
        return (self.pages[i - 1] if i else None, self.pages[i + 1] if i + 1 < len(self.pages) else None)

    def get(self, slug: str) -> GuidePage | None:
        return next((p for p in self.pages if p.slug == slug), None)


def nav() -> list[tuple[str, list[str]]]:
    """(section title, slugs) in order."""
    data = loads_toml(read_doc(NAV), NAV)
    return [(str(s["title"]), [str(p) for p in s["pages"]]) for s in data.get("section", ())]


@cache
def load_guide() -> Guide:
    """Every page of the nav, rendered once per process."""
    pages, sections = [], []
    for title, slugs in nav():
        members = tuple(GuidePage(slug, title, render_markdown(read_doc(f"guide/{slug}.md"), slug))
                        for slug in slugs)
        pages.extend(members)
        sections.append((title, members))
    return Guide(tuple(pages), tuple(sections))


def search_entries(guide: Guide) -> list[dict[str, str]]:
    """One entry per section of every page: title, heading, link and its first words."""
    out = []
    for page in guide.pages:
        for anchor, heading, text in page.doc.sections:
            out.append({"t": page.doc.title, "h": heading, "u": page.href + (f"#{anchor}" if anchor else ""),
                        "x": " ".join(text.split())[:400]})
    return out


#: The guide pages that help with a package in each per-Python state (package pages).
HELP: dict[PythonState, tuple[str, ...]] = {
    PythonState.FT_ALL: ("testing", "running-without-the-gil"),
    PythonState.FT_SOME: ("stable-abi-and-wheel-tags", "ci"),
    PythonState.OLDER: ("dependencies",),
    PythonState.PURE_FALLBACK: ("binding-tools", "extension-modules"),
    PythonState.PURE: ("porting-python-code", "testing"),
    PythonState.BINARY: ("testing",),
    PythonState.NEEDS_BUILD: ("dependencies", "ci"),
    PythonState.BLOCKED: ("dependencies", "extension-modules", "binding-tools"),
    PythonState.MISSING: ("dependencies",),
    PythonState.ERROR: ("frequent-errors",),
}

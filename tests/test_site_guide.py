"""The documentation hub: every page listed and shipped, its code run, its links sound,
and the site publishing it with a sidebar, previous/next links and search entries."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from gilfree.commands.site import generate
from gilfree.site.guide import load_guide, nav
from gilfree.site.markdown import render_markdown

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide"
SHIPPED = ROOT / "src" / "gilfree" / "site" / "docs" / "guide"
SLUGS = [slug for _, slugs in nav() for slug in slugs]


def _doc(slug: str):
    return render_markdown((GUIDE / f"{slug}.md").read_text(encoding="utf-8"), slug)


def test_every_page_is_listed_shipped_and_exists() -> None:
    on_disk = {p.stem for p in GUIDE.glob("*.md")}
    assert on_disk == set(SLUGS), "docs/guide/*.md and nav.toml disagree"
    assert len(SLUGS) == len(set(SLUGS))
    for name in [*(f"{s}.md" for s in SLUGS), "nav.toml"]:
        link = SHIPPED / name
        assert link.is_symlink() and link.resolve() == (GUIDE / name).resolve(), name


def test_the_hub_is_big_enough_and_covers_the_hard_topics() -> None:
    docs = {slug: _doc(slug) for slug in SLUGS}
    assert len(docs) >= 15
    words = sum(len(d.text.split()) for d in docs.values())
    assert words >= 15_000, f"{words} words of prose"
    external = {link for d in docs.values() for link in d.links if "://" in link}
    assert len(external) >= 100, f"{len(external)} external links"
    text = {slug: (GUIDE / f"{slug}.md").read_text() for slug in SLUGS}
    assert "Py_mod_gil" in text["extension-modules"] and "Py_MOD_GIL_NOT_USED" in text["extension-modules"]
    assert "abi3t" in text["stable-abi-and-wheel-tags"] and "PEP 803" in text["stable-abi-and-wheel-tags"]
    assert "ThreadSanitizer" in text["thread-sanitizer"] and "TSAN_OPTIONS" in text["thread-sanitizer"]
    for slug, body in text.items():
        assert "gilfree " in body or slug in ("glossary",), f"{slug} names no gilfree command"


def test_external_links_are_well_formed_https() -> None:
    for slug in SLUGS:
        for link in _doc(slug).links:
            if "://" not in link:
                continue
            parts = urlsplit(link)
            assert parts.scheme == "https", f"{slug}: {link}"
            assert "." in parts.netloc and " " not in link and parts.netloc == parts.netloc.lower(), f"{slug}: {link}"


def test_internal_links_resolve_to_pages_and_headings() -> None:
    anchors = {slug: {a for _, _, a in _doc(slug).headings} | {""} for slug in SLUGS}
    for slug in SLUGS:
        for link in _doc(slug).links:
            if "://" in link or link.startswith("mailto:"):
                continue
            path, _, anchor = link.partition("#")
            target = slug if not path else path.removesuffix(".md")
            assert path == "" or path.endswith(".md"), f"{slug}: {link} is not a guide page"
            assert target in anchors, f"{slug}: {link} names no page"
            assert anchor in anchors[target], f"{slug}: {link}: no heading #{anchor}"


def _blocks():
    for slug in SLUGS:
        for i, (info, code) in enumerate(_doc(slug).code):
            words = info.split()
            if words[:1] == ["python"]:
                yield pytest.param(slug, words[1:], code, id=f"{slug}-{i}")


@pytest.mark.parametrize(("slug", "flags", "code"), list(_blocks()))
def test_every_python_block_runs(slug: str, flags: list[str], code: str, tmp_path: Path) -> None:
    """Runnable on this interpreter (the suite runs on the default and the free-threaded
    one); a block that cannot run says why in its first line."""
    if flags == ["notest"]:
        assert code.lstrip().startswith("#"), f"{slug}: a notest block must say why on its first line"
        compile(code, f"{slug}.md", "exec")  # still valid Python
        return
    assert flags == [], f"{slug}: unknown flags {flags}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, f"{slug}:\n{code}\n{out.stderr[-2000:]}"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key == "id" and value:
                self.ids.add(value)
            if key in ("href", "src") and value:
                self.hrefs.append(value)


def test_the_site_publishes_the_guide_and_every_relative_link_resolves(tracked_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    generate(tracked_db, out)
    guide = load_guide()
    assert len(guide.pages) == len(SLUGS)
    pages: dict[Path, _Links] = {}
    for html in out.rglob("*.html"):
        parser = _Links()
        parser.feed(html.read_text(encoding="utf-8"))
        pages[html.resolve()] = parser
    for path, parser in pages.items():
        for href in parser.hrefs:
            if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("//"):
                continue
            target, _, anchor = href.partition("#")
            dest = (path.parent / unquote(target)).resolve() if target else path
            assert dest.is_file(), f"{path.relative_to(out)}: {href}"
            if anchor and dest.suffix == ".html":
                assert anchor in pages[dest].ids, f"{path.relative_to(out)}: {href}: no #{anchor}"
    first = (out / "guide" / "porting-guide.html").read_text()
    assert 'aria-current="page"' in first and 'rel="next"' in first and 'rel="prev"' not in first
    last = (out / "guide" / f"{SLUGS[-1]}.html").read_text()
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert 'type="checkbox"' in first  # the checklist's task list
    index = (out / "data" / "search-index.js").read_text()
    assert index.startswith("window.gilfreeSearch = ") and "guide/extension-modules.html#" in index
    numpy = (out / "p" / "numpy.html").read_text()
    assert "Guides for where numpy stands" in numpy and "../guide/testing.html" in numpy

"""Render the project's own Markdown docs (the guide, the data schema) into site pages.

Raw HTML in the sources is escaped, never kept. Headings get ids so sections can be
linked to; links to sibling ``.md`` files become links to their ``.html`` pages; GitHub
task lists (``- [ ] step``) render as (disabled) checkboxes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup
from mdit_py_plugins.tasklists import tasklists_plugin

_md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table").use(tasklists_plugin)
_LOCAL_MD = re.compile(r"^(?![a-z][a-z0-9+.-]*:)([^#?]*?)\.md(#.*)?$", re.I)


def slug(text: str) -> str:
    """A heading's anchor: lower-case, runs of other characters become ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", text).lower()).strip("-")


@dataclass(frozen=True)
class Doc:
    """One rendered page."""

    title: str
    html: Markup
    body: Markup  # the page without its ``# title`` heading (templates print the title)
    text: str  # the prose, without code blocks: what search and word counts read
    sections: tuple[tuple[str, str, str], ...]  # (anchor, heading, its text) for search
    headings: tuple[tuple[int, str, str], ...]  # (level, text, anchor) of ## and ###
    links: tuple[str, ...]  # every link target, as written
    code: tuple[tuple[str, str], ...]  # (info string, source) of each fenced block


def _walk(tokens: list[Token]) -> list[Token]:
    out = []
    for token in tokens:
        out.append(token)
        if token.children:
            out.extend(_walk(token.children))
    return out


def render_markdown(text: str, fallback_title: str = "") -> Doc:
    """Render ``text``; the first ``# `` line is the title."""
    tokens = _md.parse(text)
    links: list[str] = []
    for token in _walk(tokens):
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            links.append(href)
            local = _LOCAL_MD.match(href)
            if local:
                token.attrSet("href", f"{local[1]}.html{local[2] or ''}")
    headings, sections, prose = [], [], []
    title = ""
    current: list[str] = []
    anchor, heading = "", ""
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            words = tokens[i + 1].content
            level = int(token.tag[1])
            if level == 1 and not title:
                title = words
            if level in (2, 3):
                if current or heading:
                    sections.append((anchor, heading, " ".join(current)))
                anchor, heading, current = slug(words), words, []
                token.attrSet("id", anchor)
                headings.append((level, words, anchor))
        elif token.type == "inline" and (i == 0 or tokens[i - 1].type != "heading_open"):
            plain = "".join(c.content for c in token.children or () if c.type in ("text", "code_inline"))
            prose.append(plain)
            current.append(plain)
    sections.append((anchor, heading, " ".join(current)))
    code = tuple((t.info.strip(), t.content) for t in tokens if t.type == "fence")
    html = _md.renderer.render(tokens, _md.options, {})
    body = re.sub(r"^\s*<h1>.*?</h1>\n?", "", html, count=1, flags=re.S)
    return Doc(title or fallback_title, Markup(html), Markup(body), " ".join(prose), tuple(sections),
               tuple(headings), tuple(links), code)


def read_doc(path: str) -> str:
    """A Markdown file shipped under ``gilfree/site/docs/`` (``guide/ci.md``)."""
    node = resources.files("gilfree.site").joinpath("docs")
    for part in path.split("/"):
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")

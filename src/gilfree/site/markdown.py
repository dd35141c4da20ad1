"""Render the project's own Markdown docs (porting guide, data schema) into site pages."""

from __future__ import annotations

import re
from importlib import resources

from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
_HEADING = re.compile(r"<h([23])>(.*?)</h\1>")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", text).lower()).strip("-")


def render_doc(name: str) -> tuple[str, Markup]:
    """(title, HTML) of ``site/docs/<name>``; raw HTML in the source is escaped, not kept.

    Level-2 and -3 headings get ids so the guide's sections can be linked to.
    """
    text = resources.files("gilfree.site").joinpath("docs", name).read_text(encoding="utf-8")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), name)
    html = _HEADING.sub(lambda m: f'<h{m[1]} id="{_slug(m[2])}">{m[2]}</h{m[1]}>', _md.render(text))
    return title, Markup(html)

"""PEP 503 HTML simple pages -> ``ProjectFiles``; one reader for HTML and PEP 691 JSON.

Nightly-wheel indexes (anaconda.org's, PyTorch's) serve only HTML. A project page is a
list of anchors: the file's URL (``#sha256=`` fragment: its hash; relative URLs resolve
against the page, or its ``<base href>``), ``data-requires-python`` (HTML-escaped: the
parser unescapes it), ``data-yanked`` (present: yanked; its value: the reason) and
``data-core-metadata`` / ``data-dist-info-metadata`` (PEP 658/714). The file name is the
last path segment of the URL, as pip takes it (pip ignores the anchor's text).

Parsed with the standard library's ``html.parser``: lenient with real-world markup, and
fast enough for what nightly indexes serve (a 2.3 MB page of 8,400 wheels, the size of
PyTorch's, in 0.26 s); the main index's pages stay PEP 691 JSON (``simple``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from packaging.utils import canonicalize_name

from gilfree.index import simple
from gilfree.index.http import parse_object
from gilfree.verdicts.model import DistFile, ProjectFiles

HTML_TYPES = ("text/html", "application/vnd.pypi.simple.v1+html", "application/xhtml+xml")
# PEP 691: JSON preferred, either HTML flavour accepted (the q-values rank them).
ACCEPT_ANY = f"{simple.ACCEPT}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class _Anchors(HTMLParser):
    """Collects every ``<a>``: (attributes, text), and the first ``<base href>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.base: str | None = None
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._close()
            self._open = dict(attrs)
            self._text = []
        elif tag == "base" and self.base is None:
            href = dict(attrs).get("href")
            if href:
                self.base = href

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._close()

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._close()

    def _close(self) -> None:
        if self._open is not None:
            self.anchors.append((self._open, "".join(self._text).strip()))
            self._open = None


def _decode(body: bytes, content_type: str) -> str:
    found = _CHARSET.search(content_type or "")
    if found:
        try:
            return body.decode(found[1], errors="replace")
        except LookupError:
            pass  # an unknown charset: PEP 503 pages are UTF-8 in practice
    return body.decode("utf-8", errors="replace")


def _anchors(body: bytes, content_type: str, page_url: str) -> tuple[list[tuple[dict[str, str | None], str]], str]:
    """The page's anchors and the URL their hrefs are relative to."""
    parser = _Anchors()
    parser.feed(_decode(body, content_type))
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    return parser.anchors, base


def parse_file(attrs: Mapping[str, str | None], text: str, base_url: str) -> DistFile | None:
    """One anchor of a project page; None without a usable href or file name."""
    href = attrs.get("href")
    if not href:
        return None
    url, fragment = urldefrag(urljoin(base_url, href.strip()))
    filename = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or text
    if not filename or not url.startswith(("https://", "http://")):
        return None
    algorithm, _, digest = fragment.partition("=")
    sha256 = digest.lower() if algorithm.lower() == "sha256" and _SHA256.match(digest.lower()) else None
    yanked = "data-yanked" in attrs
    reason = attrs.get("data-yanked") or None
    requires_python = (attrs.get("data-requires-python") or "").strip() or None
    metadata = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
    has_metadata = ("data-core-metadata" in attrs or "data-dist-info-metadata" in attrs) \
        and (metadata or "true").strip().lower() != "false"
    return DistFile(filename, url, None, yanked, reason, requires_python, None, has_metadata, sha256)


def parse_project_page(body: bytes, *, name: str, index_url: str, page_url: str,
                       content_type: str = "text/html") -> ProjectFiles:
    """A whole PEP 503 project page (``page_url``: where it was served, after redirects)."""
    anchors, base = _anchors(body, content_type, page_url)
    files = tuple(f for f in (parse_file(attrs, text, base) for attrs, text in anchors) if f is not None)
    return ProjectFiles(name=name, files=files, index_url=index_url)


def parse_root_page(body: bytes, content_type: str = "text/html") -> frozenset[str] | None:
    """The canonical names of the projects an index lists on its root page (PEP 503 HTML
    or PEP 691 JSON); None when the body lists none (not a project list)."""
    if _is_json(body, content_type):
        doc = parse_object(body)
        projects = doc.get("projects") if doc is not None else None
        if not isinstance(projects, list):
            return None
        names = frozenset(str(canonicalize_name(p["name"])) for p in projects
                          if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"])
    else:
        anchors, _ = _anchors(body, content_type, "http://root/")
        names = frozenset(str(canonicalize_name(text)) for _, text in anchors if text)
    return names or None


def _is_json(body: bytes, content_type: str) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind.endswith("json"):
        return True
    if kind in HTML_TYPES:
        return False
    return body.lstrip()[:1] == b"{"  # no or an odd type (text/plain...): look at the body


def parse_any(body: bytes, content_type: str) -> tuple[str, Any, str] | None:
    """A project page as served: ("json", the PEP 691 object, type) or ("html", the body,
    type); None for a JSON body that does not parse (retried, never cached)."""
    if _is_json(body, content_type):
        doc = parse_object(body)
        return None if doc is None else ("json", doc, content_type)
    return "html", body, content_type


def project_files(parsed: tuple[str, Any, str], *, name: str, index_url: str, page_url: str,
                  last_serial: str | None = None) -> ProjectFiles:
    """``ProjectFiles`` from what ``parse_any`` gave."""
    kind, doc, content_type = parsed
    if kind == "json":
        return simple.parse_project_files(doc, name=name, index_url=index_url, page_url=page_url,
                                          last_serial=last_serial)
    return parse_project_page(doc, name=name, index_url=index_url, page_url=page_url,
                              content_type=content_type)

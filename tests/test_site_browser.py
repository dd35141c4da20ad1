"""The generated site in a real browser: Debian's Chromium, headless, driven by Playwright.

Skipped where Playwright cannot be installed (its greenlet dependency has no wheel for
free-threaded CPython and fails to build from source there) or Chromium is absent.
Screenshots go to artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import TRACK_DAYS, XSS
from packaging.version import Version

from gilfree.commands.site import generate

FREE_THREADED = not getattr(sys, "_is_gil_enabled", lambda: True)()
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installable on free-threaded CPython (its greenlet dependency "
           "fails to build there)" if FREE_THREADED else "playwright is not installed (pip install -e '.[browser]')")
CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
PAGES = ("index.html", "packages.html", "all-packages.html", "p/numpy.html", "guide/porting-guide.html",
         "search.html")
# Best first, as table.js sorts the per-Python columns.
STATE_ORDER = ("ft-all", "older", "ft-some", "pure-fallback", "binary", "pure", "needs-build",
               "blocked", "missing", "error", "pending")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tracked_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("browser-site")
    generate(tracked_db, out)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _watch(page) -> list[str]:
    """Collect script errors, dialogs (an injected alert()), failed requests, HTTP errors
    and console errors of ``page``."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    # ERR_ABORTED: the page navigated away first (go=1), not a resource that failed
    page.on("requestfailed", lambda request: "ERR_ABORTED" not in (request.failure or "") and errors.append(
        f"failed: {request.url} ({request.failure})"))
    page.on("response", lambda response: response.status >= 400 and errors.append(
        f"HTTP {response.status}: {response.url}"))
    page.on("console", lambda message: message.type == "error" and errors.append(f"console: {message.text}"))
    return errors


@pytest.fixture
def open_page(browser):
    """``open_page(width, height, **context options)``: a page whose errors fail the test."""
    contexts, errors = [], []

    def make(width: int = 1280, height: int = 900, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        errors.append(_watch(page))
        return page

    yield make
    for context in contexts:
        context.close()
    assert [e for found in errors for e in found] == []  # no script error, failed request or alert()


@pytest.fixture
def page(open_page):
    return open_page()


def names(page) -> list[str]:
    return page.locator("#packages tbody td.name a").all_inner_texts()


def column(page, python: str) -> list[str]:
    """The state of each shown row on ``python`` (from the badges' classes)."""
    index = page.evaluate("py => [...document.querySelectorAll('#packages thead th')]"
                          ".findIndex(th => th.textContent.trim() === py + 't')", python)
    assert index > 0, f"no {python}t column"
    return page.evaluate(
        "i => [...document.querySelectorAll('#packages tbody tr')].map(tr => "
        "tr.children[i].querySelector('.badge').className.replace(/.*st-/, ''))", index)


def badge(page, package: str, python: str):
    headers = [h.strip() for h in page.locator("#packages thead th").all_inner_texts()]
    row = page.locator(f"#packages tbody tr:has(td.name a:text-is('{package}'))")
    return row.locator("> td").nth(headers.index(f"{python}t")).locator(".badge")


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def screenshot(page, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def test_search_filter_sort_and_paging(page, base_url: str):
    page.goto(base_url + "packages.html")
    count = page.locator("#count")
    sync_api.expect(count).to_have_text("Showing 1–100 of 158 packages")
    assert len(names(page)) == 100 and names(page)[:2] == ["boto3", "numpy"]

    page.fill("#q", "numpy")
    sync_api.expect(count).to_contain_text("of 1 packages")
    assert names(page) == ["numpy"]
    page.fill("#q", "array computing")  # the summary is searched too
    assert names(page) == ["numpy"]
    page.fill("#q", "")

    assert page.locator("#py").input_value() == "3.14"  # the default Python
    page.select_option("#state", "error")
    assert names(page) == ["broken-index"]
    assert page.locator("#packages tbody td.picked .badge").all_inner_texts() == ["error"]
    page.select_option("#state", "blocked")
    states = set(column(page, "3.14"))
    assert states == {"blocked"} and "psycopg2-binary" in names(page)
    assert "pandas" not in names(page)  # blocked on win_arm64 only: "some platforms" on 3.14t
    page.select_option("#state", "ft-some")
    assert names(page) == ["pandas"]
    page.select_option("#state", "blocked")
    page.select_option("#platform", "win_arm64")  # the state on one platform
    assert "pandas" in names(page) and "psycopg2-binary" in names(page)
    assert page.locator("#packages tbody tr:first-child td.py .v").count() == 3  # one letter per Python
    page.select_option("#platform", "manylinux_x86_64")
    assert "pandas" not in names(page) and "psycopg2-binary" in names(page)
    page.select_option("#platform", "")
    page.select_option("#state", "")
    page.check("#curated")
    assert "numpy" in names(page) and "requests" not in names(page)
    page.uncheck("#curated")

    header = page.locator("th:has(button[data-sort=name])")
    page.click("button[data-sort=name]")
    sync_api.expect(header).to_have_attribute("aria-sort", "ascending")
    assert names(page)[:2] == ["boto3", "broken-index"]
    page.focus("button[data-sort=name]")
    page.keyboard.press("Enter")  # headers sort from the keyboard too
    sync_api.expect(header).to_have_attribute("aria-sort", "descending")
    assert names(page)[0] == "ruff"

    page.click("#next")
    sync_api.expect(count).to_have_text("Showing 101–158 of 158 packages")
    assert len(names(page)) == 58
    sync_api.expect(page.locator("#next")).to_be_disabled()

    page.click("#prev")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "site-packages.png")


def test_one_badge_per_python_version(page, base_url: str):
    page.goto(base_url + "packages.html")
    headers = [h.strip() for h in page.locator("#packages thead th").all_inner_texts()]
    assert headers[3:6] == ["3.13t", "3.14t", "3.15t"] and "Status" not in headers
    numpy = badge(page, "numpy", "3.14")
    sync_api.expect(numpy).to_have_text("ft wheels")
    sync_api.expect(numpy).to_have_class("badge st-ft-all")
    red, green, _ = page.evaluate(
        "el => getComputedStyle(el).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)",
        numpy.element_handle())
    assert green > red  # a package with free-threaded wheels everywhere is never shown red
    pandas = badge(page, "pandas", "3.14")
    sync_api.expect(pandas).to_have_text("some platforms 7/8")
    assert "win_arm64" in pandas.get_attribute("title")
    sync_api.expect(badge(page, "broken-index", "3.13")).to_have_text("error")

    page.click("button[data-sort='3.14t']")  # best first
    shown = column(page, "3.14")
    assert shown[0] == "ft-all"
    assert [STATE_ORDER.index(s) for s in shown] == sorted(STATE_ORDER.index(s) for s in shown)
    page.click("button[data-sort='3.14t']")
    assert column(page, "3.14")[0] == "error"


def _with_cells(page, changes: dict[str, dict[str, list]]) -> None:
    """Serve packages.html with some rows' per-Python cells replaced (states the fixture
    world has none of), so the page renders them from the same data contract."""
    def handle(route):
        response = route.fetch()
        html = response.text()
        start = html.index('id="package-data">') + len('id="package-data">')
        end = html.index("</script>", start)
        data = json.loads(html[start:end])
        for row in data["rows"]:
            for python, cell in changes.get(row[1], {}).items():
                row[11][data["pythons"].index(python)] = [python, *cell]
        route.fulfill(response=response, body=html[:start] + json.dumps(data).replace("<", "\\u003c") + html[end:])

    page.route("**/packages.html*", handle)


def test_older_and_partial_states(page, base_url: str):
    # filler-001 needs a build on 3.14t, but say an older release had free-threaded wheels
    _with_cells(page, {"filler-001": {"3.14": ["older", "older release", "1.0.5", 0, 8, ""]}})
    page.goto(base_url + "packages.html?q=filler-001")
    older = badge(page, "filler-001", "3.14")
    sync_api.expect(older).to_have_text("≤ 1.0.5")
    sync_api.expect(older).to_have_class("badge st-older")
    assert "1.0.5" in older.get_attribute("title")
    page.select_option("#platform", "win_amd64")  # the sdist-only platform installs ≤ 1.0.5
    sync_api.expect(badge(page, "filler-001", "3.14")).to_have_text("≤ 1.0.5")
    sync_api.expect(badge(page, "filler-001", "3.13")).to_have_text("needs build")
    page.goto(base_url + "packages.html?state=older")
    assert names(page) == ["filler-001"]
    page.goto(base_url + "packages.html?sort=3.14t")
    shown, states = names(page), column(page, "3.14")
    at = shown.index("filler-001")  # after every "ft wheels", before "some platforms"
    assert states[at - 1] == "ft-all" and states[at] == "older" and states[at + 1] == "ft-some"


def test_the_view_is_in_the_url(page, base_url: str):
    page.goto(base_url + "packages.html")
    page.fill("#q", "filler")
    page.select_option("#py", "3.13")
    page.select_option("#state", "blocked")
    page.click("button[data-sort=version]")
    page.click("button[data-sort=version]")  # descending
    assert query(page) == {"q": ["filler"], "py": ["3.13"], "state": ["blocked"],
                           "sort": ["version"], "dir": ["desc"]}
    page.select_option("#platform", "win_amd64")
    view = names(page)
    count = page.locator("#count").inner_text()
    assert len(view) > 10 and view[0] == "filler-147"  # blocked on 3.13t, newest version first

    page.reload()  # the same view from the URL alone
    assert names(page) == view and page.locator("#count").inner_text() == count
    assert page.locator("#q").input_value() == "filler"
    assert page.locator("#py").input_value() == "3.13"
    assert page.locator("#state").input_value() == "blocked"
    assert page.locator("#platform").input_value() == "win_amd64"
    sync_api.expect(page.locator("th:has(button[data-sort=version])")).to_have_attribute("aria-sort", "descending")

    page.go_back()  # before the platform was chosen
    assert page.locator("#platform").input_value() == ""
    assert "platform" not in query(page) and query(page)["dir"] == ["desc"]
    page.go_back()  # before the second click on the header
    sync_api.expect(page.locator("th:has(button[data-sort=version])")).to_have_attribute("aria-sort", "ascending")
    page.go_back()
    page.go_back()
    assert page.locator("#state").input_value() == ""
    page.go_back()  # typing made one entry, not one per key stroke
    assert page.locator("#py").input_value() == "3.14" and page.locator("#q").input_value() == "filler"
    page.go_back()
    assert page.locator("#q").input_value() == "" and urlparse(page.url).query == ""
    sync_api.expect(page.locator("#count")).to_have_text("Showing 1–100 of 158 packages")

    page.goto(base_url + "packages.html?page=2&classified=1&curated=1&sort=nope&state=bad")
    assert query(page) == {"classified": ["1"], "curated": ["1"]}  # page 2 of 1, bad values dropped
    assert page.locator("#classified").is_checked() and page.locator("#curated").is_checked()
    assert names(page) == ["numpy"]
    page.goto(base_url + "packages.html?page=2")
    page.click("#prev")
    assert "page" not in query(page)
    page.go_back()
    sync_api.expect(page.locator("#count")).to_have_text("Showing 101–158 of 158 packages")


def test_search_by_spelling_and_import_name(page, base_url: str):
    page.goto(base_url + "packages.html")
    for text in ("PSYCOPG2_BINARY", "psycopg2.binary", "Psycopg2-Binary", "psycopg2__binary"):
        page.fill("#q", text)  # PEP 503: case and runs of -, _ and . do not matter
        assert names(page) == ["psycopg2-binary"], text
    page.fill("#q", "psycopg2")  # the import name (bundled alias table)
    assert names(page) == ["psycopg2-binary"]
    page.fill("#q", "Broken_Index")
    assert names(page) == ["broken-index"]
    page.fill("#q", "postgresql adapter")  # summary words, in any order
    assert names(page) == ["psycopg2-binary"]
    page.fill("#q", "adapter postgresql")
    assert names(page) == ["psycopg2-binary"]


@pytest.mark.parametrize(("text", "lands_on"), [
    ("psycopg2", "p/psycopg2-binary.html"), ("NumPy", "p/numpy.html"),
    ("psycopg2_BINARY", "p/psycopg2-binary.html"), ("filler", None), ("nothing-like-it", None)])
def test_go_opens_the_package_a_query_names(page, base_url: str, text: str, lands_on: str | None):
    page.goto(base_url + "index.html")
    page.goto(base_url + f"packages.html?q={text}&go=1")
    if lands_on:
        page.wait_for_url("**/" + lands_on)
        sync_api.expect(page.locator("h1")).to_contain_text(lands_on[2:-5])
        page.go_back()  # the redirect is not a history entry of its own
        page.wait_for_url("**/index.html")
    else:
        assert query(page) == {"q": [text]}  # go=1 is dropped: a reload shows the table
        assert page.locator("#q").input_value() == text
        assert all(text in n for n in names(page))


def test_version_sorts_follow_pep_440(page, base_url: str):
    page.goto(base_url + "packages.html")
    page.click("button[data-sort=version]")
    versions = page.locator("#packages tbody td.ver").all_inner_texts()
    page.click("#next")
    versions += page.locator("#packages tbody td.ver").all_inner_texts()
    assert versions.index("1.9.0") < versions.index("1.10.0") < versions.index("1.100.0")
    assert versions[-1] == "-"  # no version: last in either direction
    assert versions[:-1] == sorted(versions[:-1], key=Version)
    page.click("button[data-sort=version]")
    page.click("#next")
    assert page.locator("#packages tbody td.ver").all_inner_texts()[-1] == "-"

    page.click("button[data-sort=first]")
    firsts = [v for v in page.locator("#packages tbody td.first").all_inner_texts()]
    assert firsts[:2] == ["2.1.0", "2.3.0"] and set(firsts[2:]) == {"-"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_readable_on_a_phone(open_page, base_url: str, scheme: str):
    page = open_page(390, 844, is_mobile=True, has_touch=True, color_scheme=scheme)
    for path in PAGES:
        page.goto(base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone: {width}px"
        stem = path.replace("/", "-").removesuffix(".html")
        screenshot(page, f"site-390-{scheme}-{stem}.png", full_page=path != "packages.html")
    page.goto(base_url + "packages.html")
    assert page.locator("#q").is_visible()
    assert page.locator("#packages thead").is_hidden()  # cards, sorted from the form instead
    page.select_option("#sort", "name")
    assert names(page)[:2] == ["boto3", "broken-index"]
    card = page.locator("#packages tbody tr:has(a:text-is('boto3'))")
    assert card.locator("td.py").count() == 3 and card.locator("td.py .badge").first.is_visible()
    screenshot(page, "site-phone.png")


def _clipped(page) -> list[str]:
    """Cells of the packages table whose content does not fit, and summary words wider
    than their cell (a word broken mid-word)."""
    return page.evaluate("""() => {
      const out = [];
      for (const cell of document.querySelectorAll('#packages th, #packages td')) {
        if (cell.scrollWidth > cell.clientWidth + 1) out.push('clipped: ' + cell.textContent.trim());
      }
      const ctx = document.createElement('canvas').getContext('2d');
      for (const span of document.querySelectorAll('#packages .summary, #packages td.name a')) {
        const cell = span.closest('td'), style = getComputedStyle(cell);
        const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        ctx.font = getComputedStyle(span).font;
        for (const word of span.textContent.split(/\\s+/)) {  // words of prose, not markup
          if (/^[\\w.,:;'()-]+$/.test(word) && ctx.measureText(word).width > room + 1) out.push('broken: ' + word);
        }
      }
      return out;
    }""")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_nothing_is_cut_on_a_wide_screen(open_page, base_url: str, scheme: str):
    page = open_page(1400, 900, color_scheme=scheme)
    for path in PAGES:
        page.goto(base_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1400, path
        stem = path.replace("/", "-").removesuffix(".html")
        screenshot(page, f"site-1400-{scheme}-{stem}.png", full_page=path != "packages.html")
    page.goto(base_url + "packages.html")
    assert _clipped(page) == []
    fits = page.evaluate("""() => {
      const box = document.getElementById('table-scroll'), table = document.getElementById('packages');
      return table.scrollWidth <= box.clientWidth + 1 || ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
    }""")
    assert fits
    assert page.evaluate("document.getElementById('packages').getBoundingClientRect().right") <= 1400


def _luminance(rgb: str) -> float:
    parts = [int(p) / 255 for p in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colours_follow_the_colour_scheme(open_page, base_url: str, scheme: str):
    page = open_page(1280, 900, color_scheme=scheme)
    for path in ("index.html", "packages.html", "p/numpy.html"):
        page.goto(base_url + path)
        background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        text = page.evaluate("getComputedStyle(document.querySelector('main')).color")
        dark = _luminance(background) < 0.05 and _luminance(text) > 0.6
        light = _luminance(background) > 0.9 and _luminance(text) < 0.05
        assert (dark if scheme == "dark" else light), (path, background, text)
        assert _contrast(background, text) >= 7
    page.goto(base_url + "packages.html")
    # every state badge of the legend, and the links, meet WCAG AA (4.5:1)
    pairs = page.evaluate("""() => [...document.querySelectorAll('.states .badge, .legend .v, #packages a')]
      .map(el => [el.className || el.textContent, getComputedStyle(el).color, getComputedStyle(el).backgroundColor])""")
    assert len(pairs) > 20
    page_bg = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    for name, fg, bg in pairs:
        bg = page_bg if bg == "rgba(0, 0, 0, 0)" else bg
        assert _contrast(fg, bg) >= 4.5, (scheme, name, fg, bg)
    page.goto(base_url + "index.html")
    labels = page.evaluate("""() => [...document.querySelectorAll('svg .seg-label')].map(t =>
      [getComputedStyle(t).fill, getComputedStyle(t.previousElementSibling).fill])""")
    assert labels
    for fg, bg in labels:  # the percentages printed on chart bars
        assert _contrast(fg, bg) >= 4.5, (scheme, fg, bg)


def test_favicon_loads_and_no_request_fails(page, base_url: str):
    for path in PAGES:
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        href = page.evaluate("document.querySelector('link[rel=icon]').href")
        assert href == base_url + "assets/favicon.svg"
        status, kind = page.evaluate("h => fetch(h).then(r => [r.status, r.headers.get('content-type')])", href)
        assert status == 200 and kind == "image/svg+xml"
    # the fixture's page checks for failed requests, HTTP errors and console errors


def test_injected_summary_is_only_text(page, base_url: str):
    page.goto(base_url + "packages.html")
    page.fill("#q", "evil")
    assert page.locator("#packages tbody .summary").inner_text() == XSS[:160]
    page.click("#packages tbody a:text-is('evil-summary')")
    page.wait_for_url("**/p/evil-summary.html")
    sync_api.expect(page.locator("p.lead")).to_have_text(XSS)
    assert page.locator("b:has-text('bold')").count() == 0


def test_package_page_opens_from_the_table(page, base_url: str):
    page.goto(base_url + "packages.html")
    page.click("#packages tbody a:text-is('numpy')")
    page.wait_for_url("**/p/numpy.html")
    sync_api.expect(page.locator("h1")).to_contain_text("numpy")
    assert page.locator(".curated a[href*='issues/26157']").count() >= 1
    assert page.locator("section[aria-labelledby=h-history] tbody tr").count() == len(TRACK_DAYS)
    page.click("text=Packages >> nth=0")
    page.wait_for_url("**/packages.html")


def test_charts_render_with_data_points(page, base_url: str):
    page.goto(base_url + "index.html")
    charts = page.locator("svg.chart")
    assert charts.count() >= 3
    # one measured dot per Python version and snapshot
    assert page.locator("svg.lines circle.point").count() == 3 * len(TRACK_DAYS)
    assert page.locator("svg.bars rect.seg").count() > 10
    box = page.locator("svg.lines").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100  # really laid out, not empty
    screenshot(page, "site-overview.png", full_page=True)


def test_without_javascript_the_list_of_packages_is_reachable(open_page, base_url: str):
    page = open_page(java_script_enabled=False)
    page.goto(base_url + "packages.html")
    link = page.locator("noscript a[href='all-packages.html']")
    assert link.count() == 1
    assert page.locator("#filters").is_hidden()  # no dead controls without the script
    page.goto(base_url + "all-packages.html")
    page.click("a:text-is('numpy')")
    page.wait_for_url("**/p/numpy.html")


def test_the_guide_is_navigable_by_sidebar_and_previous_next(page, base_url: str):
    page.goto(base_url + "index.html")
    page.click("header.site >> text=Guide")
    sync_api.expect(page.locator("article.doc h1")).to_have_text("Porting a package to free-threaded Python")
    current = page.locator(".sidebar a[aria-current=page]")
    sync_api.expect(current).to_have_text("Porting a package to free-threaded Python")
    page.click("a[rel=next]")
    second = page.locator("article.doc h1").inner_text()
    assert page.url.endswith("guide/what-is-free-threading.html") and second
    sync_api.expect(page.locator(".sidebar a[aria-current=page]")).to_have_text(second)
    page.click("a[rel=prev]")
    assert page.url.endswith("guide/porting-guide.html")
    page.click(".sidebar >> text=ThreadSanitizer")  # the sidebar lists every page
    assert "thread-sanitizer.html" in page.url and "TSAN_OPTIONS" in page.content()
    toc = page.locator("details.toc a").first
    anchor = toc.get_attribute("href")
    toc.click()
    assert page.url.endswith(anchor) and page.locator(anchor).count() == 1


def test_search_finds_guide_sections_and_packages(page, base_url: str):
    page.goto(base_url + "guide/extension-modules.html")
    page.fill("#doc-q", "critical section")
    page.press("#doc-q", "Enter")
    assert "search.html?q=critical" in page.url
    results = page.locator("#doc-results a")
    sync_api.expect(results.first).to_be_visible()
    assert any("critical" in t.lower() for t in results.all_inner_texts()[:5])
    page.fill("#search-q", "numpy")
    sync_api.expect(page.locator("#pkg-results a").first).to_have_text("numpy")
    page.fill("#search-q", "psycopg2")  # an import name finds its project
    sync_api.expect(page.locator("#pkg-results a").first).to_have_text("psycopg2-binary")
    page.locator("#pkg-results a").first.click()
    assert page.url.endswith("p/psycopg2-binary.html")
    page.go_back()
    assert page.locator("#search-q").input_value() == "psycopg2"
    page.goto(base_url + "search.html?q=abi3t")  # a shared link runs the search on load
    assert any("abi" in t.lower() for t in page.locator("#doc-results a").all_inner_texts()[:5])


def test_headline_numbers_match_the_data(page, base_url: str):
    """The home page's per-Python cards, read from the rendered page, against the fixture."""
    from conftest import track_statuses

    from gilfree.verdicts.headline import count_headlines
    from gilfree.verdicts.pystate import summarize

    statuses = track_statuses(2)
    expected = count_headlines(((bool(s.native), {p.python: p for p in summarize(s)}) for s in statuses),
                               ["3.13", "3.14", "3.15"])
    page.goto(base_url + "index.html")
    cards = page.locator("section.headline")
    assert cards.count() == 3
    for i, h in enumerate(expected):
        card = cards.nth(i)
        sync_api.expect(card.locator("h2")).to_contain_text(f"Python {h.python}t")
        big = " ".join(card.locator("p.big").inner_text().split())
        assert h.extension and big.startswith(f"{h.ext_ready} of {h.extension} packages with extension"), big
        text = " ".join(card.inner_text().split())
        assert f"{h.installs} of {h.tracked} tracked packages install without a build" in text


@pytest.mark.parametrize("width", [390, 1400])
def test_chart_text_is_readable(open_page, base_url: str, width: int):
    """Every chart label is drawn at 11 px or more, on a phone too."""
    page = open_page(width, 900)
    for path in ("index.html", "p/numpy.html"):
        page.goto(base_url + path)
        sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart text')].map(t => {
            const box = t.getBoundingClientRect();
            return box.height ? parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a : 99; })""")
        assert sizes and min(sizes) >= 11, (path, width, min(sizes))

"""The generated site in a real browser: Debian's Chromium, headless, driven by Playwright.

Skipped where Playwright cannot be installed (its greenlet dependency has no wheel for
free-threaded CPython and fails to build from source there) or Chromium is absent.
"""

from __future__ import annotations

import functools
import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import XSS

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


@pytest.fixture
def page(browser, base_url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield page
    context.close()
    assert errors == []  # no script error, and no injected alert() ever ran


def names(page) -> list[str]:
    return page.locator("#packages tbody td.name a").all_inner_texts()


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

    page.select_option("#category", "error")
    assert names(page) == ["broken-index"]
    assert page.locator("#packages tbody .badge").all_inner_texts() == ["index error"]
    page.select_option("#category", "blocked")
    badges = set(page.locator("#packages tbody .badge").all_inner_texts())
    assert badges == {"blocked"} and "pandas" in names(page)
    page.select_option("#platform", "manylinux_x86_64")  # pandas is blocked on win_arm64 only
    assert "pandas" not in names(page) and "psycopg2-binary" in names(page)
    page.select_option("#platform", "")
    page.select_option("#category", "")
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

    ARTIFACTS.mkdir(exist_ok=True)
    page.click("#prev")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "site-packages.png"), full_page=False)


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
    assert page.locator(".curated a[href*='issues/26157']").count() == 1
    assert page.locator("section[aria-labelledby=h-history] svg circle").count() == 3
    page.click("text=Packages >> nth=0")
    page.wait_for_url("**/packages.html")


def test_charts_render_with_data_points(page, base_url: str):
    page.goto(base_url + "index.html")
    charts = page.locator("svg.chart")
    assert charts.count() == 3
    assert page.locator("svg.lines circle.point").count() == 15
    assert page.locator("svg.bars rect.seg").count() > 10
    box = page.locator("svg.lines").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100  # really laid out, not empty
    page.screenshot(path=str(ARTIFACTS / "site-overview.png"), full_page=True)


def test_readable_on_a_phone(browser, base_url: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "packages.html")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page scrolls sideways on a phone: {width}px"
    assert page.locator("#q").is_visible()
    page.screenshot(path=str(ARTIFACTS / "site-phone.png"))
    context.close()

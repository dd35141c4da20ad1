"""The static site: pages, escaping, curated vs computed, downloads, charts, CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from conftest import TRACK_DAYS, XSS, track_statuses
from markupsafe import escape

from gilfree.cli import main
from gilfree.commands.site import generate
from gilfree.errors import BadInput
from gilfree.site.generator import safe_json
from gilfree.store.db import Store
from gilfree.store.overlay import load_overlay

OVERLAY = """
[packages.numpy]
tracking_issue = "https://github.com/numpy/numpy/issues/26157"
nightly_index = "https://pypi.anaconda.org/scientific-python-nightly-wheels/simple"
notes = "Curated <em>note</em> for numpy"

[packages.evil-summary]
notes = "</script><script>alert(2)</script>"
"""


@pytest.fixture(scope="module")
def site(tracked_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    overlay = tmp_path_factory.mktemp("overlay") / "overlay.toml"
    overlay.write_text(OVERLAY)
    out = tmp_path_factory.mktemp("site")
    (out / "p").mkdir()
    (out / "p" / "gone-package.html").write_text("stale")
    result = generate(tracked_db, out, overlay)
    assert result.packages == len(track_statuses(2))
    return out


def table_rows(site: Path) -> dict:
    text = (site / "packages.html").read_text()
    found = re.search(r'<script type="application/json" id="package-data">(.*?)</script>', text, re.S)
    assert found, "embedded table data"
    return json.loads(found[1])


def test_every_page_is_written_and_stale_ones_removed(site: Path):
    for page in ("index.html", "packages.html", "guide/porting-guide.html", "site-data.html",
                 "assets/style.css", "assets/table.js", "data/packages.json",
                 "data/packages.csv", "data/history.json"):
        assert (site / page).is_file(), page
    assert {p.stem for p in (site / "p").glob("*.html")} == {s.name for s in track_statuses(2)}


def test_pages_use_relative_links_only(site: Path):
    for page in ("index.html", "packages.html", "p/numpy.html", "guide/porting-guide.html"):
        text = (site / page).read_text()
        for ref in re.findall(r'(?:href|src)="([^"]+)"', text):
            assert not ref.startswith("/"), (page, ref)
            if not ref.startswith(("http://", "https://", "#")):
                target = (site / page).parent / ref.split("#")[0]
                assert target.resolve().exists(), (page, ref)
        assert "cdn" not in text.lower()


def test_summary_with_script_renders_as_text(site: Path):
    page = (site / "p" / "evil-summary.html").read_text()
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert str(escape(XSS)) in page
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page  # curated text too
    table = (site / "packages.html").read_text()
    assert table.count("</script>") == table.count("<script") == 2  # data block + table.js
    rows = {r[1]: r for r in table_rows(site)["rows"]}
    assert rows["evil-summary"][6] == XSS  # parsed back, the text is intact


def test_safe_json_cannot_close_a_script_block():
    text = str(safe_json({"s": "</script><!-- &\u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"s": "</script><!-- &\u2028"}


def test_javascript_links_from_metadata_are_dropped(site: Path):
    page = (site / "p" / "numpy.html").read_text()
    assert 'href="https://github.com/numpy/numpy"' in page
    assert "javascript:" not in page


def test_error_is_shown_as_error_never_as_blocked(site: Path):
    page = (site / "p" / "broken-index.html").read_text()
    assert "Index error:" in page and "index answered 503 after 4 attempts" in page
    cards = page.split('class="pycards"')[1].split("</div>\n</div>")[0]
    assert cards.count("st-error") == 3 and "blocked" not in cards
    record = next(r for r in json.loads((site / "data/packages.json").read_text())["results"]
                  if r["name"] == "broken-index")
    assert record["category"] == "error" and record["verdicts"] == "E" * 24
    assert {p["state"] for p in record["pythons"]} == {"error"}


def test_curated_facts_are_kept_apart_from_computed_ones(site: Path):
    page = (site / "p" / "numpy.html").read_text()
    computed = page.split('class="computed"')[1].split("</section>")[0]
    curated = page.split('class="curated"')[1].split("</aside>")[0]
    assert "maintained by hand, not computed" in curated
    assert "https://github.com/numpy/numpy/issues/26157" in curated
    assert "scientific-python-nightly-wheels" in curated and "&lt;em&gt;note&lt;/em&gt;" in curated
    assert "Source: gilfree's maintainers" in curated and "To add or correct a fact" in curated
    assert "26157" not in computed and "ft-wheel" in computed
    rows = {r[1]: r for r in table_rows(site)["rows"]}
    assert rows["numpy"][7].endswith("/26157") and rows["numpy"][8] == 1
    assert rows["requests"][7] == "" and rows["requests"][8] == 0


def test_imported_facts_credit_their_source(tracked_db: Path, tmp_path: Path):
    """The bundled overlay's facts from the community table name that table on the page."""
    out = tmp_path / "site"
    generate(tracked_db, out)
    curated = (out / "p" / "numpy.html").read_text().split('class="curated"')[1].split("</aside>")[0]
    assert "Source: gilfree's maintainers" in curated  # ours, then the imported set
    assert "py-free-threading" in curated and "MIT OR 0BSD" in curated
    assert "propose the change to" in curated


def test_package_page_per_python_and_pypi_link(site: Path):
    page = (site / "p" / "numpy.html").read_text()
    assert 'href="https://pypi.org/project/numpy/"' in page
    cards = page.split('class="pycards"')[1].split("</section>")[0]
    assert cards.count('class="pycard"') == 3 and "st-ft-all" in cards  # 3.13t, 3.14t: ft wheels
    assert "First free-threaded wheel on the index</dt><dd>2024-08-18" in cards  # from the backfill
    assert "Lost them on</dt><dd>2026-06-20" in cards  # numpy 2.5.0 dropped cp313t
    assert "Free Threading :: 2 - Beta" in page
    pandas = (site / "p" / "pandas.html").read_text().split('class="pycards"')[1]
    assert "none for win_arm64" in pandas and "st-ft-some" in pandas


def test_overview_per_python_headline_and_history(site: Path):
    page = (site / "index.html").read_text()
    assert page.count("<svg") == 3  # by Python, progress over time, by rank
    headlines = page.split('class="headlines"')[1].split('class="note"')[0]
    # 3.14t (the first officially supported) leads, then the others newest first
    assert headlines.index("Python 3.14t") < headlines.index("Python 3.15t") < headlines.index("Python 3.13t")
    statuses = track_statuses(2)
    native = [s for s in statuses if s.native]
    ft_all = [s for s in native if {t.verdict.value for t in s.targets if t.target.python == (3, 14)} == {"ft-wheel"}]
    block = headlines.split("Python 3.14t")[1].split("Python 3.15t")[0]
    assert f'<span class="n">{len(ft_all)}</span> of {len(native)}' in block
    progress = page.split('id="h-progress"')[1].split("</section>")[0]
    assert progress.count("<polyline") == 3  # a line per Python version, computed
    assert progress.count('class="point"') == 3 * len(TRACK_DAYS)  # measured dots
    assert "Aug 2024" in progress or "Jul 2024" in progress or "Sep 2024" in progress
    assert "today&#39;s list of tracked packages" in progress  # the limits, said plainly
    assert "Python 3.15t" in page and "win_arm64" in page


def test_package_history_page(site: Path):
    page = (site / "p" / "numpy.html").read_text()
    history = page.split('id="h-history"')[1]
    assert history.count('class="c-ready"') == 3  # one span per Python version
    assert "3.13t: from 2024-08-18 until 2026-06-20" in history  # 2.5.0 dropped cp313t
    assert "3.14t: from 2025-07-24 on" in history and "3.15t: from 2026-06-20 on" in history
    table = history.split("<table")[1]
    assert table.index("2026-11-01") < table.index("2026-09-01")  # newest first


def test_downloads_follow_the_documented_schema(site: Path):
    doc = (Path(__file__).parents[1] / "docs" / "site-data.md").read_text()
    packages = json.loads((site / "data/packages.json").read_text())
    assert packages["schema"] == "gilfree.site-packages"
    assert packages["snapshot"]["day"] == TRACK_DAYS[-1] and packages["snapshot"]["complete"]
    assert len(packages["targets"]) == 24
    first = packages["results"][0]
    for key in first:
        assert f"`{key}`" in doc, f"{key} undocumented"
    numpy = next(r for r in packages["results"] if r["name"] == "numpy")
    for fact in numpy["curated"]:
        for key in fact:
            assert f"`{key}`" in doc, f"curated {key} undocumented"
    for key in numpy["pythons"][0]:
        assert f"`{key}`" in doc, f"pythons {key} undocumented"
    history = json.loads((site / "data/history.json").read_text())
    assert [p["day"] for p in history["results"]] == list(TRACK_DAYS)
    for key in history["results"][0]:
        assert f"`{key}`" in doc
    computed = history["computed"]
    for key in computed:
        assert f"`{key}`" in doc, f"computed {key} undocumented"
    assert computed["start"] == "2024-08-18" and computed["end"] == TRACK_DAYS[-1]
    days = (date.fromisoformat(computed["end"]) - date.fromisoformat(computed["start"])).days + 1
    assert len(computed["by_python"]["3.13t"]) == days and computed["by_python"]["3.13t"][0] == 1
    assert computed["by_python"]["3.13t"][-1] == 1  # numpy lost 3.13t, pandas has it
    assert history["limits"] and any("yanked" in line for line in history["limits"])
    assert numpy["category"] == "ready" and numpy["first_ft_version"] == "2.1.0"
    assert {p["python"]: p["state"] for p in numpy["pythons"]} == {"3.13": "ft-all", "3.14": "ft-all", "3.15": "ft-all"}
    assert numpy["curated"][0]["tracking_issue"].endswith("26157") and numpy["curated"][0]["source"] is None
    rows = list(csv.DictReader(io.StringIO((site / "data/packages.csv").read_text())))
    assert len(rows) == len(packages["results"])
    by_name = {r["name"]: r for r in rows}
    assert by_name["numpy"]["3.15t-win_arm64"] == "ft-wheel" and by_name["numpy"]["state_3.14t"] == "ft-all"
    assert by_name["psycopg2-binary"]["category"] == "blocked"
    assert by_name["requests"]["pure"] == "true"


def test_every_package_is_linked_without_javascript(site: Path):
    index = (site / "all-packages.html").read_text()
    for status in track_statuses(2):
        assert f'href="p/{status.name}.html"' in index
    assert "3.14t: ft wheels" in index.split('href="p/numpy.html"')[1][:400]


def test_porting_guide_is_rendered_with_escaping(site: Path):
    page = (site / "guide/porting-guide.html").read_text()
    assert "<h1>Porting a package to free-threaded Python</h1>" in page
    for command in ("gilfree status", "gilfree deps", "gilfree audit", "gilfree test"):
        assert command in page
    assert 'id="checklist"' in page and 'href="extension-modules.html"' in page


def test_an_empty_database_still_builds(tmp_path: Path):
    Store.open(tmp_path / "empty.sqlite3").close()
    result = generate(tmp_path / "empty.sqlite3", tmp_path / "site")
    assert result.packages == 0
    assert "No snapshot yet" in (tmp_path / "site" / "index.html").read_text()


def test_site_cli(tracked_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["site", "--db", str(tracked_db), "--out", str(tmp_path / "out")]) == 0
    assert "pages for" in capsys.readouterr().out
    assert (tmp_path / "out" / "p" / "numpy.html").is_file()
    # the bundled overlay is the default
    assert "numpy/issues/26157" in (tmp_path / "out" / "p" / "numpy.html").read_text()
    assert main(["site", "--db", str(tmp_path / "none.sqlite3"), "--out", str(tmp_path / "x")]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[packages.x]\nnope = 1\n")
    assert main(["site", "--db", str(tracked_db), "--out", str(tmp_path / "y"), "--overlay", str(bad)]) == 2
    with pytest.raises(BadInput):
        load_overlay(bad)


def test_serve_previews_the_site(site: Path):
    proc = subprocess.Popen([sys.executable, "-m", "gilfree", "serve", str(site), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://[\d.]+:\d+/", line)[0]
        with urllib.request.urlopen(url + "p/numpy.html", timeout=10) as response:
            assert b"numpy" in response.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_an_unfinished_first_snapshot_is_shown_as_unfinished(tmp_path: Path):
    from gilfree.store.ranking import RankedPackage, Ranking
    from gilfree.store.runs import SnapshotWriter, open_run
    from gilfree.verdicts.targets import default_targets

    statuses = track_statuses(0)[:3]
    ranking = Ranking("test", None, tuple(RankedPackage(i + 1, n) for i, n in enumerate(("boto3", "numpy", "later"))))
    with Store.open(tmp_path / "t.sqlite3") as store:
        writer = SnapshotWriter(store, open_run(store, ranking, default_targets(), "2026-11-01"))
        for status in statuses[:2]:
            writer.add(status)
        writer.flush()
    generate(tmp_path / "t.sqlite3", tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text()
    assert "not complete yet: 2 of 3 packages recorded" in index
    assert "The history appears once a tracker run has read the packages' index pages." in index
    assert "not checked yet" in (tmp_path / "site" / "p" / "later.html").read_text()

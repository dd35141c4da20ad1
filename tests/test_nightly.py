"""Nightly-wheel indexes: PEP 503 HTML pages, the shipped list and its configuration, and
what an unreachable or failing nightly index costs (bounded) and changes (nothing).

The nightly index here is tests/data/nightly/ (hand-written PEP 503 HTML, see its README)
served by the local test index beside the recorded PyPI pages.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from gilfree.cli import common, main
from gilfree.commands.status import check_packages, parse_request
from gilfree.errors import BadInput
from gilfree.index import IndexClient, pep503
from gilfree.index.config import PYPI_SIMPLE, ExtraIndex
from gilfree.index.extras import FAILURES_IN_A_ROW, NotChecked
from gilfree.index.http import definitive
from gilfree.index.nightly import default_nightly_indexes, nightly_index, nightly_indexes
from gilfree.index.transport import ConnectLimiter
from gilfree.verdicts.targets import default_targets, select_targets

RECORDED = ["numpy", "pyyaml", "requests", "ruff", "six", "cffi", "pydantic-core", "markupsafe",
            "msgpack", "cereggii", "pytz"]  # every project of tests/data/index
PAGE = "https://nightly.example/simple/numpy/"


@pytest.fixture(autouse=True)
def _no_configured_nightlies(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the developer's environment nor a pyproject.toml here decides these tests."""
    monkeypatch.delenv("GILFREE_NIGHTLY_INDEXES", raising=False)
    monkeypatch.delenv("GILFREE_EXTRA_INDEX_URL", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def nightly_url(test_index) -> str:
    return test_index.serve_nightly()


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection attempt gilfree makes: (host, port)."""
    seen: list[tuple[str, int]] = []
    lock = threading.Lock()
    original = ConnectLimiter.connect_tcp

    def counting(self, host, port, *args, **kwargs):  # noqa: ANN001 - httpcore's signature
        with lock:
            seen.append((host, port))
        return original(self, host, port, *args, **kwargs)

    monkeypatch.setattr(ConnectLimiter, "connect_tcp", counting)
    return seen


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_json(capsys, test_index, tmp_path: Path, *args: str) -> tuple[int, dict]:
    code = main(["status", *args, "--format", "json", "--index-url", test_index.url,
                 "--json-url", test_index.json_url, "--cache-dir", str(tmp_path / "cache")])
    return code, json.loads(capsys.readouterr().out)


def status_table(capsys, test_index, tmp_path: Path, *args: str) -> tuple[int, str]:
    code = main(["status", *args, "--index-url", test_index.url, "--json-url", test_index.json_url,
                 "--cache-dir", str(tmp_path / "cache")])
    return code, capsys.readouterr().out


def without_extras(doc: dict) -> list[dict]:
    """The verdicts and everything else of each result, minus what nightlies add."""
    return [{k: v for k, v in r.items() if k not in ("extra_indexes", "checked_at")} for r in doc["results"]]


# --- PEP 503 HTML pages ----------------------------------------------------------------


def test_html_anchors_become_files_as_pip_reads_them() -> None:
    body = b"""<!DOCTYPE html><html><body>
    <a href="../../files/numpy-2.6.0.dev0-cp314-cp314t-win_amd64.whl#sha256=%s"
       data-requires-python="&gt;=3.12">numpy-2.6.0.dev0-cp314-cp314t-win_amd64.whl</a><br/>
    <a href="https://cdn.example/x/numpy-2.6.0.dev0%%2Bg1-cp314-cp314-win_amd64.whl" data-yanked="">ignored text</a>
    <a href="numpy-2.5.0.dev0.tar.gz#md5=0123" data-yanked="broken &amp; replaced" data-core-metadata="sha256=ab">x</a>
    <a href="numpy-2.4.0.dev0.tar.gz" data-dist-info-metadata="false">numpy-2.4.0.dev0.tar.gz</a>
    <a name="no-href">nothing</a>
    </body></html>""" % (b"A" * 64)
    page = pep503.parse_project_page(body, name="numpy", index_url="https://nightly.example/simple/",
                                     page_url=PAGE)
    ft, local, yanked, old = page.files
    assert ft.url == "https://nightly.example/files/numpy-2.6.0.dev0-cp314-cp314t-win_amd64.whl"
    assert ft.filename.endswith("cp314t-win_amd64.whl") and ft.sha256 == "a" * 64
    assert ft.requires_python == ">=3.12" and not ft.yanked and not ft.has_metadata
    assert local.filename == "numpy-2.6.0.dev0+g1-cp314-cp314-win_amd64.whl"  # from the URL, unquoted
    assert local.yanked and local.yanked_reason is None and local.sha256 is None
    assert yanked.url == PAGE + "numpy-2.5.0.dev0.tar.gz" and yanked.yanked_reason == "broken & replaced"
    assert yanked.has_metadata and yanked.sha256 is None  # an md5 fragment is not kept
    assert not old.has_metadata
    assert page.name == "numpy" and page.versions == ()


def test_a_base_href_is_what_relative_links_resolve_against() -> None:
    body = b'<html><head><base href="https://files.example/pkgs/"></head>' \
           b'<body><a href="numpy-1.0.tar.gz">numpy-1.0.tar.gz</a></body></html>'
    [f] = pep503.parse_project_page(body, name="numpy", index_url="u", page_url=PAGE).files
    assert f.url == "https://files.example/pkgs/numpy-1.0.tar.gz"


def test_root_pages_in_html_and_json() -> None:
    html = (Path(__file__).parent / "data" / "nightly" / "index.html").read_bytes()
    assert pep503.parse_root_page(html) == {"numpy", "pyyaml", "cffi"}  # canonical names
    doc = json.dumps({"meta": {}, "projects": [{"name": "Scikit_Learn"}, {"name": ""}, {}]}).encode()
    assert pep503.parse_root_page(doc, "application/vnd.pypi.simple.v1+json") == {"scikit-learn"}
    assert pep503.parse_root_page(b"<html><body>maintenance</body></html>") is None  # lists nothing


@pytest.mark.parametrize("content_type, body, kind", [
    ("application/vnd.pypi.simple.v1+json", b'{"files": []}', "json"),
    ("application/json; charset=utf-8", b'{"files": []}', "json"),
    ("text/html; charset=utf-8", b"<html></html>", "html"),
    ("application/vnd.pypi.simple.v1+html", b"<html></html>", "html"),
    ("", b'  {"files": []}', "json"),  # no type: the body says
    ("text/plain", b"<html></html>", "html"),
])
def test_pages_are_read_by_their_content_type(content_type: str, body: bytes, kind: str) -> None:
    parsed = pep503.parse_any(body, content_type)
    assert parsed is not None and parsed[0] == kind


def test_broken_json_is_retried_not_read_as_html() -> None:
    assert pep503.parse_any(b'{"files": [', "application/vnd.pypi.simple.v1+json") is None


# --- the shipped list and its configuration -------------------------------------------


def test_the_default_list_loads_from_the_package_data() -> None:
    shipped = {i.label: i for i in default_nightly_indexes()}
    spnw = shipped["scientific-python nightly"]
    assert spnw.url == "https://pypi.anaconda.org/scientific-python-nightly-wheels/simple/"
    assert spnw.nightly and spnw.projects == ()
    torch = shipped["PyTorch nightly"]
    assert torch.url == "https://download.pytorch.org/whl/nightly/cpu/"
    assert "torch" in torch.projects and "numpy" not in torch.projects  # its numpy is a mirror copy


def test_an_index_is_named_by_shipped_name_url_or_table() -> None:
    assert nightly_index("pytorch").label == "PyTorch nightly"
    assert nightly_index("https://pypi.anaconda.org/scientific-python-nightly-wheels/simple").label \
        == "scientific-python nightly"  # a shipped URL keeps its label
    mine = nightly_index("https://nightly.example/simple")
    assert mine == ExtraIndex("https://nightly.example/simple/", "nightly.example/simple", nightly=True)
    table = nightly_index({"url": "https://n.example/s/", "label": "ours", "projects": ["My_Pkg"]})
    assert table.label == "ours" and table.projects == ("my-pkg",)
    assert nightly_indexes("pytorch  pytorch https://n.example/s", "env") == (
        nightly_index("pytorch"), nightly_index("https://n.example/s/"))
    for bad in ("ftp://x/", "no-such-name", 3, {"label": "no url"}):
        with pytest.raises(BadInput):
            nightly_index(bad)


def config_for(argv: list[str]):
    parser = argparse.ArgumentParser()
    common.add_index_options(parser)
    return common.index_config(parser.parse_args(argv))


def test_nightlies_default_on_for_pypi_and_off_for_other_indexes(monkeypatch, tmp_path) -> None:
    assert config_for([]).nightly_indexes == default_nightly_indexes()
    assert config_for(["--index-url", PYPI_SIMPLE]).nightly_indexes == default_nightly_indexes()
    assert config_for(["--no-nightly"]).nightly_indexes == ()
    # a mirror, a private or a test index: nothing is checked that was not asked for
    assert config_for(["--index-url", "http://127.0.0.1:1/simple/"]).nightly_indexes == ()
    assert config_for(["--index-url", "http://127.0.0.1:1/simple/", "--nightly-index", "pytorch"]) \
        .nightly_indexes == (nightly_index("pytorch"),)


def test_configuration_precedence_flag_env_pyproject(monkeypatch, tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gilfree]\nnightly-indexes = ["https://from-pyproject.example/simple",'
        ' {url = "https://table.example/s/", label = "table", projects = ["numpy"]}]\n')
    assert [i.label for i in config_for([]).nightly_indexes] == ["from-pyproject.example/simple", "table"]
    monkeypatch.setenv("GILFREE_NIGHTLY_INDEXES", "pytorch https://from-env.example/simple/")
    assert [i.label for i in config_for([]).nightly_indexes] == ["PyTorch nightly", "from-env.example/simple"]
    flags = ["--nightly-index", "https://flag.example/simple", "--nightly-index", "scientific-python"]
    assert [i.label for i in config_for(flags).nightly_indexes] == ["flag.example/simple",
                                                                   "scientific-python nightly"]
    assert config_for([*flags, "--no-nightly"]).nightly_indexes == ()
    monkeypatch.setenv("GILFREE_NIGHTLY_INDEXES", "")  # empty: none
    assert config_for([]).nightly_indexes == ()
    monkeypatch.delenv("GILFREE_NIGHTLY_INDEXES")
    (tmp_path / "pyproject.toml").write_text("[tool.gilfree]\nnightly-indexes = []\n")
    assert config_for([]).nightly_indexes == ()


def test_bad_nightly_settings_are_one_line_exit_2(capsys, monkeypatch, test_index, tmp_path) -> None:
    code = main(["status", "six", "--nightly-index", "file:///tmp/x", "--index-url", test_index.url])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--nightly-index must be an http(s) URL" in err
    (tmp_path / "pyproject.toml").write_text('[tool.gilfree]\nnightly-indexes = "https://x.example/ nope"\n')
    code = main(["status", "six", "--index-url", test_index.url])
    assert code == 2 and "[tool.gilfree] nightly-indexes" in capsys.readouterr().err


def test_extra_indexes_put_plain_ones_first_and_check_an_index_once(index_config) -> None:
    spnw = nightly_index("scientific-python")
    config = dataclasses.replace(index_config, extra_index_urls=(spnw.url,),
                                 nightly_indexes=(spnw, nightly_index("pytorch")))
    assert [(i.url, i.nightly) for i in config.extra_indexes] == [
        (spnw.url, False), ("https://download.pytorch.org/whl/nightly/cpu/", True)]


# --- status with a nightly index --------------------------------------------------------


def test_status_reports_nightly_ft_wheels_per_python_and_keeps_the_verdicts(
        capsys, test_index, nightly_url, tmp_path) -> None:
    code, doc = status_json(capsys, test_index, tmp_path, "numpy", "pyyaml", "six", "--nightly-index", nightly_url)
    plain_code, plain = status_json(capsys, test_index, tmp_path / "plain", "numpy", "pyyaml", "six")
    assert without_extras(doc) == without_extras(plain) and code == plain_code
    numpy, pyyaml, six = doc["results"]
    [nightly] = numpy["extra_indexes"]
    assert nightly["index_url"] == nightly_url and nightly["nightly"] is True and nightly["error"] is None
    assert nightly["label"] == nightly_url.removeprefix("http://").rstrip("/")
    assert nightly["latest_version"] == "2.6.0.dev0"
    # 2.6.0.dev0 dropped cp313t: pip --pre on 3.13t would take the older nightly
    assert nightly["ft_pythons"] == [["3.13", "2.5.0.dev0"], ["3.14", "2.6.0.dev0"], ["3.15", "2.6.0.dev0"]]
    assert "3.14t-win_amd64" in nightly["ft_targets"] and "3.14t-win_arm64" not in nightly["ft_targets"]  # yanked
    assert "3.15t-manylinux_x86_64" in nightly["ft_targets"] and "3.15t-win_amd64" not in nightly["ft_targets"]
    [no_ft] = pyyaml["extra_indexes"]
    assert no_ft["latest_version"] == "7.0.0.dev0+12.g8a1c3f0" and no_ft["ft_pythons"] == [] and not no_ft["error"]
    assert six["extra_indexes"] == []  # not on the nightly index's root page: not asked about
    asked = {r.path for r in test_index.requests("/nightly/")}
    assert asked == {"/nightly/simple/", "/nightly/simple/numpy/", "/nightly/simple/pyyaml/"}
    assert all(r.accept == pep503.ACCEPT_ANY for r in test_index.requests("/nightly/"))


def test_the_table_says_version_pythons_and_the_pip_command(capsys, test_index, nightly_url, tmp_path) -> None:
    _, out = status_table(capsys, test_index, tmp_path, "numpy", "pyyaml", "--nightly-index", nightly_url)
    text = " ".join(out.split())  # rich wraps long lines
    label = nightly_url.removeprefix("http://").rstrip("/")
    assert (f"{label}: numpy 2.6.0.dev0 has free-threaded wheels for 3.14t, 3.15t; 2.5.0.dev0 for 3.13t "
            f"(pip install --pre --extra-index-url {nightly_url} numpy)") in text
    assert f"{label}: pyyaml 7.0.0.dev0+12.g8a1c3f0: no free-threaded wheels for these targets" in text
    assert "not checked" not in text


def test_a_project_absent_from_the_nightly_index_is_nothing_not_an_error(
        capsys, test_index, nightly_url, tmp_path) -> None:
    # cffi is on the root page but its page is a 404; without a root page, each is asked
    test_index.pages["/bare/simple/numpy/"] = test_index.pages["/nightly/simple/numpy/"]
    bare = nightly_url.replace("/nightly/", "/bare/")
    code, doc = status_json(capsys, test_index, tmp_path, "cffi", "six", "numpy",
                            "--nightly-index", nightly_url, "--nightly-index", bare)
    cffi, six, numpy = doc["results"]
    assert cffi["extra_indexes"] == [] and six["extra_indexes"] == [] and cffi["error"] is None
    assert [e["index_url"] for e in numpy["extra_indexes"]] == [nightly_url, bare]
    assert ("/nightly/simple/cffi/", 404) in {(r.path, r.status) for r in test_index.requests()}
    assert {(r.path, r.status) for r in test_index.requests("/bare/")} == {
        ("/bare/simple/", 404), ("/bare/simple/cffi/", 404), ("/bare/simple/six/", 404),
        ("/bare/simple/numpy/", 200)}
    assert code in (0, 1)


def test_a_json_nightly_index_is_read_too(test_index, index_config) -> None:
    body = (Path(__file__).parent / "data" / "index" / "simple" / "cereggii.json").read_bytes()
    test_index.pages["/json-nightly/cereggii/"] = ("application/vnd.pypi.simple.v1+json", body)
    url = test_index.url.replace("/simple/", "/json-nightly/")
    config = dataclasses.replace(index_config, nightly_indexes=(ExtraIndex(url, "json nightly"),))
    with IndexClient(config) as client:
        [status] = check_packages(client, [parse_request("cereggii")], select_targets(["3.13t"]))
    [extra] = status.extra_indexes
    assert extra.ft_pythons and extra.ft_pythons[0][0] == "3.13" and extra.error is None


def test_nightly_pages_are_cached_like_every_page(capsys, test_index, nightly_url, tmp_path) -> None:
    status_json(capsys, test_index, tmp_path, "numpy", "--nightly-index", nightly_url)
    before = len(test_index.requests("/nightly/"))
    _, doc = status_json(capsys, test_index, tmp_path, "numpy", "--nightly-index", nightly_url)
    assert len(test_index.requests("/nightly/")) == before  # fresh (max-age=600): no request
    assert doc["results"][0]["extra_indexes"][0]["latest_version"] == "2.6.0.dev0"
    _, doc = status_json(capsys, test_index, tmp_path, "numpy", "--nightly-index", nightly_url, "--offline")
    assert doc["results"][0]["extra_indexes"][0]["latest_version"] == "2.6.0.dev0"


def test_offline_without_the_nightly_pages_cached_is_not_checked(capsys, test_index, nightly_url, tmp_path) -> None:
    status_json(capsys, test_index, tmp_path, "numpy")  # PyPI pages cached, nightly ones not
    code, doc = status_json(capsys, test_index, tmp_path, "numpy", "--offline", "--nightly-index", nightly_url)
    [extra] = doc["results"][0]["extra_indexes"]
    assert extra["error"].startswith("not checked:") and "offline" in extra["error"]
    assert {t["verdict"] for t in doc["results"][0]["targets"]} != {"error"} and code != 3


def test_no_nightly_sends_no_nightly_request(capsys, test_index, nightly_url, tmp_path) -> None:
    _, doc = status_json(capsys, test_index, tmp_path, "numpy", "--nightly-index", nightly_url, "--no-nightly")
    assert doc["results"][0]["extra_indexes"] == [] and test_index.requests("/nightly/") == []


def test_nothing_reaches_the_real_nightly_hosts_with_a_test_index(capsys, test_index, tmp_path, connects) -> None:
    _, doc = status_json(capsys, test_index, tmp_path, "numpy", "torch")
    assert doc["results"][0]["extra_indexes"] == []
    hosts = {host for host, _ in connects}  # (metadata ranges go to the recorded file URLs)
    assert "127.0.0.1" in hosts and not hosts & {"pypi.anaconda.org", "download.pytorch.org"}


def test_extra_index_url_keeps_working_and_reads_html(capsys, test_index, nightly_url, tmp_path) -> None:
    code, out = status_table(capsys, test_index, tmp_path, "numpy", "--extra-index-url", nightly_url)
    assert f"extra index {nightly_url}" in out and "numpy 2.6.0.dev0: free-threaded wheels for" in out
    _, doc = status_json(capsys, test_index, tmp_path, "numpy", "--extra-index-url", nightly_url)
    [extra] = doc["results"][0]["extra_indexes"]
    assert extra["nightly"] is False and extra["label"] == nightly_url and extra["latest_version"] == "2.6.0.dev0"


# --- unreachable and failing nightly indexes -------------------------------------------


def test_an_unreachable_nightly_index_is_not_checked_and_tried_once(
        capsys, test_index, nightly_url, tmp_path, connects) -> None:
    port = closed_port()
    down = f"http://127.0.0.1:{port}/simple/"
    args = [*RECORDED, "--nightly-index", down, "--nightly-index", nightly_url]
    started = time.monotonic()
    code, doc = status_json(capsys, test_index, tmp_path, *args)
    took = time.monotonic() - started
    plain_code, plain = status_json(capsys, test_index, tmp_path / "plain", *RECORDED)
    assert without_extras(doc) == without_extras(plain) and code == plain_code
    for result in doc["results"]:
        assert result["error"] is None
        first = result["extra_indexes"][0]
        assert first["index_url"] == down and first["error"] == (
            f"not checked: 127.0.0.1:{port}/simple unreachable (ConnectError: [Errno 111] Connection refused)")
    # the other nightly index is still read: "not checked" is for that index only
    numpy = doc["results"][0]
    assert numpy["extra_indexes"][1]["latest_version"] == "2.6.0.dev0"
    # one refused connection for the whole run (a refusal is not retried), not one per package
    assert sum(1 for _, p in connects if p == port) == 1
    assert took < 10


def test_the_table_says_once_which_nightly_index_was_not_checked(capsys, test_index, tmp_path) -> None:
    port = closed_port()
    code, out = status_table(capsys, test_index, tmp_path, "numpy", "six", "requests", "--fail-on", "never",
                             "--nightly-index", f"http://127.0.0.1:{port}/simple/")
    text = " ".join(out.split())
    assert text.count("not checked") == 1 and code == 0
    assert (f"not checked: 127.0.0.1:{port}/simple (http://127.0.0.1:{port}/simple/) unreachable "
            f"(ConnectError: [Errno 111] Connection refused); nightly wheels unknown for 3 packages, "
            f"the verdicts above do not depend on it") in text


def test_a_failing_nightly_index_is_given_up_after_a_few_requests(test_index, nightly_url, index_config) -> None:
    test_index.faults.status(503, times=1000, path="/nightly/")
    config = dataclasses.replace(index_config, nightly_indexes=(ExtraIndex(nightly_url, "flaky"),))
    with IndexClient(config) as client:
        statuses = check_packages(client, [parse_request(n) for n in RECORDED], select_targets(["3.14t"]))
        [health] = client.extra_health()
    attempts = 1 + config.extra_retries
    # the root page and the next packages fail, then the index is given up
    assert len(test_index.requests("/nightly/")) <= FAILURES_IN_A_ROW * attempts
    assert health.down is not None
    assert health.down.startswith(f"not checked: flaky unreachable ({FAILURES_IN_A_ROW} requests in a row failed; "
                                  f"last: {nightly_url}")
    assert health.down.endswith(f": HTTP 503 (after {attempts} attempts))")
    errors = [e.error for s in statuses for e in s.extra_indexes]
    assert len(errors) == len(RECORDED) and all(errors)
    assert sum(e.startswith("not checked:") for e in errors) >= len(RECORDED) - FAILURES_IN_A_ROW
    assert all(s.error is None for s in statuses)


def test_a_silent_nightly_index_times_out_once(test_index, index_config) -> None:
    """A host that accepts connections and never answers (a firewall's blackhole, a hung
    server): one timeout for the run, no retry, every other package not checked."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/simple/"
    config = dataclasses.replace(index_config, extra_timeout=0.5,
                                 nightly_indexes=(ExtraIndex(url, "silent"),))
    try:
        started = time.monotonic()
        with IndexClient(config) as client:
            statuses = check_packages(client, [parse_request(n) for n in RECORDED[:6]], select_targets(["3.14t"]))
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()
    assert len(accepted) == 1 and took < 5
    assert all(s.extra_indexes[0].error == "not checked: silent unreachable (timed out (ReadTimeout))"
               for s in statuses)


def test_a_given_up_index_raises_not_checked_without_a_request(index_config) -> None:
    index = ExtraIndex(f"http://127.0.0.1:{closed_port()}/simple/", "gone", projects=("numpy",))
    with IndexClient(index_config) as client:
        assert client.extra_project_files(index, "six") is None  # not one of its projects: not asked
        with pytest.raises(NotChecked, match="not checked: gone unreachable"):
            client.extra_project_files(index, "numpy")
        [health] = client.extra_health()
        with pytest.raises(NotChecked):
            client.extra_project_files(index, "NumPy")
        assert health.requests == 1


def test_definitive_connection_failures() -> None:
    import httpx

    refused = httpx.ConnectError("refused")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    unknown = httpx.ConnectError("unknown")
    unknown.__cause__ = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    temporary = httpx.ConnectError("try again")
    temporary.__cause__ = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    assert definitive(refused) and definitive(unknown)
    assert not definitive(temporary) and not definitive(httpx.ConnectError("reset"))


def test_many_packages_cost_one_request_per_listed_package_and_one_connect_when_unreachable(
        test_index, nightly_url, index_config, connects) -> None:
    names = [f"pkg-{i:03d}" for i in range(150)]
    for name in names:  # main-index pages for 150 made-up projects, one pure wheel each
        test_index.overrides[f"/simple/{name}/"] = json.dumps({
            "meta": {"api-version": "1.1"}, "name": name, "versions": ["1.0"],
            "files": [{"filename": f"{name.replace('-', '_')}-1.0-py3-none-any.whl",
                       "url": f"https://files.example/{name}-1.0-py3-none-any.whl",
                       "hashes": {"sha256": "0" * 64}, "requires-python": None, "size": 1,
                       "upload-time": "2026-01-01T00:00:00Z", "yanked": False}]}).encode()
    port = closed_port()
    config = dataclasses.replace(index_config, json_url=None, nightly_indexes=(
        ExtraIndex(nightly_url, "n"), ExtraIndex(f"http://127.0.0.1:{port}/simple/", "down")))
    with IndexClient(config) as client:
        statuses = check_packages(client, [parse_request(n) for n in [*names, "numpy"]], default_targets())
    assert all([e.label for e in s.extra_indexes] == ["down"] for s in statuses[:-1])
    assert [e.label for e in statuses[-1].extra_indexes] == ["n", "down"]
    assert all(e.error and e.error.startswith("not checked: down unreachable")
               for s in statuses for e in s.extra_indexes if e.label == "down")
    assert [r.path for r in test_index.requests("/nightly/")] == ["/nightly/simple/", "/nightly/simple/numpy/"]
    assert sum(1 for _, p in connects if p == port) == 1  # for 151 packages

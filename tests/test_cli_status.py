"""`gilfree status` end to end against the local test index (recorded PyPI pages)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gilfree.cli import common, main
from gilfree.commands.status import check_packages, iter_statuses, parse_request, read_request_file
from gilfree.errors import BadInput
from gilfree.index.client import IndexClient
from gilfree.verdicts.model import Verdict
from gilfree.verdicts.targets import default_targets, select_targets


def index_args(test_index, tmp_path: Path) -> list[str]:
    return ["--index-url", test_index.url, "--json-url", test_index.json_url,
            "--cache-dir", str(tmp_path / "cache")]


def run_json(capsys, test_index, tmp_path, *args: str) -> tuple[int, dict]:
    code = main(["status", *args, "--format", "json", *index_args(test_index, tmp_path)])
    return code, json.loads(capsys.readouterr().out)


def by_target(result: dict) -> dict[str, dict]:
    return {t["target"]: t for t in result["targets"]}


def test_verdicts_for_the_four_well_known_packages(capsys, test_index, tmp_path) -> None:
    code, doc = run_json(capsys, test_index, tmp_path, "numpy", "pyyaml", "requests", "ruff")
    assert doc["schema"] == "gilfree.status" and len(doc["targets"]) == 24
    numpy, pyyaml, requests, ruff = doc["results"]
    n = by_target(numpy)
    assert n["3.14t-manylinux_x86_64"]["verdict"] == "ft-wheel"
    assert n["3.13t-manylinux_x86_64"]["first_ft_version"] == "2.1.0"
    assert numpy["pure"] is False
    y = by_target(pyyaml)
    assert y["3.14t-win_amd64"]["verdict"] == "ft-wheel" and y["3.14t-win_amd64"]["first_ft_version"] == "6.0.3"
    assert {t["verdict"] for t in requests["targets"]} == {"pure"} and requests["pure"] is True
    assert {t["verdict"] for t in ruff["targets"]} == {"binary"}
    assert code in (0, 1)  # 1 when some target is blocked (numpy dropped 3.13t wheels)


def test_pinned_release_and_missing_project(capsys, test_index, tmp_path) -> None:
    code, doc = run_json(capsys, test_index, tmp_path, "numpy==2.0.2", "gilfree-no-such-project-3f9c2a",
                         "--target", "3.13t-manylinux_x86_64")
    old, ghost = doc["results"]
    assert old["version"] == "2.0.2"
    assert old["targets"][0]["verdict"] == "no-ft-wheel" and old["targets"][0]["first_ft_version"] == "2.1.0"
    assert ghost["targets"][0]["verdict"] == "missing"
    assert code == 1


def test_index_errors_are_error_never_a_verdict(capsys, test_index, tmp_path) -> None:
    test_index.faults.status(503, times=100, path="/simple/six/")
    code, doc = run_json(capsys, test_index, tmp_path, "six", "--target", "3.14t")
    six = doc["results"][0]
    assert {t["verdict"] for t in six["targets"]} == {"error"}
    assert "503" in six["error"]
    assert code == 3


def test_table_output_and_detail(capsys, test_index, tmp_path) -> None:
    main(["status", "numpy", "requests", *index_args(test_index, tmp_path)])
    out = capsys.readouterr().out
    assert "numpy" in out and "ft wheels" in out and "since 2.1.0" in out and "pure Python" in out
    assert "some platforms 6/8" in out and "none: win_amd64, win_arm64" in out  # numpy on 3.13t
    main(["status", "numpy", "--target", "3.14t-win_amd64", "--detail", *index_args(test_index, tmp_path)])
    out = capsys.readouterr().out
    assert "cp314t-win_amd64.whl" in out


def test_a_narrow_table_wraps_cells_not_names(capsys, test_index, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(common.console, "width", 80)
    main(["status", "numpy", "pydantic-core", "markupsafe", *index_args(test_index, tmp_path)])
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    header = next(line for line in out.splitlines() if "package" in line)
    assert "version" in header and "kind" in header and "classifier" in header
    for name in ("numpy", "pydantic-core", "markupsafe", "native"):
        assert f" {name} " in out, name


def test_the_table_says_why_a_package_is_missing(capsys, test_index, tmp_path) -> None:
    main(["status", "numpy==0.0.1", "gilfree-no-such-project-3f9c2a", *index_args(test_index, tmp_path)])
    out = capsys.readouterr().out
    assert "numpy: no release 0.0.1 of numpy" in out
    assert "gilfree-no-such-project-3f9c2a: no project 'gilfree-no-such-project-3f9c2a' on the index" in out
    row = next(line for line in out.splitlines() if "0.0.1" in line)
    assert "sdist" not in row and "missing" in row  # a release that does not exist has no kind


def test_bad_input_is_one_line_exit_2(capsys, test_index, tmp_path) -> None:
    for args in (["numpy>=1"], ["not a name!"], ["numpy", "--target", "3.14t-plan9"], []):
        code = main(["status", *args, *index_args(test_index, tmp_path)])
        err = capsys.readouterr().err
        assert code == 2, args
        assert err.count("\n") == 1 and err.startswith("gilfree: error:"), err


def test_from_file_with_comments_and_bad_line(tmp_path) -> None:
    good = tmp_path / "names.txt"
    good.write_text("\ufeff# top packages\nnumpy\n\nrequests==2.32.3  # pinned\n", encoding="utf-8")
    assert [(r.name, r.version) for r in read_request_file(str(good))] == [("numpy", None), ("requests", "2.32.3")]
    bad = tmp_path / "bad.txt"
    bad.write_text("numpy\nrequests>=2\n")
    with pytest.raises(BadInput, match=r"bad.txt:2: "):
        read_request_file(str(bad))
    with pytest.raises(BadInput, match="cannot read"):
        read_request_file(str(tmp_path / "nope.txt"))


def test_output_file_is_written_whole(test_index, tmp_path) -> None:
    out = tmp_path / "report.json"
    main(["status", "six", "--format", "json", "--output", str(out), *index_args(test_index, tmp_path)])
    assert json.loads(out.read_text())["results"][0]["name"] == "six"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_check_packages_keeps_order_and_fetches_in_parallel(index_config) -> None:
    names = ["six", "numpy", "requests", "ruff", "pyyaml", "cffi", "markupsafe"]
    with IndexClient(index_config) as client:
        statuses = check_packages(client, [parse_request(n) for n in names], select_targets(["3.14t"]))
    assert [s.name for s in statuses] == names
    assert all(ts.verdict is not Verdict.ERROR for s in statuses for ts in s.targets)


def test_iter_statuses_hands_over_each_package_once_as_it_is_done(index_config) -> None:
    names = ["six", "numpy", "definitely-not-a-real-package-gilfree", "ruff"]
    with IndexClient(index_config) as client:
        seen = list(iter_statuses(client, [parse_request(n) for n in names], select_targets(["3.14t"])))
    assert sorted(i for i, _ in seen) == [0, 1, 2, 3]
    assert {names[i]: s.name for i, s in seen} == {n: n for n in names}
    assert next(s for i, s in seen if i == 2).targets[0].verdict is Verdict.MISSING


def test_offline_uses_only_the_cache(capsys, test_index, tmp_path) -> None:
    run_json(capsys, test_index, tmp_path, "six")
    test_index.faults.status(500, times=100)  # the index is down now
    code, doc = run_json(capsys, test_index, tmp_path, "six", "--offline")
    assert {t["verdict"] for t in doc["results"][0]["targets"]} == {"pure"}
    code, doc = run_json(capsys, test_index, tmp_path, "numpy", "--offline")
    assert {t["verdict"] for t in doc["results"][0]["targets"]} == {"error"} and code == 3


@pytest.mark.parametrize("sig", [signal.SIGINT])
def test_ctrl_c_during_a_long_from_run_exits_cleanly(test_index, tmp_path, sig) -> None:
    names = tmp_path / "many.txt"
    names.write_text("".join(f"pkg-{i:04d}\n" for i in range(400)))
    test_index.faults.slow(1.0, times=10_000)
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "gilfree", "status", "--from", str(names), "--format", "json",
           "--output", str(report), "--concurrency", "8", *index_args(test_index, tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    time.sleep(2.5)
    assert proc.poll() is None, "the run should still be going"
    started = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 8
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip() == "gilfree: interrupted"
    assert not report.exists()
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_default_targets_are_all_judged(index_config) -> None:
    with IndexClient(index_config) as client:
        [status] = check_packages(client, [parse_request("markupsafe")], default_targets())
    assert len(status.targets) == 24
    assert status.for_target(select_targets(["3.13t-manylinux_x86_64"])[0]).first_ft_version == "3.0.0"


# --- bad input is found before any work, one line, exit 2 ---------------------------------


def _bad_cli(capsys, test_index, argv: list[str]) -> str:
    test_index.reset_counters()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and err.startswith("gilfree: error: ")
    assert test_index.requests() == []  # nothing was asked of the index: checked first
    return err


@pytest.mark.parametrize("make, fragment", [
    (lambda p: p.mkdir() or p, "--output is a directory"),
    (lambda p: p.write_text("") or p / "report.json", "is not a directory"),
    (lambda p: p / "missing" / "report.json", "missing directories are not created"),
])
def test_an_output_that_cannot_be_written_fails_at_once(capsys, test_index, tmp_path, make, fragment) -> None:
    out = make(tmp_path / "out")
    err = _bad_cli(capsys, test_index, ["status", "six", "-o", str(out), *index_args(test_index, tmp_path)])
    assert fragment in err


def test_an_output_directory_without_permission(capsys, test_index, tmp_path, monkeypatch) -> None:
    """Root may write anywhere: the refusal is simulated where fsutil creates the probe."""
    from gilfree import fsutil

    real_open = os.open

    def deny(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if str(path).startswith(str(tmp_path / "ro")):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(fsutil.os, "open", deny)
    err = _bad_cli(capsys, test_index, ["status", "six", "-o", str(tmp_path / "ro" / "r.json"),
                                        *index_args(test_index, tmp_path)])
    assert "permission denied" in err


def test_output_goes_through_a_symlink(test_index, tmp_path) -> None:
    real = tmp_path / "reports" / "six.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    assert main(["status", "six", "-f", "json", "-o", str(link), *index_args(test_index, tmp_path)]) == 0
    assert link.is_symlink() and json.loads(real.read_text())["results"][0]["name"] == "six"


@pytest.mark.parametrize("targets", [[""], [","], [" , ,"], ["", ""]])
def test_an_empty_target_list_is_bad_input(capsys, test_index, tmp_path, targets) -> None:
    """A CI gate fed an empty variable used to run zero targets and pass ("ready")."""
    argv = ["status", "six", *[a for t in targets for a in ("--target", t)], *index_args(test_index, tmp_path)]
    assert "names no target" in _bad_cli(capsys, test_index, argv)


def test_an_empty_target_variable_is_bad_input(capsys, test_index, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GILFREE_TARGET", "")
    assert "GILFREE_TARGET names no target" in _bad_cli(capsys, test_index,
                                                          ["status", "six", *index_args(test_index, tmp_path)])


@pytest.mark.parametrize("url", ["http://[::1/simple/", "http://", "https://:443/", "http://h:99999/",
                                 "http://h:port/", "ftp://h/simple/", "http://h /simple/", "simple"])
def test_a_malformed_index_url_is_bad_input(capsys, test_index, tmp_path, url) -> None:
    argv = ["status", "six", *index_args(test_index, tmp_path), "--index-url", url]
    assert "--index-url" in _bad_cli(capsys, test_index, argv)


def test_malformed_urls_from_the_environment_name_the_variable(capsys, test_index, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GILFREE_JSON_URL", "http://[::1/pypi/")
    argv = ["status", "six", "--index-url", test_index.url, "--cache-dir", str(tmp_path / "c")]
    assert "GILFREE_JSON_URL" in _bad_cli(capsys, test_index, argv)


@pytest.mark.parametrize("value, offline", [("1", True), ("TRUE", True), ("yes", True), ("0", False),
                                            ("false", False), ("No", False)])
def test_boolean_variables(monkeypatch, value: str, offline: bool) -> None:
    import argparse

    monkeypatch.setenv("GILFREE_OFFLINE", value)
    assert common.index_config(argparse.Namespace(offline=None)).offline is offline


@pytest.mark.parametrize("value", ["maybe", "", "2", "on?"])
def test_a_boolean_variable_that_is_neither_is_bad_input(capsys, test_index, tmp_path, monkeypatch, value) -> None:
    monkeypatch.setenv("GILFREE_OFFLINE", value)
    assert "GILFREE_OFFLINE must be one of 1, 0, true, false, yes, no" in _bad_cli(
        capsys, test_index, ["status", "six", *index_args(test_index, tmp_path)])


def test_a_fifo_as_from_file_does_not_block(capsys, test_index, tmp_path) -> None:
    fifo = tmp_path / "names.txt"
    os.mkfifo(fifo)  # no writer
    start = time.monotonic()
    assert "named pipe" in _bad_cli(capsys, test_index, ["status", "--from", str(fifo),
                                                         *index_args(test_index, tmp_path)])
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("path", ["/dev/zero", "/", "nul\0byte.txt"])
def test_from_file_devices_directories_and_nul_bytes(capsys, test_index, tmp_path, path) -> None:
    _bad_cli(capsys, test_index, ["status", "--from", path, *index_args(test_index, tmp_path)])


def test_from_stdin_is_bounded_and_names_the_line(capsys, test_index, tmp_path, monkeypatch) -> None:
    import io

    from gilfree import fsutil

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"six\nnot a name!\n")))
    assert "<stdin>:2: " in _bad_cli(capsys, test_index, ["status", "--from", "-", *index_args(test_index, tmp_path)])
    monkeypatch.setattr(fsutil, "MAX_INPUT_BYTES", 10)
    monkeypatch.setattr(fsutil.read_stream, "__defaults__", (10,))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"six\n" * 100)))
    assert "<stdin>: too big" in _bad_cli(capsys, test_index, ["status", "--from", "-",
                                                               *index_args(test_index, tmp_path)])

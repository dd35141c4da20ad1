"""The wheel is the product: build the sdist and the wheel, install the wheel (not editable)
into a fresh venv, and run gilfree from there — so package data and the plugin's entry
point are proven to ship, on whichever interpreter runs the suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import gilfree

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "gilfree"
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def _package_files() -> set[str]:
    """Every file of the import package in the checkout, as ``gilfree/...`` paths."""
    return {f"gilfree/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that could point the venv at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GILFREE_", "PYTHON", "VIRTUAL_ENV", "PIP_", "UV_"))}
    return {**env, **extra}


def _uv() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert out.returncode == 0, f"{cmd} exited {out.returncode}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel): the wheel is built from the sdist, as `python -m build` does by default,
    so a file missing from the sdist is missing from the wheel too."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--installer", "uv", "--outdir", str(out), str(ROOT)],
         env=_clean_env(PATH=os.path.dirname(_uv()) + os.pathsep + os.environ["PATH"]))
    (sdist,) = out.glob("gilfree-*.tar.gz")
    (wheel,) = out.glob("gilfree-*-py3-none-any.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def venv(dists: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv of this interpreter with the wheel (and pytest, for the plugin) installed."""
    root = tmp_path_factory.mktemp("wheel-venv") / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(root)])
    _run([_uv(), "pip", "install", "--python", str(root / "bin" / "python"), str(dists[1]), "pytest"],
         env=_clean_env())
    return root


def _gilfree(venv: Path, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [str(venv / "bin" / "gilfree"), *args]
    if check:
        return _run(cmd, cwd=cwd, env=_clean_env(COLUMNS="200"))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd, env=_clean_env())


def test_the_wheel_and_the_sdist_hold_the_whole_package(dists: tuple[Path, Path]) -> None:
    sdist, wheel = dists
    assert wheel.name == f"gilfree-{gilfree.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"gilfree-{gilfree.__version__}.dist-info"
        metadata = Parser().parsestr(zf.read(f"{info}/METADATA").decode())
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    assert _package_files() <= names, sorted(_package_files() - names)
    for data in ("gilfree/data/top-pypi-packages.min.json", "gilfree/data/overlay.toml",
                 "gilfree/site/templates/base.html", "gilfree/site/assets/style.css",
                 "gilfree/site/docs/guide/porting-guide.md", "gilfree/site/docs/guide/nav.toml", "gilfree/py.typed"):
        assert data in names
    assert f"{info}/licenses/LICENSE" in names
    assert "gilfree = gilfree.cli:main" in entry_points
    assert "[pytest11]" in entry_points and "gilfree = gilfree.stress.plugin" in entry_points
    assert metadata["Name"] == "gilfree" and metadata["Version"] == gilfree.__version__
    assert metadata["License-Expression"] == "MIT" and metadata["Requires-Python"] == ">=3.10"
    assert "Programming Language :: Python :: Free Threading :: 3 - Stable" in metadata.get_all("Classifier")
    assert {url.split(",")[0] for url in metadata.get_all("Project-URL")} >= {"Source", "Issues", "Changelog"}
    with tarfile.open(sdist) as tf:
        top = f"gilfree-{gilfree.__version__}/"
        members = {m.name.removeprefix(top) for m in tf.getmembers()}
    assert {f"src/{name}" for name in _package_files()} <= members
    assert {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml"} <= members


def test_the_installed_wheel_is_what_runs(venv: Path, tmp_path: Path) -> None:
    out = _run([str(venv / "bin" / "python"), "-c", "import gilfree, sys; print(gilfree.__file__)"],
               cwd=tmp_path, env=_clean_env())
    assert Path(out.stdout.strip()).is_relative_to(venv)  # not the checkout, not editable
    assert _gilfree(venv, "--version", cwd=tmp_path).stdout.strip() == f"gilfree {gilfree.__version__}"
    module = _run([str(venv / "bin" / "python"), "-m", "gilfree", "--version"], cwd=tmp_path, env=_clean_env())
    assert module.stdout.strip() == f"gilfree {gilfree.__version__}"
    if FREE_THREADED:
        from test_runtime_bootstrap import IMPORT_ALL

        gil = _run([str(venv / "bin" / "python"), "-W", "error::RuntimeWarning", "-c", IMPORT_ALL],
                   cwd=tmp_path, env=_clean_env())
        assert gil.stdout.strip().splitlines()[-1] == "False"


def test_the_installed_wheel_checks_packages(venv: Path, test_index, tmp_path: Path) -> None:
    args = ["--index-url", test_index.url, "--json-url", test_index.json_url, "--cache-dir", str(tmp_path / "c")]
    out = _gilfree(venv, "status", "numpy", "requests", "--format", "json", *args, cwd=tmp_path, check=False)
    assert out.returncode in (0, 1), out.stderr
    doc = json.loads(out.stdout)
    assert doc["schema"] == "gilfree.status" and doc["gilfree_version"] == gilfree.__version__
    numpy, requests = doc["results"]
    assert {t["target"]: t["verdict"] for t in numpy["targets"]}["3.14t-manylinux_x86_64"] == "ft-wheel"
    assert {t["verdict"] for t in requests["targets"]} == {"pure"}


def test_the_installed_wheel_tracks_and_builds_the_site(venv: Path, test_index, tmp_path: Path) -> None:
    """`track --top` reads the bundled ranking; `site` needs the templates, assets and docs."""
    db = tmp_path / "track.sqlite3"
    args = ["--index-url", test_index.url, "--json-url", test_index.json_url, "--cache-dir", str(tmp_path / "c")]
    _gilfree(venv, "track", "--top", "20", "--db", str(db), "--target", "3.14t-manylinux_x86_64", *args,
             cwd=tmp_path)
    _gilfree(venv, "site", "--db", str(db), "--out", str(tmp_path / "site"), cwd=tmp_path)
    site = tmp_path / "site"
    pages = {p.stem for p in (site / "p").glob("*.html")}
    assert {"boto3", "requests", "numpy", "six"} <= pages and len(pages) == 20  # the ranking's top 20
    home = (site / "index.html").read_text()
    assert "gilfree" in home and f"gilfree {gilfree.__version__}" in home
    assert (site / "guide" / "porting-guide.html").is_file() and (site / "assets" / "style.css").is_file()


def test_the_installed_wheel_registers_the_pytest_plugin(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "test_tiny.py").write_text(
        "import threading\n"
        "def test_counts():\n"
        "    assert threading.current_thread() is not None\n")
    out = _run([str(venv / "bin" / "python"), "-m", "pytest", "--ft-threads", "2", "-p", "no:cacheprovider",
                "test_tiny.py"], cwd=tmp_path, env=_clean_env())
    assert "gilfree stress" in out.stdout
    assert "ran in threads: 1 test runs" in out.stdout and "1 passed" in out.stdout


@pytest.mark.ft
@pytest.mark.skipif(FREE_THREADED, reason="installs a second venv: run once, in the default-interpreter pass")
def test_gilfree_test_from_the_wheel_puts_its_own_plugin_in_the_suite_venv(
        venv: Path, ft_python: Path, tmp_path: Path) -> None:
    """Not run from a checkout, `gilfree test` copies its installed files into the suite's
    venv: a release that is on no index yet still tests a project."""
    from test_stress_cli import _project

    project = _project(tmp_path / "proj", "import tinyproj\ndef test_fresh():\n    assert tinyproj.Counter().value == 0\n")
    out = _gilfree(venv, "test", str(project), "--python", str(ft_python), "--threads", "2", "--iterations", "2",
                   "--", "-p", "no:cacheprovider", cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "gilfree test on Python 3." in out.stdout and "1 passed" in out.stdout

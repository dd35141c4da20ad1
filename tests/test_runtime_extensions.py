"""Extension modules found through RECORD, mapped to the distribution that installed them."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from gilfree.runtime.extensions import abi_tag, find_extension_modules, module_name, scan_distributions


@pytest.mark.parametrize(("filename", "tag"), [
    ("_core.cpython-313t-x86_64-linux-gnu.so", "cpython-313t-x86_64-linux-gnu"),
    ("_speedups.abi3.so", "abi3"),
    ("_x.cp314t-win_amd64.pyd", "cp314t-win_amd64"),
    ("plain.so", ""),
    ("module.py", ""),
])
def test_abi_tag(filename: str, tag: str) -> None:
    assert abi_tag(f"/site/pkg/{filename}") == tag


@pytest.mark.parametrize(("relative", "name"), [
    ("pkg/sub/_fast.cpython-313t-x86_64-linux-gnu.so", "pkg.sub._fast"),
    ("top.abi3.so", "top"),
    ("pkg/__init__.cpython-313t-x86_64-linux-gnu.so", "pkg"),
    ("numpy.libs/libopenblas-r0.3.so", None),
    ("pkg-1.0.data/scripts/tool.so", None),
    ("pkg/not-a-name.so", None),
    ("pkg/mod.py", None),
])
def test_module_name(relative: str, name: str | None) -> None:
    assert module_name(PurePosixPath(relative)) == name


def _install_fake(site: Path, dist: str, files: dict[str, bytes]) -> None:
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    for rel, data in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    record = [f"{rel},," for rel in files] + [f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n")


def test_scan_maps_each_extension_to_its_distribution(tmp_path: Path) -> None:
    sfx = ".cpython-313t-x86_64-linux-gnu.so"
    _install_fake(tmp_path, "Fast-Pkg", {
        f"fast/_a{sfx}": b"\x7fELF...PyInit__a\x00...",
        f"fast/_b{sfx}": b"\x7fELF...PyInit__b\x00...",
        "fast/_libs/libhelper.so": b"\x7fELF...helper\x00",  # no PyInit: a vendored library
        "fast.libs/libz-1a2b.so.1": b"\x7fELF",
        "fast/__init__.py": b"",
        "../../bin/tool": b"#!",
    })
    _install_fake(tmp_path, "other", {f"other{sfx}": b"PyInit_other\x00"})
    _install_fake(tmp_path, "pure", {"pure.py": b""})
    dists = {d.name: d for d in scan_distributions(tmp_path)}
    assert set(dists) == {"Fast-Pkg", "other", "pure"}
    assert [m for m, _ in dists["Fast-Pkg"].modules] == ["fast._a", "fast._b"]
    assert dists["pure"].modules == () and dists["pure"].has_record
    assert find_extension_modules(tmp_path, ["fast_pkg"]) == [
        ("fast._a", str(tmp_path / f"fast/_a{sfx}")), ("fast._b", str(tmp_path / f"fast/_b{sfx}"))]
    assert [m for m, _ in find_extension_modules([tmp_path], ["OTHER"])] == ["other"]

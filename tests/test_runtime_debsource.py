"""Finding, fetching and verifying Debian's CPython source: parsing recorded index and .dsc
text (tests/data/debian, trimmed to the fields gilfree reads), and fetching from a fake
pool served on 127.0.0.1 (no network)."""

from __future__ import annotations

import hashlib
import http.server
import lzma
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gilfree.errors import InterpreterError
from gilfree.runtime import debsource
from gilfree.runtime.debsource import Known, Series

DATA = Path(__file__).parent / "data" / "debian"
NO_KEYRING = Path("/nonexistent/keyring.gpg")


def test_sources_index_stanzas_of_one_package() -> None:
    with open(DATA / "sid-Sources-python3.14") as lines:
        entries = list(debsource.sources_entries(lines, "python3.14"))
    assert [e.version for e in entries] == ["3.14.9-1", "3.14.10-1"]
    newest = entries[1]
    assert newest.directory == "pool/main/p/python3.14"
    assert debsource.orig_tarball(newest.files) == (
        "python3.14_3.14.10.orig.tar.xz",
        "de414a57119abef52784d8993e341d53aed635fc2b05c2607d9f98a2c5b72032")
    assert newest.files["python3.14_3.14.10-1.dsc"][1] == 3494
    with open(DATA / "sid-Sources-python3.14") as lines:  # two stanzas, and the .asc file
        older = list(debsource.sources_entries(lines, "python3.13"))
    assert [e.version for e in older] == ["3.13.15-1", "3.13.18-1"]
    assert "python3.13_3.13.18.orig.tar.xz.asc" in older[1].files
    assert debsource.orig_tarball(older[1].files)[0] == "python3.13_3.13.18.orig.tar.xz"


def test_dsc_gives_the_orig_tarball_and_its_sha256() -> None:
    dsc = debsource.parse_dsc((DATA / "python3.14_3.14.7-1.dsc").read_text())
    assert (dsc.package, dsc.version, dsc.directory) == (
        "python3.14", "3.14.7-1", "pool/main/p/python3.14")
    assert debsource.orig_tarball(dsc.files) == (
        "python3.14_3.14.7.orig.tar.xz",
        "3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81")
    assert dsc.files["python3.14_3.14.7.orig.tar.xz"][1] == 24053924
    known = debsource.SERIES["3.14"].known[0]  # the recorded SHA-256 is the .dsc's
    assert known.sha256 == dsc.files["python3.14_3.14.7.orig.tar.xz"][0]


def test_clear_signed_text_is_unwrapped() -> None:
    text = ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nSuite: sid\n- -dashed\n"
            "-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n")
    assert debsource.strip_signature(text) == "Suite: sid\n-dashed"
    assert debsource.strip_signature("Suite: sid\n") == "Suite: sid\n"


# --- a fake pool on 127.0.0.1 -----------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D102 - keep pytest output clean
        pass


class Pool(type(Path())):  # type: ignore[misc]
    """The fake mirror's directory, with its URL."""

    url = ""


@pytest.fixture
def pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory served at ``http://127.0.0.1:<port>/debian`` (its URL: ``pool.url``)."""
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "www"
    (root / "debian").mkdir(parents=True)
    handler = lambda *a, **kw: _Quiet(*a, directory=str(root), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    mirror = Pool(root / "debian")
    mirror.url = f"http://127.0.0.1:{server.server_address[1]}/debian"
    try:
        yield mirror
    finally:
        server.shutdown()
        server.server_close()


def _put(mirror: Path, rel: str, data: bytes) -> str:
    path = mirror / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _index(mirror: Path, suite: str, stanzas: list[tuple[str, str, str]],
           release: bool = False) -> None:
    """A Sources.xz naming ``(version, orig name, sha256)``; with ``release``, an unsigned
    InRelease listing its checksum."""
    text = "Package: other\nVersion: 1\n\n" + "".join(
        f"Package: python3.14\nVersion: {v}\nChecksums-Sha256:\n {sha} 10 {name}\n"
        f" {'0' * 64} 5 python3.14_{v}.dsc\nDirectory: pool/main/p/python3.14\n\n"
        for v, name, sha in stanzas)
    data = lzma.compress(text.encode())
    digest = _put(mirror, f"dists/{suite}/main/source/Sources.xz", data)
    if release:
        _put(mirror, f"dists/{suite}/InRelease",
             f"Suite: {suite}\nSHA256:\n {digest} {len(data)} main/source/Sources.xz\n".encode())


@pytest.fixture
def series(monkeypatch: pytest.MonkeyPatch) -> Series:
    """3.14 with a known fallback (3.14.7) and a pre-release one without .dsc (3.14.8~rc1)."""
    fake = Series("python3.14", ("sid",), (Known("3.14.8~rc1", "1", None), Known("3.14.7", "1", None)))
    monkeypatch.setitem(debsource.SERIES, "3.14", fake)
    return fake


def _fetch(pool: Path, tmp_path: Path, messages: list[str] | None = None) -> debsource.Source:
    say = (messages.append if messages is not None else lambda m: None)
    return debsource.fetch_source("3.14", tmp_path / "dl", mirror=pool.url, say=say,  # type: ignore[attr-defined]
                                  keyring=NO_KEYRING)


def test_an_indexed_version_that_is_served_is_verified_by_the_index(pool, series, tmp_path) -> None:
    sha = _put(pool, "pool/main/p/python3.14/python3.14_3.14.10.orig.tar.xz", b"tarball 10")
    _index(pool, "sid", [("3.14.9-1", "python3.14_3.14.9.orig.tar.xz", "0" * 64),
                         ("3.14.10-1", "python3.14_3.14.10.orig.tar.xz", sha)], release=True)
    messages: list[str] = []
    src = _fetch(pool, tmp_path, messages)
    assert (src.version, src.python_version, src.sha256) == ("3.14.10-1", "3.14.10", sha)
    assert src.tarball.read_bytes() == b"tarball 10"
    assert "sid Sources index" in src.verified and "signature not checked" in src.verified
    assert any("names python3.14 3.14.9-1, 3.14.10-1" in m for m in messages)


def test_indexed_versions_that_404_fall_back_to_a_known_version_verified_by_its_dsc(
        pool, series, tmp_path) -> None:
    _index(pool, "sid", [("3.14.10-1", "python3.14_3.14.10.orig.tar.xz", "1" * 64)])
    sha = _put(pool, "pool/main/p/python3.14/python3.14_3.14.7.orig.tar.xz", b"tarball 7")
    _put(pool, "pool/main/p/python3.14/python3.14_3.14.7-1.dsc",
         f"Source: python3.14\nVersion: 3.14.7-1\nChecksums-Sha256:\n {sha} 9 "
         f"python3.14_3.14.7.orig.tar.xz\n".encode())
    messages: list[str] = []
    src = _fetch(pool, tmp_path, messages)
    assert (src.version, src.origin, src.verified) == (
        "3.14.7-1", "known version", "SHA-256 from python3.14_3.14.7-1.dsc")
    assert any("3.14.10-1 (sid): the mirror does not serve" in m for m in messages)
    assert any("python3.14_3.14.8~rc1.orig.tar.xz (404)" in m for m in messages)
    assert not list((tmp_path / "dl").glob("*.part"))


def test_a_tarball_that_does_not_match_its_dsc_is_refused(pool, series, tmp_path) -> None:
    _put(pool, "pool/main/p/python3.14/python3.14_3.14.7.orig.tar.xz", b"tampered")
    _put(pool, "pool/main/p/python3.14/python3.14_3.14.7-1.dsc",
         f"Source: python3.14\nVersion: 3.14.7-1\nChecksums-Sha256:\n {'ab' * 32} 9 "
         "python3.14_3.14.7.orig.tar.xz\n".encode())
    with pytest.raises(InterpreterError, match="is not the expected .*refusing it"):
        _fetch(pool, tmp_path)
    assert list((tmp_path / "dl").iterdir()) == []  # neither the file nor its .part


def test_a_dsc_that_contradicts_the_recorded_sha256_is_refused(pool, monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(debsource.SERIES, "3.14", Series("python3.14", (), (
        Known("3.14.7", "1", "cd" * 32),)))
    sha = _put(pool, "pool/main/p/python3.14/python3.14_3.14.7.orig.tar.xz", b"other")
    _put(pool, "pool/main/p/python3.14/python3.14_3.14.7-1.dsc",
         f"Source: python3.14\nChecksums-Sha256:\n {sha} 5 python3.14_3.14.7.orig.tar.xz\n".encode())
    with pytest.raises(InterpreterError, match="not the .* gilfree recorded"):
        _fetch(pool, tmp_path)


def test_without_a_dsc_the_tarball_is_used_unverified_and_said_so(pool, series, tmp_path) -> None:
    sha = _put(pool, "pool/main/p/python3.14/python3.14_3.14.8~rc1.orig.tar.xz", b"rc tarball")
    messages: list[str] = []
    src = _fetch(pool, tmp_path, messages)  # no index at all: the known versions still work
    assert (src.version, src.python_version, src.verified, src.sha256) == (
        "3.14.8~rc1-1", "3.14.8rc1", None, sha)
    assert any("WITHOUT verification" in m for m in messages)
    assert any("sid:" in m for m in messages)  # the missing index is reported


def test_an_index_that_does_not_match_inrelease_is_not_used(pool, series, tmp_path) -> None:
    sha = _put(pool, "pool/main/p/python3.14/python3.14_3.14.10.orig.tar.xz", b"tarball 10")
    _index(pool, "sid", [("3.14.10-1", "python3.14_3.14.10.orig.tar.xz", sha)], release=True)
    _put(pool, "dists/sid/main/source/Sources.xz", lzma.compress(b"Package: python3.14\n"))
    _put(pool, "pool/main/p/python3.14/python3.14_3.14.7.orig.tar.xz", b"tarball 7")
    messages: list[str] = []
    src = _fetch(pool, tmp_path, messages)
    assert src.version == "3.14.7-1"
    assert any("SHA-256 does not match InRelease" in m for m in messages)


@pytest.mark.skipif(shutil.which("gpgv") is None or not debsource.ARCHIVE_KEYRING.is_file(),
                    reason="needs gpgv and Debian's archive keyring")
def test_an_inrelease_whose_signature_does_not_verify_is_not_used(pool, tmp_path) -> None:
    _put(pool, "dists/sid/InRelease", b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
         b"Suite: sid\n-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n")
    with pytest.raises(InterpreterError, match="signature does not verify"):
        debsource.release_checksums(pool.url, "sid")  # type: ignore[attr-defined]


def test_nothing_served_is_one_error_naming_what_was_tried(pool, series, tmp_path) -> None:
    _index(pool, "sid", [("3.14.10-1", "python3.14_3.14.10.orig.tar.xz", "1" * 64)])
    with pytest.raises(InterpreterError, match=r"tried 3\.14\.10-1, 3\.14\.8~rc1-1, 3\.14\.7-1"):
        _fetch(pool, tmp_path)


def test_unknown_series_is_refused_before_any_network(tmp_path) -> None:
    with pytest.raises(InterpreterError, match="builds 3.13t, 3.14t, 3.15t only"):
        debsource.fetch_source("3.16", tmp_path, mirror="http://127.0.0.1:9/debian")


def test_known_versions_are_newest_first_and_only_3_15_is_prerelease() -> None:
    for minor, series in debsource.SERIES.items():
        versions = [f"{k.version}-{k.revision}" for k in series.known]
        assert versions == sorted(versions, key=debsource.version_key, reverse=True)
        assert all(k.version.startswith(minor + ".") for k in series.known)
    assert [k.version for k in debsource.SERIES["3.15"].known] == ["3.15.0~rc2", "3.15.0~rc1"]
    assert not any(debsource.is_prerelease(k.version) for k in debsource.SERIES["3.14"].known)


def test_mirror_urls_keep_tilde_and_plus() -> None:
    assert debsource._url("http://m/debian/", "pool/main/p/python3.15",
                          "python3.15_3.15.0~rc2.orig.tar.xz") == (
        "http://m/debian/pool/main/p/python3.15/python3.15_3.15.0~rc2.orig.tar.xz")
    assert debsource._url("http://m/debian", "python3.13_3.13.5-2+deb13u5.dsc").endswith("+deb13u5.dsc")


def test_the_recorded_dsc_served_by_a_pool_is_what_verifies_the_tarball(pool, monkeypatch,
                                                                         tmp_path) -> None:
    real = debsource.SERIES["3.14"]
    monkeypatch.setitem(debsource.SERIES, "3.14", Series("python3.14", (), real.known))
    _put(pool, "pool/main/p/python3.14/python3.14_3.14.7-1.dsc",
         (DATA / "python3.14_3.14.7-1.dsc").read_bytes())
    _put(pool, "pool/main/p/python3.14/python3.14_3.14.7.orig.tar.xz", b"not the real one")
    messages: list[str] = []
    with pytest.raises(InterpreterError, match="is not the expected 3b48dac8"):
        _fetch(pool, tmp_path, messages)
    assert messages == ["trying python3.14 3.14.7-1 from the pool: python3.14_3.14.7.orig.tar.xz"]

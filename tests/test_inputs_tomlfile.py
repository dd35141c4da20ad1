"""Big TOML files (lock files) are parsed once per content; errors still point at lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from gilfree.errors import BadInput
from gilfree.inputs import tomlfile


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = tomlfile.loads_toml

    def counting(text: str, where: str):
        seen.append(where)
        return real(text, where)

    monkeypatch.setattr(tomlfile, "loads_toml", counting)
    return seen


def big_lock(path: Path, extra: str = "") -> Path:
    packages = "".join(f'[[package]]\nname = "p{i}"\nversion = "1.{i}"\nsdist = {{ url = "https://x/p{i}.tar.gz" }}\n\n'
                       for i in range(6000))
    path.write_text(f"version = 1\n{extra}\n{packages}")
    assert path.stat().st_size >= tomlfile.MEMO_MIN_BYTES
    return path


def test_a_big_file_is_parsed_once_per_content(parses: list[str], tmp_path: Path) -> None:
    lock = big_lock(tmp_path / "uv.lock")
    first, text = tomlfile.load_toml(lock, tmp_path / "memo")
    again, text_again = tomlfile.load_toml(lock, tmp_path / "memo")
    assert parses == [str(lock)] and first == again and text == text_again
    assert again["package"][5999] == {"name": "p5999", "version": "1.5999", "sdist": {"url": "https://x/p5999.tar.gz"}}
    lock.write_text(lock.read_text().replace('"1.5999"', '"2.0"'))
    assert tomlfile.load_toml(lock, tmp_path / "memo")[0]["package"][5999]["version"] == "2.0"
    assert len(parses) == 2


def test_what_json_cannot_hold_is_parsed_every_time(parses: list[str], tmp_path: Path) -> None:
    lock = big_lock(tmp_path / "uv.lock", extra="created = 2026-12-01T10:00:00Z")
    assert tomlfile.load_toml(lock, tmp_path / "memo")[0]["created"].year == 2026
    assert tomlfile.load_toml(lock, tmp_path / "memo")[0]["created"].year == 2026
    assert len(parses) == 2


def test_a_bad_big_file_fails_the_same_way_every_time(parses: list[str], tmp_path: Path) -> None:
    lock = big_lock(tmp_path / "uv.lock", extra="broken = [")
    for _ in range(2):
        with pytest.raises(BadInput) as err:
            tomlfile.load_toml(lock, tmp_path / "memo")
        assert err.value.path == str(lock) and err.value.line in (2, 3)


def test_small_files_are_not_kept(parses: list[str], tmp_path: Path) -> None:
    small = tmp_path / "pyproject.toml"
    small.write_text('[project]\nname = "x"\n')
    tomlfile.load_toml(small, tmp_path / "memo")
    tomlfile.load_toml(small, tmp_path / "memo")
    assert len(parses) == 2 and not (tmp_path / "memo").exists()


def test_without_a_memo_dir_nothing_is_kept(parses: list[str], tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GILFREE_CACHE_DIR", str(tmp_path / "cache"))
    lock = big_lock(tmp_path / "uv.lock")
    tomlfile.load_toml(lock)
    tomlfile.load_toml(lock)
    assert len(parses) == 2 and not (tmp_path / "cache").exists()


# --- bounded recursion: hostile nesting in every TOML format -----------------------------

from gilfree.inputs import load_input  # noqa: E402

HOSTILE = {
    "arrays 500 deep": "evil = " + "[" * 500 + "]" * 500 + "\n",
    "inline tables 500 deep": "evil = " + "{a = " * 500 + "1" + "}" * 500 + "\n",
    "a dotted key of 1,000 parts": ".".join(["k"] * 1000) + " = 1\n",
    "a dotted key of 5,000 parts": ".".join(["k"] * 5000) + " = 1\n",
    "a table header of 1,500 parts": "[" + ".".join(["t"] * 1500) + "]\n",
}
VALID = {
    "pyproject.toml": '[project]\nname = "x"\ndependencies = ["six"]\n',
    "uv.lock": 'version = 1\n[[package]]\nname = "x"\nversion = "0.1"\nsource = { virtual = "." }\n',
    "poetry.lock": '[[package]]\nname = "six"\nversion = "1.0"\n[metadata]\nlock-version = "2.0"\n',
    "pylock.toml": ('lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "six"\nversion = "1.0"\n'
                    'sdist = { url = "https://x/six-1.0.tar.gz", hashes = { sha256 = "00" } }\n'),
}


@pytest.mark.parametrize("name", sorted(VALID))
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_deep_toml_is_bad_input_naming_the_file(tmp_path: Path, name: str, case: str) -> None:
    """tomli recursed into a RecursionError (a traceback) in all four formats."""
    path = tmp_path / name
    path.write_text(HOSTILE[case] + VALID[name] if case.startswith("a table") else VALID[name] + HOSTILE[case])
    with pytest.raises(BadInput, match="nested too deeply") as info:
        load_input(path)
    message = str(info.value)
    assert message.startswith(f"{path}") and "\n" not in message


@pytest.mark.parametrize("name", sorted(VALID))
def test_the_valid_documents_above_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(VALID[name])
    assert load_input(path) is not None

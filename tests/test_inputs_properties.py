"""Property tests of every input reader: on any input, a result or one BadInput line.

Each reader (requirements, pyproject, uv.lock, poetry.lock, pylock, the ``--python``
environment report, ranking and package lists, the curated overlay) is fed the valid
examples of tests/ and examples/, mutated (truncated, duplicated, random bytes inserted,
deep nesting, huge lines, dotted keys of many parts), and inputs made from nothing. Each
run must end in a result or in exactly one ``BadInput`` whose message has no line break,
within a time budget proportional to the input's size (super-linear parsing fails it),
never another exception (a RecursionError, a TypeError, a traceback).

Reproducible: ``derandomize=True`` and no example database, so CI sees the same inputs
as a developer. Hypothesis' own ``deadline`` is off: the budget below is the contract
(and it is proportional to the input, which a fixed deadline is not).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gilfree.commands.status import read_request_file
from gilfree.errors import BadInput
from gilfree.inputs.environment import environment_from_report
from gilfree.inputs.poetrylock import read_poetry_lock
from gilfree.inputs.pylock import read_pylock
from gilfree.inputs.pyproject import read_pyproject
from gilfree.inputs.requirements import read_requirements
from gilfree.inputs.uvlock import read_uv_lock
from gilfree.store.overlay import load_overlay
from gilfree.store.ranking import load_ranking

ROOT = Path(__file__).parent.parent
INPUTS = Path(__file__).parent / "data" / "inputs"
EXAMPLES = ROOT / "examples"
DATA = ROOT / "src" / "gilfree" / "data"

PROPERTY = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])

#: The time budget of one read: a fixed part (imports, a subprocess-free parse of a small
#: file) and a part per byte, both generous (10x what the slowest interpreter here needs,
#: a free-threaded 3.13 with pure-Python tomli): a parser that is quadratic on a 100 KB
#: line needs minutes.
BUDGET_BASE = 2.0
BUDGET_PER_BYTE = 10e-6


def _blocks(text: str, marker: str, keep: int, must: Callable[[str], bool] = lambda b: False) -> str:
    """A lock file cut down to its header and ``keep`` of its ``marker`` blocks (and every
    block ``must`` keeps): seeds small enough to parse hundreds of times."""
    head, *blocks = text.split(marker)
    kept = blocks[:keep] + [b for b in blocks[keep:] if must(b)]
    tail = ""
    if blocks and "\n[metadata]" in blocks[-1] and blocks[-1] not in kept:  # poetry's trailer
        tail = blocks[-1][blocks[-1].index("\n[metadata]"):]
    return head + "".join(marker + b for b in kept) + tail


def _seeds() -> dict[str, list[bytes]]:
    uv = (EXAMPLES / "cli-uv" / "uv.lock").read_text()
    poetry = (EXAMPLES / "service-poetry" / "poetry.lock").read_text()
    pylock = (EXAMPLES / "pylock" / "pylock.toml").read_text()
    ranking = json.loads((DATA / "top-pypi-packages.min.json").read_bytes())
    ranking["rows"] = ranking["rows"][:40]
    return {
        "requirements": [(INPUTS / "nasty-requirements.txt").read_bytes(),
                         (EXAMPLES / "webapp-requirements" / "requirements.txt").read_bytes()],
        "pyproject": [(INPUTS / "ds-pyproject.toml").read_bytes(),
                      (EXAMPLES / "datascience-pyproject" / "pyproject.toml").read_bytes(),
                      (EXAMPLES / "big-app" / "pyproject.toml").read_bytes()],
        "uv.lock": [_blocks(uv, "\n[[package]]\n", 6, lambda b: "editable" in b or "virtual" in b).encode()],
        "poetry.lock": [_blocks(poetry, "\n[[package]]\n", 6).encode()],
        "pylock": [_blocks(pylock, "\n[[packages]]\n", 4).encode()],
        "environment": [json.dumps({"python": "3.13.5", "dists": [
            {"name": "httpx", "version": "0.28.1", "requires": ["anyio", "idna", "brotli; extra == 'brotli'"],
             "direct_url": None},
            {"name": "anyio", "version": "4.9.0", "requires": ["idna>=2.8"], "direct_url": None},
            {"name": "idna", "version": "3.10", "requires": [], "direct_url": None},
            {"name": "mine", "version": "0.1", "requires": ["httpx"],
             "direct_url": json.dumps({"url": "file:///src/mine", "dir_info": {"editable": True}})},
        ]}).encode()],
        "ranking": [json.dumps(ranking).encode(), b"# top\nnumpy\nrequests  # comment\nsix\n"],
        "package list": [b"numpy\nrequests==2.32.3  # pinned\n\n# comment\nsix\n"],
        "overlay": [(DATA / "overlay.toml").read_bytes()[:6000].rsplit(b"\n[packages.", 1)[0] + b"\n"],
    }


SEEDS = _seeds()
POETRY_PYPROJECT = (EXAMPLES / "service-poetry" / "pyproject.toml").read_bytes()


def _read(kind: str, data: bytes, directory: Path) -> object:
    """Run the reader of ``kind`` on ``data`` (written where that reader looks for it)."""
    if kind == "environment":
        return environment_from_report("/venv/bin/python", data, b"Traceback...\nboom\n")
    names = {"requirements": "requirements.txt", "pyproject": "pyproject.toml", "uv.lock": "uv.lock",
             "poetry.lock": "poetry.lock", "pylock": "pylock.toml", "ranking": "top.json",
             "package list": "packages.txt", "overlay": "overlay.toml"}
    path = directory / names[kind]
    path.write_bytes(data)
    if kind == "requirements":  # the files the seeds include (-r/-c), as in their directories
        (directory / "nested").mkdir(exist_ok=True)
        for name in ("base.txt", "constraints.txt"):
            (directory / "nested" / name).write_bytes((INPUTS / "nested" / name).read_bytes())
        for name in ("requirements-base.txt", "constraints.txt"):
            (directory / name).write_bytes((EXAMPLES / "webapp-requirements" / name).read_bytes())
        (directory / "nasty-requirements.txt").write_bytes(SEEDS["requirements"][0])  # base.txt's -r ..
        return read_requirements(path)
    if kind == "pyproject":
        return read_pyproject(path, ("all",), ("all",))
    if kind == "uv.lock":
        return read_uv_lock(path, ("all",), ("all",))
    if kind == "poetry.lock":
        (directory / "pyproject.toml").write_bytes(POETRY_PYPROJECT)
        return read_poetry_lock(path)
    if kind == "pylock":
        return read_pylock(path)
    if kind == "ranking":
        return load_ranking(path)
    if kind == "package list":
        return read_request_file(str(path))
    return load_overlay(path)


def result_or_one_bad_input(kind: str, data: bytes) -> None:
    """The contract: a result, or one BadInput line; in time proportional to the size."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        try:
            _read(kind, data, Path(tmp))
        except BadInput as exc:
            message = str(exc)
            assert message and "\n" not in message and "\r" not in message, repr(message)
            assert message.isprintable(), repr(message)
        # any other exception fails the test, with its traceback
        elapsed = time.perf_counter() - start
    budget = BUDGET_BASE + BUDGET_PER_BYTE * len(data)
    assert elapsed < budget, f"{kind}: {len(data):,} bytes took {elapsed:.2f} s (budget {budget:.2f} s)"


# --- mutations ----------------------------------------------------------------------------

def _deep(n: int, style: int) -> bytes:
    """Nesting ``n`` deep, in one of the shapes parsers recurse on."""
    if style == 0:
        return b"deep = " + b"[" * n + b"]" * n
    if style == 1:
        return b"deep = " + b"{a = " * n + b"1" + b"}" * n
    if style == 2:
        return b".".join([b"k"] * n) + b" = 1"
    if style == 3:
        return b"[" + b".".join([b"t"] * n) + b"]"
    if style == 4:
        return b"x; " + b"(" * n + b'python_version > "3"' + b")" * n  # a marker
    if style == 5:
        return b'{"a": ' * n + b"1" + b"}" * n  # JSON
    return b"[" * n + b"]" * n


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> bytes:
    """A seed of ``kind`` changed 1 to 3 times."""
    data = bytearray(draw(st.sampled_from(SEEDS[kind])))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.integers(0, 8))
        at = draw(st.integers(0, len(data)))
        if op == 0:  # truncate
            del data[at:]
        elif op == 1:  # duplicate a slice
            end = draw(st.integers(at, min(len(data), at + 4000)))
            data[at:at] = data[at:end]
        elif op == 2:  # random bytes
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif op == 3:  # replace one byte
            if data:
                data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == 4:  # deep nesting, on a line of its own
            n = draw(st.sampled_from([60, 150, 600, 1200, 3000]))
            data[at:at] = b"\n" + _deep(n, draw(st.integers(0, 6))) + b"\n"
        elif op == 5:  # a huge line
            size = draw(st.sampled_from([10_000, 100_000]))
            filler = draw(st.sampled_from([b" ", b"a", b"#", b"\\", b"[", b"\t", b"-", b"=", b" #"]))
            data[at:at] = filler * (size // len(filler))
        elif op == 6:  # delete a slice
            del data[at:at + draw(st.integers(1, 200))]
        elif op == 7:  # a NUL byte, a BOM, a lone surrogate's UTF-8, a line separator
            data[at:at] = draw(st.sampled_from([b"\x00", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\xe2\x80\xa8",
                                                b"\r", b"\x0c"]))
        else:  # text that means something to one of the formats
            data[at:at] = draw(st.sampled_from([
                b"\n-r requirements.txt\n", b"\n-c constraints.txt\n", b"\n-r /dev/zero\n",
                b"\n-r no/such.txt\n", b"\n-e .\n", b"\n--hash=sha256:00\n", b" \\\n", b"${HOME}",
                b'\ndependencies = "x"\n', b"\n[project]\n", b"\n[[package]]\n", b'\nname = "x"\n',
                b"\nversion = 7\n", b"\n[tool.poetry.dependencies]\nx = 1\n", b"\nmarker = \"(\"\n",
                b'{"rows": 1}', b"[packages.x]\nnotes = 1\n", b"\nlock-version = \"9\"\n",
                b'"dists": {}', b'"requires": [1]', b"null", b"[]", b"1e400",
            ]))
    return bytes(data)


def generated() -> st.SearchStrategy[bytes]:
    """Inputs made from nothing: bytes, text, lines of format-ish tokens."""
    tokens = st.sampled_from(["[", "]", "{", "}", "=", '"', "'", "#", ".", ",", "\n", " ", "-r", "a", "1",
                              "[[package]]", "name", "version", ";", "(", ")", "@", "\\", "\x00", "é"])
    return st.one_of(st.binary(max_size=3000),
                     st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
                     st.lists(tokens, max_size=400).map(lambda t: "".join(t).encode("utf-8")))


KINDS = sorted(SEEDS)


def test_every_seed_reads() -> None:
    """The seeds themselves are valid: the readers give results, not errors."""
    with tempfile.TemporaryDirectory() as tmp:
        for kind in KINDS:
            for seed in SEEDS[kind]:
                assert _read(kind, seed, Path(tmp)) is not None, kind


@PROPERTY
@given(data=mutated("requirements"))
def test_requirements(data: bytes) -> None:
    result_or_one_bad_input("requirements", data)


@PROPERTY
@given(data=mutated("pyproject"))
def test_pyproject(data: bytes) -> None:
    result_or_one_bad_input("pyproject", data)


@PROPERTY
@given(data=mutated("uv.lock"))
def test_uv_lock(data: bytes) -> None:
    result_or_one_bad_input("uv.lock", data)


@PROPERTY
@given(data=mutated("poetry.lock"))
def test_poetry_lock(data: bytes) -> None:
    result_or_one_bad_input("poetry.lock", data)


@PROPERTY
@given(data=mutated("pylock"))
def test_pylock(data: bytes) -> None:
    result_or_one_bad_input("pylock", data)


@PROPERTY
@given(data=mutated("environment"))
def test_environment_report(data: bytes) -> None:
    result_or_one_bad_input("environment", data)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=8)


@settings(PROPERTY, max_examples=30)
@given(report=st.dictionaries(st.sampled_from(["python", "dists", "x"]), JSON, max_size=3),
       dists=st.lists(st.dictionaries(st.sampled_from(["name", "version", "requires", "direct_url"]), JSON),
                      max_size=4))
def test_environment_report_of_any_shape(report: dict, dists: list) -> None:
    """What a ``--python`` that is some other program may print: JSON of any shape."""
    if dists:
        report["dists"] = dists
    result_or_one_bad_input("environment", json.dumps(report).encode())


@PROPERTY
@given(data=mutated("ranking"))
def test_ranking(data: bytes) -> None:
    result_or_one_bad_input("ranking", data)


@PROPERTY
@given(data=mutated("package list"))
def test_package_list(data: bytes) -> None:
    result_or_one_bad_input("package list", data)


@PROPERTY
@given(data=mutated("overlay"))
def test_overlay(data: bytes) -> None:
    result_or_one_bad_input("overlay", data)


@settings(PROPERTY, max_examples=25)
@given(kind=st.sampled_from(KINDS), data=generated())
def test_inputs_made_from_nothing(kind: str, data: bytes) -> None:
    result_or_one_bad_input(kind, data)


def test_huge_lines_are_read_in_linear_time() -> None:
    """The cases that were quadratic (two backtracking regular expressions in the
    requirements reader: 65-86 s for one line of 100,000 spaces), and their neighbours in
    every format, each within the same proportional budget."""
    for line in (b"a" + b" " * 100_000 + b"b", b" " * 100_000 + b"#x", b"-r" + b" " * 100_000 + b"x",
                 b"a" + b" " * 100_000 + b"[x" + b" " * 100_000 + b"@", b"a #" * 30_000,
                 b"\\\n" * 50_000, b"a" * 100_000 + b"[", b"x" + b" \t" * 50_000 + b"; python_version > '3'"):
        result_or_one_bad_input("requirements", line + b"\n")
    for kind in ("pyproject", "uv.lock", "poetry.lock", "pylock", "overlay"):
        result_or_one_bad_input(kind, SEEDS[kind][0] + b"\n# " + b" " * 200_000 + b"\n")
        result_or_one_bad_input(kind, b'x = "' + b" " * 200_000 + b'"\n' + SEEDS[kind][0])
    result_or_one_bad_input("package list", b" " * 200_000 + b"numpy\n" + b"a" * 100_000 + b"\n")
    result_or_one_bad_input("ranking", b'{"rows": [' + b" " * 200_000 + b"]}")


def test_many_requirements_are_read_in_linear_time() -> None:
    """Duplicates were found by scanning every requirement kept so far (quadratic)."""
    lines = b"".join(b"pkg%d>=1.%d\n" % (i, i) for i in range(20_000))
    result_or_one_bad_input("requirements", lines)
    deps = b", ".join(b'"pkg%d>=1"' % i for i in range(20_000))
    result_or_one_bad_input("pyproject", b'[project]\nname = "x"\ndependencies = [' + deps + b"]\n")

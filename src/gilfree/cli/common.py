"""Options and helpers shared by subcommands: index access, targets, output format.

Configuration precedence (DESIGN.md): CLI flags, then ``GILFREE_*`` environment, then
``[tool.gilfree]`` in the pyproject.toml of the current directory.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import BadInput, clip, first_line, one_line
from ..fsutil import check_path, loads_toml, read_text
from ..index.config import PYPI_JSON, PYPI_SIMPLE, ExtraIndex, IndexConfig, default_cache_dir
from ..index.nightly import default_nightly_indexes
from ..index.nightly import nightly_indexes as nightly_list
from ..verdicts.model import Target
from ..verdicts.targets import select_targets

if TYPE_CHECKING:
    from ..index.client import IndexClient

def _width(stream) -> int | None:
    """Let rich size a terminal; give logs and CI summaries room for the tables."""
    if stream.isatty():
        return None
    return int(os.environ.get("COLUMNS") or 120)


console = Console(highlight=False, width=_width(sys.stdout))
err_console = Console(stderr=True, highlight=False, width=_width(sys.stderr))


def progress_bar() -> Progress:
    """The one progress display of every command: transient, on stderr, terminals only."""
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=err_console, transient=True)


def _project_settings() -> dict[str, Any]:
    """``[tool.gilfree]`` of ./pyproject.toml, if there is one (a regular file)."""
    path = Path("pyproject.toml")
    if not os.path.isfile(path):
        return {}
    try:
        data = loads_toml(read_text(path), str(path))
    except BadInput:
        return {}  # a broken project file is the deps command's to report, not ours
    tool = data.get("tool")
    settings = tool.get("gilfree", {}) if isinstance(tool, dict) else {}
    return settings if isinstance(settings, dict) else {}


def setting(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    """A flag value, else ``GILFREE_<NAME>``, else ``[tool.gilfree] name``, else default."""
    return setting_from(args, name, default)[0]


def setting_from(args: argparse.Namespace, name: str, default: Any = None) -> tuple[Any, str]:
    """``setting`` and where it came from, for messages: ``--flag-name``,
    ``GILFREE_NAME``, ``[tool.gilfree] name`` or ``default``."""
    value = getattr(args, name, None)
    if value not in (None, [], ()):
        return value, f"--{name.replace('_', '-')}"
    variable = f"GILFREE_{name.upper()}"
    env = os.environ.get(variable)
    if env is not None:
        return env, variable
    key = name.replace("_", "-")
    settings = _project_settings()
    if key in settings:
        return settings[key], f"[tool.gilfree] {key}"
    return default, "default"


_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no"})


def boolean(value: Any, where: str) -> bool:
    """A yes/no setting: a bool, or one of 1/0/true/false/yes/no (any case); anything
    else is BadInput naming ``where`` (``GILFREE_OFFLINE=maybe`` never silently means no)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadInput(f"{where} must be one of 1, 0, true, false, yes, no; got {clip(one_line(str(value)))!r}")


def http_url(value: Any, where: str) -> str:
    """An http(s) URL with a host (and a port that is a number, if any), checked with
    ``urllib.parse`` before any request: ``http://[::1/simple/`` or ``http://`` is bad
    input (exit 2), not an index error (exit 3)."""
    if not isinstance(value, str):
        raise BadInput(f"{where} must be an http(s) URL, got {clip(one_line(repr(value)))}")
    shown = clip(one_line(value))
    if not value.isprintable() or any(c.isspace() for c in value):
        raise BadInput(f"{where} must be an http(s) URL without spaces or control characters, got {shown!r}")
    try:
        parts = urlsplit(value)
        port = parts.port  # ValueError when not a number in 0-65535
        host = parts.hostname
    except ValueError as exc:
        raise BadInput(f"{where} is not a valid URL ({first_line(exc)}): {shown!r}") from None
    if parts.scheme not in ("http", "https"):
        raise BadInput(f"{where} must be an http(s) URL, got {shown!r}")
    if not host:
        raise BadInput(f"{where} has no host: {shown!r}")
    if port == 0:
        raise BadInput(f"{where} has port 0: {shown!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def add_index_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("index")
    group.add_argument("--index-url", metavar="URL",
                       help=f"PEP 691 simple API root (default {PYPI_SIMPLE}; env GILFREE_INDEX_URL)")
    group.add_argument("--json-url", metavar="URL",
                       help="PyPI-style JSON API root for classifiers (default: PyPI's, or "
                            "derived from --index-url when it ends in /simple/)")
    group.add_argument("--extra-index-url", metavar="URL", action="append", default=[],
                       help="also look here (e.g. a nightly-wheels index); reported separately")
    group.add_argument("--nightly-index", dest="nightly_indexes", metavar="URL", action="append",
                       help="check this nightly-wheel index (a URL, or a shipped name: "
                            "scientific-python, pytorch); repeatable, replaces the shipped list "
                            "(env GILFREE_NIGHTLY_INDEXES, [tool.gilfree] nightly-indexes). "
                            "Default: the shipped list when the index is PyPI, else none")
    group.add_argument("--no-nightly", action="store_true",
                       help="check no nightly-wheel index")
    group.add_argument("--offline", action="store_true", default=None,
                       help="answer from the HTTP cache only; a miss is an error")
    group.add_argument("--no-cache", action="store_true", help="do not read or write gilfree's caches")
    group.add_argument("--cache-dir", type=Path, metavar="DIR",
                       help=f"where caches are kept: HTTP responses, verdicts, resolutions, parsed "
                            f"lock files (default {default_cache_dir()})")
    group.add_argument("--concurrency", type=positive_int, metavar="N",
                       help="parallel requests (default 16)")


def index_config(args: argparse.Namespace) -> IndexConfig:
    index_url, where = setting_from(args, "index_url", PYPI_SIMPLE)
    index_url = http_url(index_url, where).rstrip("/") + "/"
    json_url, where = setting_from(args, "json_url")
    if json_url is not None:
        if json_url != "":  # "": no JSON API (no classifiers), as before
            json_url = http_url(json_url, where)
    else:
        if index_url == PYPI_SIMPLE:
            json_url = PYPI_JSON
        elif index_url.endswith("/simple/"):
            json_url = index_url[: -len("simple/")] + "pypi/"
    extras = list(getattr(args, "extra_index_url", None) or [])
    env_extra = os.environ.get("GILFREE_EXTRA_INDEX_URL")
    if not extras and env_extra:
        extras = env_extra.split()
    where = "--extra-index-url" if getattr(args, "extra_index_url", None) else "GILFREE_EXTRA_INDEX_URL"
    for url in extras:
        http_url(url, where)
    offline, where = setting_from(args, "offline", False)
    offline = boolean(offline, where)
    concurrency, where = setting_from(args, "concurrency", 16)
    try:
        if isinstance(concurrency, bool):
            raise ValueError
        concurrency = int(concurrency)
    except (TypeError, ValueError):
        raise BadInput(f"{where}: concurrency must be a number, got {clip(one_line(repr(concurrency)))}") from None
    cache_dir, where = setting_from(args, "cache_dir")
    if cache_dir is not None:
        if not isinstance(cache_dir, (str, os.PathLike)):
            raise BadInput(f"{where} must be a directory name, got {clip(one_line(repr(cache_dir)))}")
        check_path(cache_dir)
    nightly = nightly_indexes(args, index_url)
    for index in nightly:
        http_url(index.url, "a nightly index")
    return IndexConfig(
        index_url=index_url,
        json_url=json_url,
        extra_index_urls=tuple(u.rstrip("/") + "/" for u in extras),
        nightly_indexes=nightly,
        cache_dir=Path(cache_dir) if cache_dir else default_cache_dir(),
        use_cache=not getattr(args, "no_cache", False),
        offline=offline,
        concurrency=max(1, concurrency),
    )


_UNSET = object()


def nightly_indexes(args: argparse.Namespace, index_url: str) -> tuple[ExtraIndex, ...]:
    """The nightly-wheel indexes to check (docs/nightlies.md): none with ``--no-nightly``;
    else ``--nightly-index`` (repeated), else ``GILFREE_NIGHTLY_INDEXES`` (space-separated;
    empty: none), else ``[tool.gilfree] nightly-indexes`` (a list; []: none), else the
    shipped list when the index is PyPI. With another ``--index-url`` (a mirror, a private
    or test index) the shipped list is off unless asked for by one of those: such setups
    often cannot reach other hosts, and an index of your choosing is no place to guess."""
    if getattr(args, "no_nightly", False):
        return ()
    configured = setting(args, "nightly_indexes", _UNSET)
    if configured is _UNSET:
        return default_nightly_indexes() if index_url == PYPI_SIMPLE else ()
    where = ("--nightly-index" if getattr(args, "nightly_indexes", None)
             else "GILFREE_NIGHTLY_INDEXES" if os.environ.get("GILFREE_NIGHTLY_INDEXES") is not None
             else "[tool.gilfree] nightly-indexes")
    return nightly_list(configured, where)


def make_client(args: argparse.Namespace) -> IndexClient:
    from ..index.client import IndexClient

    return IndexClient(index_config(args))


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", "-t", action="append", metavar="T",
        help="target(s) to check: 3.14t-manylinux_x86_64, a Python (3.14t), a platform "
             "(macosx_arm64), comma-separated or repeated (default: 3.13t-3.15t on 8 platforms)")


def targets_from(args: argparse.Namespace) -> tuple[Target, ...]:
    """The ``--target`` list (else ``GILFREE_TARGET``, ``[tool.gilfree] target``, else the
    defaults). A list that names nothing (``--target ''``, ``--target ,``, an empty
    variable) is BadInput: a CI gate fed an empty variable must not pass on zero targets."""
    specs = getattr(args, "target", None)
    where = "--target"
    if not specs:
        configured, where = setting_from(args, "target")
        if configured is None:
            return select_targets(None)
        specs = configured if isinstance(configured, list) else [configured]
    if not all(isinstance(spec, str) for spec in specs):
        raise BadInput(f"{where}: targets are names like 3.14t or 3.14t-manylinux_x86_64, "
                       f"got {clip(one_line(repr(specs)))}")
    if not any(part.strip() for spec in specs for part in spec.split(",")):
        raise BadInput(f"{where} names no target ({clip(one_line(repr(','.join(specs))))}): give e.g. 3.14t "
                       "or 3.14t-manylinux_x86_64, or leave it out for the default targets")
    targets = select_targets(specs)
    if not targets:  # pragma: no cover - every non-empty part names at least one target
        raise BadInput(f"{where} names no target")
    return targets


def add_format_option(parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("table", "json")) -> None:
    parser.add_argument("--format", "-f", choices=choices, default=choices[0],
                        help=f"output format (default {choices[0]})")

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

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import BadInput
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
    """``[tool.gilfree]`` of ./pyproject.toml, if there is one."""
    path = Path("pyproject.toml")
    if not path.is_file():
        return {}
    import tomli

    try:
        data = tomli.loads(path.read_text(encoding="utf-8-sig"))
    except (tomli.TOMLDecodeError, UnicodeDecodeError):
        return {}  # a broken project file is the deps command's to report, not ours
    settings = data.get("tool", {}).get("gilfree", {})
    return settings if isinstance(settings, dict) else {}


def setting(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    """A flag value, else ``GILFREE_<NAME>``, else ``[tool.gilfree] name``, else default."""
    value = getattr(args, name, None)
    if value not in (None, [], ()):
        return value
    env = os.environ.get(f"GILFREE_{name.upper()}")
    if env is not None:
        return env
    return _project_settings().get(name.replace("_", "-"), default)


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
    index_url = setting(args, "index_url", PYPI_SIMPLE)
    if not str(index_url).startswith(("http://", "https://")):
        raise BadInput(f"--index-url must be an http(s) URL, got {index_url!r}")
    index_url = index_url.rstrip("/") + "/"
    json_url = setting(args, "json_url")
    if json_url is None:
        if index_url == PYPI_SIMPLE:
            json_url = PYPI_JSON
        elif index_url.endswith("/simple/"):
            json_url = index_url[: -len("simple/")] + "pypi/"
    extras = list(getattr(args, "extra_index_url", None) or [])
    env_extra = os.environ.get("GILFREE_EXTRA_INDEX_URL")
    if not extras and env_extra:
        extras = env_extra.split()
    for url in extras:
        if not url.startswith(("http://", "https://")):
            raise BadInput(f"--extra-index-url must be an http(s) URL, got {url!r}")
    offline = setting(args, "offline", False)
    concurrency = setting(args, "concurrency", 16)
    try:
        concurrency = int(concurrency)
    except ValueError:
        raise BadInput(f"concurrency must be a number, got {concurrency!r}") from None
    cache_dir = setting(args, "cache_dir")
    return IndexConfig(
        index_url=index_url,
        json_url=json_url,
        extra_index_urls=tuple(u.rstrip("/") + "/" for u in extras),
        nightly_indexes=nightly_indexes(args, index_url),
        cache_dir=Path(cache_dir) if cache_dir else default_cache_dir(),
        use_cache=not getattr(args, "no_cache", False),
        offline=str(offline).lower() in ("1", "true", "yes"),
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
    specs = getattr(args, "target", None)
    if not specs:
        configured = setting(args, "target")
        specs = configured if isinstance(configured, list) else ([configured] if configured else None)
    return select_targets(specs)


def add_format_option(parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("table", "json")) -> None:
    parser.add_argument("--format", "-f", choices=choices, default=choices[0],
                        help=f"output format (default {choices[0]})")

"""Command-line entry point: argument parsing and error mapping, no logic.

Each subcommand lives in ``gilfree.cli.<name>`` with ``register(subparsers)`` that sets
``func`` on its parser; ``func(args)`` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..errors import GilfreeError
from ..gcpolicy import tune_for_bulk_parsing

COMMANDS = ("status", "deps", "audit", "python", "track", "site", "serve", "test", "cache")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, just that subcommand (so that a run imports
    its own modules, not every command's: jinja2 for ``site``, the stress plugin...)."""
    parser = argparse.ArgumentParser(
        prog="gilfree",
        description="Is this package - and is my project - ready for free-threaded CPython?",
    )
    parser.add_argument("--version", action="version", version=f"gilfree {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    command = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    tune_for_bulk_parsing()
    try:
        return int(args.func(args) or 0)
    except GilfreeError as exc:
        print(f"gilfree: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gilfree: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

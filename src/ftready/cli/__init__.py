"""Command-line entry point: argument parsing and error mapping, no logic.

Each subcommand lives in ``ftready.cli.<name>`` with ``register(subparsers)`` that sets
``func`` on its parser; ``func(args)`` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..errors import FtreadyError
from ..gcpolicy import tune_for_bulk_parsing

COMMANDS = ("status", "deps", "audit", "python", "track", "site", "serve", "test")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ftready",
        description="Is this package - and is my project - ready for free-threaded CPython?",
    )
    parser.add_argument("--version", action="version", version=f"ftready {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    tune_for_bulk_parsing()
    try:
        return int(args.func(args) or 0)
    except FtreadyError as exc:
        print(f"ftready: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ftready: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""`gilfree site --out DIR`: write the static tracker site from the track database."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..commands.site import generate
from .common import console
from .track import add_db_option, db_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "site", help="generate the static tracker website from the track database",
        description="Write an overview, a searchable table, a page per package, the porting "
                    "guide and JSON/CSV downloads. Reads the database only; open "
                    "DIR/index.html directly or preview with `gilfree serve DIR`.")
    p.add_argument("--out", "-o", type=Path, default=Path("public"), metavar="DIR",
                   help="output directory (default ./public)")
    add_db_option(p)
    p.add_argument("--overlay", type=Path, metavar="FILE",
                   help="curated overlay TOML to show beside computed facts "
                        "(default: the bundled overlay.toml)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    result = generate(db_path(args), args.out, args.overlay)
    console.print(f"wrote {result.pages:,} pages for {result.packages:,} packages to "
                  f"{result.out} in {time.perf_counter() - start:.1f} s")
    return 0

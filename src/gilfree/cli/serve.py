"""`gilfree serve [DIR]`: preview the generated site on localhost (stdlib http.server)."""

from __future__ import annotations

import argparse
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import BadInput
from .common import console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="preview the tracker site on localhost",
                       description="Serve a directory written by `gilfree site` on localhost "
                                   "until Ctrl-C. For previews only: it is not a web server "
                                   "to expose to a network.")
    p.add_argument("dir", nargs="?", default="public", type=Path, metavar="DIR",
                   help="the site directory (default ./public)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--bind", default="127.0.0.1", metavar="ADDRESS",
                   help="address to listen on (default 127.0.0.1)")
    p.set_defaults(func=run)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without one log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def run(args: argparse.Namespace) -> int:
    if not (args.dir / "index.html").is_file():
        raise BadInput("no index.html here; run `gilfree site --out DIR` first", path=str(args.dir))
    handler = functools.partial(_QuietHandler, directory=str(args.dir))
    try:
        server = ThreadingHTTPServer((args.bind, args.port), handler)
    except OSError as exc:
        raise BadInput(f"cannot listen on {args.bind}:{args.port}: {exc.strerror}") from None
    console.print(f"serving {args.dir} at http://{args.bind}:{server.server_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0

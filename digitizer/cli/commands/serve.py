"""``digitizer serve OUT [--port N]``: serve an export on http://127.0.0.1:N (images, tiles, manifests and
IIIF Content Search); loopback only, until Ctrl+C."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve an export folder on localhost with IIIF Content Search")
    p.add_argument("out", metavar="OUT", help="export folder (the one given to 'digitizer export')")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000, the default base URL)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...search.serve import make_server

    server = make_server(args.out, args.port)
    host, port = server.server_address[:2]
    print(f"serving {args.out} on http://{host}:{port}/ (Ctrl+C stops)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0

"""``digitizer serve OUT``: an export folder on http://127.0.0.1:PORT (loopback only).

Static files (manifests, level-0 tiles and info.json, images, ALTO, METS) are served as they are;
``/ITEM/search?q=`` answers IIIF Content Search 2.0 and ``/ITEM/search1?q=`` 1.0 (what Mirador 4
reads) from ``ITEM/search/index.json``.  The manifest ids must use this address: export with
``--base-url http://127.0.0.1:PORT/`` (the default base, http://localhost:8000/, matches the default port).
"""

from __future__ import annotations

import json
import logging
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..errors import DigitizerError
from .package import SEARCH_FILE, PackageSearch

HOST = "127.0.0.1"
log = logging.getLogger(__name__)


class _Handler(SimpleHTTPRequestHandler):
    root: Path
    cache: dict[Path, tuple[float, PackageSearch]]

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, fmt: str, *args) -> None:
        log.info("%s %s", self.address_string(), fmt % args)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        segs = [s for s in parts.path.split("/") if s]
        if len(segs) == 2 and segs[1] in ("search", "search1"):
            self._search(segs[0], segs[1], parse_qs(parts.query))
        else:
            super().do_GET()

    def _search(self, item: str, version: str, params: dict[str, list[str]]) -> None:
        item_dir = (self.root / item).resolve()
        if item_dir.parent != self.root.resolve() or not (item_dir / SEARCH_FILE).is_file():
            return self._json(404, {"error": f"no search data for item {item!r}"})
        url = f"http://{self.headers.get('Host', HOST)}{self.path}"
        q = (params.get("q") or [""])[0]
        try:
            fuzzy = int((params.get("fuzzy") or ["0"])[0])     # our extension: edits allowed per word
            index = self._index(item_dir)
            body = (index.search2(url, q, fuzzy=fuzzy) if version == "search"
                    else index.search1(url, q, fuzzy=fuzzy))
        except ValueError:
            return self._json(400, {"error": "fuzzy must be a number from 0 to 3"})
        except DigitizerError as exc:
            return self._json(400, {"error": exc.message})
        self._json(200, body, "application/ld+json" if version == "search" else "application/json")

    def _index(self, item_dir: Path) -> PackageSearch:
        mtime = (item_dir / SEARCH_FILE).stat().st_mtime
        cached = self.cache.get(item_dir)
        if cached is None or cached[0] != mtime:
            cached = self.cache[item_dir] = (mtime, PackageSearch(item_dir))
        return cached[1]

    def _json(self, status: int, body: dict, ctype: str = "application/json") -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def make_server(out: str | Path, port: int = 8000) -> ThreadingHTTPServer:
    """A server for ``out`` on 127.0.0.1:``port`` (0 = any free port); call ``serve_forever()``."""
    root = Path(out)
    if not root.is_dir():
        raise DigitizerError(f"{root}: not an export folder")
    handler = type("Handler", (_Handler,), {"root": root, "cache": {}})
    return ThreadingHTTPServer((HOST, port), partial(handler, directory=str(root)))

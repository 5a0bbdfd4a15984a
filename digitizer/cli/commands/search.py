"""``digitizer search PROJECT QUERY [--fuzzy N] [--item I] [--pages A-B] [--state S] [--engine E]
[--limit K] [--json]``: full-text search over the current text of every line.

Exit 0 with hits, 1 without, 2 (one line) for a malformed query.  See docs/search.md.
"""

from __future__ import annotations

import json

from ...errors import ExitCode
from ..common import add_project_arg, open_store


def register(sub) -> None:
    from ...search import LINE_STATES

    p = sub.add_parser("search", help="find words, phrases, prefixes (word*) or near matches (--fuzzy N)")
    add_project_arg(p)
    p.add_argument("query", metavar="QUERY", help='words (all on one line), "a phrase", prefix*')
    p.add_argument("--fuzzy", type=int, default=0, metavar="N", help="allow up to N edits per word (0-3)")
    p.add_argument("--item", help="only this item (identifier)")
    p.add_argument("--pages", type=_page_range, metavar="A-B", help="only pages A to B (or one page N)")
    p.add_argument("--state", choices=LINE_STATES, help="only lines in this state")
    p.add_argument("--engine", help="only lines read by this engine (e.g. tesseract, kraken)")
    p.add_argument("--limit", type=int, default=20, metavar="K", help="at most K hits (default 20)")
    p.add_argument("--json", action="store_true", help="hits as JSON (item, page, line, word boxes, snippet)")
    p.set_defaults(func=run)


def _page_range(text: str) -> tuple[int, int]:
    import argparse

    lo, _, hi = text.partition("-")
    try:
        first, last = int(lo), int(hi or lo)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a page range like 3-7") from None
    if first < 1 or last < first:
        raise argparse.ArgumentTypeError(f"{text!r} is not a page range like 3-7")
    return first, last


def run(args) -> int:
    from ...search import SearchFilter, SearchIndex

    filters = SearchFilter(item=args.item, pages=args.pages, state=args.state, engine=args.engine)
    with open_store(args.project) as store:
        hits = SearchIndex(store).search(args.query, fuzzy=args.fuzzy, filters=filters, limit=max(1, args.limit))
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], indent=2, ensure_ascii=False))
    else:
        for h in hits:
            boxes = " ".join(f"{w.bbox.x0},{w.bbox.y0},{w.bbox.width}x{w.bbox.height}" for w in h.words)
            print(f"{h.item} p{h.page} {h.line_id}: {h.snippet}  [{boxes}]")
    return ExitCode.OK if hits else ExitCode.GENERIC

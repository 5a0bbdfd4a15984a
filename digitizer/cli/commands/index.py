"""``digitizer index PROJECT [--rebuild] [--json]``: bring the search index up to date.

The index follows every change by itself (see docs/search.md); ``--rebuild`` drops and rebuilds it,
e.g. after a profile's ``[search] equivalences`` changed.
"""

from __future__ import annotations

import json

from ..common import add_project_arg, open_store


def register(sub) -> None:
    p = sub.add_parser("index", help="update (or --rebuild) the full-text search index")
    add_project_arg(p)
    p.add_argument("--rebuild", action="store_true", help="drop and rebuild the whole index")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...search import SearchIndex

    with open_store(args.project) as store:
        index = SearchIndex(store)
        if args.rebuild:
            stats = index.rebuild()
        else:
            stats = {"updated_pages": index.refresh(), **index.stats()}
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        print(", ".join(f"{v} {k.replace('_', ' ')}" for k, v in stats.items()))
    return 0

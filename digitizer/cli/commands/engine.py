"""``digitizer engine PROJECT --page N... --set kraken``: per-page engine override (mixed items)."""

from __future__ import annotations

from ..common import add_project_arg, open_store


def register(sub) -> None:
    p = sub.add_parser("engine", help="set or clear the recognition engine of single pages (overrides the profile)")
    add_project_arg(p)
    p.add_argument("--page", type=int, action="append", required=True, help="page id (repeatable)")
    p.add_argument("--set", dest="engine", required=True,
                   help="engine name (tesseract, kraken, none) or 'default' to use the profile's again")
    p.add_argument("--model", help="recognition model for that engine (e.g. a registered kraken model)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...items import engine_choice, set_engine

    with open_store(args.project) as store:
        set_engine(store, args.page, args.engine, args.model)
        if not args.quiet:
            print(f"{len(args.page)} page(s): engine {engine_choice(args.engine, args.model) or 'from the profile'}")
    return 0

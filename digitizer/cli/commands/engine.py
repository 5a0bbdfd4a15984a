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
    from ...engines.registry import available
    from ...errors import EngineError

    engine = None if args.engine == "default" else args.engine
    if engine is not None and engine not in available():
        raise EngineError(f"unknown engine {engine!r}", hint=f"choose one of: {', '.join(available())}, default")
    if engine and args.model:
        engine = f"{engine}:{args.model}"
    with open_store(args.project) as store:
        for page_id in args.page:
            store.get_page(page_id)                      # clear error for an unknown page
            store.set_page_fields(page_id, engine_override=engine)
        if not args.quiet:
            print(f"{len(args.page)} page(s): engine {engine or 'from the profile'}")
    return 0

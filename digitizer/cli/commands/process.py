"""``digitizer process PROJECT``: preprocess and recognise pages."""

from __future__ import annotations

import sys

from ...errors import ExitCode
from ..common import add_project_arg, close_progress, make_progress, open_store


def register(sub) -> None:
    p = sub.add_parser("process", help="preprocess and recognise the pages of a project")
    add_project_arg(p)
    p.add_argument("--item", action="append", help="only this item (repeatable)")
    p.add_argument("--page", type=int, action="append", help="only this page id (repeatable)")
    p.add_argument("--profile", help="profile to use instead of each item's own")
    p.add_argument("--engine", help="engine override (tesseract, kraken, none)")
    p.add_argument("--lang", help="languages, e.g. deu+frk or fra")
    p.add_argument("--force", action="store_true", help="re-process pages already processed or corrected")
    p.set_defaults(func=run)


def selected_items(store, identifiers):
    if not identifiers:
        return store.items(with_pages=False)
    return [store.get_item(i) for i in identifiers]


def run(args) -> int:
    from ...pipeline.process import process_pages
    from ...profiles import load_profile

    with open_store(args.project) as store:
        progress = make_progress(args)
        try:
            rep = process_pages(store, selected_items(store, args.item),
                                profile=load_profile(args.profile) if args.profile else None, engine=args.engine,
                                languages=args.lang.split("+") if args.lang else None, force=args.force,
                                page_ids=set(args.page) if args.page else None, progress=progress)
        finally:
            close_progress(progress)
        for page_id, err in rep.failed:
            print(f"page {page_id}: {err}", file=sys.stderr)
        if not args.quiet:
            print(f"processed {len(rep.done)} page(s), {len(rep.failed)} failed in {rep.seconds:.1f} s",
                  file=sys.stderr)
    return ExitCode.INPUT if rep.failed else 0

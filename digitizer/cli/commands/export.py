"""``digitizer export PROJECT -o OUT``: validated ALTO/METS/text (+ more) with a SHA-256 manifest."""

from __future__ import annotations

import sys

from ...errors import ExitCode
from ..common import add_project_arg, close_progress, make_progress, open_store
from .process import selected_items


def register(sub) -> None:
    p = sub.add_parser("export", help="export items (ALTO, METS, text, ...) validated against the official schemas")
    add_project_arg(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="export folder (OUT/ITEM/mets.xml)")
    p.add_argument("--item", action="append", help="only this item (repeatable)")
    p.add_argument("--format", help="comma-separated formats (default: the profile's), e.g. alto,text,mets")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...pipeline.export import export_project

    with open_store(args.project) as store:
        items = [store.get_item(i.id) for i in selected_items(store, args.item)]
        progress = make_progress(args)
        try:
            summary = export_project(store, args.output, items=items,
                                     formats=args.format.split(",") if args.format else None, progress=progress)
        finally:
            close_progress(progress)
        print_summary(summary, quiet=args.quiet)
    return ExitCode.EXPORT_INVALID if summary.errors else 0


def print_summary(summary, *, quiet: bool = False) -> None:
    for err in summary.errors:
        print(err, file=sys.stderr)
    if quiet:
        return
    for it in summary.items:
        print(f"{it.identifier}: {it.pages} page(s) -> {it.mets or it.path}")
        if it.pages_without_text:
            print(f"  pages without recognised text: {', '.join(map(str, it.pages_without_text))}", file=sys.stderr)
    print(f"checksums: {summary.manifest}")

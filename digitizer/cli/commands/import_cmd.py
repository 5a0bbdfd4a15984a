"""``digitizer import PROJECT SRC...``: import files and folders into an item."""

from __future__ import annotations

from ...errors import ExitCode
from ..common import add_project_arg, close_progress, make_progress, open_store, print_import_report


def register(sub) -> None:
    p = sub.add_parser("import", help="import image files, PDFs and folders into a project item")
    add_project_arg(p)
    p.add_argument("sources", nargs="+", metavar="SRC", help="files or folders (natural order: p2 before p10)")
    p.add_argument("--item", help="item identifier (created if missing; default: a new item)")
    p.add_argument("--title", default="", help="title of a new item")
    p.add_argument("--profile", default="printed-modern", help="profile of a new item")
    p.add_argument("--pdf-dpi", type=int, default=None, help="render PDF pages at this resolution")
    p.add_argument("--assume-dpi", type=float, default=None, help="resolution to assume where a file has none")
    p.set_defaults(func=run)


def get_or_create_item(store, identifier, *, title="", profile="printed-modern"):
    from ...ingest import item_for

    return item_for(store, identifier, title=title, profile=profile)


def run(args) -> int:
    from ...ingest import import_paths
    from ...profiles import load_profile

    with open_store(args.project) as store:
        item = get_or_create_item(store, args.item, title=args.title, profile=args.profile)
        prof = load_profile(item.profile)
        progress = make_progress(args)
        try:
            rep = import_paths(store, args.sources, item, pdf_dpi=args.pdf_dpi or prof.import_.pdf_dpi,
                               assume_dpi=args.assume_dpi or prof.import_.assume_dpi, progress=progress)
        finally:
            close_progress(progress)
        print_import_report(rep, quiet=args.quiet)
    return ExitCode.INPUT if rep.failures else 0

"""``digitizer import PROJECT SRC... [--transcriptions FILE|DIR|ZIP ...]``: import files and folders
into an item, then (optionally) transcriptions made elsewhere onto its pages (docs/interop.md)."""

from __future__ import annotations

import sys

from ...errors import ExitCode
from ..common import add_project_arg, close_progress, make_progress, open_store, print_import_report


def register(sub) -> None:
    p = sub.add_parser("import", help="import image files, PDFs and folders into a project item")
    add_project_arg(p)
    p.add_argument("sources", nargs="*", metavar="SRC", help="files or folders (natural order: p2 before p10)")
    p.add_argument("--transcriptions", nargs="+", metavar="FILE", default=[],
                   help="PAGE, ALTO or hOCR files, folders of them, or Transkribus/eScriptorium export zips: "
                        "their lines become the layout of the matching pages (by image name, then stem)")
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
    from ...ingest import ImportReport, import_paths
    from ...profiles import load_profile

    if not args.sources and not args.transcriptions:
        print("digitizer import: give image files/folders, --transcriptions, or both", file=sys.stderr)
        return ExitCode.USAGE
    with open_store(args.project) as store:
        item = get_or_create_item(store, args.item, title=args.title, profile=args.profile)
        prof = load_profile(item.profile)
        progress = make_progress(args)
        rep, trep = ImportReport(), None
        try:
            if args.sources:
                rep = import_paths(store, args.sources, item, pdf_dpi=args.pdf_dpi or prof.import_.pdf_dpi,
                                   assume_dpi=args.assume_dpi or prof.import_.assume_dpi, progress=progress)
            if args.transcriptions:
                trep = _transcriptions(store, args.transcriptions, item, progress)
        finally:
            close_progress(progress)
        print_import_report(rep, quiet=args.quiet)
        if trep is not None:
            _print_transcriptions(trep, quiet=args.quiet)
    return ExitCode.INPUT if rep.failures or (trep and trep.failures) else 0


def _transcriptions(store, sources, item, progress):
    from ...interop import import_transcriptions

    return import_transcriptions(store, sources, item, progress=progress)


def _print_transcriptions(rep, *, quiet: bool) -> None:
    for path, reason in rep.failures:
        print(f"{path}: {reason}", file=sys.stderr)
    for w in rep.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not quiet:
        print(f"imported {len(rep.imported)} transcription(s); {len(rep.failures)} failed")

"""``digitizer export PROJECT -o OUT``: validated packages (ALTO, METS/MODS/PREMIS, text, PAGE, TIFF masters,
IIIF tiles + manifest, PDF/A) with a SHA-256 manifest; ``--bag`` makes OUT a BagIt bag, ``--zip`` zips it."""

from __future__ import annotations

import sys

from ...errors import DigitizerError, ExitCode
from ..common import add_project_arg, close_progress, make_progress, open_store
from .process import add_wait_arg, selected_items, waiting_notice


def register(sub) -> None:
    from ...profiles import EXPORT_FORMATS

    p = sub.add_parser("export", help="export items as validated preservation/access packages")
    add_project_arg(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="export folder (OUT/ITEM/mets.xml)")
    p.add_argument("--item", action="append", help="only this item (repeatable)")
    p.add_argument("--format", help=f"comma-separated formats (default: the profile's) from {','.join(EXPORT_FORMATS)}")
    p.add_argument("--bag", action="store_true", help="make OUT a BagIt bag (SHA-256 + SHA-512 manifests)")
    p.add_argument("--zip", action="store_true", help="also write OUT.zip of the bag (implies --bag)")
    p.add_argument("--base-url", metavar="URL",
                   help="public URL of OUT for IIIF ids (default: the profile's, else http://localhost:8000/)")
    p.add_argument("--allow-unaccepted", action="store_true",
                   help="export items QA has not accepted; their METS records them as unaccepted with the estimate")
    add_wait_arg(p)
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--access", dest="access", action="store_true", default=None,
                      help="access package: restricted material left out (default with iiif or pdf)")
    kind.add_argument("--preservation", dest="access", action="store_false",
                      help="preservation package: everything, restrictions recorded (default otherwise)")
    p.set_defaults(func=run)


def _formats(text: str | None) -> list[str] | None:
    from ...profiles import EXPORT_FORMATS

    if not text:
        return None
    fmts = [f.strip() for f in text.split(",") if f.strip()]
    bad = [f for f in fmts if f not in EXPORT_FORMATS]
    if bad:
        raise DigitizerError(f"unknown export format {bad[0]!r}", hint=f"choose from {', '.join(EXPORT_FORMATS)}")
    return fmts


def run(args) -> int:
    from ...lock import project_lock
    from ...pipeline.export import export_project

    fmts = _formats(args.format)
    if args.base_url and not args.base_url.startswith(("http://", "https://")):
        raise DigitizerError(f"--base-url {args.base_url!r} must start with http:// or https://")
    with open_store(args.project) as store, project_lock(store.root, "export", wait=args.wait,
                                                           on_wait=waiting_notice(args)):
        items = [store.get_item(i.id) for i in selected_items(store, args.item)]
        progress = make_progress(args)
        try:
            summary = export_project(store, args.output, items=items, formats=fmts, progress=progress,
                                     bag=args.bag, zip_bag=args.zip, base_url=args.base_url,
                                     allow_unaccepted=args.allow_unaccepted, access=args.access)
        finally:
            close_progress(progress)
        print_summary(summary, quiet=args.quiet)
    return ExitCode.EXPORT_INVALID if summary.errors else 0


def print_summary(summary, *, quiet: bool = False) -> None:
    for err in summary.errors:
        print(err, file=sys.stderr)
    if quiet:
        return
    for ident in getattr(summary, "withheld", []):
        print(f"{ident}: restricted, withheld from this access package")
    for it in summary.items:
        print(f"{it.identifier}: {it.pages} page(s) -> {it.mets or it.path}")
        if getattr(it, "withheld_pages", None):
            print(f"  restricted pages withheld: {', '.join(map(str, it.withheld_pages))}")
        for label, path in (("IIIF manifest", getattr(it, "manifest", None)), ("PDF/A", getattr(it, "pdf", None))):
            if path:
                print(f"  {label}: {path}")
        if it.pages_without_text:
            print(f"  pages without recognised text: {', '.join(map(str, it.pages_without_text))}", file=sys.stderr)
    print(f"checksums: {summary.manifest}")
    if getattr(summary, "bag", None):
        print(f"bag: {summary.bag}")
    if getattr(summary, "zip", None):
        print(f"zip: {summary.zip}")

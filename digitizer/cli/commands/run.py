"""``digitizer run SRC... -o OUT``: import, process and export in one go.

``OUT/_project/`` holds the digitizer project (open it with ``digitizer gui OUT/_project``);
``OUT/ITEM/mets.xml`` is the METS file of each item, ``OUT/manifest-sha256.txt`` the checksums.
Each folder given becomes one item (named after the folder); loose files go into one item.
Running it again continues: known files are not re-imported, done pages are not re-processed.
Pages run as a resumable batch job (local process pool, or Dask with ``--scheduler``); each item is
exported as soon as all its pages are finished, the manifest is written at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ...errors import ExitCode
from ...fsutil import safe_name
from ..common import close_progress, make_progress, print_import_report
from .export import print_summary
from .import_cmd import get_or_create_item
from .process import add_batch_args, batch_settings, waiting_notice

PROJECT_DIR = "_project"


def register(sub) -> None:
    p = sub.add_parser("run", help="import + process + export in one go (OUT/ITEM/mets.xml)")
    p.add_argument("sources", nargs="+", metavar="SRC", help="image files, PDFs or folders")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder")
    p.add_argument("--profile", default="printed-modern", help="processing profile (see 'digitizer profiles')")
    p.add_argument("--lang", help="recognition languages, e.g. eng, deu+frk")
    p.add_argument("--engine", help="engine override (tesseract, kraken, none)")
    p.add_argument("--item", help="item identifier for loose files (default: OUT's name)")
    p.add_argument("--project", help=f"project folder (default: OUT/{PROJECT_DIR})")
    p.add_argument("--force", action="store_true",
                   help="re-process pages already processed (not those a person worked on, unless "
                        "--discard-corrections)")
    p.add_argument("--discard-corrections", action="store_true",
                   help="with --force: also re-process pages with a person's work (earlier versions stay restorable)")
    p.add_argument("--format", help="comma-separated export formats (default: the profile's)")
    add_batch_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ... import __version__
    from ...batch.config import make_executor
    from ...errors import ExportInvalidError
    from ...ingest import ImportReport, import_paths
    from ...model import ProcessingStep
    from ...pipeline.export import ExportSummary, export_item, write_manifest
    from ...batch.process import process_pages
    from ...profiles import load_profile
    from ...lock import project_lock
    from ...store import ProjectStore

    out = Path(args.output).resolve()
    profile = load_profile(args.profile)
    if args.lang:
        profile.recognition.languages = args.lang.split("+")
    folders = [Path(s) for s in args.sources if Path(s).is_dir()]
    loose = [Path(s) for s in args.sources if not Path(s).is_dir()]
    out.mkdir(parents=True, exist_ok=True)
    progress = make_progress(args)
    rc = 0
    try:
        with ProjectStore.open(args.project or out / PROJECT_DIR, create=True) as store, \
                project_lock(store.root, "run", wait=args.wait, on_wait=waiting_notice(args)):
            rep = ImportReport()
            items = []
            for folder in folders:
                item = get_or_create_item(store, safe_name(folder.resolve().name), title=folder.resolve().name,
                                          profile=profile.name)
                items.append(item)
                rep.merge(import_paths(store, [folder], item, pdf_dpi=profile.import_.pdf_dpi,
                                       assume_dpi=profile.import_.assume_dpi, progress=progress))
            if loose:
                ident = safe_name(args.item or out.resolve().name)
                item = get_or_create_item(store, ident, title=args.item or ident, profile=profile.name)
                items.append(item)
                rep.merge(import_paths(store, loose, item, pdf_dpi=profile.import_.pdf_dpi,
                                       assume_dpi=profile.import_.assume_dpi, progress=progress))
            print_import_report(rep, quiet=args.quiet)
            settings = batch_settings(args, profile)
            formats = args.format.split(",") if args.format else None
            summary = ExportSummary(out=out)

            def export_one(item) -> None:
                item = store.get_item(item.id)
                if not item.pages:
                    return
                try:
                    summary.items.append(export_item(store, item, out, formats=formats or profile.export.formats,
                                                     profile=profile))
                except ExportInvalidError as exc:
                    summary.errors.append(exc.user_message)
                    raise

            with make_executor(settings) as executor:
                proc = process_pages(store, items, profile=profile, engine=args.engine, force=args.force,
                                     discard_corrections=args.discard_corrections,
                                     progress=progress, executor=executor, retries=settings.retries,
                                     item_task=export_one, job_params={"out": str(out.resolve()),
                                                                       "formats": formats})
            for page_id, err in proc.failed:
                print(f"page {page_id}: {err}", file=sys.stderr)
            from ...qa.gate import unaccepted_notice

            for line in unaccepted_notice(store, [i for i in items if any(e.identifier == i.identifier
                                                                          for e in summary.items)]):
                print(line, file=sys.stderr)
            summary.manifest = write_manifest(out)
            store.record(ProcessingStep(action="export", tool="digitizer.export", tool_version=__version__,
                                        parameters={"out": str(out.resolve()), "items": [i.identifier for i in items],
                                                    "formats": formats or "profile"},
                                        outcome="success" if not summary.errors else "failure",
                                        detail="; ".join(summary.errors), agent=store.agent))
    finally:
        close_progress(progress)
    print_summary(summary, quiet=args.quiet)
    if summary.errors:
        rc = ExitCode.EXPORT_INVALID
    elif rep.failures or proc.failed or proc.items_failed:
        rc = ExitCode.INPUT
    return rc

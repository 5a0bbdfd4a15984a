"""``digitizer process PROJECT``: preprocess and recognise pages as a resumable batch job.

Pages run in a local process pool sized to the cores (``--workers``), or on a Dask distributed
cluster (``--scheduler tcp://HOST:PORT``, env ``DIGITIZER_SCHEDULER``, profile ``[batch] scheduler``).
Killing it and running the same command again continues where it stopped.
"""

from __future__ import annotations

import sys

from ...errors import ExitCode
from ..common import add_project_arg, close_progress, make_progress, open_store


def register(sub) -> None:
    p = sub.add_parser("process", help="preprocess and recognise the pages of a project (resumable batch)")
    add_project_arg(p)
    p.add_argument("--item", action="append", help="only this item (repeatable)")
    p.add_argument("--page", type=int, action="append", help="only this page id (repeatable)")
    p.add_argument("--profile", help="profile to use instead of each item's own")
    p.add_argument("--engine", help="engine override (tesseract, kraken, none)")
    p.add_argument("--lang", help="languages, e.g. deu+frk or fra")
    p.add_argument("--force", action="store_true",
                   help="re-process pages already processed; pages with a person's work are skipped "
                        "(named on stderr) unless --discard-corrections")
    p.add_argument("--discard-corrections", action="store_true",
                   help="with --force: also re-process pages a person worked on (every earlier line version "
                        "stays restorable with 'digitizer lines --restore'; the act is an event)")
    add_batch_args(p)
    p.set_defaults(func=run)


def add_batch_args(p) -> None:
    """Options shared by ``process`` and ``run``."""
    p.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: the cores; 0 = in this process)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run pages on this Dask distributed scheduler (also $DIGITIZER_SCHEDULER, "
                        "profile [batch] scheduler)")
    p.add_argument("--retries", type=int, metavar="N", help="extra attempts for a failed page (default 2)")
    add_wait_arg(p)


def add_wait_arg(p) -> None:
    p.add_argument("--wait", action="store_true",
                   help="when another process holds the project lock, wait for it instead of refusing")


def waiting_notice(args):
    """``on_wait`` for the lock: one line on stderr naming the holder (not with --quiet)."""
    from ...lock import describe

    def tell(holder) -> None:
        if not args.quiet:
            print(f"waiting for the project lock held by {describe(holder)}", file=sys.stderr)
    return tell


def batch_settings(args, profile):
    from ...batch.config import resolve_settings
    from ...errors import DigitizerError

    if args.workers is not None and args.workers < 0:
        raise DigitizerError("--workers must be 0 or more")
    if args.retries is not None and args.retries < 0:
        raise DigitizerError("--retries must be 0 or more")
    return resolve_settings(profile, scheduler=args.scheduler, workers=args.workers, retries=args.retries)


def selected_items(store, identifiers):
    if not identifiers:
        return store.items(with_pages=False)
    return [store.get_item(i) for i in identifiers]


def run(args) -> int:
    from ...errors import DigitizerError

    if args.discard_corrections and not args.force:
        raise DigitizerError("--discard-corrections only makes sense with --force")
    from ...batch.config import make_executor
    from ...batch.process import process_pages
    from ...profiles import load_profile

    with open_store(args.project) as store:
        items = selected_items(store, args.item)
        profile = load_profile(args.profile) if args.profile else None
        settings = batch_settings(args, profile or (load_profile(items[0].profile) if items else None))
        progress = make_progress(args)
        try:
            with make_executor(settings) as executor:
                rep = process_pages(store, items, profile=profile, engine=args.engine,
                                    languages=args.lang.split("+") if args.lang else None, force=args.force,
                                    discard_corrections=args.discard_corrections,
                                    page_ids=set(args.page) if args.page else None, progress=progress,
                                    executor=executor, retries=settings.retries, wait=args.wait,
                                    on_wait=waiting_notice(args))
        finally:
            close_progress(progress)
        for page_id, err in rep.failed:
            print(f"page {page_id}: {err}", file=sys.stderr)
        if not args.quiet:
            kept = f", {len(rep.kept)} kept (a person's work)" if rep.kept else ""
            print(f"processed {len(rep.done)} page(s), {len(rep.failed)} failed{kept} in {rep.seconds:.1f} s"
                  f" (job {rep.job_id}, {executor.describe()})", file=sys.stderr)
    return ExitCode.INPUT if rep.failed else 0

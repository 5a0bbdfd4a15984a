"""``digitizer review PROJECT --pages N... | --item ID --status reviewed|approved|corrected``.

The review workflow after correction: a reviewer marks pages ``reviewed``, an approver marks them
``approved``; ``corrected`` reopens them for correction.  Each page gets one event (action
``review`` or ``approve``) with the operator (``--operator``, default the login name) and the
status before, so the METS/PREMIS provenance shows who reviewed and approved what.
"""

from __future__ import annotations

from typing import Any

from ... import __version__
from ...errors import DigitizerError, ExitCode
from ...model import ProcessingStep
from ..common import add_project_arg, open_store

REVIEW_STATUSES = {"reviewed": "review", "approved": "approve", "corrected": "review"}


class ReviewError(DigitizerError):
    """A page cannot take the requested review status."""

    exit_code = ExitCode.INPUT


def register(sub: Any) -> None:
    p = sub.add_parser("review", help="mark pages reviewed or approved (or reopen them for correction)",
                       description="Set the review status of pages; one review/approve event per page with the "
                                   "operator. Pages still 'imported' or 'failed' have no text to review and are "
                                   "refused unless --force.")
    add_project_arg(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--pages", type=int, nargs="+", metavar="N", help="page ids (see 'digitizer pages')")
    which.add_argument("--item", metavar="ID", help="every page of this item (identifier or id)")
    p.add_argument("--status", required=True, choices=list(REVIEW_STATUSES), help="the new status")
    p.add_argument("--operator", metavar="NAME", help="who reviews (recorded in provenance; default: login name)")
    p.add_argument("--note", default="", help="a note stored with each event")
    p.add_argument("--force", action="store_true", help="also pages that are imported or failed")
    p.set_defaults(func=run)


def set_review_status(store: Any, page_ids: list[int], status: str, *, agent: str | None = None,
                      note: str = "", force: bool = False, tool: str = "digitizer.review") -> list[int]:
    """Set ``status`` on ``page_ids`` in one transaction, one event each; returns the ids changed."""
    if status not in REVIEW_STATUSES:
        raise ReviewError(f"not a review status: {status!r}", hint=", ".join(REVIEW_STATUSES))
    pages = [store.get_page(pid) for pid in page_ids]
    if not force:
        bad = [p for p in pages if p.status in ("imported", "failed")]
        if bad:
            raise ReviewError(f"page {bad[0].id} is {bad[0].status}: it has no text to review",
                              hint="process it first, or pass --force")
    with store.transaction():
        for page in pages:
            params = {"status": status, "previous": page.status}
            if note:
                params["note"] = note
            store.set_status(page.id, status, step=ProcessingStep(
                action=REVIEW_STATUSES[status], tool=tool, tool_version=__version__, parameters=params,
                agent=agent or store.agent))
    return [p.id for p in pages]


def run(args: Any) -> int:
    from ...store import ProjectStore

    open_store(args.project).close()            # one-line error when it is not a project
    with ProjectStore.open(args.project, agent=args.operator) as store:
        if args.item is not None:
            item = store.find_item(args.item) or store.get_item(int(args.item) if args.item.isdigit() else args.item)
            ids = [p.id for p in store.pages(item.id)]
            if not ids:
                raise ReviewError(f"item {item.identifier} has no pages")
        else:
            ids = list(dict.fromkeys(args.pages))
        done = set_review_status(store, ids, args.status, note=args.note, force=args.force)
    if not args.quiet:
        print(f"{len(done)} page(s) marked {args.status} by {store.agent}: " + ", ".join(map(str, done)))
    return 0

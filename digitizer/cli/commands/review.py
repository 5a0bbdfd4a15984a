"""``digitizer review PROJECT --pages N... | --item ID``: mark corrected pages reviewed.

``approve`` and ``reopen`` (their own commands) take the same arguments.  Every rule lives in
:mod:`digitizer.workflow` (review only from ``corrected``, approve only from ``reviewed``, reopen a
reviewed/approved page back to ``corrected``); a refused page stops the whole command with one
line and exit code 10, nothing changed.  Each page gets one event with the operator (``--operator``,
default the login name) and the state before, so the METS/PREMIS provenance shows who did what.
"""

from __future__ import annotations

from typing import Any

from ..common import add_project_arg

HELP = {"review": "mark corrected pages reviewed",
        "approve": "mark reviewed pages approved",
        "reopen": "reopen reviewed or approved pages for correction (history kept)"}
DONE = {"review": "reviewed", "approve": "approved", "reopen": "reopened"}


def register(sub: Any) -> None:
    add_page_action(sub, "review")


def add_page_action(sub: Any, action: str) -> None:
    """The parser of ``review``, ``approve`` or ``reopen``."""
    p = sub.add_parser(action, help=HELP[action],
                       description=f"{HELP[action].capitalize()} (see docs/workflow.md); all pages or none.")
    add_project_arg(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--pages", type=int, nargs="+", metavar="N", help="page ids (see 'digitizer pages')")
    which.add_argument("--item", metavar="ID", help="every page of this item (identifier or id)")
    p.add_argument("--operator", metavar="NAME", help="who does it (recorded in provenance; default: login name)")
    p.add_argument("--note", default="", help="a note stored with each event")
    p.set_defaults(func=lambda args: run(args, action))


def find_item(store: Any, key: str) -> Any:
    return store.find_item(key) or store.get_item(int(key) if key.isdigit() else key)


def run(args: Any, action: str) -> int:
    from ... import workflow
    from ...store import ProjectStore
    from ..common import open_store

    open_store(args.project).close()            # one-line error when it is not a project
    with ProjectStore.open(args.project, agent=args.operator) as store:
        if args.item is not None:
            done = workflow.item_action(store, find_item(store, args.item).id, action, note=args.note)
        else:
            done = {"review": workflow.review, "approve": workflow.approve,
                    "reopen": workflow.reopen}[action](store, args.pages, note=args.note)
    if not args.quiet:
        print(f"{len(done)} page(s) {DONE[action]} by {store.agent}: " + ", ".join(map(str, done)))
    return 0

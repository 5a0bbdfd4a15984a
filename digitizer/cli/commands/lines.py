"""``digitizer lines PROJECT --page N [--item I] [--json]``: the CLI twin of the line editor.

Lists the lines of a page (id, state, confidence, current version and its source, text).
``--page N`` is a page id, or the page's number in ``--item I``.  With ``--line ID``:
``--set TEXT`` (→ edited), ``--verify`` (→ verified), ``--flag "comment"`` (→ flagged),
``--history`` (every version) or ``--restore VERSION`` (→ edited, a new version); ``--tag KIND --span A:B [--value V]``
tags characters A to B (0-based, B exclusive) of the line's text as KIND (unclear, gap, supplied,
deletion, abbreviation, person, place, date, organisation; V e.g. an abbreviation's expansion);
``--untag --span A:B [--tag KIND]`` removes the tags inside the span; ``--recognise`` reads the line
again with the page's engine and model (e.g. a line just drawn; :mod:`digitizer.pipeline.line`),
refused when a person's text is there.  ``--set``/``--tag`` with
``--expect-version V`` refuse when someone saved a newer version meanwhile.  ``--done``
marks the page done (its remaining lines verified).  Every change goes through
:mod:`digitizer.workflow`; a refused one is one line and exit code 10.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ..common import add_project_arg

ACTIONS = ("set", "verify", "flag", "history", "restore")


def register(sub: Any) -> None:
    p = sub.add_parser("lines", help="list, correct, verify or flag the lines of a page (JSON for scripts)")
    add_project_arg(p)
    add_page_args(p)
    p.add_argument("--line", metavar="ID", help="the line to act on (ids from the listing)")
    act = p.add_mutually_exclusive_group()
    act.add_argument("--set", metavar="TEXT", help="replace the line's text (state edited)")
    act.add_argument("--verify", action="store_true", help="confirm the line's text unchanged (state verified)")
    act.add_argument("--flag", metavar="COMMENT", help="mark the line uncertain with a comment (state flagged)")
    act.add_argument("--history", action="store_true", help="list every version of the line")
    act.add_argument("--restore", type=int, metavar="VERSION", help="make an earlier version current (state edited)")
    act.add_argument("--done", action="store_true", help="page done: verify every remaining machine line")
    act.add_argument("--untag", action="store_true", help="remove the tags inside --span (of --tag KIND only)")
    act.add_argument("--recognise", action="store_true",
                     help="read the line again with the page's engine and model (a machine line; refused when a "
                     "person's text is there)")
    p.add_argument("--tag", metavar="KIND", help="tag --span of the line's text: unclear, gap, supplied, deletion, "
                   "abbreviation, person, place, date, organisation")
    p.add_argument("--span", metavar="A:B", help="with --tag/--untag: characters A to B (0-based, B exclusive)")
    p.add_argument("--value", default="", metavar="V", help="with --tag: e.g. an abbreviation's expansion")
    p.add_argument("--expect-version", type=int, metavar="V",
                   help="with --set: refuse if the line's current version is not V (someone saved meanwhile)")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--operator", metavar="NAME", help="who does it (recorded in the history; default: login name)")
    p.set_defaults(func=run)


def add_page_args(p: Any) -> None:
    """``--page N [--item I]``: the page a command acts on (resolved by :func:`page_id`)."""
    p.add_argument("--page", type=int, required=True, metavar="N", help="page id, or page number with --item")
    p.add_argument("--item", metavar="I", help="item identifier or id: --page is then the page number in it")


def page_id(store: Any, page: int, item: str | None) -> int:
    """``page`` itself, or the id of page number ``page`` of ``item``."""
    from ...errors import ProjectError
    from .review import find_item

    if item is None:
        return int(store.get_page(page).id)
    it = find_item(store, item)
    for p in store.pages(it.id):
        if p.seq == page:
            return int(p.id)
    raise ProjectError(f"item {it.identifier} has no page {page}")


def _emit(args: Any, data: Any, plain: list[str]) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    elif not args.quiet:
        for row in plain:
            print(row)


def _listing(args: Any, store: Any, pid: int) -> None:
    from ... import workflow

    rows = workflow.lines(store, pid)
    _emit(args, {"page": pid, "status": store.get_page(pid).status, "lines": [r.as_dict() for r in rows]},
          [f"{r.id}\t{r.state}\t{'' if r.confidence is None else f'{r.confidence:.2f}'}\tv{r.version} {r.source}\t"
           f"{json.dumps(r.text, ensure_ascii=False)}" + (f"\t# {r.comment}" if r.comment else "")
           + "".join(f"\t[{t.kind} {t.offset}:{t.offset + t.length}{' ' + t.value if t.value else ''}]" for t in r.tags)
           for r in rows])


def _history(args: Any, store: Any, pid: int) -> None:
    from ... import workflow

    hist = workflow.line_history(store, pid, args.line)
    _emit(args, [{"version": v.version, "text": v.text, "agent": v.agent, "at": v.at, "source": v.source}
                 for v in hist],
          [f"v{v.version}\t{v.source}\t{v.agent}\t{v.at}\t{json.dumps(v.text, ensure_ascii=False)}" for v in hist])


def _span(args: Any) -> tuple[int, int]:
    from ...errors import DigitizerError

    try:
        a, b = (int(v) for v in (args.span or "").split(":"))
    except ValueError:
        raise DigitizerError(f"--span needs A:B (two character positions), not {args.span!r}") from None
    return a, b


def _tagging(args: Any, store: Any, pid: int) -> str:
    from ... import workflow

    a, b = _span(args)
    if args.untag:
        v = workflow.untag(store, pid, args.line, a, b, args.tag or "", expected_version=args.expect_version)
        return f"line {args.line}: tags inside {a}:{b} removed (version {v})"
    v = workflow.tag(store, pid, args.line, args.tag, a, b, args.value, expected_version=args.expect_version)
    return f"line {args.line}: {args.tag} {a}:{b} tagged (version {v})"


def _change(args: Any, store: Any, pid: int) -> None:
    from ... import workflow

    if args.tag or args.untag:
        what = _tagging(args, store, pid)
    elif args.set is not None:
        v = workflow.set_text(store, pid, args.line, args.set, expected_version=args.expect_version)
        what = f"line {args.line}: version {v} saved (edited)"
    elif args.recognise:
        from ...pipeline.line import recognise_line

        res = recognise_line(store, pid, args.line, operator=args.operator)
        model = f" {res.model}" if res.model else ""
        what = (f"line {args.line}: recognised by {res.engine}{model}, version {res.version} (machine): "
                f"{json.dumps(res.text, ensure_ascii=False)}")
    elif args.verify:
        workflow.verify(store, pid, args.line)
        what = f"line {args.line}: verified"
    elif args.flag is not None:
        workflow.flag(store, pid, args.line, args.flag)
        what = f"line {args.line}: flagged"
    else:
        v = workflow.restore(store, pid, args.line, args.restore)
        what = f"line {args.line}: version {args.restore} restored as version {v} (edited)"
    status = store.get_page(pid).status
    _emit(args, {"page": pid, "line": args.line, "status": status, "result": what}, [f"{what}; page {pid} is {status}"])


def run(args: Any) -> int:
    from ... import workflow
    from ...errors import DigitizerError
    from ...store import ProjectStore
    from ..common import open_store

    tagging = bool(args.tag) or args.untag
    acting = (args.set is not None or args.verify or args.flag is not None or args.history or args.recognise
              or args.restore is not None)
    if tagging and (acting or args.done):
        raise DigitizerError("--tag/--untag cannot be combined with another action")
    acting = acting or tagging
    if acting and not args.line:
        raise DigitizerError("--set, --verify, --flag, --history, --restore, --recognise, --tag and --untag need "
                             "--line ID")
    if args.line and not acting:
        raise DigitizerError("--line needs one of --set, --verify, --flag, --history, --restore, --recognise, --tag, "
                             "--untag")
    if tagging and not args.span:
        raise DigitizerError("--tag and --untag need --span A:B")
    open_store(args.project).close()            # one-line error when it is not a project
    with ProjectStore.open(args.project, agent=args.operator) as store:
        pid = page_id(store, args.page, args.item)
        if args.done:
            verified = workflow.page_done(store, pid)
            _emit(args, {"page": pid, "verified": verified, "status": store.get_page(pid).status},
                  [f"page {pid} done: {len(verified)} line(s) verified; it is {store.get_page(pid).status}"])
        elif args.history:
            _history(args, store, pid)
        elif acting:
            _change(args, store, pid)
        else:
            _listing(args, store, pid)
    sys.stdout.flush()
    return 0

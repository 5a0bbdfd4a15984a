"""``digitizer restrict P``: withhold material from access packages (issue 17, docs/restrictions.md).

    digitizer restrict P [--item I] [--page N] [--line ID | --region ID | --word ID | --field NAME]
                         [--text WORDS | --regex RE] [--fuzzy K] --reason CODE [--until DATE]
    digitizer restrict P --list [--all] [--json]
    digitizer restrict P --lift ID
    digitizer restrict P --preview [--item I]
"""

from __future__ import annotations

import json

from ..common import open_store


def register(sub) -> None:
    p = sub.add_parser("restrict", help="restrict items, pages, regions, lines or words in access packages")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--item", metavar="I", help="item identifier (alone: the whole item)")
    p.add_argument("--page", type=int, metavar="N", help="page number within the item (alone: the whole page)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--line", metavar="ID", help="line id(s) on --page, comma-separated")
    what.add_argument("--region", metavar="ID", help="region (block) id(s) on --page, comma-separated")
    what.add_argument("--word", metavar="ID", help="word id(s) on --page, comma-separated (a selection)")
    what.add_argument("--text", metavar="WORDS", help="every occurrence of these words (case, diacritics, "
                                                      "hyphenation ignored; within --item/--page when given)")
    what.add_argument("--regex", metavar="RE", help="every match of this regular expression (case-insensitive)")
    what.add_argument("--field", metavar="NAME", help="descriptive metadata field(s) of --item, comma-separated")
    p.add_argument("--fuzzy", type=int, default=0, metavar="K", help="with --text: also words within K edits (OCR "
                                                                      "errors; words of 4+ letters)")
    p.add_argument("--reason", metavar="CODE", help="reason code (see docs/restrictions.md), e.g. personal-data")
    p.add_argument("--until", metavar="DATE", help="last day the restriction applies (YYYY-MM-DD)")
    p.add_argument("--note", default="", help="free-text note kept with the restriction")
    p.add_argument("--list", action="store_true", help="list the restrictions in force")
    p.add_argument("--all", action="store_true", help="with --list: also lifted and expired ones")
    p.add_argument("--json", action="store_true", help="with --list: as JSON")
    p.add_argument("--lift", type=int, metavar="ID", help="lift restriction ID")
    p.add_argument("--preview", action="store_true", help="say what an access package will withhold")
    p.add_argument("--operator", help="who does it (default: $DIGITIZER_OPERATOR or the login name)")
    p.set_defaults(func=run)


def _scope(args) -> tuple[str, str]:
    for scope in ("line", "region", "word", "text", "regex", "field"):
        if getattr(args, scope):
            return scope, getattr(args, scope)
    return ("page", "") if args.page is not None else ("item", "")


def _page_id(store, item, seq: int) -> int:
    from ...restrict import RestrictionError

    for page in store.pages(item.id):
        if page.seq == seq:
            return page.id
    raise RestrictionError(f"item {item.identifier} has no page {seq}")


def _add(store, args) -> int:
    from ...restrict import RestrictionError, add_restriction

    scope, target = _scope(args)
    if not args.reason:
        raise RestrictionError("--reason is required", hint="e.g. --reason personal-data; see docs/restrictions.md")
    items = store.items(with_pages=False)
    if args.item is None and (scope not in ("text", "regex") or args.page is not None) and len(items) == 1:
        args.item = items[0].identifier
    if args.page is not None and args.item is None:
        raise RestrictionError("--page needs --item (the project has several items)")
    if scope == "item" and args.item is None:
        raise RestrictionError("say what to restrict: --item, --page, --line, --region, --word, --text or --regex")
    item = store.get_item(args.item) if args.item else None
    page_id = _page_id(store, item, args.page) if item is not None and args.page is not None else None
    r = add_restriction(store, scope, reason=args.reason, item_id=item.id if item else None, page_id=page_id,
                        target=target, fuzzy=args.fuzzy, until=args.until, note=args.note, agent=args.operator)
    if not args.quiet:
        print(f"restriction {r.id}: {r.describe()}")
    return 0


def run(args) -> int:
    from ...restrict import lift_restriction, list_restrictions

    with open_store(args.project) as store:
        if args.lift is not None:
            r = lift_restriction(store, args.lift, agent=args.operator)
            if not args.quiet:
                print(f"restriction {r.id} lifted: {r.describe()}")
            return 0
        if args.preview:
            from ...restrict.redact import access_preview

            items = [store.get_item(args.item)] if args.item else None
            print("\n".join(access_preview(store, items)) or "nothing is withheld from access packages")
            return 0
        if args.list:
            rs = list_restrictions(store, active_only=not args.all)
            if args.json:
                print(json.dumps([{**r.to_dict(), "active": r.active()} for r in rs], ensure_ascii=False, indent=2))
            else:
                for r in rs:
                    state = "" if r.active() else (" [lifted]" if r.lifted else " [expired]")
                    print(f"{r.id}\t{r.describe()}{state}")
            return 0
        return _add(store, args)


def verify_access(args) -> int:
    """``digitizer verify --access OUT --project P`` (the verify command hands over to this)."""
    from ...errors import ExitCode
    from ...restrict import RestrictionError
    from ...restrict.leak import check_access_package
    from .verify import print_report

    if not args.access or not args.project:
        raise RestrictionError("verify needs PATH, or --access OUT with --project P")
    with open_store(args.project) as store:
        report = check_access_package(store, args.access)
    print_report(report, args, failed="LEAK")
    return 0 if report.is_valid else ExitCode.ACCESS_LEAK

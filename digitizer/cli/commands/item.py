"""``digitizer item PROJECT new|rename|set-profile|engine``: items and their recognition settings
(the CLI twins of the GUI's Item menu; core: :mod:`digitizer.items`).

    digitizer item P new NAME --profile PROFILE [--title T] [--set FIELD=VALUE ...]
    digitizer item P rename ITEM NEW-NAME [--title T]
    digitizer item P set-profile ITEM PROFILE
    digitizer item P engine ITEM --set ENGINE|default [--model MODEL]
"""

from __future__ import annotations

from ..common import add_project_arg, open_store


def register(sub) -> None:
    p = sub.add_parser("item", help="create, rename an item, change its profile or engine")
    add_project_arg(p)
    acts = p.add_subparsers(dest="item_action", required=True, metavar="ACTION")
    new = acts.add_parser("new", help="create an item with a profile and metadata")
    new.add_argument("name", help="item identifier")
    new.add_argument("--profile", required=True, help="profile name (digitizer profiles)")
    new.add_argument("--title", default="", help="title (default: the name)")
    new.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                     help="descriptive metadata field (repeatable; as in digitizer metadata --set)")
    ren = acts.add_parser("rename", help="give an item a new name (and title)")
    ren.add_argument("item", help="item identifier")
    ren.add_argument("new_name", help="new identifier")
    ren.add_argument("--title", help="new title")
    prof = acts.add_parser("set-profile", help="use another profile for an item from now on")
    prof.add_argument("item", help="item identifier")
    prof.add_argument("profile", help="profile name")
    eng = acts.add_parser("engine", help="recognise every page of an item with this engine and model")
    eng.add_argument("item", help="item identifier")
    eng.add_argument("--set", dest="engine", required=True, help="tesseract, kraken, ... or 'default'")
    eng.add_argument("--model", help="recognition model for that engine")
    p.set_defaults(func=run)


def run(args) -> int:
    from ... import items

    with open_store(args.project) as store:
        if args.item_action == "new":
            from ...metadata import parse_assignment

            meta = dict(parse_assignment(a) for a in args.set)
            item = items.new_item(store, args.name, title=args.title, profile=args.profile, metadata=meta)
            said = f"item {item.identifier} created (profile {item.profile})"
        elif args.item_action == "rename":
            item = items.rename_item(store, store.get_item(args.item).id, args.new_name, title=args.title)
            said = f"item {args.item} is now {item.identifier}"
        elif args.item_action == "set-profile":
            item = items.set_item_profile(store, store.get_item(args.item).id, args.profile)
            said = f"item {item.identifier}: profile {item.profile}"
        else:
            ids = items.set_item_engine(store, store.get_item(args.item).id, args.engine, args.model)
            said = f"item {args.item}: {len(ids)} page(s), engine {items.engine_choice(args.engine, args.model) or 'from the profile'}"
        if not args.quiet:
            print(said)
    return 0

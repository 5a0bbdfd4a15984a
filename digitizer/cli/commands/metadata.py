"""``digitizer metadata PROJECT show|set|import|vocab``: descriptive metadata per item, checked
against the controlled vocabularies of the item's profile ([metadata] table)."""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("metadata", help="show, set or import (CSV) descriptive metadata of items")
    p.add_argument("project", metavar="PROJECT", help="project folder")
    msub = p.add_subparsers(dest="metadata_command", metavar="ACTION", required=True)
    s = msub.add_parser("show", help="print an item's metadata as JSON")
    s.add_argument("item")
    s.set_defaults(func=run_show)
    s = msub.add_parser("set", help="set fields: FIELD=VALUE (lists split on '|', empty value removes)")
    s.add_argument("item")
    s.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    s.add_argument("--replace", action="store_true", help="replace all metadata instead of merging")
    s.set_defaults(func=run_set)
    s = msub.add_parser("import", help="CSV with a header row and one row per item (column 'identifier')")
    s.add_argument("csv")
    s.set_defaults(func=run_import)
    s = msub.add_parser("vocab", help="list the terms a field accepts for an item's profile")
    s.add_argument("kind", choices=["languages", "roles", "rights", "subjects"])
    s.add_argument("--profile", default="printed-modern")
    s.set_defaults(func=run_vocab)


def run_show(args) -> int:
    from ...metadata import effective_metadata
    from ..common import open_store

    with open_store(args.project) as store:
        print(json.dumps(effective_metadata(store.get_item(args.item)), ensure_ascii=False, indent=2))
    return 0


def run_set(args) -> int:
    from ...metadata import parse_assignment, rules_for, set_item_metadata
    from ...profiles import load_profile
    from ..common import open_store

    changes = dict(parse_assignment(a) for a in args.assignments)
    with open_store(args.project) as store:
        item = store.get_item(args.item)
        clean = set_item_metadata(store, item, changes, rules_for(load_profile(item.profile)), replace=args.replace)
    if not args.quiet:
        print(json.dumps(clean, ensure_ascii=False, indent=2))
    return 0


def run_import(args) -> int:
    from ...metadata import import_csv
    from ..common import open_store

    with open_store(args.project) as store:
        done = import_csv(store, args.csv)
    if not args.quiet:
        print(f"updated {len(done)} item(s): {', '.join(done)}")
    return 0


def run_vocab(args) -> int:
    from ...metadata import rules_for
    from ...profiles import load_profile

    vocab = getattr(rules_for(load_profile(args.profile)), args.kind)
    for code, label in vocab.terms.items():
        print(f"{code}\t{label}")
    return 0

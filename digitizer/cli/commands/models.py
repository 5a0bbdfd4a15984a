"""``digitizer models``: list, import, inspect, remove and (online only) fetch HTR models."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ...errors import DigitizerError


def register(sub: Any) -> None:
    p = sub.add_parser("models", help="HTR model registry (list, import, info, remove, fetch)",
                       description="Models come from a project's models/ folder (--project), the per-user "
                                   "registry ($DIGITIZER_MODELS_DIR or ~/.local/share/digitizer/models, writable) "
                                   "and the built-in models shipped with digitizer (read-only).")
    msub = p.add_subparsers(dest="models_cmd", metavar="ACTION")
    ls = msub.add_parser("list", help="list registered models")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--project", metavar="DIR", help="also the models/ folder of this project")
    ls.set_defaults(func=cmd_list)
    imp = msub.add_parser("import", help="import a kraken model file (.safetensors/.mlmodel)")
    imp.add_argument("file")
    imp.add_argument("--name", help="registry name (default: file name without extension)")
    imp.add_argument("--language", default="")
    imp.add_argument("--script", default="", help="ISO 15924 code, e.g. Latn")
    imp.add_argument("--licence", "--license", dest="licence", default="")
    imp.add_argument("--source", default="", help="where the model comes from (DOI, URL, citation)")
    imp.add_argument("--notes", default="")
    imp.add_argument("--overwrite", action="store_true", help="replace a model of the same name")
    imp.set_defaults(func=cmd_import)
    inf = msub.add_parser("info", help="show everything known about a model")
    inf.add_argument("name")
    inf.add_argument("--json", action="store_true")
    inf.add_argument("--project", metavar="DIR", help="also the models/ folder of this project")
    inf.set_defaults(func=cmd_info)
    rm = msub.add_parser("remove", help="delete a model from the user registry")
    rm.add_argument("name")
    rm.add_argument("--yes", "-y", action="store_true", help="do not ask (required when not interactive)")
    rm.set_defaults(func=cmd_remove)
    use = msub.add_parser("use", help="switch an item to a model; re-process the pages nobody has worked on",
                          description="Sets the kraken model NAME on every page of the item and re-processes at "
                                      "once the pages without a person's work (no edited line, not corrected/"
                                      "reviewed/approved); pages with a person's work keep their text.")
    use.add_argument("name", help="registered model (the project's models/ folder included)")
    use.add_argument("project", metavar="PROJECT", help="project folder")
    use.add_argument("--item", required=True, action="append", help="item id or identifier (repeatable)")
    use.add_argument("--no-reprocess", action="store_true", help="only set the model; re-process later")
    use.set_defaults(func=cmd_use)
    fe = msub.add_parser("fetch", help="download a published kraken model by DOI (needs network)")
    fe.add_argument("identifier", help="model DOI, e.g. 10.5281/zenodo.NNNN")
    fe.add_argument("--name")
    fe.set_defaults(func=cmd_fetch)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def cmd_list(args: argparse.Namespace) -> int:
    from ...htr import overview, registry

    if args.json:
        print(json.dumps(overview.model_entries(args.project), ensure_ascii=False, indent=2))
        return 0
    models = registry.list_models(args.project)
    if not models:
        print(f"no models (registry: {registry.user_models_dir()})")
        return 0
    print(f"{'name':<24} {'origin':<9} {'engine':<7} {'lang':<5} {'val CER':>7}  "
          f"{'held-back: base -> this (lines)':<32} {'chars':>5}  {'created':<20} base / file")
    for m in models:
        print(f"{m.name:<24} {m.origin:<9} {m.engine:<7} {m.language or '-':<5} {overview.pct(m.cer):>7}  "
              f"{overview.held_back_text(m):<32} {len(m.alphabet):>5}  {m.created:<20} {m.base_model or m.path}")
    return 0


def cmd_use(args: argparse.Namespace) -> int:
    from ...batch.process import process_pages
    from ...htr.switch import switch_item_model
    from ..common import RichProgress, open_store

    with open_store(args.project) as store:
        for item in args.item:
            res = switch_item_model(store, int(item) if item.isdigit() else item, args.name,
                                    reprocess=not args.no_reprocess)
            if res.todo:
                rep = process_pages(store, [store.get_item(res.item)], force=True, page_ids=set(res.todo),
                                    progress=None if args.quiet else RichProgress())
                res.reprocessed, res.failed = list(rep.done), list(rep.failed)
            failed = f", {len(res.failed)} failed" if res.failed else ""
            print(f"item {res.item}: model {res.model} on {len(res.pages)} page(s); re-processed "
                  f"{len(res.reprocessed)}, kept {len(res.kept)} with a person's work{failed}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from ...htr import registry

    info = registry.import_model(args.file, name=args.name, language=args.language, script=args.script,
                                 licence=args.licence, source=args.source, notes=args.notes,
                                 overwrite=args.overwrite)
    print(f"imported {info.name} ({info.kind}, {info.seg_type or '?'} lines, {len(info.alphabet)} characters, "
          f"sha256 {info.sha256[:16]}...) into {info.path}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from ...htr import overview, registry

    m = registry.get(args.name, args.project)
    d = {**json.loads(m.to_json()), "path": m.path, "read_only": m.read_only, "origin": m.origin}
    if args.json:
        print(json.dumps(d, ensure_ascii=False, indent=2))
        return 0
    for k, v in d.items():
        if isinstance(v, dict):
            print(f"{k}:")
            for kk, vv in v.items():
                print(f"  {kk}: {vv}")
        elif k == "cer":
            print(f"cer: {overview.pct(v)}")
        elif v not in ("", None, [], {}):
            print(f"{k}: {v}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from ...htr import registry

    m = registry.get(args.name)
    if not args.yes:
        if not sys.stdin.isatty():
            raise DigitizerError(f"refusing to remove {args.name!r} without confirmation", hint="add --yes")
        if input(f"remove model {m.name} ({m.path})? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return 1
    registry.remove(args.name)
    print(f"removed {args.name}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from ...htr import registry

    info = registry.fetch(args.identifier, name=args.name)
    print(f"fetched {info.name} into {info.path}")
    return 0

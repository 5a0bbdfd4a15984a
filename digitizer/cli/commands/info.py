"""``digitizer info PROJECT``: items, pages, statuses, failures."""

from __future__ import annotations

import json
from collections import Counter

from ..common import add_project_arg, open_store


def register(sub) -> None:
    p = sub.add_parser("info", help="show a project's items, pages and their status")
    add_project_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--pages", action="store_true", help="list every page")
    p.set_defaults(func=run)


def project_summary(store) -> dict:
    proj = store.info()
    items = []
    for item in proj.items:
        items.append({
            "id": item.id, "identifier": item.identifier, "title": item.title, "profile": item.profile,
            "pages": len(item.pages), "status": dict(Counter(p.status for p in item.pages)),
            "page_list": [{"id": p.id, "seq": p.seq, "label": p.label, "status": p.status,
                           "width": p.width, "height": p.height, "dpi": p.dpi, "dpi_source": p.dpi_source,
                           "mean_confidence": p.mean_confidence, "error": p.error,
                           "master": p.master.path} for p in item.pages]})
    return {"name": proj.name, "path": proj.path, "created": proj.created, "schema_version": proj.schema_version,
            "items": items, "failures": [{"source": f["source_path"], "reason": f["reason"]}
                                         for f in store.failures()],
            "events": len(store.events())}


def run(args) -> int:
    with open_store(args.project) as store:
        s = project_summary(store)
    if args.json:
        print(json.dumps(s, ensure_ascii=False, indent=2))
        return 0
    print(f"project {s['name']!r} at {s['path']} (schema {s['schema_version']}, {s['events']} events)")
    for it in s["items"]:
        st = ", ".join(f"{k} {v}" for k, v in sorted(it["status"].items())) or "empty"
        print(f"  {it['identifier']}: {it['title']!r} [{it['profile']}] {it['pages']} page(s): {st}")
        if args.pages:
            for p in it["page_list"]:
                conf = f"{p['mean_confidence']:.2f}" if p["mean_confidence"] is not None else "-"
                dpi = f"{p['dpi']:g} dpi" if p["dpi"] else "no dpi"
                flag = " (dpi not from file)" if p["dpi_source"] != "metadata" else ""
                print(f"    {p['seq']:4d} {p['status']:<10} conf {conf} {p['width']}x{p['height']} {dpi}{flag}"
                      + (f"  ERROR {p['error']}" if p["error"] else ""))
    for f in s["failures"]:
        print(f"  failed: {f['source']}: {f['reason']}")
    return 0

"""``digitizer profiles [NAME]``: list profiles or show one (validated)."""

from __future__ import annotations

import json

from ...model import to_dict


def register(sub) -> None:
    p = sub.add_parser("profiles", help="list processing profiles, or check and show one")
    p.add_argument("name", nargs="?", help="profile name or path to a .toml file")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...profiles import load_profile, profile_names

    if args.name:
        print(json.dumps(to_dict(load_profile(args.name)), ensure_ascii=False, indent=2))
        return 0
    for name in profile_names():
        prof = load_profile(name)
        print(f"{name:<22} {prof.recognition.engine:<10} {'+'.join(prof.recognition.languages):<10} "
              f"{prof.description}")
    return 0

"""``digitizer profiles [NAME]``: list profiles (with where each comes from) or show one (validated)."""

from __future__ import annotations

import json

from ...model import to_dict


def register(sub) -> None:
    p = sub.add_parser("profiles", help="list processing profiles, or check and show one",
                       description="Profiles come from the project's profiles/ folder (--project), the per-user "
                                   "folder ($DIGITIZER_PROFILES_DIR or ~/.local/share/digitizer/profiles) and the "
                                   "built-in ones shipped with digitizer; the first match wins.")
    p.add_argument("name", nargs="?", help="profile name or path to a .toml file ('list' lists them all)")
    p.add_argument("--project", metavar="DIR", help="also the profiles/ folder of this project")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...profiles import load_profile, profile_files

    if args.name and args.name != "list":
        print(json.dumps(to_dict(load_profile(args.name, args.project)), ensure_ascii=False, indent=2))
        return 0
    for name, (path, origin) in sorted(profile_files(args.project).items()):
        prof = load_profile(str(path))
        print(f"{name:<22} {origin:<9} {prof.recognition.engine:<10} {'+'.join(prof.recognition.languages):<10} "
              f"{prof.description}  [{path}]")
    return 0

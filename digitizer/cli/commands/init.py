"""``digitizer init PROJECT``: create an empty project."""

from __future__ import annotations

from ..common import add_project_arg


def register(sub) -> None:
    p = sub.add_parser("init", help="create a new project folder")
    add_project_arg(p)
    p.add_argument("--name", help="project name (default: folder name)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...store import ProjectStore

    with ProjectStore.create(args.project, args.name) as store:
        if not args.quiet:
            print(f"created project {store.info().name!r} in {store.root}")
    return 0

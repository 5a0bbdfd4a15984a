"""Where profiles and HTR models come from: built-in, per-user and per-project folders.

Origins, in lookup order (the first match wins when names clash):

- ``project``: the ``profiles/`` and ``models/`` folders of a digitizer project, when one is given;
- ``user``: the per-user data folder (``platformdirs``; on Linux ``$XDG_DATA_HOME/digitizer`` =
  ``~/.local/share/digitizer``) with ``profiles/`` and ``models/``.  ``$DIGITIZER_PROFILES_DIR`` and
  ``$DIGITIZER_MODELS_DIR`` replace those two folders;
- ``built-in``: shipped with digitizer, read-only.  In an installed wheel they are package data in
  ``digitizer/_data/`` (found through :mod:`importlib.resources`); in a source checkout they are the
  top-level ``profiles/`` and ``models/`` folders, which stay the source of truth (the build copies
  them into the wheel, see ``setup.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

BUILTIN, USER, PROJECT = "built-in", "user", "project"
KINDS = ("profiles", "models")
ENV = {"profiles": "DIGITIZER_PROFILES_DIR", "models": "DIGITIZER_MODELS_DIR"}


@dataclass(frozen=True)
class Source:
    """One folder to look in, and where it comes from (built-in / user / project)."""

    path: Path
    origin: str

    @property
    def read_only(self) -> bool:
        return self.origin == BUILTIN


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown resource kind {kind!r} (known: {', '.join(KINDS)})")


def builtin_dir(kind: str) -> Path:
    """The built-in folder: ``digitizer/_data/<kind>`` when installed, else ``<checkout>/<kind>``."""
    _check(kind)
    packaged = resources.files("digitizer") / "_data" / kind
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / kind


def user_data_dir() -> Path:
    """The per-user data folder of digitizer (not created here)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("digitizer", appauthor=False))


def user_dir(kind: str) -> Path:
    """The writable per-user folder for ``kind`` (``$DIGITIZER_<KIND>_DIR`` if set; not created here)."""
    _check(kind)
    env = os.environ.get(ENV[kind])
    return Path(env).expanduser() if env else user_data_dir() / kind


def search_path(kind: str, project: str | os.PathLike | None = None) -> list[Source]:
    """Folders to look in for ``kind``, in lookup order, without duplicates."""
    _check(kind)
    cands = ([Source(Path(project) / kind, PROJECT)] if project else []) + [
        Source(user_dir(kind), USER), Source(builtin_dir(kind), BUILTIN)]
    out: list[Source] = []
    for src in cands:
        if all(_key(src.path) != _key(o.path) for o in out):
            out.append(src)
    return out


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path)

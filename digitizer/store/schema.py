"""SQLite schema of a project and its migrations (``PRAGMA user_version`` is the schema version).

Migrations live in :mod:`digitizer.store.migrations` as ``mNNNN_name.py`` modules with an ``SQL``
string; each runs in its own transaction when a project is opened.
"""

from __future__ import annotations

import importlib
import pkgutil

from . import migrations as _pkg


def _discover() -> list[tuple[int, str]]:
    found = []
    for info in pkgutil.iter_modules(_pkg.__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            mod = importlib.import_module(f"{_pkg.__name__}.{info.name}")
            found.append((int(info.name[1:5]), mod.SQL))
    found.sort()
    return found


MIGRATIONS: list[tuple[int, str]] = _discover()
SCHEMA_VERSION = MIGRATIONS[-1][0]

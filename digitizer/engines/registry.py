"""Engine lookup: built-ins plus third-party engines registered under the entry-point group
``digitizer.engines`` (``name = "package.module:EngineClass"``)."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from ..errors import EngineError
from .base import Engine

BUILTIN: dict[str, str] = {
    "none": "digitizer.engines.null:NullEngine",
    "tesseract": "digitizer.engines.tesseract.engine:TesseractEngine",
    "kraken": "digitizer.engines.kraken.engine:KrakenEngine",
}

_cache: dict[str, Engine] = {}


def available() -> list[str]:
    names = set(BUILTIN)
    names.update(ep.name for ep in entry_points(group="digitizer.engines"))
    return sorted(names)


def _load(target: str) -> type[Engine]:
    mod, _, attr = target.partition(":")
    return getattr(importlib.import_module(mod), attr)


def get_engine(name: str) -> Engine:
    """Return a (cached) engine instance by name; unknown names raise EngineError."""
    if name in _cache:
        return _cache[name]
    target = BUILTIN.get(name)
    if target is None:
        eps = [ep for ep in entry_points(group="digitizer.engines") if ep.name == name]
        if not eps:
            raise EngineError(f"unknown engine {name!r}", hint=f"choose one of: {', '.join(available())}")
        cls = eps[0].load()
    else:
        cls = _load(target)
    _cache[name] = cls()
    return _cache[name]

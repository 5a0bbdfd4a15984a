"""Items and their recognition settings: create, rename, change profile, choose the engine.

The core of the intake actions the GUI offers; the CLI twins are ``digitizer item new/rename/
set-profile`` and ``digitizer engine``.  Every change is an event of the store (who: the store's
agent; what; when; tool version).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .errors import EngineError, ProjectError
from .fsutil import safe_name
from .model import Item, ProcessingStep
from .store import ProjectStore


def new_item(store: ProjectStore, identifier: str | None, *, title: str = "", profile: str,
             metadata: dict[str, Any] | None = None) -> Item:
    """Create an item named ``identifier`` (``item-NNNN`` when empty) with ``profile``; descriptive
    ``metadata`` is checked by the profile's rules (``digitizer.metadata``) before anything is stored."""
    from .metadata import rules_for, set_item_metadata
    from .profiles import load_profile

    rules = rules_for(load_profile(profile, store.root))      # unknown profile: refused before creating
    if identifier and store.find_item(safe_name(identifier, "item")) is not None:
        raise ProjectError(f"item {safe_name(identifier, 'item')!r} already exists in {store.root}",
                           hint="choose another name, or import into the existing item")
    with store.transaction():                                  # bad metadata leaves no item behind
        item = store.add_item(identifier or None, title=title, profile=profile)
        if metadata:
            set_item_metadata(store, item, metadata, rules)
    return store.get_item(item.id)


def rename_item(store: ProjectStore, item_id: int, identifier: str, *, title: str | None = None) -> Item:
    """Give an item a new identifier (sanitised as at creation; unique in the project) and,
    optionally, a new title.  File paths are unchanged: masters keep their stored names."""
    item = store.get_item(item_id)
    ident = safe_name(identifier, "")
    if not ident:
        raise ProjectError(f"item name {identifier!r} has no usable character",
                           hint="use ASCII letters, digits, '.', '_' or '-'")
    other = store.find_item(ident)
    if other is not None and other.id != item_id:
        raise ProjectError(f"item {ident!r} already exists in {store.root}", hint="choose another name")
    with store.transaction() as c:
        c.execute("UPDATE items SET identifier = ? WHERE id = ?", (ident, item_id))
        if title is not None:
            store.update_item(item_id, title=title)
        store.record(ProcessingStep(action="rename-item", tool="digitizer", tool_version=__version__,
                                    parameters={"from": item.identifier, "to": ident}), item_id=item_id)
    return store.get_item(item_id)


def set_item_profile(store: ProjectStore, item_id: int, profile: str) -> Item:
    """Use ``profile`` for an item from now on (pages processed later, its palette, its threshold)."""
    from .profiles import load_profile

    load_profile(profile, store.root)                          # unknown profile: one clear message
    store.get_item(item_id)
    return store.update_item(item_id, profile=profile)


def engine_choice(engine: str | None, model: str | None = None) -> str | None:
    """The stored ``engine_override`` for an engine name and model (``None``: the profile's)."""
    from .engines.registry import available

    if engine in (None, "", "default"):
        return None
    if engine not in available():
        raise EngineError(f"unknown engine {engine!r}", hint=f"choose one of: {', '.join(available())}, default")
    return f"{engine}:{model}" if model else engine


def set_engine(store: ProjectStore, page_ids: Iterable[int], engine: str | None,
               model: str | None = None) -> list[int]:
    """Recognise ``page_ids`` with ``engine`` (and ``model``) instead of their profile's engine;
    ``engine`` ``None``/``"default"`` goes back to the profile's.  Returns the page ids changed."""
    override = engine_choice(engine, model)
    ids = list(page_ids)
    with store.transaction():
        for page_id in ids:
            page = store.get_page(page_id)                     # clear error for an unknown page
            store.set_page_fields(page_id, engine_override=override)
            store.record(ProcessingStep(action="set-engine", tool="digitizer", tool_version=__version__,
                                        parameters={"engine": override or "profile"}),
                         item_id=page.item_id, page_id=page_id)
    return ids


def set_item_engine(store: ProjectStore, item_id: int, engine: str | None, model: str | None = None) -> list[int]:
    """:func:`set_engine` for every page of an item."""
    return set_engine(store, [p.id for p in store.pages(item_id)], engine, model)


def page_engine(store: ProjectStore, page_id: int) -> tuple[str | None, str | None]:
    """(engine, model) chosen for a page, ``(None, None)`` when it follows its profile."""
    override = store.get_page(page_id).engine_override
    if not override:
        return None, None
    engine, _, model = override.partition(":")
    return engine, model or None


def find_item(store: ProjectStore, identifier: str) -> Item | None:
    """The item ``identifier`` names, as typed or after the sanitising the store applies."""
    return store.find_item(identifier) or store.find_item(safe_name(identifier, "item"))


def discard_empty_item(store: ProjectStore, item_id: int) -> None:
    """Undo the creation of an item that never got a page (a scan into a new item that failed):
    the item and its own events go, as if it had not been made.  Refused once it has pages."""
    if store.pages(item_id):
        raise ProjectError(f"item {store.get_item(item_id).identifier!r} has pages: it is kept")
    with store.transaction() as c:
        c.execute("DELETE FROM events WHERE item_id = ? AND page_id IS NULL", (item_id,))
        c.execute("DELETE FROM items WHERE id = ?", (item_id,))


@dataclass
class ItemProgress:
    """Where an item stands: pages by state, and the share of its lines a person edited or verified."""

    identifier: str
    pages: dict[str, int] = field(default_factory=dict)        # page state -> count
    lines: int = 0
    edited: int = 0
    verified: int = 0

    @property
    def touched_share(self) -> float:
        return (self.edited + self.verified) / self.lines if self.lines else 0.0

    def summary(self) -> str:
        states = ", ".join(f"{n} {state}" for state, n in self.pages.items())
        return (f"{self.identifier}: {sum(self.pages.values())} page(s) ({states or 'none'}); "
                f"lines {self.edited} edited, {self.verified} verified of {self.lines} "
                f"({self.touched_share * 100:.0f} %)")


def item_progress(store: ProjectStore, item_id: int) -> ItemProgress:
    """:class:`ItemProgress` of an item, read from the store (the CLI's ``digitizer status`` numbers)."""
    item = store.get_item(item_id)
    prog = ItemProgress(item.identifier)
    for page in store.pages(item_id):
        prog.pages[page.status] = prog.pages.get(page.status, 0) + 1
        layout = store.load_layout(page.id)
        ids = [ln.id for ln in layout.lines()] if layout else []
        states = store.line_states(page.id)
        prog.lines += len(ids)
        prog.edited += sum(1 for lid in ids if lid in states and states[lid].state == "edited")
        prog.verified += sum(1 for lid in ids if lid in states and states[lid].state == "verified")
    return prog

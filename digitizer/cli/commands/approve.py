"""``digitizer approve PROJECT --pages N... | --item ID``: mark reviewed pages approved (see ``review``)."""

from __future__ import annotations

from typing import Any

from .review import add_page_action


def register(sub: Any) -> None:
    add_page_action(sub, "approve")

"""``digitizer reopen PROJECT --pages N... | --item ID``: reviewed/approved pages back to corrected."""

from __future__ import annotations

from typing import Any

from .review import add_page_action


def register(sub: Any) -> None:
    add_page_action(sub, "reopen")

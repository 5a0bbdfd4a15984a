"""Restricted material (issue 17): restrictions with reasons and end dates, the matcher that finds what
they hit, the redaction step of access exports and the leak check of access packages.

See ``docs/restrictions.md``.  Headless: no Qt.
"""

from __future__ import annotations

from .match import PageHits, fold, match_page
from .rules import (REASONS_VOCAB, SCOPES, Restriction, RestrictionError, add_restriction, get_restriction,
                    lift_restriction, list_restrictions)

__all__ = ["Restriction", "RestrictionError", "SCOPES", "REASONS_VOCAB", "add_restriction", "lift_restriction",
           "list_restrictions", "get_restriction", "match_page", "PageHits", "fold"]

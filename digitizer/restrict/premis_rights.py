"""PREMIS 3 rights statements for the restrictions recorded in a preservation package's METS."""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..export.premis import _premis_root, _sub, md_wrap
from .rules import Restriction


def rights_statement(r: Restriction, objects: list[str], label: str) -> etree._Element:
    """``premis:rights/rightsStatement``: dissemination disallowed, from creation until ``r.until``."""
    root = _premis_root("rights")
    st = _sub(root, "rightsStatement")
    ident = _sub(st, "rightsStatementIdentifier")
    _sub(ident, "rightsStatementIdentifierType", "local")
    _sub(ident, "rightsStatementIdentifierValue", f"restriction-{r.id}")
    _sub(st, "rightsBasis", "Other")
    other = _sub(st, "otherRightsInformation")
    _sub(other, "otherRightsBasis", r.reason)
    _sub(other, "otherRightsNote", f"{label}: {r.describe()}" + (f"; {r.note}" if r.note else ""))
    granted = _sub(st, "rightsGranted")
    _sub(granted, "act", "disseminate")
    _sub(granted, "restriction", "Disallow")
    term = _sub(granted, "termOfRestriction")
    _sub(term, "startDate", r.created[:10])
    if r.until:
        _sub(term, "endDate", r.until)
    _sub(granted, "rightsGrantedNote", f"restricted by {r.agent} on {r.created}; withheld from access packages")
    for obj in objects:
        box = _sub(st, "linkingObjectIdentifier")
        _sub(box, "linkingObjectIdentifierType", "local")
        _sub(box, "linkingObjectIdentifierValue", obj)
    return root


def rights_md(r: Restriction, object_ids: dict[int, list[str]], label: str) -> Any:
    objects = object_ids.get(r.page_id, [])[:1] if r.page_id is not None else ["physroot"]
    return md_wrap("rightsMD", f"RIGHTS_restriction-{r.id}", rights_statement(r, objects, label), "PREMIS:RIGHTS")

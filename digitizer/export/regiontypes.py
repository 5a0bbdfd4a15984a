"""Region (block) types in PAGE and ALTO, both ways: one table per standard (docs/interop.md).

Our vocabulary is :data:`digitizer.model.BLOCK_TYPES` (``text`` is the main text).

PAGE 2019
    ``TextRegion/@type`` is PAGE's own type where PAGE has one (``text`` -> ``paragraph``, ``heading``,
    ``marginalia``, ``page-number``, ``caption``); every other type -> ``other``.  Every type but
    ``text`` is also written the Transkribus way, ``@custom="structure {type:NAME;}"``, which is how a
    stamp (PAGE has no text type for one) survives the round trip.  A region without lines of type
    ``stamp`` is a ``GraphicRegion type="stamp"``, of type ``image`` an ``ImageRegion``.
    On import the ``structure`` type wins over ``@type`` (Transkribus writes both); unknown names
    give ``other`` (the ``custom`` string is kept verbatim, so their ``structure`` entry stays).

ALTO 4
    ``TextBlock`` has no type attribute (4.2-4.4); the type is an ``OtherTag`` in ``Tags`` that the
    block names in ``TAGREFS``, the eScriptorium convention (``LABEL`` = the type,
    ``DESCRIPTION="block type LABEL"``), with SegmOnto zone names as labels (``MainZone``,
    ``MarginTextZone``, ``NumberingZone``, ``StampZone`` ...).  On import the label is read
    leniently: SegmOnto names (``MainZone:column``), our names, eScriptorium's defaults.
"""

from __future__ import annotations

import re

from ..model import BLOCK_TYPES

# ------------------------------------------------------------------ PAGE

PAGE_TEXT_TYPE = {"text": "paragraph", "heading": "heading", "marginalia": "marginalia", "page-number": "page-number",
                  "caption": "caption", "stamp": "other", "table": "other", "image": "other", "other": "other"}
# a region of these types with no lines is written as another PAGE region element
PAGE_LINELESS = {"stamp": ("GraphicRegion", "stamp"), "image": ("ImageRegion", None)}
# PAGE TextRegion/@type or Transkribus structure type -> ours (not listed: ``other``)
FROM_PAGE = {"paragraph": "text", "text": "text", "heading": "heading", "header": "other", "footer": "other",
             "marginalia": "marginalia", "page-number": "page-number", "caption": "caption", "stamp": "stamp",
             "table": "table", "image": "image", "footnote": "text", "footnote-continued": "text",
             "endnote": "text", "drop-capital": "text", "other": "other"}

_STRUCTURE = re.compile(r"structure\s*\{([^}]*)\}")
_STRUCT_TYPE = re.compile(r"type\s*:\s*([^;}\s]+)")


def structure_type(custom: str) -> str | None:
    """The Transkribus ``structure {type:NAME;}`` entry of a ``@custom`` string, or None."""
    m = _STRUCTURE.search(custom or "")
    t = _STRUCT_TYPE.search(m.group(1)) if m else None
    return t.group(1) if t else None


def page_custom(block_type: str, custom: str) -> str:
    """A region's ``@custom``: what it carried, with its ``structure`` entry set to the block type
    (none for main text; an unknown structure an imported ``other`` region had is kept)."""
    known = structure_type(custom)
    if block_type == "other" and known and FROM_PAGE.get(known, "other") == "other":
        return custom
    rest = _STRUCTURE.sub("", custom or "").strip()
    rest = " ".join(rest.split())
    if block_type == "text" or block_type not in BLOCK_TYPES:
        return rest
    entry = f"structure {{type:{block_type};}}"
    return f"{rest} {entry}".strip()


def from_page(region_element: str, page_type: str | None, custom: str) -> str:
    """Our type of an imported PAGE region (element name, ``@type``, ``@custom``)."""
    if region_element == "GraphicRegion":
        return "stamp" if page_type == "stamp" else "image"
    if region_element == "ImageRegion":
        return "image"
    known = structure_type(custom)
    if known:
        return FROM_PAGE.get(known, known if known in BLOCK_TYPES else "other")
    return FROM_PAGE.get(page_type or "paragraph", "other")


# ------------------------------------------------------------------ ALTO

ALTO_LABEL = {"text": "MainZone", "heading": "TitleZone", "marginalia": "MarginTextZone",
              "page-number": "NumberingZone", "stamp": "StampZone", "caption": "CustomZone:caption",
              "table": "TableZone", "image": "GraphicZone", "other": "CustomZone"}
# normalised label (lower case, no "zone", no "-"/"_"/" ") -> ours; see :func:`from_alto`
FROM_ALTO = {"main": "text", "text": "text", "paragraph": "text", "maintext": "text", "body": "text",
             "title": "heading", "heading": "heading",
             "margintext": "marginalia", "margin": "marginalia", "marginalia": "marginalia", "commentary": "marginalia",
             "numbering": "page-number", "pagenumber": "page-number", "stamp": "stamp", "seal": "stamp",
             "caption": "caption", "table": "table", "graphic": "image", "image": "image",
             "illustration": "image", "figure": "image", "custom": "other", "other": "other"}


def _norm(label: str) -> str:
    s = re.sub(r"[\s_\-]", "", label.lower())
    return s[:-4] if s.endswith("zone") and len(s) > 4 else s


def from_alto(label: str | None) -> str:
    """Our type of an ALTO block from its tag's ``LABEL`` (``None``: no tag -> ``text``).  SegmOnto
    subtypes: ``CustomZone:caption`` -> ``caption``, ``MainZone:column`` -> ``text``."""
    if not label:
        return "text"
    main, _, sub = label.partition(":")
    if _norm(main) == "custom" and sub:
        return FROM_ALTO.get(_norm(sub), "other")
    return FROM_ALTO.get(_norm(main), "other")

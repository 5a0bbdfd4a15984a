"""MODS 3.8 and simple Dublin Core from an item's descriptive metadata (see :mod:`digitizer.metadata`).

Both come wrapped as ``mets:dmdSec`` elements for :func:`digitizer.export.mets.build_mets`; the
MODS one is checked by the ``mets+mods+premis`` validation of the whole METS.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .. import __version__
from ..model import utcnow
from .validate import METS_NS, MODS_NS

XLINK_NS = "http://www.w3.org/1999/xlink"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
RELATOR_URI = "http://id.loc.gov/vocabulary/relators/"
LANG_URI = "http://id.loc.gov/vocabulary/iso639-2/"


def _m(tag: str) -> str:
    return f"{{{MODS_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _m(tag), {k: v for k, v in attrs.items() if v})
    if text is not None:
        el.text = text
    return el


def _dates(parent: etree._Element, tag: str, value: str, key: bool) -> None:
    start, _, end = value.partition("/")
    if end:
        _sub(parent, tag, start, encoding="w3cdtf", point="start", keyDate="yes" if key else "")
        _sub(parent, tag, end, encoding="w3cdtf", point="end")
    else:
        _sub(parent, tag, start, encoding="w3cdtf", keyDate="yes" if key else "")


def _names(root: etree._Element, names: list[dict[str, str]]) -> None:
    from ..metadata import load_vocabulary

    roles = load_vocabulary("roles")
    for n in names:
        name = _sub(root, "name", type=n.get("type", "personal"))
        _sub(name, "namePart", n["name"])
        if n.get("role"):
            role = _sub(name, "role")
            _sub(role, "roleTerm", n["role"], type="code", authority="marcrelator",
                 authorityURI=RELATOR_URI.rstrip("/"), valueURI=RELATOR_URI + n["role"])
            _sub(role, "roleTerm", roles.label(n["role"]), type="text", authority="marcrelator")


def build_mods(meta: dict[str, Any], *, subject_authority: str = "local", mime: str = "image/tiff",
               extent_pages: int | None = None) -> etree._Element:
    """A ``mods:mods`` element (version 3.8) for normalised metadata."""
    from ..metadata import load_vocabulary

    root = etree.Element(_m("mods"), nsmap={"mods": MODS_NS, "xlink": XLINK_NS}, version="3.8")
    title = _sub(root, "titleInfo")
    _sub(title, "title", meta.get("title") or meta.get("identifier", "untitled"))
    for alt in meta.get("alternative", []):
        _sub(_sub(root, "titleInfo", type="alternative"), "title", alt)
    _names(root, meta.get("names", []))
    _sub(root, "typeOfResource", "text")
    if meta.get("genre"):
        _sub(root, "genre", meta["genre"])
    if meta.get("date_created") or meta.get("date_issued"):
        origin = _sub(root, "originInfo")
        if meta.get("date_created"):
            _dates(origin, "dateCreated", meta["date_created"], key=True)
        if meta.get("date_issued"):
            _dates(origin, "dateIssued", meta["date_issued"], key=not meta.get("date_created"))
    langs = load_vocabulary("languages")
    for code in meta.get("languages", []):
        lang = _sub(root, "language")
        _sub(lang, "languageTerm", code, type="code", authority="iso639-2b", valueURI=LANG_URI + code)
        _sub(lang, "languageTerm", langs.label(code), type="text")
    phys = _sub(root, "physicalDescription")
    if meta.get("form"):
        _sub(phys, "form", meta["form"])
    _sub(phys, "internetMediaType", mime)
    if meta.get("extent") or extent_pages:
        _sub(phys, "extent", meta.get("extent") or f"{extent_pages} page(s)")
    _sub(phys, "digitalOrigin", "reformatted digital")
    if meta.get("description"):
        _sub(root, "abstract", meta["description"])
    if meta.get("note"):
        _sub(root, "note", meta["note"])
    for term in meta.get("subjects", []):
        _sub(_sub(root, "subject", authority=subject_authority), "topic", term)
    _sub(root, "identifier", meta.get("identifier", ""), type="local")
    if meta.get("physical_location") or meta.get("shelfmark"):
        loc = _sub(root, "location")
        if meta.get("physical_location"):
            _sub(loc, "physicalLocation", meta["physical_location"])
        if meta.get("shelfmark"):
            _sub(loc, "shelfLocator", meta["shelfmark"])
    if meta.get("rights"):
        rights = load_vocabulary("rights")
        acc = _sub(root, "accessCondition", rights.label(meta["rights"]), type="use and reproduction")
        acc.set(f"{{{XLINK_NS}}}href", meta["rights"])
    if meta.get("rights_holder"):
        _sub(root, "accessCondition", f"Rights holder: {meta['rights_holder']}", type="use and reproduction")
    rec = _sub(root, "recordInfo")
    _sub(rec, "recordCreationDate", utcnow(), encoding="w3cdtf")
    _sub(rec, "recordOrigin", f"digitizer {__version__}")
    return root


def build_dc(meta: dict[str, Any]) -> etree._Element:
    """Simple Dublin Core (``oai_dc:dc``) with the same content, for harvesters without MODS."""
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})

    def dc(tag: str, text: str) -> None:
        etree.SubElement(root, f"{{{DC_NS}}}{tag}").text = text

    dc("title", meta.get("title") or meta.get("identifier", ""))
    for alt in meta.get("alternative", []):
        dc("title", alt)
    for n in meta.get("names", []):
        dc("creator" if n.get("role") in (None, "", "aut", "cre", "art", "pht", "cmp", "ctg", "crp", "sgn") else
           "contributor", n["name"])
    for key in ("date_created", "date_issued"):
        if meta.get(key):
            dc("date", meta[key])
    for code in meta.get("languages", []):
        dc("language", code)
    for term in meta.get("subjects", []):
        dc("subject", term)
    if meta.get("description"):
        dc("description", meta["description"])
    dc("type", "Text")
    dc("identifier", meta.get("identifier", ""))
    if meta.get("rights"):
        dc("rights", meta["rights"])
    if meta.get("extent"):
        dc("format", meta["extent"])
    return root


def dmd_sec(sec_id: str, payload: etree._Element, mdtype: str) -> etree._Element:
    """``mets:dmdSec/mdWrap[@MDTYPE]/xmlData/payload``."""
    sec = etree.Element(f"{{{METS_NS}}}dmdSec", ID=sec_id)
    wrap = etree.SubElement(sec, f"{{{METS_NS}}}mdWrap", MDTYPE=mdtype)
    if mdtype == "MODS":
        wrap.set("MDTYPEVERSION", "3.8")
    etree.SubElement(wrap, f"{{{METS_NS}}}xmlData").append(payload)
    return sec

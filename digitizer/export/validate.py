"""Offline validation of exports against the vendored official XSDs (``digitizer/schemas``).

Schema imports by URL (xlink, xml.xsd, MODS, PREMIS ...) are mapped to the local copies listed in
``schemas/catalog.xml`` by an lxml :class:`~lxml.etree.Resolver`; the network is never used (an
unmapped URL fails loudly).  Compiled schemas are cached per kind.  :func:`ensure_valid` is the
gate every exporter goes through: an invalid document raises and is never written.

ALTO gets content checks on top of the XSD (which allows negative and out-of-page coordinates):
every box must lie inside the page and ``CC`` must have one digit per character of ``CONTENT``.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from ..errors import ExportInvalidError
from ..report import Report

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
METS_NS = "http://www.loc.gov/METS/"
MODS_NS = "http://www.loc.gov/mods/v3"
PREMIS_NS = "http://www.loc.gov/premis/v3"
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"

SCHEMA_FILES: dict[str, str] = {
    "alto": "alto/alto-4-4.xsd",
    "alto-4.4": "alto/alto-4-4.xsd",
    "alto-4.3": "alto/alto-4-3.xsd",
    "alto-4.2": "alto/alto-4-2.xsd",
    "mets": "mets/mets-1-12-1.xsd",
    "mods": "mods/mods-3-8.xsd",
    "premis": "premis/premis-v3-0.xsd",
    "page": "page/pagecontent-2019-07-15.xsd",
}
# wrapper kinds: METS xmlData is processContents="lax", so embedded MODS/PREMIS are only checked
# when their schemas are loaded alongside METS.
WRAPPERS: dict[str, list[tuple[str, str]]] = {
    "mets+mods+premis": [(METS_NS, "mets"), (MODS_NS, "mods"), (PREMIS_NS, "premis")],
}
KINDS: tuple[str, ...] = tuple(SCHEMA_FILES) + tuple(WRAPPERS)
MAX_ERRORS = 50

_lock = threading.Lock()
_NCNAME_BAD = re.compile(r"[^A-Za-z0-9._-]")


def ncname(text: str) -> str:
    """``text`` made a valid XML ID (NCName): odd characters -> ``_``, ``_`` prefixed if needed."""
    out = _NCNAME_BAD.sub("_", text) or "_"
    return out if out[0].isalpha() or out[0] == "_" else "_" + out


def safe_parser(**kw: object) -> etree.XMLParser:
    """An XML parser that resolves no entities, loads no DTD and never touches the network."""
    opts: dict[str, object] = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    opts.update(kw)
    return etree.XMLParser(**opts)


def parse_xml(data: bytes | str | Path) -> etree._ElementTree:
    """Parse XML safely: ``bytes`` or a ``str`` starting with ``<`` is the document, else a path."""
    parser = safe_parser()
    if isinstance(data, str) and data.lstrip().startswith("<"):
        data = data.encode("utf-8")
    if isinstance(data, bytes):
        return etree.fromstring(data, parser).getroottree()
    return etree.parse(str(data), parser)


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, Path]:
    """Network URL -> local schema file, from ``schemas/catalog.xml``."""
    root = parse_xml(SCHEMA_DIR / "catalog.xml").getroot()
    out: dict[str, Path] = {}
    for el in root:
        url = el.get("name") or el.get("systemId")
        if url and el.get("uri"):
            out[url] = (SCHEMA_DIR / el.get("uri")).resolve()
    return out


class _CatalogResolver(etree.Resolver):
    """Maps the schema URLs of ``catalog.xml`` to the vendored files."""

    def resolve(self, system_url, public_id, context):  # noqa: D102 (lxml API)
        local = catalog().get(system_url)
        return self.resolve_filename(str(local), context) if local else None


def _schema_parser() -> etree.XMLParser:
    parser = safe_parser()
    parser.resolvers.add(_CatalogResolver())
    return parser


def _wrapper_xsd(parts: list[tuple[str, str]]) -> bytes:
    imports = "".join(f'<xs:import namespace="{ns}" schemaLocation="{(SCHEMA_DIR / SCHEMA_FILES[k]).as_uri()}"/>'
                      for ns, k in parts)
    return (f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x-digitizer:wrapper">'
            f'{imports}</xs:schema>').encode()


@functools.cache
def schema(kind: str) -> etree.XMLSchema:
    """The compiled schema for ``kind`` (see :data:`KINDS`), cached."""
    if kind in WRAPPERS:
        doc = etree.fromstring(_wrapper_xsd(WRAPPERS[kind]), _schema_parser(), base_url=SCHEMA_DIR.as_uri() + "/")
        return etree.XMLSchema(doc)
    if kind not in SCHEMA_FILES:
        raise ValueError(f"unknown schema kind {kind!r}; choose one of {', '.join(KINDS)}")
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / SCHEMA_FILES[kind]), _schema_parser()))


def _as_tree(doc: etree._ElementTree | etree._Element | bytes | str | Path) -> etree._ElementTree:
    if isinstance(doc, etree._ElementTree):
        return doc
    if isinstance(doc, etree._Element):
        return doc.getroottree()
    return parse_xml(doc)


def _points_inside(points: str, width: float, height: float) -> bool:
    """``"x1,y1 x2,y2 ..."`` (or ``"x1 y1 x2 y2"``, or one legacy y) with every point inside the page."""
    try:
        nums = [float(v) for v in points.replace(",", " ").split()]
    except ValueError:
        return False
    if len(nums) == 1:              # ALTO <= 4.1 style BASELINE: one y value
        return 0 <= nums[0] <= height
    if not nums or len(nums) % 2:
        return False
    return all(0 <= x <= width and 0 <= y <= height for x, y in zip(nums[::2], nums[1::2], strict=True))


def _alto_content_errors(tree: etree._ElementTree) -> list[str]:
    """Content rules the ALTO XSD cannot express: boxes inside the page, CC matches CONTENT."""
    errors: list[str] = []
    for page in tree.iter(f"{{{ALTO_NS}}}Page"):
        pw, ph = float(page.get("WIDTH", "inf")), float(page.get("HEIGHT", "inf"))
        for el in page.iter():
            if not isinstance(el.tag, str):
                continue
            x, y = float(el.get("HPOS", 0)), float(el.get("VPOS", 0))
            w, h = float(el.get("WIDTH", 0)), float(el.get("HEIGHT", 0))
            if min(x, y, w, h) < 0 or x + w > pw or y + h > ph:
                errors.append(f"line {el.sourceline}: {etree.QName(el).localname} {el.get('ID', '')} box "
                              f"({x:g},{y:g},{w:g},{h:g}) is not inside the page ({pw:g}x{ph:g})")
            for attr in ("BASELINE", "POINTS"):
                if el.get(attr) is not None and not _points_inside(el.get(attr, ""), pw, ph):
                    errors.append(f"line {el.sourceline}: {etree.QName(el).localname} {attr} "
                                  f"{el.get(attr)!r} is not a point list inside the page")
            cc = el.get("CC")
            if cc is not None and (len(cc) != len(el.get("CONTENT", "")) or not cc.isdigit()):
                errors.append(f"line {el.sourceline}: String {el.get('ID', '')} CC {cc!r} does not give one "
                              f"digit 0-9 per character of {el.get('CONTENT')!r}")
    return errors


CONTENT_CHECKS: dict[str, Callable[[etree._ElementTree], list[str]]] = {
    k: _alto_content_errors for k in SCHEMA_FILES if k.startswith("alto")
}


def validation_errors(doc: etree._ElementTree | etree._Element | bytes | str | Path, kind: str) -> list[str]:
    """Schema (and content) errors as ``line N: message`` strings; empty when valid."""
    tree = _as_tree(doc)
    xsd = schema(kind)
    with _lock:
        ok = xsd.validate(tree)
        errors = [] if ok else [f"line {e.line}: {e.message}" for e in list(xsd.error_log)[:MAX_ERRORS]]
    check = CONTENT_CHECKS.get(kind)
    if check is not None:
        errors += check(tree)[:MAX_ERRORS]
    return errors


def validate(doc: etree._ElementTree | etree._Element | bytes | str | Path, kind: str,
             subject: str = "") -> Report:
    """Validate ``doc`` against ``kind``; a :class:`Report` with one error finding per problem
    (unreadable or malformed XML is a finding too, not an exception)."""
    report = Report(title=f"{kind} validation{': ' + subject if subject else ''}")
    try:
        errors = validation_errors(doc, kind)
    except (etree.XMLSyntaxError, OSError) as exc:
        report.error(f"cannot read XML: {exc}", subject)
        return report
    for err in errors:
        report.error(err, subject)
    if report.is_valid:
        report.notice(f"valid {kind}", subject)
    return report


def serialize(doc: etree._ElementTree | etree._Element) -> bytes:
    """UTF-8 with XML declaration, pretty printed."""
    return etree.tostring(_as_tree(doc), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def ensure_valid(doc: etree._ElementTree | etree._Element, kind: str, subject: str) -> bytes:
    """Serialise ``doc`` and validate exactly those bytes; raise ExportInvalidError if invalid.

    Line numbers in the errors refer to the serialised document.
    """
    data = serialize(doc)
    errors = validation_errors(parse_xml(data), kind)
    if errors:
        raise ExportInvalidError(f"{subject}: not valid {kind}: {errors[0]}", errors=errors,
                                 hint="this is a bug in the exporter or the data; nothing was written")
    return data

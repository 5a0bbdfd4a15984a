"""METS 1.12 writer: one METS file per item (fileSec + PHYSICAL structMap), validated before use.

Extension points (used by the MODS/PREMIS and package work): ``dmd_secs``/``amd_secs`` take
ready-made ``mets:dmdSec``/``mets:amdSec`` elements (their IDs are linked from the physSequence
div via DMDID/ADMID), ``MetsFile.admid``/``MetsPage.admid`` link techMD/digiprovMD, ``extra_files``
are item-level files (a PDF of the whole item, ...) pointed to from the physSequence div, and
``logical`` is an optional ``mets:structMap TYPE="LOGICAL"``.  ``validate_kind="mets+mods+premis"``
also checks embedded MODS 3.8 and PREMIS 3.0.
"""

from __future__ import annotations

import copy
import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from .. import __version__
from ..fsutil import sha256_file
from .validate import METS_NS, ensure_valid

XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{METS_NS} http://www.loc.gov/standards/mets/mets.xsd"
GROUP_ORDER = ("MASTER", "IMAGE", "ACCESS", "THUMBS", "ALTO", "PAGE", "TEXT", "PDF")
MIME_FALLBACK = {".xml": "text/xml", ".txt": "text/plain", ".jp2": "image/jp2", ".tif": "image/tiff",
                 ".tiff": "image/tiff", ".json": "application/json", ".pdf": "application/pdf"}


def _q(tag: str) -> str:
    return f"{{{METS_NS}}}{tag}"


@dataclass
class MetsFile:
    """One file of the item: ``group`` is the fileGrp USE (MASTER, IMAGE, ALTO, TEXT, ...)."""

    id: str
    group: str
    href: str                 # relative to the METS file, POSIX separators
    mime: str
    sha256: str
    size: int
    created: str | None = None
    admid: str = ""           # IDs of techMD/digiprovMD sections about this file (space separated)


@dataclass
class MetsPage:
    order: int
    label: str
    id: str
    files: list[MetsFile] = field(default_factory=list)
    admid: str = ""


def guess_mime(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    return MIME_FALLBACK.get(suffix) or mimetypes.guess_type(str(path))[0] or "application/octet-stream"


def mets_file(path: Path, *, mets_dir: Path, id: str, group: str, mime: str | None = None,
              created: str | None = None) -> MetsFile:
    """A :class:`MetsFile` for a file on disk: checksum, size, href relative to ``mets_dir``."""
    rel = PurePosixPath(*Path(os.path.relpath(path, mets_dir)).parts)
    return MetsFile(id=id, group=group, href=str(rel), mime=mime or guess_mime(path), sha256=sha256_file(path),
                    size=path.stat().st_size, created=created)


def _groups(files: Sequence[MetsFile]) -> list[str]:
    seen = list(dict.fromkeys(f.group for f in files))
    return [g for g in GROUP_ORDER if g in seen] + [g for g in seen if g not in GROUP_ORDER]


def _header(root: etree._Element, created: str, creator_agent: str, operator: str | None) -> None:
    hdr = etree.SubElement(root, _q("metsHdr"), CREATEDATE=created)
    agent = etree.SubElement(hdr, _q("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(agent, _q("name")).text = creator_agent
    if operator:
        person = etree.SubElement(hdr, _q("agent"), ROLE="CREATOR", TYPE="INDIVIDUAL")
        etree.SubElement(person, _q("name")).text = operator


def _file_sec(root: etree._Element, files: Sequence[MetsFile]) -> None:
    sec = etree.SubElement(root, _q("fileSec"))
    for group in _groups(files):
        grp = etree.SubElement(sec, _q("fileGrp"), USE=group)
        for f in files:
            if f.group != group:
                continue
            el = etree.SubElement(grp, _q("file"), ID=f.id, MIMETYPE=f.mime, SIZE=str(f.size))
            if f.created:
                el.set("CREATED", f.created)
            el.set("CHECKSUM", f.sha256)
            el.set("CHECKSUMTYPE", "SHA-256")
            if f.admid:
                el.set("ADMID", f.admid)
            etree.SubElement(el, _q("FLocat"), LOCTYPE="URL").set(f"{{{XLINK_NS}}}href", f.href)


def _sec_ids(secs: Sequence[etree._Element], tag: str) -> str:
    ids = []
    for sec in secs:
        if sec.tag != _q(tag):
            raise ValueError(f"expected a mets:{tag} element, got {sec.tag}")
        if sec.get("ID"):
            ids.append(sec.get("ID"))
    return " ".join(ids)


def _struct_map(root: etree._Element, obj_id: str, label: str, pages: Sequence[MetsPage],
                extra_files: Sequence[MetsFile], dmdid: str, admid: str) -> None:
    smap = etree.SubElement(root, _q("structMap"), TYPE="PHYSICAL")
    seq = etree.SubElement(smap, _q("div"), TYPE="physSequence", ID="physroot", LABEL=label or obj_id)
    if dmdid:
        seq.set("DMDID", dmdid)
    if admid:
        seq.set("ADMID", admid)
    for f in extra_files:
        etree.SubElement(seq, _q("fptr"), FILEID=f.id)
    for page in sorted(pages, key=lambda p: p.order):
        div = etree.SubElement(seq, _q("div"), TYPE="page", ID=page.id, ORDER=str(page.order),
                               ORDERLABEL=page.label or str(page.order), LABEL=page.label or f"Page {page.order}")
        if page.admid:
            div.set("ADMID", page.admid)
        for f in page.files:
            etree.SubElement(div, _q("fptr"), FILEID=f.id)


def build_mets(*, obj_id: str, label: str, pages: list[MetsPage], created: str,
               creator_agent: str = f"digitizer {__version__}", operator: str | None = None,
               dmd_secs: Sequence[etree._Element] = (), amd_secs: Sequence[etree._Element] = (),
               extra_files: Sequence[MetsFile] = (), logical: etree._Element | None = None,
               ) -> etree._ElementTree:
    """The METS tree of one item; pages in ``order``, files grouped by USE in a stable order."""
    root = etree.Element(_q("mets"), nsmap={"mets": METS_NS, "xlink": XLINK_NS, "xsi": XSI_NS},
                         OBJID=obj_id, LABEL=label or obj_id)
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    _header(root, created, creator_agent, operator)
    dmdid, admid = _sec_ids(dmd_secs, "dmdSec"), _sec_ids(amd_secs, "amdSec")
    for sec in [*dmd_secs, *amd_secs]:
        root.append(copy.deepcopy(sec))       # never move the caller's elements
    ordered = sorted(pages, key=lambda p: p.order)
    _file_sec(root, [f for p in ordered for f in p.files] + list(extra_files))
    _struct_map(root, obj_id, label, ordered, extra_files, dmdid, admid)
    if logical is not None:
        root.append(copy.deepcopy(logical))
    return root.getroottree()


def mets_bytes(*, obj_id: str, label: str, pages: list[MetsPage], created: str,
               creator_agent: str = f"digitizer {__version__}", operator: str | None = None,
               dmd_secs: Sequence[etree._Element] = (), amd_secs: Sequence[etree._Element] = (),
               extra_files: Sequence[MetsFile] = (), logical: etree._Element | None = None,
               validate_kind: str = "mets") -> bytes:
    """Serialised METS, validated against ``validate_kind`` (raises ExportInvalidError if invalid)."""
    tree = build_mets(obj_id=obj_id, label=label, pages=pages, created=created, creator_agent=creator_agent,
                      operator=operator, dmd_secs=dmd_secs, amd_secs=amd_secs, extra_files=extra_files,
                      logical=logical)
    return ensure_valid(tree, validate_kind, subject=f"METS for {obj_id}")

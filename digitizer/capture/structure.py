"""Page structure at capture time: labels, insert, reorder, replace (rescan), split a spread.

Masters are never modified or deleted.  A rescan gives the page a new master; the old one stays
in the project and in ``page_history``.  Splitting a two-page spread writes two new derived page
images (left and right); the spread master stays and both pages point at it.

Split pages and the ``(master, source_page)`` uniqueness of the store: the right-hand page of a
split shares the spread's master, so it gets ``source_page = SPLIT_FRAME_BASE + n`` (a free
number).  That value is never used to decode pixels: a split page always has a derived
``image``, which every consumer (pipeline, export, QC) reads instead of the master frame.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from .. import __version__
from ..errors import InputFileError, ProjectError
from ..fsutil import safe_name, sha256_file
from ..model import Item, Page, ProcessingStep, utcnow

SPLIT_FRAME_BASE = 1_000_000
TOOL = "digitizer.capture.structure"


@dataclass
class HistoryEntry:
    id: int
    at: str
    action: str                     # replace | split
    old_master: str | None
    new_master: str | None
    old_image: str | None
    detail: dict[str, Any]


def _step(action: str, **params: Any) -> ProcessingStep:
    return ProcessingStep(action=action, tool=TOOL, tool_version=__version__, parameters=params)


def _history(store: Any, page_id: int, action: str, *, old_master: int | None, new_master: int | None,
             old_image: int | None, detail: dict[str, Any], event_id: int) -> None:
    store.conn.execute(
        "INSERT INTO page_history(page_id, at, action, old_master_file_id, new_master_file_id, old_image_file_id,"
        " detail, event_id) VALUES (?,?,?,?,?,?,?,?)",
        (page_id, utcnow(), action, old_master, new_master, old_image, json.dumps(detail, sort_keys=True), event_id))


def page_history(store: Any, page_id: int) -> list[HistoryEntry]:
    rows = store.conn.execute(
        "SELECT h.*, fo.path AS old_path, fn.path AS new_path, fi.path AS img_path FROM page_history h "
        "LEFT JOIN files fo ON fo.id = h.old_master_file_id LEFT JOIN files fn ON fn.id = h.new_master_file_id "
        "LEFT JOIN files fi ON fi.id = h.old_image_file_id WHERE h.page_id = ? ORDER BY h.id", (page_id,)).fetchall()
    return [HistoryEntry(r["id"], r["at"], r["action"], r["old_path"], r["new_path"], r["img_path"],
                         json.loads(r["detail"] or "{}")) for r in rows]


# --------------------------------------------------------------------------- labels and order


def set_label(store: Any, page_id: int, label: str) -> None:
    store.set_page_fields(page_id, label=label)


def recto_verso_labels(n: int, *, start_leaf: int = 1, first_side: str = "r") -> list[str]:
    """``1r, 1v, 2r, 2v, ...`` (or starting on a verso: ``1v, 2r, ...``)."""
    if first_side not in ("r", "v"):
        raise ValueError("first_side must be 'r' or 'v'")
    out, leaf, side = [], start_leaf, first_side
    for _ in range(n):
        out.append(f"{leaf}{side}")
        leaf, side = (leaf, "v") if side == "r" else (leaf + 1, "r")
    return out


def label_recto_verso(store: Any, item: Item, *, start_leaf: int = 1, first_side: str = "r",
                      from_seq: int = 1) -> list[str]:
    """Label the item's pages from position ``from_seq`` on as alternating recto/verso leaves."""
    pages = [p for p in store.pages(item.id) if p.seq >= from_seq]
    labels = recto_verso_labels(len(pages), start_leaf=start_leaf, first_side=first_side)
    with store.transaction():
        for page, label in zip(pages, labels):
            store.set_page_fields(page.id, label=label)
    return labels


def move_page(store: Any, page_id: int, position: int) -> Page:
    """Move a page to ``position`` (1-based, clamped) within its item; the others close up."""
    page = store.get_page(page_id)
    order = [p.id for p in store.pages(page.item_id)]
    old = order.index(page_id) + 1
    new = max(1, min(int(position), len(order)))
    order.remove(page_id)
    order.insert(new - 1, page_id)
    with store.transaction() as c:
        for seq, pid in enumerate(order, start=1):
            c.execute("UPDATE pages SET seq = ?, updated = ? WHERE id = ? AND seq != ?", (seq, utcnow(), pid, seq))
        store.record(_step("reorder", **{"from": old, "to": new}), item_id=page.item_id, page_id=page_id)
    return store.get_page(page_id)


def insert_file(store: Any, item: Item, path: str | Path, position: int) -> list[Page]:
    """Import a file (byte-exact master, duplicate-checked) and put its pages at ``position``."""
    from ..ingest import import_file

    rep = import_file(store, Path(path), item)
    if rep.failures:
        raise InputFileError(rep.failures[0][0], rep.failures[0][1])
    if rep.duplicates:
        raise InputFileError(path, "already in the project (same SHA-256); use 'pages replace' for a rescan")
    out = []
    for i, page in enumerate(rep.added):
        out.append(move_page(store, page.id, position + i))
    return out


# --------------------------------------------------------------------------- replace (rescan)


def replace_master(store: Any, page_id: int, master: Any, *, width: int, height: int, dpi: float | None,
                   dpi_source: str, source_path: str, reason: str = "rescan",
                   extra: dict[str, Any] | None = None) -> Page:
    """Point the page at a new registered master; the old master and derived images stay in history.

    The page goes back to ``imported`` (its text belonged to the old image); its QC results are cleared.
    """
    page = store.get_page(page_id)
    new_id = store.file_id(master.path)
    if new_id is None:
        raise ProjectError(f"{master.path}: file is not registered in the project")
    old_id = store.file_id(page.master.path)
    old_image = page.derived.get("image")
    with store.transaction() as c:
        eid = store.record(_step("replace-master", reason=reason, old_master=page.master.path,
                                 old_sha256=page.master.sha256, new_master=master.path, new_sha256=master.sha256,
                                 **(extra or {})), item_id=page.item_id, page_id=page_id, file_id=new_id)
        c.execute("UPDATE pages SET master_file_id = ?, source_page = 0, width = ?, height = ?, dpi = ?, "
                  "dpi_source = ?, source_path = ?, status = 'imported', transform = '', mean_confidence = NULL, "
                  "error = NULL, updated = ? WHERE id = ?",
                  (new_id, width, height, dpi, dpi_source, source_path, utcnow(), page_id))
        c.execute("DELETE FROM page_files WHERE page_id = ?", (page_id,))
        c.execute("DELETE FROM qc_results WHERE page_id = ?", (page_id,))
        _history(store, page_id, "replace", old_master=old_id, new_master=new_id,
                 old_image=store.file_id(old_image.path) if old_image else None,
                 detail={"reason": reason, "derived_dropped": sorted(page.derived)}, event_id=eid)
    return store.get_page(page_id)


def replace_page_from_file(store: Any, page_id: int, path: str | Path, *, reason: str = "rescan") -> Page:
    """Rescan from a file: copied byte-exact as a new master of the page's item."""
    from ..imaging.io import probe

    path = Path(path)
    page = store.get_page(page_id)
    item = store.get_item(page.item_id)
    info = probe(path)
    if info.frames != 1 or info.format == "PDF":
        raise InputFileError(path, "a replacement must be a single-page image")
    sha = sha256_file(path)
    if store.find_master(sha) is not None:
        raise InputFileError(path, "this file is already a master in the project (same SHA-256)")
    rel = store.unique_path(f"masters/{item.identifier}/{safe_name(path.name)}")
    try:
        with store.transaction():
            ref = store.add_file(path, rel, role="master", mime=info.mime)
            return replace_master(store, page_id, ref, width=info.width, height=info.height, dpi=info.dpi,
                                  dpi_source="metadata" if info.dpi else "missing", source_path=str(path),
                                  reason=reason, extra={"source": str(path)})
    except BaseException:
        store.abspath(rel).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- split a spread


def detect_gutter(gray: np.ndarray, band: tuple[float, float] = (0.35, 0.65)) -> int:
    """Column of the gutter of a two-page spread: least text ink in the central band.

    The background is flattened first, so a dark gutter shadow (wide and smooth) is not ink.
    Ties go to the column nearest the centre.
    """
    from ..imaging.skew import flatten_background

    h, w = gray.shape
    scale = min(1.0, 1200 / max(h, w))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    ink = (flatten_background(small) < 200).astype(np.float32)
    prof = cv2.GaussianBlur(ink.sum(axis=0).reshape(1, -1), (0, 0), sigmaX=max(2.0, small.shape[1] / 200)).ravel()
    lo, hi = int(band[0] * small.shape[1]), int(band[1] * small.shape[1])
    seg = prof[lo:hi]
    centre = (lo + hi) / 2
    candidates = np.flatnonzero(seg <= seg.min() + 1e-6) + lo
    best = int(candidates[np.argmin(np.abs(candidates - centre))])
    return int(round(best / scale))


def _encode_lossless(a: np.ndarray, dpi: float | None) -> bytes:
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"compression": "tiff_adobe_deflate"}
    if dpi:
        kwargs["dpi"] = (dpi, dpi)
    Image.fromarray(a).save(buf, format="TIFF", **kwargs)
    return buf.getvalue()


def _free_split_frame(store: Any, master_file_id: int) -> int:
    n = store.conn.execute("SELECT COALESCE(MAX(source_page), ?) FROM pages WHERE master_file_id = ? AND "
                           "source_page >= ?", (SPLIT_FRAME_BASE - 1, master_file_id, SPLIT_FRAME_BASE)).fetchone()[0]
    return int(n) + 1


def split_spread(store: Any, page_id: int, *, at: int | float | None = None, overlap: int = 0) -> tuple[Page, Page]:
    """Split a two-page spread into two pages (left keeps the page, right is inserted after it).

    ``at``: the gutter column in pixels, a fraction of the width (``0 < at < 1``), or ``None``
    to detect it.  ``overlap`` pixels are kept on both sides of the cut.
    """
    from .qc import load_page_array

    page = store.get_page(page_id)
    item = store.get_item(page.item_id)
    a = load_page_array(store, page)
    w = a.shape[1]
    gutter = _gutter(a, at)
    if not 0.1 * w <= gutter <= 0.9 * w:
        raise InputFileError(page.master.path, f"gutter at x={gutter} is too close to the edge to split")
    left = np.ascontiguousarray(a[:, : min(w, gutter + overlap)])
    right = np.ascontiguousarray(a[:, max(0, gutter - overlap):])
    stem = f"{page.seq:04d}_p{page.id}"
    written: list[Path] = []
    try:
        with store.transaction() as c:
            old_image = page.derived.get("image")
            refs = []
            for side, arr in (("L", left), ("R", right)):
                rel = store.unique_path(f"derivatives/{item.identifier}/{stem}_split{side}.tif")
                refs.append(store.write_file(rel, _encode_lossless(arr, page.dpi), role="derivative",
                                             mime="image/tiff"))
                written.append(store.abspath(rel))
            master_id = store.file_id(page.master.path)
            detail = {"gutter": gutter, "overlap": overlap, "spread_width": w, "spread_page": page.id}
            eid = store.record(_step("split-spread", **detail), item_id=item.id, page_id=page.id)
            store.set_derived(page.id, "image", refs[0])
            c.execute("UPDATE pages SET width = ?, height = ?, transform = '', status = 'imported', updated = ? "
                      "WHERE id = ?", (left.shape[1], left.shape[0], utcnow(), page.id))
            _history(store, page.id, "split", old_master=master_id, new_master=master_id,
                     old_image=store.file_id(old_image.path) if old_image else None,
                     detail=detail | {"side": "left"}, event_id=eid)
            right_page = store.add_page(item.id, page.master, width=right.shape[1], height=right.shape[0],
                                        dpi=page.dpi, dpi_source=page.dpi_source, source_path=page.source_path,
                                        source_page=_free_split_frame(store, master_id), seq=page.seq + 1,
                                        step=_step("split-spread", side="right", **detail))
            store.set_derived(right_page.id, "image", refs[1])
            _history(store, right_page.id, "split", old_master=master_id, new_master=master_id, old_image=None,
                     detail=detail | {"side": "right"}, event_id=eid)
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise
    return store.get_page(page.id), store.get_page(right_page.id)


def _gutter(a: np.ndarray, at: int | float | None) -> int:
    w = a.shape[1]
    if at is None:
        from .qc import to_gray

        return detect_gutter(to_gray(a))
    if isinstance(at, float) and 0 < at < 1:
        return int(round(at * w))
    return int(at)

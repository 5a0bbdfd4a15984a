"""The leak check of an access package: ``digitizer verify --access OUT --project P``.

Every file of every item folder is read (XML and HTML as their text and attribute values and as raw
bytes, JSON as its strings and raw, PDF as the text pypdfium2 extracts and raw, anything else as
bytes) and searched, in folded form (:func:`~digitizer.restrict.match.fold`), for each restricted
string of that item's pages, as a whole word, also across a hyphenated line break.  Each page image
(the image file, the IIIF full-size access JPEG) is checked to be dark inside every burnt box.
Any leak is an error naming the file; the CLI exits with ``ACCESS_LEAK`` (13).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any, Iterable

from ..errors import InputFileError
from ..fsutil import safe_name
from ..report import Report
from .match import HYPHENS, PageHits, fold, line_string
from .redact import PAD, Redactor

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".jp2")
DARK = 80            # a burnt pixel, after JPEG compression, is at most this bright


def _json_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def _xml_text(data: bytes) -> str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return ""
    parts = []
    for el in root.iter():
        parts += [v for v in el.attrib.values()]
        parts += [t for t in (el.text, el.tail) if t]
    return " ".join(parts)


def file_texts(path: Path) -> list[str]:
    """The texts of ``path`` to search: raw bytes decoded, plus the parsed form where there is one."""
    data = path.read_bytes()
    texts = [data.decode("utf-8", errors="replace")]
    suffix = path.suffix.lower()
    if suffix in (".xml", ".html", ".hocr", ".xhtml", ".svg"):
        texts += [_xml_text(data), html.unescape(texts[0])]
    elif suffix in (".json", ".jsonld"):
        try:
            texts.append(" ".join(_json_strings(json.loads(data))))
        except ValueError:
            pass
    elif suffix == ".pdf":
        from ..export.pdf import extract_text

        texts.append("\n".join(extract_text(path)))
    else:
        texts.append(data.decode("utf-16", errors="ignore") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "")
    return texts


def _pattern(s: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(w) for w in s.split())
    return re.compile(rf"(?<!\w){body}(?!\w)")


def find_leaks(texts: list[str], strings: Iterable[str]) -> list[str]:
    """The restricted ``strings`` (folded) found as whole words in any of ``texts``."""
    hay = []
    for t in texts:
        f = fold(t)
        hay += [f, re.sub(rf"(?<=\w)[{HYPHENS}]\s*\n\s*(?=\w)", "", f)]
    return sorted(s for s in set(strings) if any(_pattern(s).search(h) for h in hay))


def _dark_inside(path: Path | Any, boxes: list[Any], page_w: int, page_h: int) -> bool:
    """Every box (master pixels) is dark in the image file ``path`` (or an already loaded PIL image)."""
    from PIL import Image

    if isinstance(path, Path):
        with Image.open(path) as im:
            img = im.convert("L")
    else:
        img = path.convert("L")
    sx, sy = img.width / page_w, img.height / page_h
    for b in boxes:
        x0, y0 = int((b.x0 + PAD) * sx) + 1, int((b.y0 + 1) * sy) + 1
        x1, y1 = int((b.x1 - PAD) * sx) - 1, int((b.y1 - 1) * sy) - 1
        if x1 <= x0 or y1 <= y0:
            continue
        if img.crop((x0, y0, x1, y1)).getextrema()[1] > DARK:
            return False
    return True


def _page_images(folder: Path, seq: int) -> list[Path]:
    name = f"{seq:04d}"
    cands = [*(folder / "images").glob(f"{name}_*"), folder / "iiif" / name / "full" / "max" / "0" / "default.jpg",
             folder / "access" / f"{name}.jpg"]
    return [p for p in cands if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]


def _check_pdfs(folder: Path, pages: list[Any], hits: dict[int, PageHits], report: Report) -> None:
    """The page images of each PDF (pages in package order) are dark inside every burnt box."""
    import pypdfium2

    for path in sorted(folder.rglob("*.pdf")):
        pdf = pypdfium2.PdfDocument(str(path))
        try:
            if len(pdf) != len(pages):
                report.error(f"{len(pdf)} PDF page(s) for {len(pages)} published page(s)", str(path))
                continue
            for i, page in enumerate(pages):
                boxes = hits[page.seq].boxes
                if boxes and not _dark_inside(pdf[i].render(scale=150 / 72).to_pil(), boxes, page.width,
                                              page.height):
                    report.error(f"a restricted area of page {page.seq} is not blank (PDF page {i + 1})", str(path))
        finally:
            pdf.close()


def check_item(store: Any, item: Any, folder: Path, report: Report) -> set[str]:
    red = Redactor(store, item, access=True)
    hits: dict[int, PageHits] = {p.seq: red.hits(p) for p in store.pages(item.id)}
    if red.item_withheld():
        report.error(f"item {item.identifier} is restricted but is in the access package", str(folder))
    strings = {s for h in hits.values() for s in h.strings}
    for page in store.pages(item.id):
        h = hits[page.seq]
        if h.withheld is not None:
            layout = store.load_layout(page.id)
            strings |= {line_string(ln.text) for ln in (layout.lines() if layout else [])} - {""}
            for img in _page_images(folder, page.seq):
                report.error(f"image of withheld page {page.seq}", str(img))
        elif h.boxes:
            for img in _page_images(folder, page.seq):
                if not _dark_inside(img, h.boxes, page.width, page.height):
                    report.error(f"a restricted area of page {page.seq} is not blank", str(img))
    _check_pdfs(folder, [p for p in store.pages(item.id) if hits[p.seq].withheld is None], hits, report)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            continue
        found = find_leaks(file_texts(path), strings)
        if found:
            report.error(f"restricted text found ({len(found)} restricted string(s))", str(path))
    report.notice(f"{len(strings)} restricted string(s), {sum(len(h.boxes) for h in hits.values())} area(s) "
                  f"checked", str(folder))
    return strings


def check_access_package(store: Any, out: str | Path) -> Report:
    """Leak check of the access package ``out`` (an export folder or bag) against the project ``store``."""
    out = Path(out)
    root = out / "data" if (out / "bagit.txt").is_file() else out
    report = Report(title=f"access check of {out}")
    if not root.is_dir():
        raise InputFileError(out, "no such export folder")
    strings: set[str] = set()
    for item in store.items(with_pages=False):
        folder = root / safe_name(item.identifier, "item")
        if folder.is_dir():
            strings |= check_item(store, item, folder, report)
    for extra in (p for p in root.iterdir() if p.is_file()):      # manifests, search data beside the items
        if find_leaks(file_texts(extra), strings):
            report.error("restricted text found", str(extra))
    return report

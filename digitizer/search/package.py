"""Search in an exported package: the per-item search data and the IIIF Content Search answers.

Every IIIF export carries ``ITEM/search/index.json`` (format ``digitizer-search-1``): each page's canvas
id and lines with their words, boxes (canvas = master image coordinates) and folded tokens, plus the
folding rules, so a repository can load it into its own search engine without digitizer.
:class:`PackageSearch` answers queries over that file with the same query language and folding as
the workstation, as IIIF Content Search 2.0 (``SearchService2``) and 1.0 (what Mirador 4 reads).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..fsutil import atomic_write_bytes
from ..htr.evaluate import distance
from ..model import Item
from ..store import ProjectStore
from .fold import Folder
from .match import context, match_words, plain_term_test
from .query import Term, parse_query

FORMAT = "digitizer-search-1"
SEARCH2_CONTEXT = "http://iiif.io/api/search/2/context.json"
SEARCH1_PROFILE = "http://iiif.io/api/search/1/search"
SEARCH_FILE = "search/index.json"


def manifest_services(base: str) -> list[dict[str, Any]]:
    """The ``service`` entries a manifest at ``base`` lists: Content Search 2.0 and, for Mirador, 1.0."""
    return [{"id": f"{base}search", "type": "SearchService2"},
            {"@context": "http://iiif.io/api/search/1/context.json", "@id": f"{base}search1",
             "@type": "SearchService1", "profile": SEARCH1_PROFILE}]


def item_search_data(store: ProjectStore, item: Item, base: str, redactor: Any = None) -> dict[str, Any]:
    """``redactor`` (:class:`digitizer.restrict.redact.Redactor`): in an access package the search data
    holds only what the package may show (withheld pages left out, restricted words removed)."""
    from .index import SearchIndex, word_rows

    folder = SearchIndex(store).folder_for(item.profile)
    pages = []
    all_pages = store.pages(item.id)
    for page in redactor.pages(all_pages) if redactor is not None else all_pages:
        layout = store.load_layout(page.id)
        if redactor is not None:
            layout = redactor.layout(page, layout)
        lines = [] if layout is None else [
            {"id": ln.id, "text": ln.text, "words": word_rows(ln, folder)} for ln in layout.lines() if ln.text.strip()]
        pages.append({"page": page.seq, "canvas": f"{base}canvas/p{page.seq}", "width": page.width,
                      "height": page.height, "lines": lines})
    return {"format": FORMAT, "item": item.identifier, "base": base,
            "folding": {"equivalences": folder.equivalences,
                        "then": "Unicode NFKD, combining marks removed, case folded (Python str.casefold)",
                        "tokens": "runs of letters and digits; words are [text, x0, y0, x1, y1, tokens]"},
            "pages": pages}


def write_item_search(store: ProjectStore, item: Item, stage: Path, base: str, redactor: Any = None) -> Path:
    path = stage / SEARCH_FILE
    data = item_search_data(store, item, base, redactor)
    atomic_write_bytes(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return path


@dataclass
class PackageHit:
    canvas: str
    page: int
    line: str
    word: int
    text: str
    xywh: tuple[int, int, int, int]
    before: str
    after: str


class PackageSearch:
    """Queries over one exported item's ``search/index.json``."""

    def __init__(self, item_dir: str | Path):
        self.path = Path(item_dir) / SEARCH_FILE
        self.data = json.loads(self.path.read_text("utf-8"))
        if self.data.get("format") != FORMAT:
            raise ValueError(f"{self.path}: not {FORMAT} search data")
        self.folder = Folder(self.data["folding"]["equivalences"])
        self.vocabulary = {t for p in self.data["pages"] for ln in p["lines"] for w in ln["words"] for t in w[5]}

    def search(self, q: str, *, fuzzy: int = 0) -> list[PackageHit]:
        query = parse_query(q, self.folder, fuzzy=fuzzy)
        expanded = {t: self._expand(t) for t in query.terms if t.fuzzy}
        test = plain_term_test(expanded)
        hits = []
        for page in self.data["pages"]:
            for line in page["lines"]:
                words = line["words"]
                for i in sorted(match_words(query, test, words) or ()):
                    w = words[i]
                    before, after = context(words, i)
                    hits.append(PackageHit(page["canvas"], page["page"], line["id"], i, w[0],
                                           (w[1], w[2], w[3] - w[1], w[4] - w[2]), before, after))
        return hits

    def _expand(self, term: Term) -> set[str]:
        return {t for t in self.vocabulary if abs(len(t) - len(term.text)) <= term.fuzzy
                and distance(term.text, t) <= term.fuzzy}

    def _annotated(self, q: str, fuzzy: int, service: str) -> Iterator[tuple[str, str, PackageHit]]:
        """``(annotation id, canvas#xywh target, hit)`` for every matched word."""
        for h in self.search(q, fuzzy=fuzzy):
            x, y, w, hh = h.xywh
            yield (f"{self.data['base']}{service}/anno/p{h.page}/{h.line}/w{h.word}",
                   f"{h.canvas}#xywh={x},{y},{w},{hh}", h)

    def search2(self, url: str, q: str, *, fuzzy: int = 0) -> dict[str, Any]:
        """IIIF Content Search 2.0 answer (an AnnotationPage) for the request ``url``."""
        items, highlights = [], []
        for aid, target, h in self._annotated(q, fuzzy, "search"):
            items.append({"id": aid, "type": "Annotation", "motivation": "supplementing",
                          "body": {"type": "TextualBody", "value": h.text, "format": "text/plain"}, "target": target})
            highlights.append({"id": f"{aid}/match", "type": "Annotation", "motivation": "highlighting",
                               "target": {"type": "SpecificResource", "source": aid, "selector": [
                                   {"type": "TextQuoteSelector", "prefix": h.before, "exact": h.text,
                                    "suffix": h.after}]}})
        page: dict[str, Any] = {"@context": SEARCH2_CONTEXT, "id": url, "type": "AnnotationPage", "items": items}
        if highlights:
            page["annotations"] = [{"type": "AnnotationPage", "items": highlights}]
        return page

    def search1(self, url: str, q: str, *, fuzzy: int = 0) -> dict[str, Any]:
        """IIIF Content Search 1.0 answer (an AnnotationList with hits), the version Mirador 4 reads."""
        resources, hits = [], []
        for aid, target, h in self._annotated(q, fuzzy, "search1"):
            resources.append({"@id": aid, "@type": "oa:Annotation", "motivation": "sc:painting",
                              "resource": {"@type": "cnt:ContentAsText", "chars": h.text}, "on": target})
            hits.append({"@type": "search:Hit", "annotations": [aid], "match": h.text, "before": h.before,
                         "after": h.after})
        return {"@context": ["http://iiif.io/api/presentation/2/context.json", "http://iiif.io/api/search/1/context.json"],
                "@id": url, "@type": "sc:AnnotationList", "within": {"@type": "sc:Layer", "total": len(hits)},
                "resources": resources, "hits": hits}

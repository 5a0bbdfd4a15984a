"""Search benchmark (issue 16): one million lines built from real line texts.

    nice .venv/bin/python benchmarks/bench_search.py [--lines N] [--queries Q] [--json OUT]

Material: the ground-truth line texts (PAGE ``TextEquiv`` / ALTO ``String``) of the real scans under
``tests/data`` (else ``$DIGITIZER_SHARED/corpus/dev``).  Lines are recombined deterministically
(seeded: the words of two random GT lines, cut at random points) into ``N`` lines, 50 per page,
stored as page layouts (with word boxes) in a real project.

Measured in the same run:
* index build: ``SearchIndex.rebuild()`` over all layouts (seconds, lines/s), peak RSS, index size;
* exact queries (a word of the vocabulary) and fuzzy queries (the same word with one substitution,
  ``fuzzy=1``) through ``SearchIndex.search`` (limit 20): median and p95 latency;
* baseline: a plain ``LIKE '%word%'`` scan (limit 20) over the same line texts;
* edit -> query: one ``update_line_text`` followed by a search (the index catches up first).
Goals: p95 exact <= 50 ms, p95 fuzzy <= 300 ms.  Reported as numbers and ratios to the LIKE scan.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lxml import etree  # noqa: E402

from digitizer.search import SearchIndex  # noqa: E402
from digitizer.store import ProjectStore  # noqa: E402

SHARED = Path(os.environ.get("DIGITIZER_SHARED", REPO.parent / "shared")) / "corpus"
SOURCES = [REPO / "tests" / "data", SHARED / "dev", SHARED / "train-htr"]
LINES_PER_PAGE = 50
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def gt_lines() -> list[str]:
    """Every distinct ground-truth line text (GT XML and ``*.gt.txt``) of the source folders."""
    texts: dict[str, None] = {}
    for folder in SOURCES:
        for path in sorted(folder.rglob("*.xml")):
            texts.update(dict.fromkeys(_xml_lines(path)))
        for path in sorted(folder.rglob("*.gt.txt")):
            texts.update(dict.fromkeys(" ".join(ln.split()) for ln in path.read_text("utf-8").splitlines() if ln.split()))
    if not texts:
        raise SystemExit("no ground-truth text found (tests/data or $DIGITIZER_SHARED/corpus)")
    print(f"source: {len(texts)} distinct GT lines from {[str(f) for f in SOURCES if f.exists()]}", file=sys.stderr)
    return list(texts)


def _xml_lines(path: Path) -> list[str]:
    try:
        root = etree.parse(str(path), PARSER).getroot()
    except etree.XMLSyntaxError:
        return []
    out = []
    for line in root.iter("{*}TextLine"):
        strings = [s.get("CONTENT", "") for s in line.iter("{*}String")]
        uni = line.find("{*}TextEquiv/{*}Unicode")
        text = " ".join(strings) if strings else (uni.text or "" if uni is not None else "")
        if text.split():
            out.append(" ".join(text.split()))
    return out


def recombined(texts: list[str], n: int, seed: int = 16, ocr_error_rate: float = 0.04):
    """``n`` lines: the head of one GT line + the tail of another; a few words get one OCR-like error
    (a letter replaced), which gives the long tail of rare spellings a real OCR collection has."""
    rng = random.Random(seed)
    for _ in range(n):
        a, b = rng.choice(texts).split(), rng.choice(texts).split()
        words = a[:rng.randint(1, len(a))] + b[rng.randint(0, len(b) - 1):]
        yield [typo(w, rng) if len(w) > 3 and rng.random() < ocr_error_rate else w for w in words[:14]]


def _layout_json(lines: list[list[str]]) -> str:
    out = []
    for i, words in enumerate(lines):
        y = 40 + 30 * i
        ws = [{"text": w, "bbox": [40 + 90 * k, y, 120 + 90 * k, y + 24], "confidence": 0.9, "id": f"b1_l{i + 1}_w{k + 1}",
               "char_confidences": None} for k, w in enumerate(words)]
        out.append({"id": f"b1_l{i + 1}", "bbox": [40, y, 1400, y + 24], "text": " ".join(words), "confidence": 0.9,
                    "words": ws, "polygon": None, "baseline": None, "hyphenated": False, "language": None})
    return json.dumps({"width": 1500, "height": 1600, "steps": [], "blocks": [
        {"id": "b1", "bbox": [30, 30, 1450, 1580], "lines": out, "polygon": None, "type": "text", "language": None}]},
        ensure_ascii=False)


def build_project(root: Path, texts: list[str], n_lines: int) -> ProjectStore:
    """Pages and layouts written straight into a real project (setup only; not measured)."""
    from PIL import Image

    store = ProjectStore.create(root)
    item = store.add_item("bench", profile="printed-historical")
    Image.new("L", (1500, 1600), 255).save(root / "m.png")
    master = store.add_file(root / "m.png", "masters/bench/m.png", role="master")
    fid = store.file_id(master.path)
    gen, page, now = recombined(texts, n_lines), 0, "2026-01-01T00:00:00Z"
    with store.transaction() as c:
        while page * LINES_PER_PAGE < n_lines:
            lines = [next(gen) for _ in range(min(LINES_PER_PAGE, n_lines - page * LINES_PER_PAGE))]
            cur = c.execute("INSERT INTO pages(item_id, seq, master_file_id, source_page, width, height, status, "
                            "created, updated) VALUES (?,?,?,?,1500,1600,'processed',?,?)",
                            (item.id, page + 1, fid, page, now, now))
            c.execute("INSERT INTO layouts(page_id, version, data, created, updated) VALUES (?,1,?,?,?)",
                      (cur.lastrowid, _layout_json(lines), now, now))
            c.executemany("INSERT INTO line_versions(page_id, line_id, version, text, agent, at, source) "
                          "VALUES (?,?,1,?,'bench',?,'engine')",
                          [(cur.lastrowid, f"b1_l{i + 1}", " ".join(w), now) for i, w in enumerate(lines)])
            page += 1
    return store


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000.0, out


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    return word[:i] + rng.choice("ilrnmceoauxy".replace(word[i], "")) + word[i + 1:]


def run(n_lines: int, n_queries: int) -> dict:
    texts = gt_lines()
    vocab = sorted({w.strip(".,;:!?()\"'") for t in texts for w in t.split()} - {""})
    words = [w for w in vocab if len(w) >= 4 and w.isalpha()]
    rng = random.Random(7)
    queries = [rng.choice(words) for _ in range(n_queries)]
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        root = Path(tmp) / "proj"
        t0 = time.perf_counter()
        store = build_project(root, texts, n_lines)
        setup_s = time.perf_counter() - t0
        db = root / "project.sqlite"
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size_before = db.stat().st_size
        index = SearchIndex(store)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        build_ms, stats = timed(index.rebuild)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size_after = db.stat().st_size
        exact = [timed(lambda q=q: index.search(q))[0] for q in queries]
        fuzzy = [timed(lambda q=q: index.search(typo(q, rng), fuzzy=1))[0] for q in queries]
        like_sql = "SELECT id FROM search_lines WHERE text LIKE ? LIMIT 20"
        like = [timed(lambda q=q: store.conn.execute(like_sql, (f"%{q}%",)).fetchall())[0] for q in queries]
        hits = sum(bool(index.search(q, limit=1)) for q in queries)
        edit_ms = _edit_then_search(store, index)
        store.close()
    return {
        "lines": stats["lines"], "pages": stats["pages"], "terms": stats["terms"], "source_lines": len(texts),
        "setup_s": round(setup_s, 1), "build_s": round(build_ms / 1000, 1),
        "build_lines_per_s": round(stats["lines"] / (build_ms / 1000)),
        "peak_rss_mib": round(rss_after / 1024), "rss_growth_mib": round((rss_after - rss_before) / 1024),
        "index_mib": round((size_after - size_before) / 2**20, 1),
        "queries": n_queries, "queries_with_hits": hits,
        "exact_ms": {"median": round(statistics.median(exact), 2), "p95": round(percentile(exact, 0.95), 2)},
        "fuzzy_ms": {"median": round(statistics.median(fuzzy), 2), "p95": round(percentile(fuzzy, 0.95), 2)},
        "like_ms": {"median": round(statistics.median(like), 2), "p95": round(percentile(like, 0.95), 2)},
        "edit_then_search_ms": round(edit_ms, 2),
        "ratio_like_over_exact_p95": round(percentile(like, 0.95) / percentile(exact, 0.95), 1),
        "ratio_like_over_fuzzy_p95": round(percentile(like, 0.95) / percentile(fuzzy, 0.95), 1),
        "goals": {"exact_p95_le_50ms": percentile(exact, 0.95) <= 50, "fuzzy_p95_le_300ms": percentile(fuzzy, 0.95) <= 300},
    }


def _edit_then_search(store: ProjectStore, index: SearchIndex) -> float:
    page_id = int(store.conn.execute("SELECT MAX(page_id) FROM layouts").fetchone()[0])
    store.update_line_text(page_id, "b1_l1", "Zyxwvut benchmark edit")
    ms, hits = timed(lambda: index.search("zyxwvut"))
    assert len(hits) == 1, "the edited line must be found"
    return ms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    res = run(args.lines, args.queries)
    text = json.dumps(res, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

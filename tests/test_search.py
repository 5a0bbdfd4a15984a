"""Full-text search (issue 16): the index follows every change, folding, words/phrases/prefix/fuzzy,
filters, hits with word boxes, and the ``digitizer search``/``index`` CLI on a real processed project."""

from __future__ import annotations

import json
import subprocess

import pytest

from digitizer import workflow
from digitizer.model import BBox, Line, PageLayout, ProcessingStep, TextBlock, Word
from digitizer.search import Folder, QueryError, SearchFilter, SearchIndex, parse_query
from digitizer.store import ProjectStore

from _batch_helpers import digitizer_cmd
from _gui_helpers import PAGE_TEXTS, copy_project, processed_template  # noqa: F401


def _layout(texts: list[str], top: int = 40) -> PageLayout:
    lines = []
    for i, text in enumerate(texts):
        y = top + 60 * i
        words = [Word(t, BBox(50 + 150 * k, y, 180 + 150 * k, y + 40), confidence=0.9)
                 for k, t in enumerate(text.split())]
        lines.append(Line(id="", bbox=BBox(50, y, 1000, y + 40), text=text, words=words))
    return PageLayout(1200, 900, [TextBlock(id="", bbox=BBox(40, 30, 1100, 800), lines=lines)])


@pytest.fixture
def store(tmp_path):
    """A real project (real SQLite, real master files) with hand-made layouts on three pages."""
    from PIL import Image

    s = ProjectStore.create(tmp_path / "p")
    it = s.add_item("book", profile="printed-historical")
    other = s.add_item("letters", profile="printed-modern")
    for n, (item, texts, tool) in enumerate([
            (it, ["Der ſchöne Fiſch ſchwimmt", "im Waſſer der Stadt Berlin."], "tesseract"),
            (it, ["Zweite Seite mit Berlin und Kraut", "ein ﬁnaler Satz ꝑ Jahr"], "kraken"),
            (other, ["Café au lait à Paris", "Berlin calling"], "tesseract")]):
        src = tmp_path / f"m{n}.png"
        Image.new("L", (1200, 900), 255).save(src)
        f = s.add_file(src, f"masters/{item.identifier}/m{n}.png", role="master")
        page = s.add_page(item.id, f, width=1200, height=900, dpi=300)
        s.save_layout(page.id, _layout(texts), ProcessingStep(action="ocr", tool=tool))
    yield s
    s.close()


def _found(index: SearchIndex, q: str, **kw) -> list[tuple[str, int, str]]:
    return [(h.item, h.page, h.line_id) for h in index.search(q, **kw)]


def test_folding_case_diacritics_long_s_ligatures():
    f = Folder({"ꝑ": "per"})
    assert f.tokens("Der ſchöne ﬁsch, STRAẞE uͤber Æſop ꝑ") == ["der", "schone", "fisch", "strasse", "uber", "aesop",
                                                               "per"]
    assert f.tokens("jean_paul l'œuvre") == ["jean", "paul", "l", "oeuvre"]


def test_words_phrases_prefix_and_boxes(store):
    index = SearchIndex(store)
    hits = index.search("FISCH")
    assert [(h.item, h.page, h.line_id) for h in hits] == [("book", 1, "b1_l1")]
    assert hits[0].words[0].text == "Fiſch" and hits[0].words[0].bbox == BBox(350, 40, 480, 80)
    assert hits[0].snippet == "Der ſchöne «Fiſch» ſchwimmt"
    assert _found(index, "wasser") == [("book", 1, "b1_l2")]          # query without long s
    assert _found(index, "Waſſer") == [("book", 1, "b1_l2")]          # query with it
    assert _found(index, "finaler") == [("book", 2, "b1_l2")]          # ligature fi in the text
    assert _found(index, '"satz per jahr"') == [("book", 2, "b1_l2")]  # the profile's equivalence ꝑ = per
    assert _found(index, "cafe paris") == [("letters", 1, "b1_l1")]   # all words on one line
    assert _found(index, "cafe berlin") == []
    assert _found(index, '"der stadt"') == [("book", 1, "b1_l2")]
    assert _found(index, '"stadt der"') == []
    phrase = index.search('"stadt berlin"')[0]
    assert [w.text for w in phrase.words] == ["Stadt", "Berlin."]
    assert _found(index, "schw*") == [("book", 1, "b1_l1")]
    assert len(_found(index, "berlin")) == 3
    assert len(_found(index, "berlin", limit=2)) == 2


def test_fuzzy_finds_ocr_errors_through_the_trigram_vocabulary(store):
    index = SearchIndex(store)
    assert _found(index, "Berlln") == []
    assert len(_found(index, "Berlln", fuzzy=1)) == 3
    assert _found(index, "Fisoh", fuzzy=1) == [("book", 1, "b1_l1")]
    assert _found(index, "Fxsoh", fuzzy=1) == []
    assert _found(index, "Fxsoh", fuzzy=2) == [("book", 1, "b1_l1")]
    assert _found(index, '"der stadl"', fuzzy=1) == [("book", 1, "b1_l2")]


def test_filters_item_pages_state_engine(store):
    index = SearchIndex(store)
    assert _found(index, "berlin", filters=SearchFilter(item="letters")) == [("letters", 1, "b1_l2")]
    assert _found(index, "berlin", filters=SearchFilter(item="book", pages=(2, 2))) == [("book", 2, "b1_l1")]
    assert _found(index, "berlin", filters=SearchFilter(engine="kraken")) == [("book", 2, "b1_l1")]
    assert _found(index, "berlin", filters=SearchFilter(state="edited")) == []
    page = store.pages()[0]
    store.update_line_text(page.id, "b1_l2", "im Waſſer der Stadt Berlin!")
    assert _found(index, "berlin", filters=SearchFilter(state="edited")) == [("book", 1, "b1_l2")]
    assert len(_found(index, "berlin", filters=SearchFilter(state="machine"))) == 2
    other = [h for h in index.search("berlin") if h.line_id != "b1_l2"][0]    # a person confirms a line
    workflow.verify(store, other.page_id, other.line_id)
    assert _found(index, "berlin", filters=SearchFilter(state="verified")) == [(other.item, other.page, other.line_id)]
    assert len(_found(index, "berlin", filters=SearchFilter(state="machine"))) == 1


def test_index_follows_edits_restore_reprocessing_and_deletion(store):
    index = SearchIndex(store)
    page = store.pages()[0]
    assert _found(index, "wasser")
    store.update_line_text(page.id, "b1_l2", "im Meer der Stadt")
    assert store.conn.execute("SELECT COUNT(*) FROM search_dirty").fetchone()[0] == 1   # same transaction
    assert _found(index, "wasser") == [] and _found(index, "meer") == [("book", 1, "b1_l2")]
    store.restore_line_version(page.id, "b1_l2", 1)
    assert _found(index, "wasser") == [("book", 1, "b1_l2")] and _found(index, "meer") == []
    store.save_layout(page.id, _layout(["Neu erkannt: Forelle"]), ProcessingStep(action="ocr", tool="kraken"))
    assert _found(index, "wasser") == [] and _found(index, "forelle", filters=SearchFilter(engine="kraken"))
    with store.transaction() as c:
        c.execute("DELETE FROM pages WHERE id = ?", (page.id,))
    assert _found(index, "forelle") == []
    # a fresh connection (another process) sees the same index
    with ProjectStore.open(store.root) as again:
        assert _found(SearchIndex(again), "kraut") == [("book", 2, "b1_l1")]


def test_rebuild_is_an_event_and_gives_the_same_answers(store):
    index = SearchIndex(store)
    before = [h.to_dict() for h in index.search("berlin")]
    stats = index.rebuild()
    assert stats == {"pages": 3, "lines": 6, "terms": stats["terms"]} and stats["terms"] > 20
    assert [h.to_dict() for h in index.search("berlin")] == before
    ev = store.events(action="search-index")[-1]
    assert ev.tool == "digitizer.search" and ev.parameters["lines"] == 6


@pytest.mark.parametrize("query, why", [
    ('"der stadt', "unbalanced quote"), ("", "nothing to search for"), ("*ber", "only at the end"),
    ("!!", "no letters or digits"), ('"a*"', "inside a quoted phrase"),
])
def test_malformed_queries_say_why(query, why):
    with pytest.raises(QueryError, match=why):
        parse_query(query, Folder())
    with pytest.raises(QueryError, match="between 0 and 3"):
        parse_query("wort", Folder(), fuzzy=4)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(digitizer_cmd(*args), capture_output=True, text=True, timeout=300)


def test_cli_on_a_processed_project(processed_template, tmp_path):  # noqa: F811
    """Real tesseract output: the word and its box, again with one OCR-like error, exit 1 when absent."""
    proj = copy_project(processed_template, tmp_path)
    res = _cli("search", str(proj), "archives", "--json")
    assert res.returncode == 0, res.stderr
    hits = json.loads(res.stdout)
    assert [(h["item"], h["page"]) for h in hits] == [("letters", 1)]
    word = hits[0]["words"][0]
    assert word["text"].lower().startswith("archives")
    with ProjectStore.open(proj) as s:
        page = s.get_page(hits[0]["page_id"])
        line = s.load_layout(page.id).find_line(hits[0]["line"])
    assert line.bbox.x0 <= word["x"] and word["x"] + word["w"] <= line.bbox.x1 and 0 < word["w"] < page.width
    assert line.bbox.y0 <= word["y"] + word["h"] // 2 <= line.bbox.y1
    assert "«" in hits[0]["snippet"]
    assert _cli("search", str(proj), "archivez").returncode == 1
    fuzzy = _cli("search", str(proj), "archivez", "--fuzzy", "1")
    assert fuzzy.returncode == 0 and "letters p1" in fuzzy.stdout
    assert _cli("search", str(proj), "zeppelin").returncode == 1
    assert _cli("search", str(proj), "brown", "--item", "letters", "--pages", "2").returncode == 1
    bad = _cli("search", str(proj), '"lazy dog')
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "unbalanced quote" in bad.stderr
    rebuilt = _cli("index", str(proj), "--rebuild", "--json")
    assert rebuilt.returncode == 0 and json.loads(rebuilt.stdout)["pages"] == 2

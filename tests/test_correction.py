"""Qt-free correction operations: text, layout edits, find & replace, low-confidence navigation."""

from __future__ import annotations

from pathlib import Path

import pytest

from digitizer import workflow
from PIL import Image

from digitizer import correction as C
from digitizer.model import BBox, Line, PageLayout, TextBlock, Word, layout_from_dict, to_dict
from digitizer.store import ProjectStore


def _line(lid: str, y: int, words: list[tuple[str, float | None]]) -> Line:
    out, x = [], 10
    for i, (text, conf) in enumerate(words, 1):
        w = 20 * len(text)
        out.append(Word(text=text, bbox=BBox(x, y, x + w, y + 30), confidence=conf, id=f"{lid}_w{i}"))
        x += w + 15
    return Line(id=lid, bbox=BBox(10, y, x, y + 30), text=" ".join(t for t, _ in words), words=out,
                confidence=None, baseline=[(10, y + 25), (x, y + 25)])


def _layout() -> PageLayout:
    b1 = TextBlock(id="b1", bbox=BBox(10, 10, 600, 200), lines=[
        _line("b1_l1", 10, [("Hello", 0.95), ("wrold", 0.40)]),
        _line("b1_l2", 60, [("second", 0.99), ("line", 0.98), ("here", 0.70)]),
    ])
    b2 = TextBlock(id="b2", bbox=BBox(10, 300, 600, 400), lines=[_line("b2_l1", 300, [("last", 0.2)])])
    return PageLayout(width=800, height=1000, blocks=[b1, b2])


def test_set_line_text_keeps_boxes_and_marks_verified():
    lay = _layout()
    ln = lay.find_line("b1_l1")
    box = ln.words[1].bbox
    C.set_line_text(ln, "Hello world")
    assert ln.words[1].text == "world" and ln.words[1].bbox == box and ln.words[1].confidence == 1.0
    assert ln.words[0].confidence == 0.95
    C.set_line_text(ln, "Hello big world")
    assert [w.text for w in ln.words] == ["Hello", "big", "world"]
    assert all(w.bbox.x0 >= ln.bbox.x0 and w.bbox.x1 <= ln.bbox.x1 for w in ln.words)


def test_word_spans_follow_text():
    ln = _layout().find_line("b1_l2")
    spans = C.word_spans(ln)
    assert [ln.text[s:e] for s, e, _ in spans] == ["second", "line", "here"]
    ln.text = "changed"
    assert C.word_spans(ln) == []


def test_delete_line_and_empty_block():
    lay = _layout()
    removed = C.delete_line(lay, "b2_l1")
    assert removed.text == "last"
    assert [b.id for b in lay.blocks] == ["b1"]
    with pytest.raises(KeyError):
        C.delete_line(lay, "b2_l1")


def test_merge_and_split_round_trip():
    lay = _layout()
    merged = C.merge_lines(lay, "b1_l1", "b1_l2")
    assert merged.text == "Hello wrold second line here"
    assert [w.id for w in merged.words] == [f"b1_l1_w{i}" for i in range(1, 6)]
    assert merged.bbox == BBox(10, 10, merged.bbox.x1, 90)
    assert len(lay.blocks[0].lines) == 1
    left, right = C.split_line(lay, "b1_l1", 2)
    assert left.text == "Hello wrold" and right.text == "second line here"
    assert right.bbox.x0 == right.words[0].bbox.x0 and left.bbox.x1 <= right.bbox.x0
    assert [ln.id for ln in lay.blocks[0].lines] == ["b1_l1", right.id]
    assert len({ln.id for ln in lay.lines()}) == len(lay.lines())
    with pytest.raises(ValueError):
        C.split_line(lay, "b1_l1", 0)
    # survives JSON round trip (what the store does)
    again = layout_from_dict(to_dict(lay))
    assert again.find_line(right.id).text == "second line here"


def test_add_line_goes_into_overlapping_block_in_reading_order():
    lay = _layout()
    ln = C.add_line(lay, BBox(10, 35, 300, 55), "inserted words")
    assert [x.id for x in lay.blocks[0].lines].index(ln.id) == 1
    assert ln.words and all(w.confidence == 1.0 for w in ln.words)
    far = C.add_line(lay, BBox(10, 700, 200, 730), "")
    assert lay.blocks[-1].lines == [far] and far.text == ""


def test_add_region_and_reading_order():
    lay = _layout()
    reg = C.add_region(lay, BBox(10, 250, 500, 280))
    assert [b.id for b in lay.blocks] == ["b1", reg.id, "b2"]
    C.move_block(lay, "b2", 0)
    assert [b.id for b in lay.blocks][0] == "b2"
    C.move_line(lay, "b1_l2", 0)
    assert [x.id for x in lay.blocks[1].lines] == ["b1_l2", "b1_l1"]
    C.move_line(lay, "b2_l1", 0, block_id=reg.id)
    assert reg.lines[0].id == "b2_l1" and "b2" not in [b.id for b in lay.blocks]


def test_next_low_confidence_in_page_and_across_pages():
    lay = _layout()
    first = C.next_low_confidence(lay, 0.8)
    assert (first.line_id, first.word) == ("b1_l1", 1)
    second = C.next_low_confidence(lay, 0.8, after=first)
    assert (second.line_id, second.word) == ("b1_l2", 2)
    third = C.next_low_confidence(lay, 0.8, after=second)
    assert third.line_id == "b2_l1"
    assert C.next_low_confidence(lay, 0.8, after=third) is None
    assert C.next_low_confidence(lay, 0.8, after=third, wrap=True) == first
    # higher threshold finds more, lower finds fewer
    assert C.next_low_confidence(lay, 0.3).line_id == "b2_l1"
    clean = PageLayout(width=10, height=10)
    pages = [(1, clean), (2, _layout()), (3, None)]
    hit = C.next_low_confidence(pages, 0.8, after=C.Position(1, "nowhere"))
    assert (hit.page, hit.line_id, hit.word) == (2, "b1_l1", 1)
    assert C.next_low_confidence(pages, 0.1) is None


def _store_with_layout(tmp_path: Path) -> tuple[ProjectStore, int]:
    store = ProjectStore.create(tmp_path / "proj")
    item = store.add_item("doc")
    src = tmp_path / "p.png"
    Image.new("L", (800, 1000), 255).save(src)
    master = store.add_file(src, "masters/doc/p.png", role="master", mime="image/png")
    page = store.add_page(item.id, master, width=800, height=1000, dpi=300)
    store.save_layout(page.id, _layout())
    return store, page.id


def test_commit_layout_records_event_and_line_versions(tmp_path):
    store, pid = _store_with_layout(tmp_path)
    lay = store.load_layout(pid)
    C.merge_lines(lay, "b1_l1", "b1_l2")
    changed = C.commit_layout(store, pid, lay, "merge", lines=["b1_l1", "b1_l2"])
    assert changed == ["b1_l1"]
    again = store.load_layout(pid)
    assert again.find_line("b1_l2") is None and again.find_line("b1_l1").text.endswith("line here")
    assert [v.source for v in store.line_history(pid, "b1_l1")] == ["engine", "layout"]
    ev = [e for e in store.events(page_id=pid) if e.tool == "digitizer.correction"]
    assert ev and ev[-1].parameters["operation"] == "merge"
    # one edited line does not make the page corrected; the changed layout is a person's work
    assert store.get_page(pid).status == "processed"
    assert workflow.line_states(store, pid)["b1_l1"] == "edited"
    assert workflow.has_person_work(store, pid)
    store.close()


def test_find_replace_preview_then_apply(tmp_path):
    store, pid = _store_with_layout(tmp_path)
    preview = C.find_replacements(store, "wrold", "world")
    assert [(r.line_id, r.old, r.new) for r in preview] == [("b1_l1", "Hello wrold", "Hello world")]
    assert store.load_layout(pid).find_line("b1_l1").text == "Hello wrold"   # preview writes nothing
    assert len(C.find_replacements(store, "LINE", None, case_sensitive=False)) == 1
    assert C.find_replacements(store, "lin", None, whole_word=True) == []
    applied, skipped = C.apply_replacements(store, preview)
    assert (applied, skipped) == (1, [])
    assert store.load_layout(pid).find_line("b1_l1").text == "Hello world"
    assert [v.text for v in store.line_history(pid, "b1_l1")] == ["Hello wrold", "Hello world"]
    # a stale preview is skipped, not applied over a newer edit
    applied, skipped = C.apply_replacements(store, preview)
    assert applied == 0 and len(skipped) == 1
    regex = C.find_replacements(store, r"(\w+) (world)", r"\2 \1", regex=True)
    assert regex[0].new == "world Hello"
    store.close()


def test_low_confidence_spans_track_edits():
    ln = _layout().find_line("b1_l2")          # "second line here", "here" at 0.70
    assert C.low_confidence_spans(ln.text, ln, 0.8) == [(12, 16)]
    assert C.low_confidence_spans(ln.text, ln, 0.6) == []
    assert C.low_confidence_spans("second line hear", ln, 0.8) == []      # the user fixed it
    assert C.low_confidence_spans("second line", ln, 0.8) == []           # words no longer align
    bare = Line(id="x", bbox=BBox(0, 0, 10, 10), text="abc def", confidence=0.5)
    assert C.low_confidence_spans("abc def", bare, 0.8) == [(0, 7)]

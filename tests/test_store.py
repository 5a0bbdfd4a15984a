"""Project store: real SQLite (WAL, FKs, migrations), events, layouts, line versions, atomic files."""

from __future__ import annotations

import json
import sqlite3

import pytest

from digitizer.errors import ProjectError
from digitizer.fsutil import sha256_file
from digitizer.model import (BBox, Line, PageLayout, ProcessingStep, TextBlock, Transform, Word, layout_from_dict,
                             to_dict)
from digitizer.store import ProjectStore
from digitizer.store.schema import SCHEMA_VERSION


def sample_layout() -> PageLayout:
    words = [Word("Hello", BBox(10, 10, 60, 30), 0.9), Word("world", BBox(70, 10, 130, 30), 0.5)]
    line = Line(id="", bbox=BBox(10, 10, 130, 30), text="Hello world", confidence=0.7, words=words,
                baseline=[(10.0, 28.0), (130.0, 28.0)], polygon=[(10.0, 10.0), (130.0, 10.0), (130.0, 30.0)])
    return PageLayout(width=200, height=100, blocks=[TextBlock(id="", bbox=BBox(10, 10, 130, 30), lines=[line])],
                      steps=[ProcessingStep(action="recognize", tool="tesseract", tool_version="5.3.0")])


@pytest.fixture
def store(tmp_path):
    s = ProjectStore.create(tmp_path / "proj", "Test project")
    yield s
    s.close()


def add_master(store, tmp_path, name="scan.tif", content=b"II*\x00fake-master-bytes"):
    src = tmp_path / name
    src.write_bytes(content)
    item = store.find_item("vol") or store.add_item("vol", title="Volume")
    ref = store.add_file(src, f"masters/vol/{name}", role="master", mime="image/tiff")
    page = store.add_page(item.id, ref, width=200, height=100, dpi=300.0, source_path=str(src))
    return item, page, src


def test_create_sets_wal_foreign_keys_and_schema_version(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.schema_version == SCHEMA_VERSION
    for area in ("masters", "derivatives", "exports"):
        assert (store.root / area).is_dir()
    assert store.info().name == "Test project"
    assert [e.action for e in store.events()] == ["create-project"]


def test_open_missing_project_is_a_clear_error(tmp_path):
    with pytest.raises(ProjectError, match="not a digitizer project"):
        ProjectStore.open(tmp_path / "nope")


def test_newer_schema_is_refused(store, tmp_path):
    store.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    store.close()
    with pytest.raises(ProjectError, match="newer"):
        ProjectStore.open(store.root)


def test_migration_from_empty_database(tmp_path):
    root = tmp_path / "old"
    root.mkdir()
    sqlite3.connect(root / "project.sqlite").close()      # version 0, no tables
    s = ProjectStore.open(root)
    assert s.schema_version == SCHEMA_VERSION
    assert {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
        "items", "pages", "files", "events", "layouts", "line_versions", "failures"}


def test_master_is_byte_exact_and_registered(store, tmp_path):
    item, page, src = add_master(store, tmp_path)
    assert (store.root / page.master.path).read_bytes() == src.read_bytes()
    assert page.master.sha256 == sha256_file(src)
    assert store.find_master(page.master.sha256).path == page.master.path
    assert store.page_for_master(page.master.sha256).id == page.id
    with pytest.raises(ProjectError, match="refusing to overwrite a master"):
        store.write_file(page.master.path, b"other", role="master")
    assert (store.root / page.master.path).read_bytes() == src.read_bytes()


def test_layout_round_trip_and_model_json(store, tmp_path):
    _, page, _ = add_master(store, tmp_path)
    layout = sample_layout()
    v = store.save_layout(page.id, layout, ProcessingStep(action="recognize", tool="tesseract", tool_version="5"))
    assert v == 1
    back = store.load_layout(page.id)
    assert to_dict(back) == to_dict(layout)
    assert layout_from_dict(json.loads(json.dumps(to_dict(back)))) == back
    p = store.get_page(page.id)
    assert p.status == "processed"
    assert p.mean_confidence == pytest.approx(0.7)
    assert back.lines()[0].id == "b1_l1" and back.words()[1].id == "b1_l1_w2"


def test_line_edit_versions_history_and_restore(store, tmp_path):
    _, page, _ = add_master(store, tmp_path)
    store.save_layout(page.id, sample_layout(), ProcessingStep(action="recognize", tool="tesseract"))
    line_id = store.load_layout(page.id).lines()[0].id
    assert store.update_line_text(page.id, line_id, "Hello World", agent="alice") == 2
    assert store.update_line_text(page.id, line_id, "Hello, World!", agent="bob") == 3
    hist = store.line_history(page.id, line_id)
    assert [(h.version, h.text, h.source) for h in hist] == [
        (1, "Hello world", "engine"), (2, "Hello World", "edit"), (3, "Hello, World!", "edit")]
    assert hist[1].agent == "alice"
    layout = store.load_layout(page.id)
    assert layout.lines()[0].text == "Hello, World!"
    assert [w.text for w in layout.lines()[0].words] == ["Hello,", "World!"]
    # the store only records; page states are the workflow's (tests/test_workflow.py)
    assert store.get_page(page.id).status == "processed"
    assert store.line_states(page.id)[line_id].state == "edited"
    store.restore_line_version(page.id, line_id, 1, agent="alice")
    restored = store.load_layout(page.id).lines()[0]
    assert restored.text == "Hello world"
    # the whole engine version comes back: word confidences and boxes, not only the text
    assert [(w.text, w.confidence) for w in restored.words] == [("Hello", 0.9), ("world", 0.5)]
    corrections = store.events(page_id=page.id, action="correct")
    assert [e.agent for e in corrections] == ["alice", "bob", "alice"]
    assert corrections[0].parameters["old"] == "Hello world"


def test_same_word_count_edit_keeps_word_boxes(store, tmp_path):
    _, page, _ = add_master(store, tmp_path)
    store.save_layout(page.id, sample_layout(), None)
    lid = store.load_layout(page.id).lines()[0].id
    store.update_line_text(page.id, lid, "Hallo world")
    w = store.load_layout(page.id).lines()[0].words
    assert (w[0].text, w[0].bbox, w[0].confidence) == ("Hallo", BBox(10, 10, 60, 30), 1.0)
    assert (w[1].text, w[1].confidence) == ("world", 0.5)


def test_failed_transaction_rolls_back_everything(store, tmp_path):
    item, page, _ = add_master(store, tmp_path)
    n_events = len(store.events())
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.set_status(page.id, "failed", error="x",
                             step=ProcessingStep(action="process", tool="t", outcome="failure"))
            raise RuntimeError("crash in the middle")
    assert store.get_page(page.id).status == "imported"
    assert len(store.events()) == n_events


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction() as c:
            c.execute("INSERT INTO pages(item_id, seq, master_file_id, width, height, created, updated) "
                      "VALUES (999, 1, 999, 1, 1, 'x', 'x')")


def test_derived_file_and_transform(store, tmp_path):
    _, page, _ = add_master(store, tmp_path)
    ref = store.write_file("derivatives/vol/0001_pre.png", b"\x89PNG-ish", role="derivative", mime="image/png")
    t = Transform(0.99, -0.01, 5, 0.01, 0.99, -3)
    store.set_derived(page.id, "preprocessed", ref, t)
    p = store.get_page(page.id)
    assert p.derived["preprocessed"].sha256 == ref.sha256
    assert p.transform == t


def test_items_metadata_and_page_order(store, tmp_path):
    item = store.add_item("box-1", title="Box 1", metadata={"creator": "Town clerk"})
    for i in range(3):
        src = tmp_path / f"f{i}.png"
        src.write_bytes(bytes([i]) * 10)
        ref = store.add_file(src, f"masters/box-1/f{i}.png", role="master")
        store.add_page(item.id, ref, width=10, height=10, dpi=None, dpi_source="missing")
    src = tmp_path / "insert.png"
    src.write_bytes(b"ins")
    ref = store.add_file(src, "masters/box-1/insert.png", role="master")
    store.add_page(item.id, ref, width=10, height=10, dpi=None, seq=2)
    pages = store.pages(item.id)
    assert [p.master.path.rsplit("/", 1)[1] for p in pages] == ["f0.png", "insert.png", "f1.png", "f2.png"]
    assert [p.seq for p in pages] == [1, 2, 3, 4]
    store.update_item(item.id, metadata={"creator": "Clerk", "date": "1901"})
    assert store.get_item("box-1").metadata == {"creator": "Clerk", "date": "1901"}
    assert store.events(item_id=item.id, action="update-item")
    with pytest.raises(ProjectError, match="already exists"):
        store.add_item("box-1")


def test_reopen_keeps_everything(tmp_path):
    with ProjectStore.create(tmp_path / "p") as s:
        _, page, _ = add_master(s, tmp_path)
        s.save_layout(page.id, sample_layout(), None)
        lid = s.load_layout(page.id).lines()[0].id
        s.update_line_text(page.id, lid, "persisted text")
    with ProjectStore.open(tmp_path / "p") as s:
        assert s.load_layout(page.id).lines()[0].text == "persisted text"
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

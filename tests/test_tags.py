"""Scholarly tags (issue 15, point 3): spans on a line's text kept through edits by the core, set
through the workflow and its CLI twin (``lines --tag/--untag``, real subprocess on a project
processed with the real tesseract), exported in PAGE ``@custom`` (Transkribus convention) and ALTO
``Tags``/``TAGREFS`` (both XSD-validated), and read back by digitizer.interop's import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from digitizer import tags as tagrules
from digitizer import workflow
from digitizer.errors import WorkflowRefusedError
from digitizer.export.alto import alto_bytes
from digitizer.export.page import page_bytes
from digitizer.export.validate import validate
from digitizer.interop.readers import read_transcription
from digitizer.model import BBox, Line, PageLayout, Tag, TextBlock
from digitizer.store import ProjectStore

from _gui_helpers import copy_project, processed_template  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
PAGE = "{http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15}"


def digitizer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def test_spans_follow_their_characters_through_edits():
    text = "Dns Petrus de Roma"
    tags = [Tag("abbreviation", 0, 3, "Dominus"), Tag("person", 4, 6), Tag("place", 14, 4), Tag("gap", 18, 0)]
    moved = tagrules.remap(tags, text, "Item Dns Peter de Roma")           # text before, a letter less inside
    assert [(t.kind, t.offset, t.length) for t in moved] == [
        ("abbreviation", 5, 3), ("person", 9, 5), ("place", 18, 4), ("gap", 22, 0)]
    new = "Item Dns Peter de Roma"
    assert [new[t.offset:t.offset + t.length] for t in moved[:3]] == ["Dns", "Peter", "Roma"]
    gone = tagrules.remap(tags, text, "Dns de Roma")                        # the person's characters deleted
    assert [t.kind for t in gone] == ["abbreviation", "place", "gap"]
    assert tagrules.remap(tags, text, text) == tags


def test_custom_convention_round_trips_with_escapes_and_keeps_other_entries():
    text = "Dns Petrus de Roma"
    tags = [Tag("abbreviation", 0, 3, "Dominus noster"), Tag("person", 4, 6, "Petrus; {x}"), Tag("gap", 18, 0)]
    custom = tagrules.to_custom(tags, "readingOrder {index:2;}")
    assert custom.startswith("readingOrder {index:2;} abbrev {offset:0; length:3; expansion:Dominus\\u0020noster;}")
    assert tagrules.from_custom(custom, text) == tags
    assert tagrules.other_custom(custom + " textStyle {offset:0; length:3;bold:true;}") == \
        "readingOrder {index:2;} textStyle {offset:0; length:3;bold:true;}"
    # a span outside the text (a stale or broken file) is dropped, not an error
    assert tagrules.from_custom("person {offset:10; length:50;} place {offset:x;}", text) == []
    with pytest.raises(tagrules.TagError, match="only a gap may be empty"):
        tagrules.check(Tag("person", 2, 0), text)
    with pytest.raises(tagrules.TagError, match="unknown tag kind 'hero'"):
        tagrules.check(Tag("hero", 0, 2), text)


def _layout() -> PageLayout:
    a = Line(id="l1", bbox=BBox(10, 10, 400, 50), text="Dns Petrus de Roma",
             tags=[Tag("abbreviation", 0, 3, "Dominus"), Tag("person", 4, 6, "Petrus Romanus"),
                   Tag("place", 14, 4), Tag("gap", 18, 0)])
    b = Line(id="l2", bbox=BBox(10, 60, 400, 100), text="anno 1523 in Basel",
             tags=[Tag("date", 5, 4, "1523"), Tag("unclear", 10, 2), Tag("organisation", 13, 5)],
             custom="readingOrder {index:7;} date {offset:0; length:4;}")      # stale order and tag of an import
    return PageLayout(500, 120, [TextBlock("b1", BBox(10, 10, 400, 100), [a, b])])


def test_alto_tags_are_valid_and_referenced_by_the_strings():
    data = alto_bytes(_layout(), image_filename="p1.tif")                 # raises if not valid ALTO 4.4
    root = etree.fromstring(data)
    for version in ("4.2", "4.3"):
        report = validate(etree.fromstring(alto_bytes(_layout(), image_filename="p1.tif", version=version)),
                          f"alto-{version}")
        assert report.is_valid and not report.errors, report
    tags = {el.get("ID"): (etree.QName(el).localname, el.get("LABEL"), el.get("DESCRIPTION"))
            for el in root.find(f"{ALTO}Tags")}
    refs = {s.get("CONTENT"): [tags[r] for r in s.get("TAGREFS", "").split()] for s in root.iter(f"{ALTO}String")}
    assert refs["Dns"] == [("OtherTag", "abbreviation", "Dominus")]
    assert refs["Petrus"] == [("NamedEntityTag", "person", "Petrus Romanus")]
    assert refs["Roma"] == [("NamedEntityTag", "place", None), ("OtherTag", "gap", None)]
    assert refs["1523"] == [("NamedEntityTag", "date", "1523")] and refs["in"] == [("OtherTag", "unclear", None)]
    assert refs["Basel"] == [("NamedEntityTag", "organisation", None)] and refs["anno"] == []


def test_page_custom_is_valid_and_read_back_by_interop(tmp_path):
    layout = _layout()
    path = tmp_path / "p1.xml"
    path.write_bytes(page_bytes(layout, image_filename="p1.tif"))       # raises if not valid PAGE 2019
    customs = [el.get("custom") for el in etree.parse(str(path)).iter(f"{PAGE}TextLine")]
    assert customs[0].startswith("readingOrder {index:0;} abbrev {offset:0; length:3; expansion:Dominus;}")
    assert customs[1] == ("readingOrder {index:1;} date {offset:5; length:4; when:1523;} "
                          "unclear {offset:10; length:2;} organization {offset:13; length:5;}")
    back = read_transcription(path).layout
    assert [ln.tags for ln in back.lines()] == [ln.tags for ln in layout.lines()]


@pytest.fixture
def project(tmp_path, processed_template):
    return copy_project(processed_template, tmp_path)


def _first_line(root: Path) -> tuple[int, Line]:
    with ProjectStore.open(root) as store:
        pid = store.pages()[0].id
        return pid, store.load_layout(pid).lines()[0]


def test_cli_tag_untag_through_the_workflow(project):
    pid, line = _first_line(project)
    word = line.text.split(" ")[0]
    res = digitizer("lines", str(project), "--page", str(pid), "--line", line.id, "--tag", "person",
                    "--span", f"0:{len(word)}", "--value", "Anna Muster", "--operator", "Tia Tagger")
    assert res.returncode == 0, res.stderr
    assert f"line {line.id}: person 0:{len(word)} tagged" in res.stdout
    res = digitizer("lines", str(project), "--page", str(pid), "--line", line.id, "--tag", "gap", "--span", "1:1")
    assert res.returncode == 0, res.stderr
    listed = json.loads(digitizer("lines", str(project), "--page", str(pid), "--json").stdout)["lines"][0]
    assert listed["tags"] == [{"kind": "person", "offset": 0, "length": len(word), "value": "Anna Muster"},
                              {"kind": "gap", "offset": 1, "length": 0, "value": ""}]
    assert listed["state"] == "machine" and listed["source"] == "tag"        # tagging vouches for no text
    with ProjectStore.open(project) as store:
        ev = store.events(page_id=pid, action="tag-line")
        assert [(e.agent, e.parameters["kind"], e.parameters["span"]) for e in ev] == [
            ("Tia Tagger", "person", f"0:{len(word)}"), (ev[1].agent, "gap", "1:1")]
        hist = store.line_history(pid, line.id)
        assert [v.source for v in hist][-2:] == ["tag", "tag"] and not hist[0].data.get("tags")
    # refused: outside the text, unknown kind, empty non-gap, bad span syntax
    for span, kind, code, msg in ((f"0:{len(line.text) + 5}", "place", 10, "outside the line's text"),
                                  ("0:2", "hero", 10, "unknown tag kind 'hero'"),
                                  ("2:2", "place", 10, "only a gap may be empty"),
                                  ("a-b", "place", 1, "--span needs A:B")):
        res = digitizer("lines", str(project), "--page", str(pid), "--line", line.id, "--tag", kind, "--span", span)
        assert res.returncode == code and msg in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    res = digitizer("lines", str(project), "--page", str(pid), "--line", line.id, "--untag", "--span",
                    f"0:{len(word)}", "--tag", "person")
    assert res.returncode == 0, res.stderr
    with ProjectStore.open(project) as store:
        assert store.load_layout(pid).lines()[0].tags == [Tag("gap", 1, 0)]
    res = digitizer("lines", str(project), "--page", str(pid), "--line", line.id, "--untag", "--span", "0:1")
    assert res.returncode == 0, res.stderr                                  # the empty gap at 1 lies inside 0:1
    res = digitizer("lines", str(project), "--page", str(pid), "--line", line.id, "--untag", "--span", "0:1")
    assert res.returncode == 10 and "no tag inside 0:1" in res.stderr


def test_tags_follow_edits_and_keep_flag_comment(project):
    pid, line = _first_line(project)
    with ProjectStore.open(project, agent="tester") as store:
        first = line.text.split(" ")[0]
        workflow.flag(store, pid, line.id, "ink blot over the name")
        workflow.tag(store, pid, line.id, "person", 0, len(first))
        st = store.line_states(pid)[line.id]
        assert (st.state, st.comment) == ("flagged", "ink blot over the name")
        workflow.set_text(store, pid, line.id, "Herr " + line.text)
        tagged = store.load_layout(pid).lines()[0]
        assert tagged.tags == [Tag("person", 5, len(first))]
        assert tagged.text[5:5 + len(first)] == first
        before = store.line_history(pid, line.id)[-3].version        # the version before the tag
        workflow.restore(store, pid, line.id, before)                  # undo: the tag goes with its version
        assert store.load_layout(pid).lines()[0].tags == []
        store.set_status(pid, "reviewed")
        with pytest.raises(WorkflowRefusedError, match="reopen it first"):
            workflow.tag(store, pid, line.id, "person", 0, 1)


def test_exported_project_round_trips_tags(project, tmp_path):
    pid, line = _first_line(project)
    first = line.text.split(" ")[0]
    with ProjectStore.open(project, agent="tester") as store:
        item = store.items()[0].identifier
        workflow.tag(store, pid, line.id, "abbreviation", 0, len(first), "expanded form")
    out = tmp_path / "out"
    res = digitizer("export", str(project), "-o", str(out), "--format", "alto,page")
    assert res.returncode == 0, res.stderr
    page_files = [p for p in out.rglob("*.xml") if PAGE in etree.parse(str(p)).getroot().tag]
    alto_files = [p for p in out.rglob("*.xml") if ALTO in etree.parse(str(p)).getroot().tag]
    assert page_files and alto_files
    alto = [etree.parse(str(p)).getroot() for p in alto_files]
    labels = [(t.get("LABEL"), t.get("DESCRIPTION")) for r in alto for t in r.iter(f"{ALTO}OtherTag")]
    assert labels == [("abbreviation", "expanded form")]
    assert [s.get("CONTENT") for r in alto for s in r.iter(f"{ALTO}String") if s.get("TAGREFS")] == [first]
    again = copy_project(project, tmp_path / "again")
    res = digitizer("import", str(again), "--transcriptions", *map(str, page_files), "--item", item)
    assert res.returncode == 0, res.stderr
    with ProjectStore.open(again) as store:
        back = store.load_layout(pid).lines()[0]
    assert back.text == line.text and back.tags == [Tag("abbreviation", 0, len(first), "expanded form")]

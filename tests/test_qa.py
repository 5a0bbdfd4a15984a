"""Quality assurance on a real project processed with tesseract: targets, seeded samples, checks,
the report (JSON/HTML), the export release gate with METS/PREMIS, gold pages, double keying,
versioned guidelines and calibration.  CLI through real subprocesses; the core where it is shorter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from digitizer.htr.evaluate import distance
from digitizer import workflow
from digitizer.qa import gate, gold, guidelines, queue, sampling
from digitizer.qa.calibration import calibration
from digitizer.qa.report import build_report
from digitizer.qa.targets import parse_quality, target_for
from digitizer.errors import ProfileError
from digitizer.store import ProjectStore

from _gui_helpers import PAGE_TEXTS, copy_project, processed_template  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
PREMIS = "{http://www.loc.gov/premis/v3}"


def digitizer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.fixture
def project(processed_template, tmp_path) -> Path:
    """Two generated pages (six lines) processed once per session with the real tesseract."""
    return copy_project(processed_template, tmp_path)


def truth(store: ProjectStore, page_id: int, text: str) -> str:
    """What the line shows on the generated page (the checker reads the image)."""
    lines = PAGE_TEXTS[(store.get_page(page_id).seq - 1) % len(PAGE_TEXTS)]
    return min(lines, key=lambda t: distance(t, text))


def sampled_keys(root: Path) -> list[tuple[int, str]]:
    with ProjectStore.open(root) as store:
        return [(e.page_id, e.line_id) for e in queue.entries(store)]


def test_quality_section_is_validated():
    q = parse_quality({"target": 0.99, "unit": "page", "strata": ["item", "engine"]}, "p.toml")
    assert (q.target, q.unit, q.strata, q.min_per_stratum) == (0.99, "page", ["item", "engine"], 30)
    for bad, says in (({"target": 1.5}, "target must be a number"), ({"unit": "word"}, "unit must be line or page"),
                      ({"strata": ["colour"]}, "strata must be a list"), ({"sample": 3}, "unknown key 'sample'"),
                      ({"target": 0.99, "expected_error": 0.02}, "expected_error must be below")):
        with pytest.raises(ProfileError, match=says) as exc:
            parse_quality(bad, "p.toml")
        assert exc.value.message.startswith("p.toml: [quality]")


def test_profile_quality_section_declares_target(project, tmp_path):
    prof = tmp_path / "qa-profile.toml"
    prof.write_text('name = "qa-profile"\n[quality]\ntarget = 0.98\nmin_per_stratum = 2\n', encoding="utf-8")
    with ProjectStore.open(project) as store:
        item = store.items()[0]
        assert not target_for(store, item).declared        # built-in profiles declare no target
        store.update_item(item.id, profile=str(prof))
        q = target_for(store, store.get_item(item.id))
        assert q.declared and q.target == 0.98 and q.source == "profile qa-profile"
    res = digitizer("qa", "target", str(project), "--accuracy", "0.99", "--operator", "Pat")
    assert res.returncode == 0 and "target 99.00%" in res.stdout and "(project)" in res.stdout
    res = digitizer("qa", "target", str(project), "--item", "letters", "--accuracy", "0.999", "--unit", "page")
    assert res.returncode == 0 and "target 99.90%" in res.stdout and "unit page" in res.stdout and "(item)" in res.stdout
    with ProjectStore.open(project) as store:
        item = store.items()[0]
        assert (target_for(store, item).target, target_for(store, None).target) == (0.999, 0.99)
        events = store.events(action="qa-target")
        assert [(e.agent, e.parameters["scope"], e.parameters["target"]) for e in events][0] == ("Pat", "project", 0.99)
        assert events[1].item_id == item.id and events[1].parameters["unit"] == "page"
    res = digitizer("qa", "target", str(project), "--strata", "item,colour")
    assert res.returncode == 8 and "[quality] strata must be a list from item, engine" in res.stderr


def test_seeded_sample_is_reproducible_and_recorded(project, tmp_path):
    import shutil

    twin = tmp_path / "twin"
    shutil.copytree(project, twin)
    for root in (project, twin):
        res = digitizer("qa", "sample", str(root), "--seed", "7", "--size", "5", "--operator", "Sam Sampler")
        assert res.returncode == 0, res.stderr
        assert "sample 1: 5 unit(s), 5 line(s) from seed 7" in res.stdout and "letters: 5 of 6" in res.stdout
    assert sampled_keys(project) == sampled_keys(twin) and len(set(sampled_keys(project))) == 5
    res = digitizer("qa", "sample", str(twin), "--seed", "8", "--size", "5")
    second = sampled_keys(twin)            # the newer sample supersedes the older one's pending entries
    with ProjectStore.open(twin) as store:
        assert second == [(r["page_id"], r["line_id"]) for r in store.conn.execute(
            "SELECT page_id, line_id FROM qa_units WHERE sample_id = 2 ORDER BY position, id")]
    assert second != sampled_keys(project)
    with ProjectStore.open(project) as store:
        ev = store.events(action="qa-sample")[0]
        assert ev.agent == "Sam Sampler" and ev.parameters["seed"] == 7
        assert ev.parameters["population"] == {"letters": 6} and ev.parameters["allocation"] == {"letters": 5}


def test_auto_size_from_target_and_page_units(project):
    with ProjectStore.open(project) as store:
        from digitizer.qa.targets import set_target

        set_target(store, None, {"target": 0.99, "unit": "page", "min_per_stratum": 2})
        res = sampling.draw(store, seed=1, size="auto")
        assert res.needed_chars == 3124                  # docs/quality.md: (z + z_power)^2 p(1-p)/d^2 * deff
        assert res.units == 2 and res.lines == 6         # more than the project holds: every page (a census)
        rows = store.conn.execute("SELECT COUNT(DISTINCT unit_key) FROM qa_units").fetchone()[0]
        assert rows == 2


def test_strata_person_engine_and_confidence(project):
    from digitizer.qa.targets import set_target

    with ProjectStore.open(project) as store:
        page = store.pages()[0].id
        a, b, _c = [ln.id for ln in store.load_layout(page).lines()]
        workflow.set_text(store, page, a, "The quick brown fox jumps", agent="Ann")
        workflow.verify(store, page, b, agent="Ben")
        set_target(store, None, {"strata": ["person", "engine"], "min_per_stratum": 2})
        res = sampling.draw(store, seed=9, size="3")
        assert res.population == {"Ann/tesseract": 1, "Ben/tesseract": 1, "engine/tesseract": 4}
        assert res.allocation == {"Ann/tesseract": 1, "Ben/tesseract": 1, "engine/tesseract": 2}
        set_target(store, None, {"strata": ["confidence"]})
        units = sampling.population(store, store.items(), target_for(store, None))
        assert all(u.stratum.startswith("conf:") for u in units) and len(units) == 6
    assert sampling.confidence_band(0.95) == "conf:0.9-1" and sampling.confidence_band(0.7) == "conf:0.6-0.8"
    assert sampling.confidence_band(None) == "conf:none" and sampling.confidence_band(0.1) == "conf:0-0.6"


def check_all(store: ProjectStore, *, wrong: int = 0, agent: str = "Cora Checker") -> None:
    """Check every pending entry as the image reads; the first ``wrong`` ones get a deliberate error
    in the *text as drawn* sense: the checker reads a line that the engine got wrong."""
    for n, e in enumerate(queue.entries(store)):
        ref = truth(store, e.page_id, e.text)
        if n < wrong:
            ref = ref.replace("e", "é", 1)          # the image says something the engine did not read
        queue.check(store, e.id, ref, agent=agent)


def test_gate_report_and_mets(project, tmp_path):
    res = digitizer("qa", "target", str(project), "--accuracy", "0.9", "--min-per-stratum", "2")
    assert res.returncode == 0 and "target 90.00%" in res.stdout and "(project)" in res.stdout
    out = tmp_path / "out"
    res = digitizer("export", str(project), "-o", str(out))
    assert res.returncode == 12
    assert res.stderr.strip().splitlines() == [
        "digitizer: error: export refused, not accepted by QA: letters (no QA sample drawn (digitizer qa sample)) "
        "(finish 'digitizer qa' checks or pass --allow-unaccepted)"]
    assert not (out / "letters").exists()
    assert digitizer("qa", "sample", str(project), "--seed", "3", "--size", "4").returncode == 0
    res = digitizer("export", str(project), "-o", str(out))
    assert res.returncode == 12 and "sample not fully checked (0/4 units)" in res.stderr
    # the CLI twin of the QA mode: list the queue, check the first entry; the core checks the rest
    first = digitizer("qa", "queue", str(project), "--operator", "Cora Checker").stdout.splitlines()[0].split("\t")
    with ProjectStore.open(project) as store:
        right = truth(store, int(first[1].split()[1]), first[4])
    res = digitizer("qa", "check", str(project), "--unit", first[0], "--text", right, "--operator", "Cora Checker")
    assert res.returncode == 0 and res.stdout.startswith(f"entry {first[0]}: "), res.stderr
    res = digitizer("qa", "check", str(project), "--unit", "999", "--ok")
    assert res.returncode != 0 and "no QA queue entry 999" in res.stderr
    with ProjectStore.open(project, agent="Cora Checker") as store:
        check_all(store, wrong=1)
        fixed = store.conn.execute("SELECT page_id, line_id, ref FROM qa_units WHERE errors > 0").fetchall()
        assert fixed and all(store.load_layout(r["page_id"]).find_line(r["line_id"]).text == r["ref"]
                             for r in fixed)                 # the checker's fix is the project's text now
        assert {e.agent for e in store.events(action="qa-check")} == {"Cora Checker"}

    res = digitizer("qa", "report", str(project), "--json")
    assert res.returncode == 0, res.stderr
    rep = json.loads(res.stdout)
    overall = rep["groups"][0]
    est = overall["estimate"]
    assert overall["kind"] == "overall" and overall["checked"] == overall["sampled"] == 4
    assert est["errors"] >= 1 and est["low"] < est["accuracy"] < est["high"] <= 1.0
    assert rep["errors_by_type"]["substitution"] >= 1
    assert any(c[:2] == ["é", "e"] for c in rep["confusions"])      # (what the image shows, what was read)
    assert rep["items"][0]["item"] == "letters"
    assert overall["decision"] == "pass" and est["low"] > 0.9            # one deliberate error
    assert rep["items"][0]["accepted"] is True and rep["items"][0]["reason"] == ""
    html = tmp_path / "report.html"
    assert digitizer("qa", "report", str(project), "--html", str(html)).returncode == 0
    doc = etree.fromstring(html.read_bytes(), etree.HTMLParser(no_network=True))
    # accuracy per stratum with interval bars, and the reliability diagram (the checks corrected pages)
    assert doc.xpath("//svg/@aria-label") == ["accuracy per stratum with intervals", "reliability diagram"]
    assert "Top confusions" in html.read_text(encoding="utf-8")
    assert "http" not in html.read_text(encoding="utf-8").replace('xmlns="http://www.w3.org/2000/svg"', "")

    res = digitizer("export", str(project), "-o", str(out))      # accepted: the gate opens
    assert res.returncode == 0, res.stderr
    mets = etree.parse(str(out / "letters" / "mets.xml"), etree.XMLParser(resolve_entities=False, no_network=True))
    ev = [e for e in mets.iter(f"{PREMIS}event") if e.findtext(f"{PREMIS}eventType") == "qa release"]
    assert len(ev) == 1
    assert ev[0].findtext(f"{PREMIS}eventOutcomeInformation/{PREMIS}eventOutcome") == "accepted"
    note = ev[0].findtext(f".//{PREMIS}eventOutcomeDetailNote")
    assert f"accuracy {est['accuracy']:.2%} [{est['low']:.2%}, {est['high']:.2%}]" in note


def test_allow_unaccepted_records_estimate(project, tmp_path):
    with ProjectStore.open(project) as store:
        from digitizer.qa.targets import set_target

        set_target(store, None, {"target": 0.995, "min_per_stratum": 2})
        sampling.draw(store, seed=11, size="4")
        check_all(store, wrong=2)
        state = gate.release_state(store, store.items()[0])
        assert state.declared and not state.accepted and state.decision in ("fail", "undecided")
    out = tmp_path / "out"
    res = digitizer("export", str(project), "-o", str(out))
    assert res.returncode == 12 and f"letters ({state.reason})" in res.stderr
    res = digitizer("export", str(project), "-o", str(out), "--allow-unaccepted")
    assert res.returncode == 0, res.stderr
    text = (out / "letters" / "mets.xml").read_text(encoding="utf-8")
    assert "<premis:eventOutcome>unaccepted</premis:eventOutcome>" in text
    assert "vs target 99.50%" in text


def test_export_without_target_is_unchanged(project, tmp_path):
    res = digitizer("export", str(project), "-o", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    assert "qa release" not in (tmp_path / "out" / "letters" / "mets.xml").read_text(encoding="utf-8")


def test_gold_pages_mixed_into_a_persons_queue(project):
    with ProjectStore.open(project) as store:
        gold_page = store.pages()[1].id
    res = digitizer("qa", "gold", str(project), "--page", str(gold_page), "--operator", "Lead")
    assert res.returncode == 0 and res.stdout.strip() == f"page {gold_page}: 3 gold line(s)"
    with ProjectStore.open(project) as store:
        assert store.events(action="qa-gold")[0].agent == "Lead"
        lines = [truth(store, gold_page, ln.text) for ln in store.load_layout(gold_page).lines()]
        gold.add_gold(store, gold_page, lines=lines)
        sampling.draw(store, seed=5, size="3")
        mine = queue.entries(store, operator="Gil")
        assert len(mine) == 3 + len(lines)                        # gold mixed in, looking like the rest
        assert {type(e) for e in mine} == {queue.QueueEntry}
        assert queue.entries(store, operator="Gil") == mine      # no second gold page while one is pending
        assert len(queue.entries(store)) == 3                    # nobody else sees Gil's gold lines
        gold_ids = [r[0] for r in store.conn.execute("SELECT id FROM qa_units WHERE kind = 'gold' ORDER BY id")]
        assert len(gold_ids) == 3 and {e.id for e in mine} >= set(gold_ids)
        assert [e.parameters["operator"] for e in store.events(action="qa-gold-mix")] == ["Gil"]
        assert all(e.text == ln.text for e, ln in zip([e for e in mine if e.id in gold_ids],
                                                      store.load_layout(gold_page).lines()))  # the engine's reading
        for e in mine:                         # Gil reads every line right but drops a character on one gold line
            text = truth(store, e.page_id, e.text)
            queue.check(store, e.id, text[:-1] if e.id == gold_ids[0] else text, agent="Gil")
        assert queue.entries(store, operator="Gil") == []           # no sample work left: no more gold
        sampling.draw(store, seed=6, size="4")
        assert len(queue.entries(store, operator="Gil")) == 4      # 3 checked since the last gold page < 20
        from digitizer.qa.targets import set_target

        set_target(store, None, {"gold_every": 2})
        assert len(queue.entries(store, operator="Gil")) == 4 + 3  # 3 >= 2: the next gold page comes in
        figures = build_report(store).gold
        slip = store.conn.execute("SELECT line_id, ref FROM qa_units WHERE id = ?", (gold_ids[0],)).fetchone()
        assert store.load_layout(gold_page).find_line(slip["line_id"]).text != slip["ref"]   # gold checks fix nothing
    chars = sum(len(t) for t in lines)
    assert figures == {"Gil": {"lines": 3, "chars": chars, "errors": 1, "accuracy": 1 - 1 / chars}}


def test_double_keying_and_adjudication(project):
    with ProjectStore.open(project) as store:
        page = store.pages()[0].id
        ids = [ln.id for ln in store.load_layout(page).lines()]
    res = digitizer("qa", "key", str(project), "--page", str(page), "--line", ids[0], "--text",
                    "The quick brown fox jumps.", "--operator", "Ada")
    assert res.returncode == 0 and res.stdout.strip() == f"page {page} line {ids[0]} keyed by Ada"
    res = digitizer("qa", "key", str(project), "--page", str(page), "--operator", "Bob")
    assert res.returncode == 0 and len(res.stdout.splitlines()) == 3
    assert "jumps." not in res.stdout                               # Bob never sees Ada's text
    assert digitizer("qa", "key", str(project), "--page", str(page), "--line", ids[0], "--text",
                     "The quick brown fox jumps,", "--operator", "Bob").returncode == 0
    res = digitizer("qa", "key", str(project), "--page", str(page), "--line", ids[1], "--text", "tab\x0bbed",
                    "--operator", "Bob")
    assert res.returncode == 3 and "line " + ids[1] + ": character U+000B" in res.stderr
    res = digitizer("qa", "adjudicate", str(project), "--page", str(page))
    assert res.stdout.strip() == f"{ids[0]}\tAda: The quick brown fox jumps.\tBob: The quick brown fox jumps,"
    res = digitizer("qa", "adjudicate", str(project), "--page", str(page), "--line", ids[0], "--choose",
                    "=The quick brown fox jumps", "--operator", "Judge Judy")
    assert res.returncode == 0, res.stderr
    res = digitizer("qa", "adjudicate", str(project), "--page", str(page), "--line", ids[0], "--choose", "Cy")
    assert res.returncode != 0 and "no keying by 'Cy'" in res.stderr and "keyed by Ada, Bob" in res.stderr
    with ProjectStore.open(project) as store:
        assert store.load_layout(page).find_line(ids[0]).text == "The quick brown fox jumps"
        last = store.events(action="correct")[-1]
        assert last.agent == "Judge Judy" and last.parameters["source"] == "adjudicate"
        assert [e.agent for e in store.events(action="qa-key")] == ["Ada", "Bob"]
        figures = build_report(store).agreement
    assert figures["pairs"]["Ada / Bob"] == {"lines": 1, "differences": 1, "agreement": 1 - 1 / 26}
    assert figures["pages"][str(page)]["agreement"] == 1 - 1 / 26


def test_versioned_guidelines(project, tmp_path):
    md = tmp_path / "guide.md"
    md.write_text("# Guidelines\n\nKeep long s as s.\n", encoding="utf-8")
    with ProjectStore.open(project) as store:
        page = store.pages()[0].id
        first, second = [ln.id for ln in store.load_layout(page).lines()][:2]
        workflow.set_text(store, page, first, "keyed before any guidelines")
    res = digitizer("qa", "guidelines", str(project), "--add", str(md), "--note", "first", "--operator", "Lead")
    assert res.returncode == 0 and res.stdout.startswith("guidelines version 1")
    with ProjectStore.open(project) as store:
        workflow.set_text(store, page, second, "keyed under version 1")
        assert store.events(action="correct")[-1].parameters["guidelines"] == 1
        assert "guidelines" not in store.events(action="correct")[0].parameters
        md.write_text("# Guidelines\n\nLong s is now ſ.\n", encoding="utf-8")
        assert guidelines.add_version(store, md, note="long s").version == 2
        older = guidelines.lines_keyed_before(store)
        assert (page, first, None) in older and (page, second, 1) in older
    res = digitizer("qa", "guidelines", str(project), "--older")
    assert f"page {page}\t{second}\tkeyed under v1" in res.stdout
    res = digitizer("qa", "guidelines", str(project), "--add", str(tmp_path / "missing.md"))
    assert res.returncode == 3 and "missing.md: cannot read guidelines" in res.stderr


def test_calibration_and_routing_from_corrected_lines(project):
    with ProjectStore.open(project) as store:
        first, second = store.pages()
        engine = {ln.id: ln.confidence for ln in store.load_layout(first.id).lines()}
        for ln in store.load_layout(first.id).lines():        # a person corrects page 1: every line was wrong
            workflow.set_text(store, first.id, ln.id, truth(store, first.id, ln.text) + "!")
        cal = calibration(store)
        untouched = {ln.id for ln in store.load_layout(second.id).lines()}
    assert (cal["lines"], cal["wrong_lines"]) == (3, 3) and cal["char_errors"] >= 3
    assert sum(r["lines"] for r in cal["reliability"]) == 3 and all(r["observed_wrong"] == 1.0
                                                                  for r in cal["reliability"])
    # the engine's own confidences (of the text before the person's correction) are what is calibrated
    assert sum(r["lines"] * r["predicted_wrong"] for r in cal["reliability"]) / 3 == \
        pytest.approx(1 - sum(engine.values()) / 3)
    res = digitizer("qa", "route", str(project), "--p", "0")
    listed = [ln.split("\t") for ln in res.stdout.splitlines()]
    assert res.returncode == 0 and "3 line(s) to review" in res.stderr
    assert {f[1] for f in listed} == untouched and {f[0] for f in listed} == {f"page {second.id}"}
    assert digitizer("qa", "route", str(project), "--p", "1.5").returncode != 0


def test_reliability_and_routing_figures():
    from digitizer.qa.calibration import p_wrong, reliability, routing

    lines = [(0.95, 0)] * 8 + [(0.95, 2)] * 2 + [(0.55, 3)] * 4 + [(0.55, 0)]
    table = reliability(lines)
    assert [(r["low"], r["lines"]) for r in table] == [(0.5, 5), (0.9, 10)]
    assert table[0]["observed_wrong"] == 0.8 and table[1]["observed_wrong"] == 0.2
    assert table[0]["predicted_wrong"] == pytest.approx(0.45) and table[1]["predicted_wrong"] == pytest.approx(0.05)
    assert p_wrong(0.97, table) == 0.2 and p_wrong(0.75, table) == pytest.approx(0.25)   # empty bin: 1 - conf
    rows = {r["p"]: r for r in routing(lines)}
    assert (rows[0.5]["lines_read"], rows[0.5]["errors_caught"], rows[0.5]["share_of_errors"]) == (5, 12, 0.75)
    assert rows[0.5]["errors_per_line_read"] == pytest.approx(2.4)
    assert rows[0.2]["lines_read"] == 15 and rows[0.2]["share_of_errors"] == 1.0


def test_run_exports_as_unaccepted_and_says_so(tmp_path, monkeypatch):
    from _gui_helpers import render_page

    src = tmp_path / "src"
    src.mkdir()
    render_page(src / "page01.png", PAGE_TEXTS[0])
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "contract.toml").write_text('name = "contract"\n[quality]\ntarget = 0.995\n',
                                                         encoding="utf-8")
    monkeypatch.setenv("DIGITIZER_PROFILES_DIR", str(tmp_path / "profiles"))
    out = tmp_path / "out"
    res = digitizer("-q", "run", str(src), "-o", str(out), "--profile", "contract")
    assert res.returncode == 0, res.stderr
    assert "src: exported as unaccepted by QA (no QA sample drawn (digitizer qa sample)); see 'digitizer qa'" \
        in res.stderr
    text = (out / "src" / "mets.xml").read_text(encoding="utf-8")
    assert "<premis:eventOutcome>unaccepted</premis:eventOutcome>" in text


def test_check_on_an_approved_page_scores_but_keeps_the_text(project):
    with ProjectStore.open(project) as store:
        page = store.pages()[0].id
        workflow.page_done(store, page)
        workflow.review(store, [page])
        workflow.approve(store, [page])
        line = store.load_layout(page).lines()[0]
        sampling.draw(store, seed=2, size="6")
        unit = next(e.id for e in queue.entries(store) if e.page_id == page and e.line_id == line.id)
    res = digitizer("qa", "check", str(project), "--unit", str(unit), "--text", line.text + "?")
    assert res.returncode == 0 and f"entry {unit}: 1 error(s)" in res.stdout
    assert f"entry {unit}: line not corrected in the project: cannot" in res.stderr and "reopen" in res.stderr
    with ProjectStore.open(project) as store:
        assert store.load_layout(page).find_line(line.id).text == line.text
        assert store.get_page(page).status == "approved"

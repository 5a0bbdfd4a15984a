"""Nothing a person did is lost, driven through the real CLI with real tesseract: a correction made with
``digitizer lines --set`` survives ``process --force``; ``--discard-corrections`` replaces it as an
event and the correction stays restorable; the line CLI's listing, JSON and refusals."""

from __future__ import annotations

import json
import subprocess

from _batch_helpers import digitizer_cmd, make_project, recognize_counts
from digitizer.store import ProjectStore


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(digitizer_cmd(*args), capture_output=True, text=True, timeout=600)


def listing(root, page: int) -> dict:
    res = cli("lines", str(root), "--page", str(page), "--item", "box1", "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_a_correction_survives_process_force_and_discarding_keeps_it_restorable(tmp_path):
    root = tmp_path / "p"
    make_project(root, 2).close()
    assert cli("-q", "process", str(root), "--workers", "0").returncode == 0
    first = listing(root, 1)
    assert first["status"] == "processed" and len(first["lines"]) == 2
    line = first["lines"][0]
    assert set(line) >= {"id", "text", "state", "confidence", "source", "version"}
    assert (line["state"], line["source"], line["version"]) == ("machine", "engine", 1)
    mine = "Page\u00a01 of the batch, checked "
    res = cli("lines", str(root), "--page", "1", "--item", "box1", "--line", line["id"], "--set", mine)
    assert res.returncode == 0 and "version 2 saved (edited)" in res.stdout, res.stderr
    with ProjectStore.open(root) as store:
        p1, p2 = [p.id for p in store.pages()]

    res = cli("-q", "process", str(root), "--force", "--workers", "0")
    assert res.returncode == 0, res.stderr
    kept = [ln for ln in res.stderr.splitlines() if ln.startswith(f"page {p1}:")]
    assert kept == [f"page {p1}: skipped, it has a person's work (edited, verified or flagged lines); pass "
                    "--discard-corrections to replace it (earlier versions stay restorable)"]
    after = listing(root, 1)["lines"][0]
    assert (after["text"], after["state"], after["source"]) == (mine, "edited", "edit")
    with ProjectStore.open(root) as store:
        assert recognize_counts(store) == {p1: 1, p2: 2}           # the other page was re-recognised

    assert cli("process", str(root), "--discard-corrections").returncode == 1      # needs --force
    res = cli("-q", "process", str(root), "--force", "--discard-corrections", "--workers", "0")
    assert res.returncode == 0, res.stderr
    replaced = listing(root, 1)["lines"][0]
    assert replaced["state"] == "machine" and replaced["source"] == "engine" and replaced["version"] == 3
    with ProjectStore.open(root) as store:
        ev = store.events(page_id=p1, action="discard-corrections")
        assert len(ev) == 1 and ev[0].parameters == {"lines": 1, "previous": "processed"}
    hist = json.loads(cli("lines", str(root), "--page", str(p1), "--line", line["id"], "--history",
                          "--json").stdout)
    assert [(v["version"], v["source"]) for v in hist] == [(1, "engine"), (2, "edit"), (3, "engine")]
    assert hist[1]["text"] == mine
    res = cli("lines", str(root), "--page", str(p1), "--line", line["id"], "--restore", "2")
    assert res.returncode == 0 and "version 2 restored as version 4" in res.stdout
    back = listing(root, 1)["lines"][0]
    assert (back["text"], back["state"], back["source"]) == (mine, "edited", "restore")


def test_line_cli_verify_flag_done_and_refusals(tmp_path):
    root = tmp_path / "p"
    make_project(root, 1).close()
    res = cli("lines", str(root), "--page", "1", "--item", "box1")
    assert res.returncode == 10 and "no text yet" in res.stderr                 # not processed yet
    assert cli("-q", "process", str(root), "--workers", "0").returncode == 0
    ids = [ln["id"] for ln in listing(root, 1)["lines"]]
    res = cli("lines", str(root), "--page", "1", "--item", "box1", "--line", ids[0], "--flag", "smudged ink")
    assert res.returncode == 0 and "flagged; page 1 is processed" in res.stdout
    res = cli("lines", str(root), "--page", "1", "--item", "box1", "--done")
    assert res.returncode == 10 and "1 flagged line(s)" in res.stderr
    res = cli("lines", str(root), "--page", "1", "--item", "box1", "--line", ids[0], "--set", "bad\x0btext")
    assert res.returncode == 3 and f"line {ids[0]}: character U+000B (vertical tab)" in res.stderr
    res = cli("lines", str(root), "--page", "1", "--item", "box1", "--line", ids[1], "--set", "x", "--expect-version", "0")
    assert res.returncode == 10 and "changed since it was shown (now version 1 by tesseract, engine)" in res.stderr
    assert cli("lines", str(root), "--page", "1", "--item", "box1", "--line", ids[0], "--verify").returncode == 0
    res = cli("lines", str(root), "--page", "1", "--item", "box1", "--done", "--json")
    assert res.returncode == 0 and json.loads(res.stdout) == {"page": 1, "verified": ids[1:], "status": "corrected"}
    plain = cli("lines", str(root), "--page", "1", "--item", "box1").stdout.splitlines()
    assert [row.split("\t")[1] for row in plain] == ["verified", "verified"]
    assert cli("review", str(root), "--pages", "1").returncode == 0
    res = cli("lines", str(root), "--page", "1", "--item", "box1", "--line", ids[0], "--set", "late change")
    assert res.returncode == 10 and "it is reviewed; reopen it first" in res.stderr
    res = cli("lines", str(root), "--page", "1", "--line", ids[0])
    assert res.returncode == 1 and "--line needs one of" in res.stderr

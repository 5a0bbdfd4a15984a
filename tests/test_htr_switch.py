"""Retraining that tells the truth: the user chooses the held-back pages (or none), and one command
switches an item to a model, re-processing only the pages without a person's work."""

from __future__ import annotations

import pytest

from _htr_helpers import tiny_samples
from digitizer.cli.main import main
from digitizer.errors import DigitizerError
from digitizer.htr.project_data import held_back_split
from digitizer.htr.switch import pages_with_person_work, switch_item_model
from digitizer.store import ProjectStore
from test_htr_loop import PAGES, make_project


def test_user_chooses_the_held_back_pages_or_none():
    samples = tiny_samples(24, 3, "pg")                   # pages pg0 .. pg7, three lines each
    rest, held = held_back_split(samples, ["pg2", "pg5"])
    assert {s.page_key for s in held} == {"pg2", "pg5"} and len(held) == 6
    assert not {s.page_key for s in rest} & {"pg2", "pg5"} and len(rest) == 18
    assert held_back_split(samples, 0) == (samples, [])  # none: nothing is held back
    with pytest.raises(DigitizerError, match="pg9"):
        held_back_split(samples, ["pg9"])


@pytest.mark.slow
def test_models_use_switches_item_and_reprocesses_only_pages_nobody_worked_on(tmp_path, capsys):
    """Real blla + the shipped poilus-fr-v1 on one synthetic page (the others hold a person's work)."""
    project = make_project(tmp_path)                      # pages 1..7 corrected by a person, page 8 not
    with ProjectStore.open(project) as store:
        pages = store.pages()
        untouched = pages[-1]
        assert pages_with_person_work(store, [p.id for p in pages]) == {p.id for p in pages[:-1]}
        before = {p.id: [ln.text for ln in store.load_layout(p.id).lines()] for p in pages[:-1]}
    rc = main(["models", "use", "poilus-fr-v1", str(project), "--item", "ms-1"])
    out = capsys.readouterr().out
    assert rc == 0 and f"re-processed 1, kept {PAGES - 1} with a person's work" in out, out
    with ProjectStore.open(project) as store:
        pages = store.pages()
        assert {p.engine_override for p in pages} == {"kraken:poilus-fr-v1"}
        for p in pages[:-1]:                              # a person's work is kept as it was
            assert [ln.text for ln in store.load_layout(p.id).lines()] == before[p.id]
        layout = store.load_layout(untouched.id)
        rec = [s for s in layout.steps if s.action == "recognize"]
        assert rec and rec[-1].model == "poilus-fr-v1" and len(rec[-1].model_sha256) == 64
        assert layout.lines()                            # blla found the lines again
        ev = store.events(action="switch-model")
        assert len(ev) == 1 and ev[0].parameters["reprocess"] == [untouched.id]
        assert ev[0].parameters["kept"] == [p.id for p in pages[:-1]]
    # a second switch without re-processing only moves the override
    with ProjectStore.open(project) as store:
        res = switch_item_model(store, "ms-1", "poilus-fr-v1", reprocess=False)
        assert res.reprocessed == [] and len(res.pages) == PAGES

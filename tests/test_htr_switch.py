"""Retraining that tells the truth: the user chooses the held-back pages (or none), and one command
switches an item to a model, re-processing only the pages without a person's work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _htr_helpers import add_project_model, tiny_samples
from digitizer.cli.main import main
from digitizer.engines.base import RecognitionOptions
from digitizer.errors import DigitizerError
from digitizer.htr import registry
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


def test_a_model_in_the_projects_models_folder_can_be_switched_to(tmp_path, capsys):
    """Issue 12 defect: a model kept in PROJECT/models is listed, so it must also be found by the switch
    and by the pipeline's model resolution (the engine gets the project's file, not a bare name)."""
    project = make_project(tmp_path)
    path = add_project_model(project, "proj-hand")
    assert "proj-hand" in [m.name for m in registry.list_models(project)]
    with pytest.raises(registry.ModelNotFoundError):
        registry.get("proj-hand")                             # without the project: not there
    info = registry.get("proj-hand", project)
    assert (info.origin, Path(info.path)) == ("project", path)
    with ProjectStore.open(project) as store:
        res = switch_item_model(store, "ms-1", "proj-hand", reprocess=False)
        assert res.model == "proj-hand" and len(res.pages) == PAGES and res.todo == []
        assert {p.engine_override for p in store.pages()} == {"kraken:proj-hand"}
        ev = store.events(action="switch-model")[-1]
        assert (ev.model, ev.model_sha256) == ("proj-hand", info.sha256)
        from digitizer.pipeline.line import _options              # what "recognise this line" hands the engine
        engine, line_opts = _options(store, store.pages()[-1].id)
        assert engine == "kraken" and Path(line_opts.model.path) == path
    opts = registry.resolve_options("kraken", RecognitionOptions(model="proj-hand"), project)
    assert isinstance(opts.model, registry.ModelInfo) and Path(opts.model.path) == path
    assert main(["models", "info", "proj-hand", "--project", str(project), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["origin"], shown["path"]) == ("project", str(path))


@pytest.mark.slow
def test_models_use_with_a_project_model_reprocesses_with_the_projects_file(tmp_path, capsys):
    """``models use`` and the processing it starts (the batch runner, the pipeline) find PROJECT/models."""
    project = make_project(tmp_path)
    path = add_project_model(project, "proj-hand")
    assert main(["models", "list", "--project", str(project)]) == 0
    listed = [ln.split() for ln in capsys.readouterr().out.splitlines()]
    assert ["proj-hand", "project"] in [row[:2] for row in listed]
    rc = main(["models", "use", "proj-hand", str(project), "--item", "ms-1"])
    out = capsys.readouterr().out
    assert rc == 0 and f"model proj-hand on {PAGES} page(s); re-processed 1, kept {PAGES - 1}" in out, out
    with ProjectStore.open(project) as store:
        last = store.pages()[-1]
        assert {p.engine_override for p in store.pages()} == {"kraken:proj-hand"}
        rec = [s for s in store.load_layout(last.id).steps if s.action == "recognize"]
        assert rec[-1].model == "proj-hand" and rec[-1].model_sha256 == registry.sha256_file(path)
        assert store.load_layout(last.id).lines() and last.status == "processed"

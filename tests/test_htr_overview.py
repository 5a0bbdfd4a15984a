"""The core under the Models dialog: the listing ``models list --json`` and the GUI share, the pages a
retraining may hold back, and the plan of a switch (what the confirmation names) that changes nothing."""

from __future__ import annotations

import json

from digitizer.cli.main import main
from digitizer.htr import overview, registry
from digitizer.htr.project_data import corrected_pages
from digitizer.htr.switch import plan_switch
from digitizer.store import ProjectStore
from test_htr_loop import LINES, PAGES, make_project


def _register_retrained(tmp_path) -> registry.ModelInfo:
    """A registered copy of the shipped model with a retraining's held-back score in its sidecar."""
    src = registry.get("poilus-fr-v1")
    info = registry.ModelInfo.from_dict({**json.loads(src.to_json()), "name": "poilus-r1", "evaluations": [
        {"set": "8 dev wills", "cer": 0.4},
        {"set": "project p held-back pages ['a/1']", "cer_before": 0.31, "cer_after": 0.2, "base_model":
         "poilus-fr-v1", "lines": 12, "pages": 1, "train_lines": 40, "date": "2026-12-01T00:00:00Z"}]})
    return registry.register(src.path, info)


def test_models_list_json_and_the_gui_read_the_same_held_back_score(tmp_path, capsys):
    _register_retrained(tmp_path)
    assert main(["models", "list", "--json"]) == 0
    listed = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert listed == {e["name"]: e for e in overview.model_entries()}
    ev = listed["poilus-r1"]["held_back"]
    assert (ev["cer_before"], ev["cer_after"], ev["lines"]) == (0.31, 0.2, 12)
    assert listed["poilus-fr-v1"]["held_back"] is None and listed["poilus-fr-v1"]["origin"] == "built-in"
    assert main(["models", "list"]) == 0
    table = capsys.readouterr().out
    row = next(line for line in table.splitlines() if line.startswith("poilus-r1"))
    assert "31.00% -> 20.00% (12)" in row
    info = registry.get("poilus-r1")
    assert overview.held_back_text(info) == "31.00% -> 20.00% (12)"
    assert overview.training_text(info, source=False) == "2397 lines on 168 pages"


def test_held_back_choices_and_the_switch_plan_change_nothing(tmp_path):
    project = make_project(tmp_path)
    with ProjectStore.open(project) as store:
        pages = corrected_pages(store)
        assert [p.key for p in pages] == [f"ms-1/{i}" for i in range(1, PAGES)]     # page 8: nobody's work
        assert {p.lines for p in pages} == {LINES} and {p.status for p in pages} == {"corrected"}
        assert corrected_pages(store, items=["ms-1"]) == pages
        ids = [p.id for p in store.pages()]
        plan = plan_switch(store, "ms-1", "poilus-fr-v1")
        assert (plan.todo, plan.kept, plan.pages) == ([ids[-1]], ids[:-1], ids)
        assert {p.engine_override for p in store.pages()} == {None}                 # nothing changed
        assert store.events(action="switch-model") == []


def test_cpu_time_estimate_and_default_epochs_follow_the_measured_speeds():
    """The retrain dialog's proposal: the epochs that fit in 30 minutes at the measured lines/s (docs/htr.md)."""
    from digitizer.htr import estimate

    assert estimate.cpu_lines_per_s(1) == 16.0 and estimate.cpu_lines_per_s(8) == 9.6
    assert estimate.cpu_lines_per_s(12) == 9.6 and estimate.cpu_lines_per_s(64) == 8.0   # nearest measured
    assert estimate.training_seconds(960, 10, 1) == 600.0                 # 960 lines x 10 epochs / 16 lines/s
    assert estimate.default_epochs(56, 8) == estimate.MAX_CPU_EPOCHS      # a small project: the upper bound
    assert estimate.default_epochs(2000, 1) == 14                         # 1800 s x 16 lines/s / 2000 lines
    assert estimate.default_epochs(50000, 8) == estimate.MIN_EPOCHS       # a big one: the lower bound
    assert estimate.training_seconds(2000, 14, 1) <= estimate.CPU_BUDGET_S
    assert [estimate.duration_text(s) for s in (40, 700, 9000)] == ["about 40 s", "about 12 min", "about 2.5 h"]

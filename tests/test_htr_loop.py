"""Human in the loop: a real project with corrected lines -> retrain with real kraken -> CER before/after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _htr_helpers import TINY_SPEC, synthetic_page, tiny_samples
from digitizer.cli.main import main
from digitizer.engines.kraken.linecrop import crop_line
from digitizer.htr import registry
from digitizer.htr.project_data import (check_retrain, evaluate_model_on, held_back_split,
                                        project_line_samples)
from _batch_helpers import make_project as make_generic_project
from digitizer import workflow
from digitizer.store import ProjectStore

PAGES, LINES = 8, 8


def make_project(root: Path) -> Path:
    """A project with PAGES imported pages; all but the last corrected line by line (status corrected)."""
    src = root / "scans"
    src.mkdir()
    truth = []
    for p in range(PAGES):
        samples = tiny_samples(LINES, 100 + p, f"pg{p}_")
        page, layout = synthetic_page(samples)
        page.save(src / f"page{p:02d}.png", dpi=(300, 300))
        for ln in layout.lines():
            ln.text = ""                                  # what an engine might have missed
        truth.append((layout, [s.text for s in samples]))
    store = make_generic_project(root / "proj", files=[src], item="ms-1", name="loop")
    item = store.get_item("ms-1")
    pages = store.pages(item.id)
    assert len(pages) == PAGES
    for page, (layout, texts) in zip(pages, truth):
        store.save_layout(page.id, layout)
        if page.seq == PAGES:
            continue                                      # left uncorrected: must not be used
        for ln, text in zip(store.load_layout(page.id).lines(), texts):
            workflow.set_text(store, page.id, ln.id, text)
        assert store.get_page(page.id).status == "corrected"
    store.close()
    return root / "proj"


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path)


def test_project_samples_are_cut_like_the_engine_and_split_by_page(project):
    with ProjectStore.open(project) as store:
        samples = project_line_samples(store)
        assert len(samples) == (PAGES - 1) * LINES                  # the processed-only page is skipped
        assert {s.page_key for s in samples} == {f"ms-1/{i}" for i in range(1, PAGES)}
        page = store.pages()[0]
        ln = store.load_layout(page.id).lines()[0]
        from PIL import Image
        with Image.open(store.page_image_path(page)) as im:
            ref = crop_line(im, ln.polygon, ln.baseline, (ln.bbox.x0, ln.bbox.y0, ln.bbox.x1, ln.bbox.y1)).image
        assert samples[0].text == ln.text and samples[0].image.tobytes() == ref.tobytes()
        rest, held = held_back_split(samples, 0.2)
        assert held_back_split(samples, 0.2) == (rest, held)          # deterministic
        assert not {s.page_key for s in rest} & {s.page_key for s in held}
        assert len(held) >= 0.2 * len(samples) and rest
        chk = check_retrain(store)
        assert chk.available_lines == chk.new_lines == len(samples) and chk.last_trained is None


def test_retrain_stores_cer_before_after_and_train_event(project, capsys):
    from digitizer.htr.train import train

    # a weak base model: two epochs on other rendered lines (close to untrained)
    base = train(tiny_samples(24, 7, "b"), tiny_samples(8, 8, "bv"), output_name="loop-base", spec=TINY_SPEC,
                 max_epochs=2, batch_size=1, lr=0.005, threads=1, device="cpu")
    with ProjectStore.open(project) as store:
        held = held_back_split(project_line_samples(store), 0.2)[1]
        before = evaluate_model_on(held, "loop-base")
    assert 0 < before <= 1.5

    rc = main(["-q", "retrain", str(project), "--base-model", "loop-base", "--name", "loop-r1", "--epochs",
               "12", "--batch-size", "1", "--lr", "0.005", "--patience", "4", "--json"])
    out = capsys.readouterr().out
    assert rc == 0, out
    res = json.loads(out)
    with capsys.disabled():
        print("\nretrain result:", {k: res[k] for k in ("cer_before", "cer_after", "lines", "train_lines", "epochs")})
    assert res["cer_before"] == pytest.approx(before)               # same held-back pages, same model
    assert res["cer_after"] < res["cer_before"], res
    assert res["lines"] == len(held) and res["base_model"] == "loop-base"
    # base and new model compared line by line on the same held-back lines, with an interval
    diff = res["difference"]
    assert diff["cer_a"] == pytest.approx(res["cer_before"], abs=1e-5)
    assert diff["cer_b"] == pytest.approx(res["cer_after"], abs=1e-5)
    assert diff["diff"] == pytest.approx(diff["cer_b"] - diff["cer_a"]) and diff["units"] == len(held)
    assert diff["low"] <= diff["diff"] <= diff["high"]
    assert diff["verdict"] == ("better" if diff["high"] < 0 else "no clear difference")

    info = registry.get("loop-r1")
    ev = info.evaluations[-1]
    assert ev["cer_before"] == res["cer_before"] and ev["cer_after"] == res["cer_after"]
    assert "held-back pages" in ev["set"] and "loop" in ev["set"]
    assert info.base_model.startswith("loop-base") and info.training["train_lines"] == res["train_lines"]
    assert main(["models", "info", "loop-r1"]) == 0
    shown = capsys.readouterr().out
    assert "evaluations" in shown and "cer_before" in shown

    with ProjectStore.open(project) as store:
        events = store.events(action="train")
        assert len(events) == 1
        e = events[0]
        assert e.model == "loop-r1" and e.model_sha256 == info.sha256 and e.tool == "kraken"
        assert e.parameters["base_model"] == "loop-base" and e.parameters["cer_after"] == res["cer_after"]
        assert e.parameters["difference"] == diff
        assert len(e.parameters["trained_lines"]) + len(held) == (PAGES - 1) * LINES
        # nothing new since the training; then correct one line again and approve the last page
        assert check_retrain(store, model="loop-r1").new_lines == 0
        first = store.pages()[0]
        workflow.set_text(store, first.id, store.load_layout(first.id).lines()[0].id, "la lime")
        last = store.pages()[-1]
        for ln in store.load_layout(last.id).lines():
            workflow.set_text(store, last.id, ln.id, "mon ami")
    rc = main(["retrain", str(project), "--base-model", "loop-r1", "--check"])
    out = capsys.readouterr().out
    assert rc == 0
    held_keys = e.parameters["held_back_pages"]
    expect = LINES + (0 if "ms-1/1" in held_keys else 1)     # the new page + the re-corrected line
    assert out.startswith(f"{expect} new corrected lines since loop-r1 was trained")
    assert f"digitizer retrain {project} --base-model loop-r1" in out
    assert base.epochs == 2


def test_train_from_project_new_model_has_after_only(project, capsys):
    rc = main(["-q", "train", "--from-project", str(project), "--name", "loop-new", "--spec", TINY_SPEC,
               "--epochs", "1", "--batch-size", "4", "--json"])
    res = json.loads(capsys.readouterr().out)
    assert rc == 0 and res["cer_before"] is None and 0 <= res["cer_after"] <= 1.5
    ev = registry.get("loop-new").evaluations
    assert len(ev) == 1 and ev[0]["base_model"] is None and ev[0]["cer_after"] == res["cer_after"]
    with ProjectStore.open(project) as store:
        assert [e.model for e in store.events(action="train")] == ["loop-new"]
        chk = check_retrain(store)
        assert chk.model == "loop-new" and chk.new_lines == 0 and chk.available_lines == (PAGES - 1) * LINES

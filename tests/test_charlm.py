"""Character language model + CTC beam search: probabilities, storage, decoding, and the engine using it."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
import subprocess

import numpy as np
import pytest

from _batch_helpers import digitizer_cmd
from digitizer.engines.kraken.charlm import EOS, CharLM, beam_decode, lm_path_for

TEXTS = ["le testament de mon père", "je lègue à ma femme", "le notaire et le maire", "fait le trois mai"]


def test_probabilities_of_every_character_sum_to_one():
    lm = CharLM.train(TEXTS, order=4)
    for ctx in ("", "le ", "ma", "xyz"):
        total = sum(math.exp(lm.logp(ctx, c)) for c in lm.vocab) + math.exp(lm.logp(ctx, "\u2603"))
        assert total == pytest.approx(1.0, abs=1e-9), ctx
    # seen continuations beat unseen ones, and the end of a line is a character too
    assert lm.logp("le testa", "m") > lm.logp("le testa", "q")
    assert lm.logp("fait le trois mai", EOS) > lm.logp("fait le trois mai", "q")


def test_save_and_load_keep_probabilities_and_decoder_weights(tmp_path):
    lm = CharLM.train(TEXTS, order=5)
    lm.decoder.update(alpha=0.3, beam=4)
    back = CharLM.load(lm.save(tmp_path / "m.charlm.json.gz"))
    assert back.order == 5 and back.decoder == {"alpha": 0.3, "beta": 1.5, "beam": 4}
    for ctx, c in (("le ", "t"), ("je l", "è"), ("", "z")):
        assert back.logp(ctx, c) == pytest.approx(lm.logp(ctx, c))
    (tmp_path / "bad.json.gz").write_bytes(b"not gzip")
    with pytest.raises(OSError):
        CharLM.load(tmp_path / "bad.json.gz")
    assert lm_path_for("/m/manuscript-fr-v4.safetensors").name == "manuscript-fr-v4.charlm.json.gz"


def _frames(seq: list[dict[int, float]], n_cls: int) -> np.ndarray:
    """C x T softmax from per-frame {label: p}; the rest of each frame goes to the blank (0)."""
    out = np.zeros((n_cls, len(seq)))
    for t, d in enumerate(seq):
        for c, p in d.items():
            out[c, t] = p
        out[0, t] = 1.0 - sum(d.values())
    return out


L2C = {1: "l", 2: "e", 3: "c", 4: " ", 5: "a", 6: "m"}


def test_without_a_language_model_the_beam_search_reads_like_greedy_decoding():
    from kraken.lib.ctc_decoder import greedy_decoder

    # "la  mm" : a doubled m needs a blank between the two
    probs = _frames([{1: .9}, {1: .8}, {}, {5: .9}, {4: .7}, {6: .9}, {}, {6: .9}, {}], 7)
    greedy = [lab for lab, *_ in greedy_decoder(probs)[0]]
    beam = beam_decode(probs, L2C, None, alpha=0.0, beta=0.0, beam=8)
    assert [lab for lab, *_ in beam] == greedy == [1, 5, 4, 6, 6]
    # positions are frames of the network output, like kraken's decoder: start <= end, in order
    assert [(s, e) for _, s, e, _ in beam][:2] == [(0, 1), (3, 3)]
    assert all(0 < conf <= 1 for *_, conf in beam)


def test_the_language_model_settles_a_letter_the_network_hesitates_on():
    lm = CharLM.train(["le le le", "elle le", "le mel"] * 20, order=3)
    # l, then a frame where 'c' (0.5) narrowly beats 'e' (0.45)
    probs = _frames([{1: .95}, {}, {3: .5, 2: .45}, {}], 7)
    assert "".join(L2C[lab] for lab, *_ in beam_decode(probs, L2C, None, alpha=0, beta=0)) == "lc"
    assert "".join(L2C[lab] for lab, *_ in beam_decode(probs, L2C, lm, alpha=0.5, beta=0.0)) == "le"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    import os

    from _htr_helpers import train_tiny

    # train_tiny sets DIGITIZER_MODELS_DIR for the process (it runs before the per-test registry
    # isolation); this module runs early, so put it back or later tests would share one registry
    before = os.environ.get("DIGITIZER_MODELS_DIR")
    try:
        return train_tiny(tmp_path_factory.mktemp("tiny"))
    finally:
        if before is None:
            os.environ.pop("DIGITIZER_MODELS_DIR", None)
        else:
            os.environ["DIGITIZER_MODELS_DIR"] = before


def test_engine_decodes_with_the_model_s_language_model_and_records_it(tiny, tmp_path):
    from _htr_helpers import TINY_VOCAB, synthetic_page, tiny_samples
    from digitizer.engines.base import RecognitionOptions
    from digitizer.engines.kraken.engine import KrakenEngine

    model = tmp_path / "tiny-lm.safetensors"
    shutil.copy(tiny.model_path, model)
    page, layout = synthetic_page(tiny_samples(4, 11, "q"))
    eng = KrakenEngine()
    plain = list(eng.recognize(page, layout, RecognitionOptions(model=str(model))))
    assert eng.recognition_step(RecognitionOptions(model=str(model))).parameters["decoder"] == "greedy"
    lm = CharLM.train([" ".join(TINY_VOCAB[i:i + 2]) for i in range(len(TINY_VOCAB))] * 5, order=4)
    lm.save(lm_path_for(model))
    opts = RecognitionOptions(model=str(model))
    with_lm = list(eng.recognize(page, layout, opts))
    step = eng.recognition_step(opts).parameters
    assert step["decoder"] == "ctc-beam+charlm" and step["lm"] == "tiny-lm.charlm.json.gz"
    assert len(step["lm_sha256"]) == 64 and step["lm_order"] == 4 and step["lm_beam"] == 16
    for a, b in zip(plain, with_lm):
        assert b.text and b.words and all(w.bbox.x1 > w.bbox.x0 for w in b.words)
        assert b.confidence is not None and 0 < b.confidence <= 1
        assert "".join(w.text for w in b.words) == b.text.replace(" ", "")
        assert a.id == b.id
    off = RecognitionOptions(model=str(model), extra={"lm": False})
    assert [ln.text for ln in eng.recognize(page, layout, off)] == [ln.text for ln in plain]
    assert eng.recognition_step(off).parameters["decoder"] == "greedy"
    # per-line scoring (bench_htr per source, retrain's before/after) passes the same options on
    from digitizer.htr.project_data import recognize_samples
    samples = tiny_samples(4, 11, "q")
    greedy = recognize_samples(samples, str(model), options={"lm": False})
    assert recognize_samples(samples, str(model)) == recognize_samples(samples, str(model), options={"lm": True})
    assert recognize_samples(samples, str(model), options={"lm_alpha": 50.0}) != greedy   # the LM speaks


def test_train_lm_command_counts_training_lines_tunes_on_validation_and_writes_beside_the_model(test_data, tmp_path):
    from digitizer.htr import registry

    shipped = registry.resolve("poilus-fr-v1")
    copy = tmp_path / "poilus-copy.safetensors"
    shutil.copy(shipped.path, copy)
    model = Path(registry.import_model(copy, name="poilus-copy").path)      # the user registry (per test)
    out = subprocess.run(digitizer_cmd("-q", "train-lm", "poilus-copy", "--from-folder", str(test_data / "train-htr"),
                                       "--order", "5", "--json"), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["path"] == str(lm_path_for(model)) and res["order"] == 5
    # the sidecar says so (models info / the Models dialog)
    said = registry.get("poilus-copy").training["language_model"]
    assert said.startswith("poilus-copy.charlm.json.gz: order 5") and f"{res['lm_cer']:.2%}" in said
    assert res["train_lines"] == 16 and res["val_lines"] == 9            # split.tsv: 16 train, 9 validation
    assert res["lm_cer"] == min(r["cer"] for r in res["grid"])
    lm = CharLM.load(res["path"])
    assert lm.decoder == {"alpha": res["alpha"], "beta": res["beta"], "beam": res["beam"]}
    assert lm.about["greedy_cer"] == res["greedy_cer"] and lm.about["train_lines"] == 16
    # validation text is never counted: a 7-gram only found in validation lines is unseen
    val_ids = [ln.split("\t")[0] for ln in (test_data / "train-htr" / "split.tsv").read_text().splitlines()
               if "\tvalidation\t" in ln]
    train_text = " ".join((test_data / "train-htr" / "lines" / f"{ln.split(chr(9))[0]}.gt.txt").read_text()
                          for ln in (test_data / "train-htr" / "split.tsv").read_text().splitlines()[1:]
                          if "\ttrain\t" in ln)
    only_val = next(t[i:i + 4] for t in ((test_data / "train-htr" / "lines" / f"{v}.gt.txt").read_text().strip()
                                        for v in val_ids) for i in range(len(t) - 4) if t[i:i + 4] not in train_text)
    assert only_val not in lm.counts
    assert lm.decoder["beam"] == 32 and len(res["grid"]) == 16           # alpha x beta at the default beam
    # --retune: the same counts, the weights tuned again (here for a narrower beam); the file says so
    out = subprocess.run(digitizer_cmd("-q", "train-lm", "poilus-copy", "--from-folder", str(test_data / "train-htr"),
                                       "--retune", "--beam", "4", "--json"), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    again = json.loads(out.stdout)
    back = CharLM.load(res["path"])
    assert back.counts == lm.counts and back.order == 5 and back.decoder["beam"] == 4
    assert {r["beam"] for r in again["grid"]} == {4} and again["lm_cer"] == min(r["cer"] for r in again["grid"])
    assert back.about["train_lines"] == 16 and back.about["retuned_from"]["lm_cer"] == res["lm_cer"]
    assert again["train_lines"] == 16 and back.about["lm_cer"] == again["lm_cer"]


def test_train_lm_counts_text_files_too_normalised_and_refuses_what_it_cannot_read(test_data, tmp_path):
    from digitizer.htr import registry

    copy = tmp_path / "poilus-text.safetensors"
    shutil.copy(registry.resolve("poilus-fr-v1").path, copy)
    registry.import_model(copy, name="poilus-text")
    text = tmp_path / "registre.txt"
    # transcriptions without images: a long s and a ligature are normalised as the training lines
    # are; blank lines and a line with no letter are not counted
    text.write_text("Inventaire aprés décès de Jacques Qvintal\n\n---\nvente par ſieur Qvintal\n", encoding="utf-8")
    out = subprocess.run(digitizer_cmd("-q", "train-lm", "poilus-text", "--from-folder", str(test_data / "train-htr"),
                                       "--order", "5", "--text", str(text), "--json"), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["train_lines"] == 16 + 2
    lm = CharLM.load(res["path"])
    assert lm.about["text_files"] == ["registre.txt"] and lm.about["train_lines"] == 18
    assert "Qvin" in lm.counts and lm.counts["Qvin"]["t"] == 2               # counted from the text file
    assert lm.counts["sieu"]["r"] == 1 and "ſieu" not in lm.counts           # in its normalised form
    # a file it cannot read: one line naming it, nothing written over the model's LM
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("aprés".encode("latin-1"))
    before = Path(res["path"]).read_bytes()
    out = subprocess.run(digitizer_cmd("-q", "train-lm", "poilus-text", "--from-folder", str(test_data / "train-htr"),
                                       "--text", str(bad)), capture_output=True, text=True)
    assert out.returncode != 0 and "latin1.txt: cannot read the text" in out.stderr
    assert Path(res["path"]).read_bytes() == before
    # --retune keeps the counts: a text file there would be silently ignored, so it is refused
    out = subprocess.run(digitizer_cmd("-q", "train-lm", "poilus-text", "--from-folder", str(test_data / "train-htr"),
                                       "--retune", "--text", str(text)), capture_output=True, text=True)
    assert out.returncode != 0 and "leave out --retune" in out.stderr


def test_a_model_fine_tuned_from_one_with_a_language_model_gets_it_too(tiny, tmp_path):
    from _htr_helpers import tiny_samples
    from digitizer.htr import registry
    from digitizer.htr.train import train

    base = tmp_path / "tiny-base.safetensors"
    shutil.copy(tiny.model_path, base)
    CharLM.train(TEXTS, order=3).save(lm_path_for(base))
    res = train(tiny_samples(6, 3, "f"), tiny_samples(3, 4, "g"), output_name="tiny-ft", base_model=str(base),
                max_steps=2, val_every_steps=1, batch_size=1, threads=1, device="cpu",
                checkpoint_dir=tmp_path / "ck")
    assert lm_path_for(res.model_path).read_bytes() == lm_path_for(base).read_bytes()
    assert registry.get("tiny-ft").training["language_model"] == "tiny-base.charlm.json.gz (the base model's)"
    registry.remove("tiny-ft")
    assert not lm_path_for(res.model_path).exists()

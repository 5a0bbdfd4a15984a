"""Training a tiny kraken model for real (bounded time), recognising with it, cancel/resume, registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from _data_helpers import TRAIN_HTR
from _htr_helpers import (TINY_VOCAB, make_samples, synthetic_page, tiny_samples, train_tiny,
                          write_line_folder)
from digitizer.engines.base import RecognitionOptions
from digitizer.engines.kraken.engine import KrakenEngine
from digitizer.engines.kraken.linecrop import crop_line, quantize_levels
from digitizer.errors import CancelledError
from digitizer.htr import registry
from digitizer.htr.datasets import load_folder, load_xml, split_by_page
from digitizer.htr.evaluate import cer
from digitizer.htr.train import train
from digitizer.progress import CancelToken, NullProgress

TINY_SPEC_SMALL = "[1,24,0,1 Cr3,3,8 Mp2,2 S1(1x0)1,3 Lbx16]"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("tiny"))


def test_tiny_model_trains_registers_and_recognises(tiny, monkeypatch):
    assert Path(tiny.model_path).is_file()
    assert tiny.epochs >= 1 and tiny.lines_per_s > 0
    assert tiny.history and all(0 <= h["val_cer"] <= 1 for h in tiny.history)
    info = registry.resolve(tiny.model_path)
    assert info.name == "tiny-test" and info.cer == pytest.approx(tiny.val_cer)
    assert set("".join(TINY_VOCAB)) <= set(info.alphabet)
    assert info.training["train_lines"] == 64 and info.training["val_pages"] == 8
    from digitizer.fsutil import sha256_file
    assert info.sha256 == sha256_file(tiny.model_path)

    # recognise unseen rendered lines through the engine's real code path (crop + kraken predict)
    held_out = tiny_samples(12, 99, "h")
    page, layout = synthetic_page(held_out)
    lines = list(KrakenEngine().recognize(page, layout, RecognitionOptions(model=tiny.model_path)))
    assert [ln.id for ln in lines] == [ln.id for ln in layout.lines()]
    refs = " ".join(s.text for s in held_out)
    hyps = " ".join(ln.text for ln in lines)
    score = cer(refs, hyps)
    # an untrained network emits blanks only (CER 1.0); the trained one must be far better
    assert score < 0.5, f"CER {score:.2%} after {tiny.epochs} epochs: {hyps!r}"
    for ln in lines:
        assert ln.confidence is None or 0 <= ln.confidence <= 1
        for w in ln.words:
            assert ln.bbox.x0 <= w.bbox.x0 <= w.bbox.x1 <= ln.bbox.x1


def test_resume_continues_from_checkpoint(tiny):
    ckdir = Path(tiny.checkpoint_dir)
    assert (ckdir / "last.ckpt").is_file()
    done = tiny.history[-1]["epoch"]
    res = train([], [], output_name="tiny-test", resume=True, checkpoint_dir=ckdir, max_epochs=done + 2,
                patience=40, resume_patience=40, batch_size=1, lr=0.005, threads=1, device="cpu", register=False)
    assert res.history[0]["epoch"] == done + 1          # continued, not restarted
    # weights were restored: the first resumed epoch is nowhere near an untrained model
    assert res.history[0]["val_cer"] < 0.9
    # the new patience is the one the resumed run kept (lightning had restored the first run's 5)
    import torch
    state = torch.load(ckdir / "last.ckpt", map_location="cpu", weights_only=False)["callbacks"]
    assert [v["patience"] for k, v in state.items() if k.startswith("EarlyStopping")] == [40]


def test_cancel_keeps_checkpoint_and_resume_finishes(tmp_path):
    cancel = CancelToken()

    class CancelSoon(NullProgress):
        def advance(self, n: int = 1) -> None:
            super().advance(n)
            if self.done >= 3:
                cancel.cancel()

    sink = CancelSoon()
    with pytest.raises(CancelledError):
        train(tiny_samples(16, 5, "a"), tiny_samples(4, 6, "b"), output_name="cancel-me", spec=TINY_SPEC_SMALL,
              max_epochs=3, batch_size=1, threads=1, device="cpu", progress=sink, cancel=cancel,
              checkpoint_dir=tmp_path / "ck")
    assert sink.done == 3
    assert (tmp_path / "ck" / "checkpoint_abort.ckpt").is_file()
    with pytest.raises(registry.ModelNotFoundError):
        registry.get("cancel-me")
    res = train([], [], output_name="cancel-me", resume=True, checkpoint_dir=tmp_path / "ck", max_epochs=1,
                batch_size=1, threads=1, device="cpu")
    assert res.epochs >= 1 and registry.get("cancel-me").path == res.model_path


def test_folder_split_by_page_prefix_is_deterministic(tmp_path):
    folder = write_line_folder(tmp_path / "lines", make_samples(40, 4, pages=8))
    tr1, va1 = load_folder(folder)
    tr2, va2 = load_folder(folder)
    assert [s.id for s in va1] == [s.id for s in va2] and va1 and tr1
    assert not {s.page_key for s in tr1} & {s.page_key for s in va1}     # no page on both sides
    assert 0.05 <= len(va1) / 40 <= 0.3
    (folder / "split.tsv").write_text("id\tsplit\tsource_page\n" + "".join(
        f"{p.name.split('.')[0]}\t{'validation' if i < 5 else 'train'}\tpg{i // 5}\n"
        for i, p in enumerate(sorted(folder.glob('*.png')))), encoding="utf-8")
    tr3, va3 = load_folder(folder)
    assert len(va3) == 5 and len(tr3) == 35


def test_real_corpus_split_is_by_will():
    tr, va = load_folder(TRAIN_HTR)                                 # a real excerpt of the HTR corpus
    assert (len(tr), len(va)) == (16, 9)
    assert {s.page_key.split("_will_")[1][:-6] for s in va} == {"AN_0057", "AD78_0009"}
    assert not {s.page_key for s in tr} & {s.page_key for s in va}
    tr2, va2 = split_by_page(tr + va, 0.1)
    assert not {s.page_key for s in tr2} & {s.page_key for s in va2}


def test_lines_cut_from_alto_like_training_corpus(test_data):
    xml = test_data / "testaments-de-poilus" / "TestamentsDePoilus_will_AN_0154-0.xml"
    samples = load_xml([xml])
    assert len(samples) == 20 and samples[1].text.startswith("J’institue")
    levels = set()
    for s in samples:
        im = s.load()
        assert im.mode == "L" and im.height <= 120
        levels |= set(im.tobytes())
    assert levels <= {round(i * 17) for i in range(16)}
    img = Image.new("L", (10, 10), 100)
    assert set(quantize_levels(img).tobytes()) == {102}
    crop = crop_line(Image.new("L", (300, 200), 0), [(10, 10), (290, 30), (290, 60), (10, 40)])
    assert crop.image.getpixel((0, crop.image.height - 1)) == 255     # outside the polygon -> white


def test_models_cli_import_list_info_remove_fetch_offline(tiny, tmp_path, monkeypatch, capsys):
    from digitizer.cli.main import main

    monkeypatch.setenv("DIGITIZER_MODELS_DIR", str(tmp_path / "reg"))
    assert main(["models", "import", tiny.model_path, "--name", "my-hand", "--language", "fr",
                 "--licence", "CC0"]) == 0
    info = registry.get("my-hand")
    assert info.sha256 == registry.resolve(tiny.model_path).sha256 and info.seg_type == "bbox"
    assert set("".join(TINY_VOCAB)) <= set(info.alphabet) and info.language == "fr"
    assert main(["models", "list"]) == 0 and "my-hand" in capsys.readouterr().out
    assert main(["models", "info", "my-hand", "--json"]) == 0
    assert '"licence": "CC0"' in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", open("/dev/null"))
    assert main(["models", "remove", "my-hand"]) != 0            # not interactive, no --yes
    assert "--yes" in capsys.readouterr().err
    assert main(["models", "remove", "my-hand", "--yes"]) == 0
    with pytest.raises(registry.ModelNotFoundError):
        registry.get("my-hand")
    bogus = tmp_path / "bogus.safetensors"
    bogus.write_bytes(b"not a model")
    assert main(["models", "import", str(bogus)]) == 3
    assert "not a kraken model" in capsys.readouterr().err
    # offline: fails at once with a clear message, no network call is attempted
    monkeypatch.setenv("DIGITIZER_OFFLINE", "1")
    assert main(["models", "fetch", "10.5281/zenodo.0000000"]) != 0
    assert "offline" in capsys.readouterr().err


def test_train_cli_from_folder(tmp_path, capsys):
    import json

    from _htr_helpers import TINY_SPEC
    from digitizer.cli.main import main

    assert main(["train", "--name", "nothing"]) == 1
    assert "--from-folder" in capsys.readouterr().err
    folder = write_line_folder(tmp_path / "lines", tiny_samples(24, 11, "f"))
    rc = main(["train", "--from-folder", str(folder), "--name", "cli-tiny", "--epochs", "1", "--spec", TINY_SPEC,
               "--batch-size", "2", "--checkpoint-dir", str(tmp_path / "ck"), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["epochs"] == 1 and out["info"]["name"] == "cli-tiny"
    assert out["info"]["training"]["train_lines"] + out["info"]["training"]["val_lines"] == 24
    assert registry.get("cli-tiny").cer == pytest.approx(out["val_cer"])


def test_grow_model_keeps_the_trained_layers_and_appends_new_ones(tmp_path):
    """digitizer grow-model: the shipped model's convolutions and LSTMs kept bit for bit, a third
    LSTM and a new output layer appended; the grown file trains on as a base model and learns."""
    import subprocess

    from _batch_helpers import digitizer_cmd
    from digitizer.engines.kraken.tvcompat import ensure_torchvision
    from digitizer.htr.project_data import recognize_samples
    ensure_torchvision()
    from kraken.models import load_models

    base = registry.get("poilus-fr-v1")
    out = tmp_path / "grown.safetensors"
    res = subprocess.run(digitizer_cmd("-q", "grow-model", "poilus-fr-v1", str(out), "--keep", "9",
                                       "--spec", "[Lbx32 Do0.1,2 O1c100]"), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "Lbx32" in res.stdout and "9 layers kept from poilus-fr-v1" in res.stdout
    a, b = load_models(base.path)[0], load_models(out)[0]
    assert b.spec.count("Lbx") == 3
    sa, sb = a.state_dict(), b.state_dict()
    kept = [k for k in sa if k.startswith(("nn.C_", "nn.L_5.", "nn.L_7."))]
    assert len(kept) == 20 and all(k in sb and sa[k].equal(sb[k]) for k in kept)
    assert b.codec.c2l == a.codec.c2l
    # a wrong output size is refused with one line naming the right one; nothing is written
    bad = tmp_path / "bad.safetensors"
    res = subprocess.run(digitizer_cmd("-q", "grow-model", "poilus-fr-v1", str(bad), "--keep", "9",
                                       "--spec", "[Lbx32 O1c117]"), capture_output=True, text=True)
    assert res.returncode == 2 and "O1c100" in res.stderr and not bad.exists()
    # trained on as a base model (bounded by epochs), the new layers learn to read
    train_s, val_s = tiny_samples(48, 3, "g"), tiny_samples(16, 4, "h")
    refs = " ".join(s.text for s in val_s)

    def val_cer(model: str) -> float:
        return cer(refs, " ".join(recognize_samples(val_s, model, options={"lm": False})))

    before = val_cer(str(out))
    res2 = train(train_s, val_s, output_name="grown-ft", base_model=str(out), max_epochs=6, min_epochs=6,
                 patience=10, batch_size=1, lr=0.005, threads=1, device="cpu", register=False,
                 checkpoint_dir=tmp_path / "ck")
    after = val_cer(res2.model_path)
    assert before > 0.8 and after < before - 0.3, (before, after)


def test_validating_every_few_steps_counts_epochs_not_validations(tmp_path):
    """With --val-every the history holds one record per validation: 4 validations inside the
    first epoch are 1 epoch, in the result and when the run's checkpoint is registered
    (it said 'after 50 epochs' for a run of 7 epochs validated every 600 steps)."""
    from digitizer.htr.train import register_checkpoint

    res = train(tiny_samples(8, 5, "e"), tiny_samples(3, 6, "f"), output_name="val-steps", spec=TINY_SPEC_SMALL,
                max_steps=4, val_every_steps=1, batch_size=1, threads=1, device="cpu", register=False,
                checkpoint_dir=tmp_path / "ck")
    assert len(res.history) == 4 and {h["epoch"] for h in res.history} == {0}
    assert res.epochs == 1
    again = register_checkpoint(tmp_path / "ck", "val-steps-reg")
    assert again.epochs == 1 and len(again.history) == 4
    registry.remove("val-steps-reg")


def test_average_models_is_the_mean_of_a_runs_checkpoints_and_reads(tiny, tmp_path):
    """digitizer average-models: checkpoints of one run (.ckpt) and its registered model averaged
    weight by weight into one model that still reads; another network is refused in one line."""
    import subprocess

    import torch

    from _batch_helpers import digitizer_cmd
    from digitizer.engines.kraken.tvcompat import ensure_torchvision
    from digitizer.htr.train import _convert
    ensure_torchvision()
    from kraken.models import load_models

    ckdir = Path(tiny.checkpoint_dir)
    best = sorted(ckdir.glob("best-*.ckpt"))[-1]
    sources = [str(best), str(ckdir / "last.ckpt"), tiny.model_path]
    out = tmp_path / "mean.safetensors"
    res = subprocess.run(digitizer_cmd("-q", "average-models", str(out), *sources), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "mean of 3 models" in res.stdout
    nets = [load_models(_convert(best, tmp_path / "best.safetensors"))[0],
            load_models(_convert(ckdir / "last.ckpt", tmp_path / "last.safetensors"))[0],
            load_models(tiny.model_path)[0]]
    mean = load_models(out)[0]
    states = [n.nn.state_dict() for n in nets]
    floats = [k for k, v in states[0].items() if v.is_floating_point()]
    assert floats and mean.codec.c2l == nets[0].codec.c2l
    for k in floats:
        want = torch.stack([s[k].double() for s in states]).mean(0).float()
        assert torch.allclose(mean.nn.state_dict()[k], want, atol=1e-6), k
    # the checkpoints differ (else the mean proves nothing), and the mean reads unseen lines
    assert any(not states[0][k].equal(states[1][k]) for k in floats)
    held_out = tiny_samples(12, 98, "a")
    page, layout = synthetic_page(held_out)
    refs = " ".join(s.text for s in held_out)

    def read(model: str) -> float:
        lines = KrakenEngine().recognize(page, layout, RecognitionOptions(model=model, extra={"lm": False}))
        return cer(refs, " ".join(ln.text for ln in lines))

    assert read(str(out)) <= max(read(tiny.model_path), read(str(tmp_path / "last.safetensors"))) + 0.05

    # another network (the shipped model) is refused with one line naming it; nothing is written
    other = tmp_path / "other.safetensors"
    shipped = registry.get("poilus-fr-v1").path
    res = subprocess.run(digitizer_cmd("-q", "average-models", str(other), tiny.model_path, str(shipped)),
                         capture_output=True, text=True)
    assert res.returncode != 0 and not other.exists()
    assert str(shipped) in res.stderr and "another network" in res.stderr
    assert len(res.stderr.strip().splitlines()) <= 2, res.stderr           # the error (and a hint at most)
    # one model is not an average
    res = subprocess.run(digitizer_cmd("-q", "average-models", str(other), tiny.model_path),
                         capture_output=True, text=True)
    assert res.returncode == 2 and "at least two" in res.stderr and not other.exists()

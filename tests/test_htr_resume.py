"""A training run that outlives a session: checkpoints every few steps, ``train --resume CHECKPOINT``
continues at the stored step (runs bounded by steps, never by time)."""

from __future__ import annotations

import json

from _htr_helpers import TINY_SPEC, tiny_samples, write_line_folder
from digitizer.cli.main import main


def _steps(ckdir) -> list[int]:
    return [json.loads(x)["step"] for x in (ckdir / "history.jsonl").read_text(encoding="utf-8").splitlines()]


def _lr(ckpt) -> float:
    import torch

    state = torch.load(str(ckpt), map_location="cpu", weights_only=False)
    return state["optimizer_states"][0]["param_groups"][0]["lr"]


def test_resume_from_a_checkpoint_continues_where_it_stopped(tmp_path, capsys):
    folder = write_line_folder(tmp_path / "lines", tiny_samples(24, 5, "pg"))
    ck = tmp_path / "run"
    common = ["--spec", TINY_SPEC, "--batch-size", "2", "--lr", "0.005", "--val-every", "3",
              "--checkpoint-every", "2", "--threads", "1", "--device", "cpu", "--json"]
    rc = main(["-q", "train", "--from-folder", str(folder), "--name", "resume-t", "--checkpoint-dir", str(ck),
               "--max-steps", "6", *common])
    assert rc == 0
    first = json.loads(capsys.readouterr().out)
    assert _steps(ck) == [3, 6] and (ck / "last.ckpt").is_file()
    # a later session: continue from the checkpoint file (the folder comes from its path)
    assert _lr(ck / "last.ckpt") == 0.005
    rc = main(["-q", "train", "--name", "resume-t", "--resume", str(ck / "last.ckpt"), "--max-steps", "12",
               "--overwrite", *common[:4], "--lr", "0.001", *common[6:]])
    assert rc == 0
    second = json.loads(capsys.readouterr().out)
    assert _steps(ck) == [3, 6, 9, 12]                    # steps 7..12, not 1..6 again
    assert _lr(ck / "last.ckpt") == 0.001                 # --lr on resume replaces the checkpoint's
    assert second["info"]["name"] == "resume-t" and second["checkpoint_dir"] == str(ck)
    assert first["val_cer"] >= 0 and second["val_cer"] <= 1.5


def test_max_steps_shorter_than_an_epoch_still_validates_and_registers(tmp_path, capsys):
    """Reported while rehearsing the GPU script: ``--max-steps`` below one epoch, without
    ``--val-every``, stopped before any validation and died in early stopping ("val_accuracy
    which is not available"): the run must validate at its last step and register the model."""
    folder = write_line_folder(tmp_path / "lines", tiny_samples(24, 5, "pg"))
    ck = tmp_path / "run"
    rc = main(["-q", "train", "--from-folder", str(folder), "--name", "short-t", "--checkpoint-dir", str(ck),
               "--spec", TINY_SPEC, "--batch-size", "2", "--max-steps", "3", "--threads", "1", "--device", "cpu",
               "--json"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert _steps(ck) == [3] and 0 <= res["val_cer"] <= 1.5
    assert res["info"]["name"] == "short-t"
    # the same with a validation interval longer than the run
    rc = main(["-q", "train", "--from-folder", str(folder), "--name", "short-t", "--checkpoint-dir", str(ck),
               "--spec", TINY_SPEC, "--batch-size", "2", "--max-steps", "3", "--val-every", "50", "--threads", "1",
               "--device", "cpu", "--overwrite", "--json"])
    assert rc == 0 and _steps(ck) == [3]
    capsys.readouterr()


def test_a_time_limit_reached_in_the_first_epoch_still_ends_with_a_validated_model(tmp_path, capsys):
    """The same risk through ``--time-limit`` (checked with the fix above): a limit that passes
    inside the first epoch still ends with one validation and a registered model.  The limit
    (60 microseconds) is passed by any first batch however busy the machine; ``--max-steps`` bounds
    the work should the limit ever not stop it (then ``stopped`` says so and the test fails)."""
    folder = write_line_folder(tmp_path / "lines", tiny_samples(24, 5, "pg"))
    ck = tmp_path / "run"
    rc = main(["-q", "train", "--from-folder", str(folder), "--name", "limit-t", "--checkpoint-dir", str(ck),
               "--spec", TINY_SPEC, "--batch-size", "2", "--time-limit", "0.000001", "--epochs", "50", "--max-steps", "40",
               "--threads", "1", "--device", "cpu", "--json"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert res["stopped"] == "time_limit" and res["epochs"] == 1 and len(_steps(ck)) == 1

"""The lent-GPU training path, rehearsed on this machine's CPU: the kit (lines + wheels) that
travels, and ``scripts/train-gpu.sh`` from the kit to a model in the folder that comes back.

No test here needs a GPU (CI never has one): ``ALLOW_CPU=1`` runs the same script, the same
steps (grow the base, train, register, copy back) on the CPU, bounded by steps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts" / "htr"))

import gpu_kit  # noqa: E402


def test_every_wheel_the_kit_carries_is_pinned_in_the_lock():
    pins = gpu_kit.pinned(gpu_kit.WHEELS, ROOT / "requirements-lock.txt")
    assert [p.split("==")[0] for p in pins] == list(gpu_kit.WHEELS)
    assert "kraken==7.1.1" in pins


@pytest.mark.slow
def test_kit_and_train_gpu_script_rehearsed_on_cpu(test_data, tmp_path):
    kit = tmp_path / "kit"
    out = subprocess.run([sys.executable, str(ROOT / "scripts/htr/gpu_kit.py"), str(test_data / "train-htr"),
                          "--kit", str(kit), "--mix", "all", "--no-wheels"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "16 training + 9 validation lines" in out.stdout and "of 64 MiB" in out.stdout
    import tarfile

    assert sorted(p.name for p in kit.iterdir()) == ["data.tar.gz"]       # one file travels, not 50
    with tarfile.open(kit / "data.tar.gz") as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    lines = sorted((tmp_path / "unpacked" / "data" / "lines").glob("*.webp"))
    assert len(lines) == 25
    with Image.open(lines[0]) as im:
        assert im.height == 48                               # the model's input height: nothing lost
    # without a GPU and without ALLOW_CPU: one line, exit 3, nothing started
    env = {**os.environ, "DIGITIZER_MODELS_DIR": str(tmp_path / "user-models")}
    env.pop("ALLOW_CPU", None)
    refused = subprocess.run(["bash", str(ROOT / "scripts/train-gpu.sh"), str(kit / "data.tar.gz"), str(tmp_path / "no")],
                             capture_output=True, text=True, env=env)
    assert refused.returncode == 3 and "no Python here sees a CUDA GPU" in refused.stderr
    assert not (tmp_path / "no").exists()
    # the rehearsal: python -m digitizer from the checkout, the shipped manuscript-fr-v7 grown by
    # one layer (GROW=1), a few steps with a data-loading worker, the model copied to the return folder
    back = tmp_path / "back"
    env.update(ALLOW_CPU="1", PYTHON=sys.executable, MAX_STEPS="6", BATCH="4", WORKERS="1", AUGMENT="0",
               THREADS="1", OMP_THREAD_LIMIT="1", MIX="all", NAME="rehearsal", RETURN=str(back), GROW="1")
    run = subprocess.run(["bash", str(ROOT / "scripts/train-gpu.sh"), str(kit / "data.tar.gz"), str(tmp_path / "run"), "20"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert sorted(p.name for p in back.iterdir()) == ["history.jsonl", "rehearsal.json", "rehearsal.safetensors",
                                                      "train.log"]
    sidecar = json.loads((back / "rehearsal.json").read_text())
    assert sidecar["training"]["train_lines"] == 16 and sidecar["training"]["val_lines"] == 9
    assert sidecar["base_model"].startswith("grown (sha256 ")          # fine-tuned from the grown v7
    assert 0.0 <= sidecar["cer"] <= 1.0
    # the model that came back is the grown network (5 BiLSTM layers, v7 has 4), loadable here
    from digitizer.engines.kraken import _exec

    spec = _exec.load_recognizer(str(back / "rehearsal.safetensors")).net.spec
    assert spec.count("Lbx") == 5 and spec.startswith("[1,48,0,1")

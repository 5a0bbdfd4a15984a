#!/usr/bin/env bash
# One short (<= 10 minutes) training run on a lent GPU machine; nothing depends on it.
#
# Here, first (docs/htr.md "On a lent GPU"):
#   python scripts/htr/gpu_kit.py DATA_DIR        # .gpu-kit/: data.tar.gz (lines at 48 px) + kraken wheels (~32 MiB)
# There (device run, carry [".gpu-kit"], timeout 600):
#   RETURN=$OUT scripts/train-gpu.sh .gpu-kit/data.tar.gz /tmp/run 7
# Back here: the model comes back in RETURN (NAME.safetensors + .json, history.jsonl, train.log);
#   digitizer models import RETURN/NAME.safetensors --name NAME, then train-lm and bench_htr.
#
#   scripts/train-gpu.sh DATA_DIR|DATA.tar.gz RUN_DIR [MINUTES]
#
# Environment: NAME (manuscript-fr-gpu); BASE: registry name or model file to fine-tune (default
# manuscript-fr-v7, the shipped model); GROW=1: first grow BASE by one BiLSTM layer on the spot
# (GROW_KEEP layers kept, default 13 = all but v7's output layer; GROW_SPEC the new ones); LR
# (0.0005), BATCH (16), VAL_EVERY (250 steps), WORKERS (6), AUGMENT (1; 0 = off), MIX (sources trained on, regex, or 'all';
# the kit has only those), RESUME (a .ckpt to continue), RETURN (folder to copy the results into),
# ALLOW_CPU=1 (rehearse the whole run on this machine's CPU; tests/test_train_gpu_script.py).
#
# Python: the checkout's .venv when it has one that sees a GPU; else the machine's python3 (the
# lent machine's has a CUDA torch) with the kit's wheels installed into /tmp/digitizer-site and
# the checkout on PYTHONPATH (`python -m digitizer`).  It stops at once, with one line, when
# neither sees a GPU.
set -euo pipefail
DATA=${1:?usage: train-gpu.sh DATA_DIR RUN_DIR [MINUTES]}
RUN=${2:?usage: train-gpu.sh DATA_DIR RUN_DIR [MINUTES]}
MINUTES=${3:-7}
NAME=${NAME:-manuscript-fr-gpu}
HERE=$(cd "$(dirname "$0")/.." && pwd)
KIT=${KIT:-$(dirname "$DATA")}
DEVICE=cuda
has_gpu() { "$1" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; }
if [[ -x "$HERE/.venv/bin/python" ]] && has_gpu "$HERE/.venv/bin/python"; then
    PY="$HERE/.venv/bin/python"
elif has_gpu python3; then
    PY=python3
elif [[ -n "${ALLOW_CPU:-}" ]]; then
    PY=${PYTHON:-python3}
    DEVICE=cpu
else
    echo "train-gpu.sh: no Python here sees a CUDA GPU (.venv has the CPU wheel; python3: $(command -v python3 || echo none)); train on CPU with scripts/htr/train-cpu.sh" >&2
    exit 3
fi
if [[ "$PY" != "$HERE/.venv/bin/python" ]] && ! "$PY" -c 'import kraken' 2>/dev/null; then
    if ! compgen -G "$KIT/wheels/*.whl" >/dev/null; then
        echo "train-gpu.sh: $PY has no kraken and $KIT/wheels has no wheels (run scripts/htr/gpu_kit.py here first)" >&2
        exit 3
    fi
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/digitizer-site "$KIT"/wheels/*.whl
    export PYTHONPATH="/tmp/digitizer-site:$HERE${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
DIG=("$PY" -m digitizer)
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader 2>/dev/null || true
"$PY" -c 'import torch, kraken, digitizer; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
mkdir -p "$RUN"
if [[ -f "$DATA" && "$DATA" == *.tar* ]]; then
    rm -rf "$RUN/data" && tar -xf "$DATA" -C "$RUN"        # the kit's data.tar.gz holds data/
    DATA="$RUN/data"
fi
export DIGITIZER_MODELS_DIR="$RUN/models" OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-8}
MIX=${MIX:-poilus|mss19|mss20|bronod|repertoires|mariages}
if [[ "$MIX" == all ]]; then
    cp "$DATA/split.tsv" "$RUN/split-run.tsv"
else
    awk -F'\t' -v mix="$MIX" 'BEGIN{OFS="\t"} NR>1 && $2=="train" && $3 !~ "^(" mix "):" {$2="test"} {print}' \
        "$DATA/split.tsv" > "$RUN/split-run.tsv"
fi
if [[ -n "${RESUME:-}" ]]; then
    SRC=(--resume "$RESUME")
else
    BASE=${BASE:-manuscript-fr-v7}
    if [[ "${GROW:-0}" == "1" ]]; then
        rm -f "$RUN/grown.safetensors"
        "${DIG[@]}" -q grow-model "$BASE" "$RUN/grown.safetensors" --keep "${GROW_KEEP:-13}" \
            --spec "${GROW_SPEC:-[Lbx128 Do0.1,2 O1c117]}"
        BASE="$RUN/grown.safetensors"
    fi
    SRC=(--from-folder "$DATA" --split-tsv "$RUN/split-run.tsv" --base-model "$BASE")
fi
AUG=()
[[ "${AUGMENT:-1}" == "1" ]] && AUG=(--augment)
set +e
"${DIG[@]}" -q train "${SRC[@]}" --name "$NAME" --checkpoint-dir "$RUN/ckpt" \
    --device "$DEVICE" --threads "${THREADS:-4}" --workers "${WORKERS:-6}" --batch-size "${BATCH:-16}" \
    --lr "${LR:-0.0005}" --epochs "${EPOCHS:-200}" --patience "${PATIENCE:-20}" ${MAX_STEPS:+--max-steps "$MAX_STEPS"} \
    --val-every "${VAL_EVERY:-250}" --checkpoint-every 100 --time-limit "$MINUTES" --overwrite --language fr --script Latn "${AUG[@]}" \
    --licence "CC BY 4.0" --source "HTR-United: CREMMA-AN-TestamentsDePoilus, CREMMA-MSS-19, CREMMA-MSS-20, lectaurep-bronod, lectaurep-repertoires, lectaurep-mariages-et-divorces (CC BY 4.0); see models/README.md" \
    2>&1 | tee "$RUN/train.log"
rc=${PIPESTATUS[0]}
set -e
if [[ $rc -ne 0 && -f "$RUN/ckpt/last.ckpt" ]]; then
    # stopped early (killed, cancelled): the best checkpoint so far becomes the model
    "${DIG[@]}" -q train --name "$NAME" --register-checkpoint "$RUN/ckpt" --overwrite --language fr --script Latn \
        --licence "CC BY 4.0" && rc=0
fi
if [[ -n "${RETURN:-}" ]]; then
    # what comes back from a lent machine: a few files under 16 MiB each (a checkpoint is larger)
    mkdir -p "$RETURN"
    cp -f "$RUN/models/$NAME.safetensors" "$RUN/models/$NAME.json" "$RETURN/" 2>/dev/null || true
    cp -f "$RUN/ckpt/history.jsonl" "$RUN/train.log" "$RETURN/" 2>/dev/null || true
fi
exit $rc

#!/usr/bin/env bash
# One short (<= 10 minutes) training run on a lent GPU; nothing depends on it.
#
#   scripts/train-gpu.sh DATA_DIR OUT_DIR [MINUTES]          # fine-tune poilus-fr-v1 on DATA_DIR
#   RESUME=OUT_DIR/ckpt/last.ckpt scripts/train-gpu.sh DATA_DIR OUT_DIR   # continue a CPU or GPU run
#
# DATA_DIR: a line set from scripts/htr/build_dataset.py (lines/ + split.tsv).  The run writes
# OUT_DIR/ckpt/last.ckpt every 100 steps and registers the best model in OUT_DIR/models
# (DIGITIZER_MODELS_DIR), so what comes back is either a model or a checkpoint that
# `digitizer train --resume OUT_DIR/ckpt/last.ckpt --name NAME --device cpu` continues on CPU.
# It needs a CUDA build of torch in .venv (the default lock installs the CPU wheel): the script
# stops at once with one line saying so when torch sees no GPU.
set -euo pipefail
DATA=${1:?usage: train-gpu.sh DATA_DIR OUT_DIR [MINUTES]}
OUT=${2:?usage: train-gpu.sh DATA_DIR OUT_DIR [MINUTES]}
MINUTES=${3:-8}
NAME=${NAME:-manuscript-fr-gpu}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PY="$HERE/.venv/bin/python"
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader || true
if ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "train-gpu.sh: torch in $HERE/.venv sees no CUDA GPU (CPU wheel?); install a CUDA torch build or train on CPU with scripts/htr/train-cpu.sh" >&2
    exit 3
fi
mkdir -p "$OUT"
awk -F'\t' 'BEGIN{OFS="\t"} NR>1 && $2=="train" && $3 !~ /^(poilus|mss19|mss20):/ {$2="test"} {print}' \
    "$DATA/split.tsv" > "$OUT/split-run.tsv"
if [[ -n "${RESUME:-}" ]]; then
    SRC=(--resume "$RESUME")
else
    SRC=(--from-folder "$DATA" --split-tsv "$OUT/split-run.tsv" --base-model "${BASE:-poilus-fr-v1}")
fi
export DIGITIZER_MODELS_DIR="$OUT/models" OMP_THREAD_LIMIT=4
# on a GPU the batch can be large; 100 steps of 32 lines take well under a minute
exec "$HERE/.venv/bin/digitizer" -q train "${SRC[@]}" --name "$NAME" --checkpoint-dir "$OUT/ckpt" \
    --device cuda --threads 4 --batch-size 32 --lr 0.002 --epochs 100 --patience 10 \
    --val-every 200 --checkpoint-every 100 --time-limit "$MINUTES" --overwrite --language fr --script Latn \
    --licence "CC BY 4.0" --source "HTR-United: CREMMA-AN-TestamentsDePoilus, CREMMA-MSS-19, CREMMA-MSS-20 (CC BY 4.0)"

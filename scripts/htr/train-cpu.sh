#!/usr/bin/env bash
# Long CPU training of the manuscript model (background-friendly: nice, 1 torch thread,
# last.ckpt every 160 steps = a few minutes on a shared 2-core machine, validation every 600 steps;
# batch 1: fastest per line on one CPU thread, see docs/htr.md).
#
#   scripts/htr/train-cpu.sh DATA_DIR RUN_DIR [NAME]          # start (fine-tunes poilus-fr-v1)
#   scripts/htr/train-cpu.sh DATA_DIR RUN_DIR [NAME] --resume # continue from RUN_DIR/ckpt/last.ckpt
#
# DATA_DIR is what scripts/htr/build_dataset.py wrote.  Training mix (docs/htr.md "Training data"):
# the Poilus train wills, CREMMA-MSS-19 (hands not held out) and CREMMA-MSS-20; LECTAUREP lines
# are test-only.  Early stopping and the best checkpoint use the 11 Poilus validation wills.
# Stop it with SIGINT (kill -INT PID): the current batch ends and checkpoint_abort.ckpt is kept;
# register the best checkpoint with `digitizer train --name NAME --register-checkpoint RUN_DIR/ckpt`.
set -euo pipefail
DATA=${1:?usage: train-cpu.sh DATA_DIR RUN_DIR [NAME] [--resume]}
RUN=${2:?usage: train-cpu.sh DATA_DIR RUN_DIR [NAME] [--resume]}
NAME=${3:-manuscript-fr-v2}
MODE=${4:-}
# MIX: sources whose train lines are trained on (regex over the source prefix); BASE: registry
# name or model file to fine-tune; LR: learning rate; PATIENCE: validations without improvement
# before stopping; AUGMENT=1: kraken's image augmentation (slower: no line cache).  Defaults: the
# manuscript-fr-v2 run.
MIX=${MIX:-poilus|mss19|mss20}
BASE=${BASE:-poilus-fr-v1}
LR=${LR:-0.0003}
PATIENCE=${PATIENCE:-10}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$RUN"
awk -F'\t' -v mix="$MIX" 'BEGIN{OFS="\t"} NR>1 && $2=="train" && $3 !~ "^(" mix "):" {$2="test"} {print}' \
    "$DATA/split.tsv" > "$RUN/split-run.tsv"
if [[ "$MODE" == "--resume" ]]; then
    SRC=(--resume "$RUN/ckpt/last.ckpt")
else
    SRC=(--from-folder "$DATA" --split-tsv "$RUN/split-run.tsv" --base-model "$BASE")
fi
export OMP_THREAD_LIMIT=1 DIGITIZER_MODELS_DIR="${DIGITIZER_MODELS_DIR:-$RUN/models}"
exec nice -n 10 "$HERE/.venv/bin/digitizer" train "${SRC[@]}" --name "$NAME" --checkpoint-dir "$RUN/ckpt" \
    --batch-size 1 --lr "$LR" --epochs 30 --patience "$PATIENCE" --val-every 600 --checkpoint-every 160 --threads 1 \
    --device "${DEVICE:-cpu}" ${AUGMENT:+--augment} --overwrite --language fr --script Latn --licence "CC BY 4.0" \
    --source "HTR-United: CREMMA-AN-TestamentsDePoilus, CREMMA-MSS-19, CREMMA-MSS-20 (CC BY 4.0); see models/README.md"

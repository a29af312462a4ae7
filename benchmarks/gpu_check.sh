#!/usr/bin/env bash
# The GPU check in one command: the device and library versions, then per
# model of the seed study (UNet, DeepLabV3, Mask2Former-lite) the training
# step in float32 and under AMP (ms and images/s at 512x512, batch 2),
# inference images/s (batch 2), peak memory, and the frames/s of the
# config's train_dataloader (the config's workers) next to the training
# step: does the loader keep up? One Markdown table, printed and written to
# $OUT. It is tools/analysis/benchmark.py with --amp and --loader-data.
#
#   bash benchmarks/gpu_check.sh            # on the GPU when torch sees one
#   bash benchmarks/gpu_check.sh --quick    # few calls (the CPU: a 512x512
#                                           # step takes ~12 s on 2 cores)
#
# Settings (environment):
#   DEVICE=cuda|cpu   default: cuda when torch.cuda.is_available(), else cpu
#   SIZE=512x512      model input, WIDTHxHEIGHT (the seed study's)
#   DATA=DIR          the loader's data_root, the seed study's arrangement
#                     (e.g. data/a2d2_seed); default: a synthetic set of 8
#                     frames at A2D2's 1920x1208 in $WORK/synthetic-<size>,
#                     written once (tools/misc/make_synthetic_a2d2.py)
#   DATA_SIZE=1920x1208  the synthetic frames' size
#   CONFIGS="A B ..."  default: the three seed study configs
#   REPEAT / WARMUP   timed / untimed calls (cuda: 20 / 5; cpu: 3 / 1;
#                     --quick: 1 / 0)
#   LOADER_BATCHES    timed loader batches (default 20; --quick: 3)
#   OUT=work_dirs/gpu_check/gpu_check.md
# Further arguments go to tools/analysis/benchmark.py (e.g. --threads 2).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
WORK=${WORK:-work_dirs/gpu_check}
QUICK=0
if [ "${1:-}" = --quick ]; then
  QUICK=1
  shift
fi
DEVICE=${DEVICE:-$("$PY" -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')")}
if [ "$QUICK" = 1 ]; then
  REPEAT=${REPEAT:-1} WARMUP=${WARMUP:-0} LOADER_BATCHES=${LOADER_BATCHES:-3}
elif [ "$DEVICE" = cuda ]; then
  REPEAT=${REPEAT:-20} WARMUP=${WARMUP:-5} LOADER_BATCHES=${LOADER_BATCHES:-20}
else
  REPEAT=${REPEAT:-3} WARMUP=${WARMUP:-1} LOADER_BATCHES=${LOADER_BATCHES:-20}
fi
SIZE=${SIZE:-512x512}
DATA_SIZE=${DATA_SIZE:-1920x1208}
OUT=${OUT:-$WORK/gpu_check.md}
CONFIGS=${CONFIGS:-"configs/seed_study/unet_r50_4xb2-80k_a2d2-seed-512x512.py
configs/seed_study/deeplabv3plus_r50-d8_4xb2-80k_a2d2-seed-512x512.py
configs/seed_study/mask2former-lite_r50_4xb2-80k_a2d2-seed-512x512.py"}

if [ -z "${DATA:-}" ]; then
  DATA=$WORK/synthetic-$DATA_SIZE
  if [ ! -f "$DATA/SYNTHETIC_README.txt" ]; then
    echo "==> the loader's data: 8 synthetic frames of $DATA_SIZE in $DATA (once)"
    "$PY" tools/misc/make_synthetic_a2d2.py --out "$DATA" --scenes 2 \
      --frames-per-scene 4 --size "$DATA_SIZE" --layout seed_bboxes \
      --no-progress --overwrite
  fi
fi

# A config whose class-weighted loss names a weight file that is not there
# (the seed Mask2Former-lite's work_dirs/seed_study/class_weights.json, which
# tools/analysis/a2d2_class_weights.py writes from the training split) is
# measured through a config in $WORK/configs/ that inherits it, with weights
# of the loader's data in $WORK/class_weights.json: the same loss, the same
# cost; nothing is written to work_dirs/seed_study/.
missing_weights() {
  "$PY" - "$1" <<'PY'
import os.path as osp
import sys
from mmengine.config import Config
weights = Config.fromfile(sys.argv[1]).get('class_weight')
print(weights if isinstance(weights, str) and not osp.isfile(weights) else '')
PY
}
checked=()
for config in $CONFIGS; do
  weights=$(missing_weights "$config")
  if [ -n "$weights" ]; then
    echo "==> $config: no $weights; class weights of $DATA instead"
    mkdir -p "$WORK/configs"
    "$PY" tools/analysis/a2d2_class_weights.py --config "$config" \
      --data-root "$DATA" -o "$WORK/class_weights" > /dev/null
    wrapper=$WORK/configs/$(basename "$config")
    printf '%s\n' "_base_ = ['$(realpath "$config")']" \
      "model = dict(decode_head=dict(loss_decode=dict(" \
      "    class_weight='$(realpath "$WORK/class_weights.json")')))" > "$wrapper"
    config=$wrapper
  fi
  checked+=("$config")
done

echo "==> GPU check on $DEVICE: $SIZE, batch 2, $WARMUP warm-up + $REPEAT timed calls, loader $LOADER_BATCHES batches"
exec "$PY" tools/analysis/benchmark.py "${checked[@]}" --device "$DEVICE" \
  --sizes "$SIZE" --batch-size 2 --train-batch-size 2 --infer-mode predict \
  --repeat "$REPEAT" --warmup "$WARMUP" --amp --loader-data "$DATA" \
  --loader-batches "$LOADER_BATCHES" -o "$OUT" "$@"

#!/usr/bin/env bash
# Every benchmark, one after the other, each output also saved under
# work_dirs/benchmarks/ (docs/benchmarks.md quotes these outputs).
#
#   bash benchmarks/run_all.sh            # CPU
#   DEVICE=cuda bash benchmarks/run_all.sh  # adds the GPU model table
#
# The smp comparison needs its own environment first:
#   bash benchmarks/setup_smp_env.sh
# and is skipped, with a message, when .venv-smp/ is missing.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=work_dirs/benchmarks
mkdir -p "$OUT"
status=0
run() {  # run NAME CMD...: print and save the output of one benchmark
    local name=$1; shift
    echo "=== $name: $*"
    if ! "$@" 2>&1 | tee "$OUT/$name.txt"; then
        echo "=== $name FAILED (see $OUT/$name.txt)"; status=1
    fi
}
run label_remap "$PY" benchmarks/bench_label_remap.py
run pipeline "$PY" benchmarks/bench_pipeline.py
run converter "$PY" benchmarks/bench_converter.py
if [ -x .venv-smp/bin/python ]; then
    run smp_peer "$PY" benchmarks/bench_smp_peer.py
else
    echo "=== smp_peer skipped: no .venv-smp/ (bash benchmarks/setup_smp_env.sh)"
fi
run runner_overhead "$PY" benchmarks/bench_runner_overhead.py
run mask2former "$PY" benchmarks/bench_mask2former.py
CONFIGS="configs/unet_r50_a2d2.py configs/deeplabv3_r50_a2d2.py configs/mask2former-lite_r50_a2d2.py"
run models_cpu "$PY" tools/analysis/benchmark.py $CONFIGS \
    --sizes 512x512 1920x1208 --infer-mode predict --repeat 3 \
    --train-batch-size 2 -o "$OUT/models_cpu.md"
if [ "${DEVICE:-cpu}" = cuda ]; then
    run models_cuda "$PY" tools/analysis/benchmark.py $CONFIGS --device cuda \
        --sizes 512x512 1920x1208 --infer-mode predict --repeat 20 --warmup 5 \
        --train-batch-size 2 \
        -o "$OUT/models_cuda.md"
fi
echo "outputs in $OUT/"
exit $status

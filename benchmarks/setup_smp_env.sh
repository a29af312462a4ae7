#!/usr/bin/env bash
# The peer environment for benchmarks/bench_smp_peer.py: segmentation_models_pytorch
# needs torchvision, which does not import beside the project's torch 2.13.0 CPU,
# so smp gets its own venv (.venv-smp/, ignored by git; ~5.5 GB: PyPI's torch 2.14.1
# for x86_64 is a CUDA build, which runs on the CPU here).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv-smp/bin/python ]; then
    "$PYTHON" -m venv .venv-smp
fi
.venv-smp/bin/pip install -q torch==2.14.1 torchvision==0.29.1 segmentation-models-pytorch
.venv-smp/bin/python -c "import torch, torchvision, segmentation_models_pytorch as smp; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'smp', smp.__version__)"

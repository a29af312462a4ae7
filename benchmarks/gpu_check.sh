#!/usr/bin/env bash
# The GPU check: tools/analysis/benchmark.py --gpu-check (its docstring says
# what it measures), e.g. `bash benchmarks/gpu_check.sh --quick` or
# `bash benchmarks/gpu_check.sh --loader-data data/a2d2_seed`.
cd "$(dirname "$0")/.." && exec "${PYTHON:-.venv/bin/python}" tools/analysis/benchmark.py --gpu-check "$@"

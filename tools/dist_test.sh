#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
# GPUS is the number of processes per node; on a machine without GPUs they
# run on the CPU (gloo backend, see a2d2_mmseg/compat/distributed.py).
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT, as in mmseg.

source "$(dirname "$0")/dist_common.sh"
run_torchrun test.py "$3" "$1" "$2" --launcher pytorch "${@:4}"

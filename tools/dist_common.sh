# Sourced by tools/dist_train.sh and tools/dist_test.sh (not run itself).
#
# run_torchrun SCRIPT NPROC [ARGS...] runs tools/SCRIPT in NPROC processes
# per node with torchrun. On a machine without GPUs they run on the CPU
# (gloo backend, see a2d2_mmseg/compat/distributed.py). Multi-node: NNODES,
# NODE_RANK, MASTER_ADDR and PORT, as in mmseg; PYTHON picks the
# interpreter.

run_torchrun() {
    local tools script nproc
    tools="$(dirname "${BASH_SOURCE[0]}")"
    script=$1
    nproc=$2
    shift 2
    PYTHONPATH="$tools/..":$PYTHONPATH \
    ${PYTHON:-python} -m torch.distributed.run \
        --nnodes="${NNODES:-1}" \
        --node_rank="${NODE_RANK:-0}" \
        --master_addr="${MASTER_ADDR:-127.0.0.1}" \
        --nproc_per_node="$nproc" \
        --master_port="${PORT:-29500}" \
        "$tools/$script" \
        "$@"
}

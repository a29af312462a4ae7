#!/usr/bin/env bash
# Create .venv/ (or $VENV) and install everything a2d2_mmseg needs, in minutes
# whichever build of torch pip brings. Safe to re-run: finished steps are
# skipped.
#
#   bash tools/setup_env.sh            # the tested, pinned set
#   PYTHON=python3.11 VENV=/tmp/venv bash tools/setup_env.sh
#   TORCH_INDEX=https://download.pytorch.org/whl/cpu bash tools/setup_env.sh
#                                      # torch from PyTorch's CPU wheel index
#                                      # (~0.2 GB instead of PyPI's CUDA build)
#   MMCV_FULL_BUILD=1 bash tools/setup_env.sh
#                                      # mmcv's own build, with its CUDA ops on
#                                      # a GPU machine (needs nvcc; ~15-30 min)
#
# Order matters:
#   1. torch 2.13.0: from PyPI, Linux's default is a CUDA build (several GB:
#      runs on the CPU and on a GPU); TORCH_INDEX=URL takes torch (only torch,
#      --index-url --no-deps; its dependencies from the usual indexes) from
#      that index instead, e.g. PyTorch's CPU wheel index.
#   2. setuptools<70: mmcv 2.1.0's setup.py imports pkg_resources
#   3. mmcv 2.1.0 built from source with its compiled ops (mmseg 1.2.2 imports
#      mmcv.ops; mmcv-lite lacks mmcv._ext), CPU ops only, with a CPU or a
#      CUDA torch: no model here calls a compiled mmcv kernel
#      (tests/test_models/test_mmcv_ops_unused.py; on a GPU the full
#      Mask2Former reference's deformable attention runs mmcv's PyTorch
#      implementation, a2d2_mmseg/compat/mmcv_ops.py), so no CUDA compile.
#      tools/build_mmcv_unity.py builds the wheel from the PyPI sdist with its
#      77 C++ files compiled as a few unity files (about 80 % of each file's
#      compile time is parsing PyTorch's headers, which a unity build does a
#      few times instead of 77), with MMCV_CFLAGS (default: -g0 -O1, no debug
#      information, light optimisation). First time about 1 min on 2 cores
#      instead of about 14; the wheel is kept in
#      $(pip cache dir)/a2d2_mmseg/mmcv-2.1.0-unity-torch<version>-cp<python>/
#      and a second set-up installs it in seconds. If the unity build fails,
#      the script says so and falls back to mmcv's normal build (CPU ops).
#      MMCV_FULL_BUILD=1: mmcv's normal build with its own flags (CUDA ops
#      when torch sees a GPU or FORCE_CUDA=1).
#   4. the rest of requirements/tested.txt (mmengine, mmsegmentation, mmdet,
#      openmim, pytest, ...), then this package in editable mode.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

START=$SECONDS
STEP_START=$SECONDS
STEP_NAME=
# How long the step that is ending took.
end_step() {
  if [ -n "$STEP_NAME" ]; then
    printf '    [%d s]\n' $((SECONDS - STEP_START))
  fi
}
# Ends the previous step and prints the next step's title.
step() {
  end_step
  STEP_NAME=$1
  STEP_START=$SECONDS
  printf '\n==> %s\n' "$*"
}
# pip install, hiding only the known harmless notice that torch declares
# setuptools>=77 (mmcv's build needs setuptools<70; torch runs without it).
# A failing pip still fails this script (pipefail).
hide_pip_notices() {
  { grep --line-buffered -v -E "requires setuptools>=77|^WARNING: Location|^ERROR: pip.s dependency resolver does not currently take" || true; }
}
pip_install() {
  "${PIP[@]}" install "$@" 2>&1 | hide_pip_notices
}

if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
pin() { grep -E "^$1==" requirements/tested.txt | head -n1; }

TORCH_INDEX=${TORCH_INDEX:-}
step "torch ($(pin torch)${TORCH_INDEX:+ from $TORCH_INDEX})"
if [ -n "$TORCH_INDEX" ]; then
  # torch itself from that index; its dependencies from the usual ones below
  pip_install -q --no-deps --index-url "$TORCH_INDEX" "$(pin torch)"
fi
pip_install -q "$(pin torch)"
torch_cuda=$("$PY" -W ignore -c "import torch; print(torch.version.cuda or '')")

step "build tools for mmcv (setuptools<70, wheel, numpy, opencv)"
# torch declares setuptools>=77 but does not need it at run time; mmcv's
# build needs pkg_resources, which setuptools 70 removed.
pip_install -q 'setuptools<70' wheel "$(pin numpy)" "$(pin opencv-python)"

# mmcv's normal build from the PyPI sdist (77 C++ files; pip caches the wheel).
mmcv_normal_build() {
  CFLAGS="$1" MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    pip_install --no-build-isolation "$(pin mmcv)"
}
# Whether mmcv 2.1.0 with its compiled ops is installed (with CUDA ops when
# MMCV_FULL_BUILD=1 and torch is a CUDA build).
mmcv_installed() {
  "$PY" - "${MMCV_FULL_BUILD:-0}" "$torch_cuda" 2>/dev/null <<'PY'
import sys
import mmcv
import mmcv.ops
from mmcv.utils import ext_loader
ext = ext_loader.load_ext('_ext', ['get_compiling_cuda_version'])
has_cuda = ext.get_compiling_cuda_version() != 'not available'
full, torch_cuda = sys.argv[1] == '1', sys.argv[2]
sys.exit(mmcv.__version__ != '2.1.0' or (full and bool(torch_cuda) and not has_cuda))
PY
}

if [ -n "$torch_cuda" ]; then
  torch_kind="CUDA $torch_cuda build of torch"
else
  torch_kind="CPU build of torch"
fi
cuda_torch_note() {
  if [ -n "$torch_cuda" ]; then
    echo "$torch_kind: mmcv gets its CPU ops only (no CUDA compile, no nvcc needed);"
    echo "no model here calls a compiled mmcv kernel. MMCV_FULL_BUILD=1 asks for mmcv's full build."
  fi
}
if mmcv_installed; then
  step "mmcv 2.1.0 with ops already installed"
elif [ "${MMCV_FULL_BUILD:-0}" = 1 ]; then
  step "mmcv 2.1.0, mmcv's full build (MMCV_FULL_BUILD=1, $torch_kind: CUDA ops when torch sees a GPU or FORCE_CUDA=1; ~15-30 min)"
  mmcv_normal_build "${MMCV_CFLAGS:-}"
else
  mmcv_cflags=${MMCV_CFLAGS:--g0 -O1}
  # The unity-built wheel is kept under pip's cache dir, one folder per torch
  # version and Python ABI (the extension links against both).
  mmcv_tag=$("$PY" -c "import sys, torch; print(f'torch{torch.__version__}-cp{sys.version_info[0]}{sys.version_info[1]}')")
  pip_cache=$("${PIP[@]}" cache dir 2>/dev/null) || pip_cache=  # empty: cache disabled
  mmcv_wheels=${pip_cache:+$pip_cache/a2d2_mmseg/mmcv-2.1.0-unity-$mmcv_tag}
  mmcv_wheel=$(ls "${mmcv_wheels:-/nonexistent}"/mmcv-2.1.0-*.whl 2>/dev/null | head -n1) || true
  if [ -n "$mmcv_wheel" ]; then
    step "mmcv 2.1.0 (CPU ops) from the cached unity-built wheel ($mmcv_wheel)"
    cuda_torch_note
    pip_install -q "$mmcv_wheel" -c requirements/tested.txt
  else
    step "mmcv 2.1.0 with compiled CPU ops, unity build ($torch_kind, CFLAGS='$mmcv_cflags'; first time: ~1 min on 2 idle cores, then cached)"
    cuda_torch_note
    build_dir=$(mktemp -d)
    if CFLAGS="$mmcv_cflags" MAX_JOBS=${MAX_JOBS:-$(nproc)} \
          "$PY" tools/build_mmcv_unity.py "$build_dir" --groups "$(nproc)" 2>&1 | hide_pip_notices &&
        mmcv_wheel=$(ls "$build_dir"/mmcv-2.1.0-*.whl) &&
        pip_install -q "$mmcv_wheel" -c requirements/tested.txt &&
        "$PY" -c "import mmcv._ext"; then
      # keep it for the next set-up (the copy is renamed into place last)
      if [ -n "$mmcv_wheels" ] && mkdir -p "$mmcv_wheels" &&
          cp "$mmcv_wheel" "$mmcv_wheels/.partial" &&
          mv "$mmcv_wheels/.partial" "$mmcv_wheels/$(basename "$mmcv_wheel")"; then
        echo "kept $mmcv_wheels/$(basename "$mmcv_wheel")"
      fi
    else
      printf '\n!!! the unity build of mmcv failed (see above); falling back to mmcv'"'"'s normal build, CPU ops (~14 min on 2 cores)\n'
      "${PIP[@]}" uninstall -q -y mmcv 2>/dev/null || true
      # no visible GPU: mmcv's setup.py then compiles its CPU ops only
      CUDA_VISIBLE_DEVICES= FORCE_CUDA=0 mmcv_normal_build "$mmcv_cflags"
    fi
    rm -rf "$build_dir"
  fi
fi

step "the tested requirement set (requirements/tested.txt)"
# torch is already installed (step 1). Leaving it out of this resolution
# matters: torch declares setuptools>=77 while openmim's openxlab pins
# setuptools~=60.2, so pip refuses to resolve the two together.
grep -v -E '^(torch|mmcv)==' requirements/tested.txt > "$VENV/requirements-tested.txt"
pip_install -q -r "$VENV/requirements-tested.txt"

step "a2d2_mmseg (editable)"
pip_install -q --no-deps --no-build-isolation -e .

"$PY" - <<'PY'
import mmcv, mmcv.ops, mmengine, mmseg, torch
from mmcv.utils import ext_loader
import a2d2_mmseg
ext = ext_loader.load_ext('_ext', ['get_compiling_cuda_version'])
ops = ext.get_compiling_cuda_version()
ops = 'CPU ops' if ops == 'not available' else f'CPU and CUDA {ops} ops'
print(f'ok: torch {torch.__version__} (CUDA {torch.version.cuda}), '
      f'mmcv {mmcv.__version__} ({ops}), '
      f'mmengine {mmengine.__version__}, mmseg {mmseg.__version__}, '
      f'a2d2_mmseg {a2d2_mmseg.__version__}')
PY
end_step
printf 'setup_env.sh: %d s in all\n' $((SECONDS - START))

#!/usr/bin/env bash
# Create .venv/ at the repository root and install everything a2d2_mmseg needs
# (CPU build). Safe to re-run: finished steps are skipped.
#
#   bash tools/setup_env.sh            # the tested, pinned set
#   PYTHON=python3.11 bash tools/setup_env.sh
#
# Order matters:
#   1. torch 2.13.0 (the CPU wheel; an unpinned torch pulls a multi-GB CUDA build)
#   2. setuptools<70: mmcv 2.1.0's setup.py imports pkg_resources
#   3. mmcv 2.1.0 built from source with its compiled ops (mmseg 1.2.2 imports
#      mmcv.ops; mmcv-lite lacks mmcv._ext). On a CPU-only torch the build
#      uses MMCV_CFLAGS (default: -g0 -O1, no debug information, light
#      optimisation): no model here calls a compiled mmcv kernel on the CPU
#      (tests/test_models/test_mmcv_ops_unused.py), and about 80 % of each
#      file's compile time is parsing PyTorch's headers, which no flag
#      shortens. With a CUDA torch, mmcv's own flags are kept. pip caches the
#      wheel: a second set-up takes seconds.
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
pip_install() {
  "${PIP[@]}" install "$@" 2>&1 | { grep -v -E "requires setuptools>=77|^WARNING: Location|^ERROR: pip.s dependency resolver does not currently take" || true; }
}

if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
pin() { grep -E "^$1==" requirements/tested.txt | head -n1; }

step "torch ($(pin torch))"
pip_install -q "$(pin torch)"

step "build tools for mmcv (setuptools<70, wheel, numpy, opencv)"
# torch declares setuptools>=77 but does not need it at run time; mmcv's
# build needs pkg_resources, which setuptools 70 removed.
pip_install -q 'setuptools<70' wheel "$(pin numpy)" "$(pin opencv-python)"

if "$PY" -c "import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != '2.1.0')" 2>/dev/null; then
  step "mmcv 2.1.0 with ops already installed"
else
  if "$PY" -c "import sys, torch; sys.exit(torch.version.cuda is None)"; then
    mmcv_cflags=${MMCV_CFLAGS:-}  # CUDA build: mmcv's own flags
  else
    mmcv_cflags=${MMCV_CFLAGS:--g0 -O1}
  fi
  step "mmcv 2.1.0 with compiled ops (CFLAGS='$mmcv_cflags'; first time: ~14 min on 2 cores, then cached by pip)"
  CFLAGS="$mmcv_cflags" MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    pip_install --no-build-isolation "$(pin mmcv)"
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
import a2d2_mmseg
print(f'ok: torch {torch.__version__}, mmcv {mmcv.__version__}, '
      f'mmengine {mmengine.__version__}, mmseg {mmseg.__version__}, '
      f'a2d2_mmseg {a2d2_mmseg.__version__}')
PY
end_step
printf 'setup_env.sh: %d s in all\n' $((SECONDS - START))

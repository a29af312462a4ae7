# mmseg's 80k-iteration schedule with the A2D2 visualization hook (every test
# image with --show-dir, docs/mmseg_tools.md); here, not in
# default_runtime.py, as mmengine refuses default_hooks in two bases.
_base_ = ['mmseg::_base_/schedules/schedule_80k.py']
default_hooks = dict(
    visualization=dict(type='A2D2VisualizationHook', interval=1))
# The batch the learning rates are for: 4 GPUs x 2 images ("4xb2" in the
# config names); --auto-scale-lr (off by default) scales them to another.
auto_scale_lr = dict(enable=False, base_batch_size=8)
# One fixed seed: bit-identical weights on CPU; deterministic=True for GPU
# (slower, see docs/models.md).
randomness = dict(seed=0, deterministic=False)

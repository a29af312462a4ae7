# mmseg's runtime. The plugin import (custom_imports) lives in
# _base_/datasets/a2d2.py, which every A2D2 config inherits.
_base_ = ['mmseg::_base_/default_runtime.py']
# A2D2SegVisualizer: mmseg's, drawing class names on any image layout and
# taking backend names, e.g. --cfg-options
#   "visualizer.vis_backends=[LocalVisBackend,TensorboardVisBackend]"
visualizer = dict(type='A2D2SegVisualizer')
# a2d2_mmseg.engine's hooks: RNG state in checkpoints (exact --resume),
# plain-data checkpoints (torch.load weights_only=True), a stop at the first
# non-finite loss, the effective batch logged against auto_scale_lr.
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='PlainCheckpointHook'),
    dict(type='FiniteLossHook'),
    dict(type='BatchSizeHook')
]

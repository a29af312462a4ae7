# mmseg's runtime. The plugin import (custom_imports) lives in
# _base_/datasets/a2d2.py, which every A2D2 config inherits.
_base_ = ['mmseg::_base_/default_runtime.py']
# A2D2SegVisualizer: mmseg's SegLocalVisualizer that also draws class names
# on non-contiguous images (mmseg's browse_dataset.py with OpenCV >= 4.8) and
# takes backend names, so TensorBoard (next to the JSON logs that
# plot_curves.py reads) is one option away:
#   --cfg-options \
#   "visualizer.vis_backends=[LocalVisBackend,TensorboardVisBackend]"
visualizer = dict(type='A2D2SegVisualizer')
# Save the random generators' state in every checkpoint and restore it on
# --resume (a2d2_mmseg.engine.RNGStateHook), so that a resumed run continues
# exactly as an uninterrupted one would, dropout included.
# Write checkpoints as plain data (a2d2_mmseg.engine.PlainCheckpointHook):
# mmseg's tools, mim and plain torch.load (weights_only=True, torch >= 2.6)
# load them without importing the plugin; --resume restores them exactly.
# Stop at the first NaN or infinite training loss, naming the iteration and
# the loss terms, before any checkpoint of it is written
# (a2d2_mmseg.engine.FiniteLossHook).
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='PlainCheckpointHook'),
    dict(type='FiniteLossHook'),
    # Log the effective batch against auto_scale_lr.base_batch_size, and
    # warn when they differ unscaled (a2d2_mmseg.engine.BatchSizeHook).
    dict(type='BatchSizeHook')
]

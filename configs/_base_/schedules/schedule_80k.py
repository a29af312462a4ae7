# mmseg's 80k-iteration schedule with the A2D2 visualization hook:
# `tools/test.py --show-dir DIR` (mmseg's and the plugin's) draws every test
# image (interval 1; mmseg's hook draws every 50th batch only, so nothing
# for a test set under 50 frames) and needs only the test set (mmseg's hook
# builds the train dataset). Nothing is drawn without --show/--show-dir.
# The hook is set here rather than in default_runtime.py because mmengine
# refuses a key (default_hooks) defined in two bases of one config.
_base_ = ['mmseg::_base_/schedules/schedule_80k.py']
default_hooks = dict(
    visualization=dict(type='A2D2VisualizationHook', interval=1))

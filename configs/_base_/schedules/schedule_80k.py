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
# The batch the learning rates are for: 4 GPUs x 2 images ("4xb2" in the
# config names). mmengine's --auto-scale-lr (tools/train.py) scales them by
# (GPUs x train_dataloader.batch_size) / base_batch_size; off by default, so
# a run on fewer GPUs keeps these rates (and a smaller effective batch).
auto_scale_lr = dict(enable=False, base_batch_size=8)
# One fixed seed for Python, NumPy and torch in every process: initial
# weights, data order and augmentation repeat run to run (bit-identical
# weights on CPU; tests/test_configs_schedules.py). On GPU, cuDNN's
# autotuned (env_cfg.cudnn_benchmark=True) and atomic-add kernels still vary
# in the last bits; deterministic=True makes mmengine turn on
# torch.use_deterministic_algorithms and cudnn.deterministic (benchmark off):
# slower steps (deterministic cuDNN algorithms, no autotuning), CUDA ops
# without a deterministic kernel then stop with a RuntimeError, and cuBLAS
# needs CUBLAS_WORKSPACE_CONFIG=:4096:8 in the environment.
randomness = dict(seed=0, deterministic=False)

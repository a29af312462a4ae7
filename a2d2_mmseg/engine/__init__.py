"""Runtime fixes for mmengine 0.10.x: safe checkpoint loading on torch >= 2.6
and distributed runs on CPU-only machines.

Importing this package (done by ``import a2d2_mmseg``, hence by configs with
``custom_imports = dict(imports=['a2d2_mmseg'])``):

* allow-lists the plain-data types of mmengine checkpoints for
  ``torch.load(weights_only=True)`` (:func:`register_checkpoint_safe_globals`);
* makes mmengine's checkpoint loader refuse unsafe checkpoints and failed
  downloads with clear messages (:func:`guard_checkpoint_loader`);
* on machines without an accelerator only, lets mmengine's launcher path use
  gloo and CPU DDP (:func:`patch_mmengine_cpu_distributed`; set
  ``A2D2_MMSEG_PATCH_MMENGINE=0`` to skip it).
"""
from .checkpoint import (CheckpointDownloadError, UnsafeCheckpointError,
                         checkpoint_safe_globals, guard_checkpoint_loader,
                         register_checkpoint_safe_globals)
from .distributed import (PATCH_ENV, CPUDistributedDataParallel,
                          configure_cpu_distributed, cpu_only, init_cpu_dist,
                          patch_mmengine_cpu_distributed,
                          setup_cpu_distributed)

register_checkpoint_safe_globals()
guard_checkpoint_loader()
patch_mmengine_cpu_distributed()

__all__ = [
    'checkpoint_safe_globals', 'register_checkpoint_safe_globals',
    'guard_checkpoint_loader', 'UnsafeCheckpointError',
    'CheckpointDownloadError', 'cpu_only', 'init_cpu_dist',
    'CPUDistributedDataParallel', 'configure_cpu_distributed',
    'setup_cpu_distributed', 'patch_mmengine_cpu_distributed', 'PATCH_ENV'
]

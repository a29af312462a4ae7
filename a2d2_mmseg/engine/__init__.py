"""Runtime fixes for mmengine 0.10.x: safe checkpoints (loaded as data, never
run), exact and robust resumes, and distributed runs on CPU-only machines.

Importing this package (done by ``import a2d2_mmseg``, hence by configs with
``custom_imports = dict(imports=['a2d2_mmseg'])``):

* allow-lists the plain-data types of mmengine checkpoints for
  ``torch.load(weights_only=True)`` (:func:`register_checkpoint_safe_globals`);
* makes mmengine's checkpoint loader refuse unsafe, empty, truncated and
  malformed checkpoints and failed downloads with clear messages, and keeps
  mmengine from running any text stored in a checkpoint
  (:func:`guard_checkpoint_loader`, :func:`guard_inferencer_config`; the
  whole story is in :mod:`a2d2_mmseg.engine.checkpoint`);
* checks checkpoints before ``Runner.resume`` uses them and resumes from the
  newest complete checkpoint when ``work_dir/last_checkpoint`` is empty,
  dangling or names a broken file (:func:`guard_runner_resume`);
* on machines without an accelerator only, lets mmengine's launcher path use
  gloo and CPU DDP (:func:`patch_mmengine_cpu_distributed`; set
  ``A2D2_MMSEG_PATCH_MMENGINE=0`` to skip it).

* lets mmseg's ``MMSegInferencer`` run the A2D2 test pipelines and build a
  model from a checkpoint alone, its stored config read as data
  (:func:`adapt_seg_inferencer`, :func:`read_inferencer_config`).

It also registers :class:`RNGStateHook` (exact resumes with dropout),
:class:`CheckpointMatchHook` (refuse checkpoints of another model or class
count), :class:`PlainCheckpointHook` (checkpoints that load without the
plugin) and :class:`A2D2VisualizationHook` (``--show-dir`` draws every test
image and needs only the test set).
"""
from .checkpoint import (CheckpointDownloadError, CheckpointError,
                         CheckpointMismatchError, CorruptCheckpointError,
                         UnsafeCheckpointError, checkpoint_dataset_meta,
                         checkpoint_safe_globals, guard_checkpoint_loader,
                         guard_inferencer_config,
                         register_checkpoint_safe_globals, resuming,
                         resuming_checkpoint)
from .distributed import (PATCH_ENV, CPUDistributedDataParallel,
                          configure_cpu_distributed, cpu_only, init_cpu_dist,
                          patch_mmengine_cpu_distributed,
                          setup_cpu_distributed)
from .hooks import CheckpointMatchHook, RNGStateHook
from .inferencer import adapt_seg_inferencer, read_inferencer_config
from .plain_checkpoint import (PlainCheckpointHook, from_plain_data,
                               to_plain_data)
from .resume import auto_resume, guard_runner_resume, work_dir_checkpoints
from .state_dict_match import (StateDictDiff, check_checkpoint_matches,
                               compare_state_dict, load_matching_checkpoint)
from .visualization_hook import A2D2VisualizationHook

register_checkpoint_safe_globals()
guard_checkpoint_loader()
guard_inferencer_config()
read_inferencer_config()  # after the guard: it wraps the guarded method
adapt_seg_inferencer()
guard_runner_resume()
patch_mmengine_cpu_distributed()

__all__ = [
    'checkpoint_safe_globals', 'register_checkpoint_safe_globals',
    'guard_checkpoint_loader', 'guard_inferencer_config',
    'guard_runner_resume', 'CheckpointError', 'UnsafeCheckpointError',
    'CheckpointDownloadError', 'CorruptCheckpointError',
    'CheckpointMismatchError', 'resuming', 'resuming_checkpoint',
    'checkpoint_dataset_meta', 'auto_resume', 'work_dir_checkpoints',
    'StateDictDiff', 'compare_state_dict', 'check_checkpoint_matches',
    'load_matching_checkpoint', 'RNGStateHook', 'CheckpointMatchHook',
    'cpu_only', 'init_cpu_dist', 'CPUDistributedDataParallel',
    'configure_cpu_distributed', 'setup_cpu_distributed',
    'patch_mmengine_cpu_distributed', 'PATCH_ENV', 'PlainCheckpointHook',
    'to_plain_data', 'from_plain_data', 'A2D2VisualizationHook',
    'adapt_seg_inferencer', 'read_inferencer_config'
]

"""Runtime fixes for mmengine 0.10.x: safe checkpoints (loaded as data, never
run), exact and robust resumes, and distributed runs on CPU-only machines.

The functions that change mmengine and mmseg (safe checkpoint globals and
loader, ``Runner.resume``, ``MMSegInferencer``, CPU distributed) are
applied by :func:`a2d2_mmseg.patches.apply_patches` when
:mod:`a2d2_mmseg.plugin` is imported (configs do, through
``custom_imports``); importing this package applies none of them. The list
of what each one does and why is in :mod:`a2d2_mmseg.patches`; the whole
checkpoint story is in :mod:`a2d2_mmseg.engine.checkpoint`.

Importing this package registers :class:`RNGStateHook` (exact resumes with
dropout), :class:`CheckpointMatchHook` (refuse checkpoints of another model
or class count), :class:`PlainCheckpointHook` (checkpoints that load
without the plugin), :class:`A2D2VisualizationHook` (``--show-dir`` draws
every test image and needs only the test set), :class:`FiniteLossHook`
(stop at a non-finite loss before it is checkpointed), :class:`BatchSizeHook`
(log the effective batch against the config's base batch) and
:class:`CPUDistributedDataParallel`.
"""
from .batch_size import (BatchSizeHook, batch_size_message, log_batch_size,
                         per_process_batch_size)
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
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .hooks import CheckpointMatchHook, RNGStateHook
from .inferencer import adapt_seg_inferencer, read_inferencer_config
from .plain_checkpoint import (PlainCheckpointHook, from_plain_data,
                               to_plain_data)
from .resume import (auto_resume, guard_runner_resume, run_checkpoint_dirs,
                     work_dir_checkpoints)
from .state_dict_match import (StateDictDiff, check_checkpoint_matches,
                               compare_state_dict, load_matching_checkpoint)
from .visualization_hook import A2D2VisualizationHook

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
    'adapt_seg_inferencer', 'read_inferencer_config', 'run_checkpoint_dirs',
    'BatchSizeHook', 'log_batch_size', 'batch_size_message',
    'per_process_batch_size', 'FiniteLossHook', 'NonFiniteLossError'
]

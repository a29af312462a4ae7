"""The plugin's registered hooks and model wrapper.

:class:`RNGStateHook` (exact resumes with dropout), :class:`CheckpointMatchHook`
(refuse checkpoints of another model or class count),
:class:`PlainCheckpointHook` (checkpoints that load without the plugin),
:class:`A2D2VisualizationHook` (``--show-dir`` pictures at the original size),
:class:`FiniteLossHook` (stop at a non-finite loss before it is saved),
:class:`BatchSizeHook` (log the effective batch against the config's base
batch) and :class:`CPUDistributedDataParallel`. Fixes to mmengine itself are
in :mod:`a2d2_mmseg.compat`.
"""
from a2d2_mmseg.compat.distributed import CPUDistributedDataParallel
from a2d2_mmseg.compat.plain_checkpoint import PlainCheckpointHook
from a2d2_mmseg.engine.batch_size import (BatchSizeHook, batch_size_message,
                                          log_batch_size,
                                          per_process_batch_size)
from a2d2_mmseg.engine.finite_loss_hook import (FiniteLossHook,
                                                NonFiniteLossError)
from a2d2_mmseg.engine.hooks import CheckpointMatchHook, RNGStateHook
from a2d2_mmseg.engine.visualization_hook import A2D2VisualizationHook

__all__ = [
    'RNGStateHook', 'CheckpointMatchHook', 'PlainCheckpointHook',
    'A2D2VisualizationHook', 'FiniteLossHook', 'NonFiniteLossError',
    'BatchSizeHook', 'log_batch_size', 'batch_size_message',
    'per_process_batch_size', 'CPUDistributedDataParallel'
]

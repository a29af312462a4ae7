"""The plugin's registered hooks and model wrapper (fixes to mmengine
itself: :mod:`a2d2_mmseg.compat`)."""
from a2d2_mmseg.engine.batch_size import BatchSizeHook, batch_size_message
from a2d2_mmseg.engine.finite_loss_hook import (FiniteLossHook,
                                                NonFiniteLossError)
from a2d2_mmseg.engine.hooks import (CheckpointMatchHook, PlainCheckpointHook,
                                     RNGStateHook)
from a2d2_mmseg.engine.model_wrappers import CPUDistributedDataParallel
from a2d2_mmseg.engine.visualization_hook import A2D2VisualizationHook

__all__ = [
    'RNGStateHook', 'CheckpointMatchHook', 'PlainCheckpointHook',
    'A2D2VisualizationHook', 'FiniteLossHook', 'NonFiniteLossError',
    'BatchSizeHook', 'batch_size_message', 'CPUDistributedDataParallel'
]

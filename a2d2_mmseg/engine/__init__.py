"""The plugin's registered hooks and model wrapper (fixes to mmengine
itself: :mod:`a2d2_mmseg.compat`)."""
from a2d2_mmseg.engine.hooks import (BatchSizeHook, CheckpointMatchHook,
                                     FiniteLossHook, NonFiniteLossError,
                                     PlainCheckpointHook, RNGStateHook,
                                     batch_size_message)
from a2d2_mmseg.engine.model_wrappers import CPUDistributedDataParallel
from a2d2_mmseg.engine.visualization_hook import A2D2VisualizationHook

__all__ = [
    'RNGStateHook', 'CheckpointMatchHook', 'PlainCheckpointHook',
    'A2D2VisualizationHook', 'FiniteLossHook', 'NonFiniteLossError',
    'BatchSizeHook', 'batch_size_message', 'CPUDistributedDataParallel'
]

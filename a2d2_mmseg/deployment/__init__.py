"""Deployment: the whole predict path as ONNX, run with onnxruntime.

:func:`export_from_config` writes the graph (:mod:`.export`),
:class:`ORTSegmentor` runs it behind the config's test pipeline and
:func:`check_onnx` compares it with PyTorch (:mod:`.onnx_model`);
:mod:`.segmentor` is shared with :mod:`a2d2_mmseg.apis`. onnx, onnxscript
and onnxruntime are imported only when used.
"""
from a2d2_mmseg.deployment.export import (DEFAULT_FRAME_SIZE, DEFAULT_OPSET,
                                          PredictGraph, check_frame_size,
                                          export_from_config, export_onnx,
                                          frame_size_type, synthetic_frame)
from a2d2_mmseg.deployment.metadata import OUTPUT_KINDS
from a2d2_mmseg.deployment.onnx_model import (ORTSegmentor, check_onnx,
                                              resolve_providers)
from a2d2_mmseg.deployment.segmentor import (CheckpointMismatchError,
                                             ConfigError, ExportError,
                                             build_segmentor,
                                             dataset_meta_from_config,
                                             load_checkpoint_strict,
                                             load_config, load_segmentor)

__all__ = [
    'DEFAULT_FRAME_SIZE', 'DEFAULT_OPSET', 'OUTPUT_KINDS', 'ExportError',
    'ConfigError', 'CheckpointMismatchError', 'PredictGraph',
    'build_segmentor', 'dataset_meta_from_config', 'export_from_config',
    'export_onnx', 'load_checkpoint_strict', 'load_config', 'load_segmentor',
    'synthetic_frame', 'ORTSegmentor', 'check_onnx', 'resolve_providers',
    'check_frame_size', 'frame_size_type'
]

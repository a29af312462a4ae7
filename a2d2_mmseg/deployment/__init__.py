"""Deployment: the whole predict path as ONNX, run with onnxruntime.

:func:`export_from_config` writes the graph (:mod:`.export`),
:class:`ORTSegmentor` runs it behind the config's test pipeline and
:func:`check_onnx` compares it with PyTorch (:mod:`.onnx_model`);
:mod:`.segmentor` and :mod:`.pipeline` are shared with
:mod:`a2d2_mmseg.apis`. onnx, onnxscript and onnxruntime are imported only
when used.
"""
from a2d2_mmseg.deployment.export import (DEFAULT_FRAME_SIZE, DEFAULT_OPSET,
                                          PredictGraph, check_frame_size,
                                          export_from_config, export_onnx,
                                          read_frames, synthetic_frame)
from a2d2_mmseg.deployment.metadata import OUTPUT_KINDS, read_metadata
from a2d2_mmseg.deployment.onnx_model import (PROVIDER_ALIASES, CheckReport,
                                              ORTSegmentor, check_onnx,
                                              create_session,
                                              resolve_providers)
from a2d2_mmseg.deployment.pipeline import (array_test_pipeline,
                                            build_array_pipeline,
                                            input_size_for, run_pipeline)
from a2d2_mmseg.deployment.segmentor import (CheckpointMismatchError,
                                             ConfigError, ExportError,
                                             build_segmentor,
                                             config_num_classes,
                                             dataset_meta_for,
                                             dataset_meta_from_config,
                                             load_checkpoint_strict,
                                             load_config)

__all__ = [
    'DEFAULT_FRAME_SIZE', 'DEFAULT_OPSET', 'OUTPUT_KINDS', 'ExportError',
    'ConfigError', 'CheckpointMismatchError', 'PredictGraph',
    'build_segmentor', 'dataset_meta_from_config', 'dataset_meta_for',
    'export_from_config', 'export_onnx', 'load_checkpoint_strict',
    'load_config', 'read_frames', 'synthetic_frame', 'PROVIDER_ALIASES',
    'CheckReport', 'ORTSegmentor', 'check_onnx', 'create_session',
    'resolve_providers', 'array_test_pipeline', 'build_array_pipeline',
    'input_size_for', 'run_pipeline', 'check_frame_size', 'read_metadata',
    'config_num_classes'
]

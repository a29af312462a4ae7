"""Segment an image, a folder of images or a video and write the results.

:func:`infer` reads the frames (:class:`~a2d2_mmseg.apis.inputs.Source`),
runs batches of one size through the model and writes each frame's files
(:class:`~a2d2_mmseg.apis.outputs.OutputWriter`). Backends: ``'pytorch'``
(mmseg's ``init_model`` + ``inference_model`` on a checkpoint loaded by
:func:`load_model`) and ``'onnxruntime'`` (a ``.onnx`` file of
``tools/deployment/pytorch2onnx.py``,
:class:`a2d2_mmseg.deployment.ORTSegmentor`). Behaviour and outputs:
``docs/inference.md``.
"""
import functools
import os.path as osp
import sys
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.utils import ProgressBar

# Registers the plugin's components and applies its patches (the safe
# checkpoint loader among them).
import a2d2_mmseg.plugin  # noqa: F401
from a2d2_mmseg.apis.inputs import InferenceInputError, Source
from a2d2_mmseg.apis.outputs import OutputWriter, check_inputs_apart
from a2d2_mmseg.compat.checkpoint import CheckpointError
from a2d2_mmseg.compat.state_dict_match import load_matching_checkpoint
from a2d2_mmseg.deployment.pipeline import array_test_pipeline
from a2d2_mmseg.deployment.segmentor import (build_segmentor,
                                             dataset_meta_for, load_config)

__all__ = [
    'INFER_ERRORS', 'InferenceIncompleteError', 'batches', 'infer',
    'load_model'
]

# What infer raises for bad inputs, files or options (a command line prints
# them as one line).
INFER_ERRORS = (InferenceInputError, FileNotFoundError, ValueError,
                CheckpointError)
# Skipped inputs named in InferenceIncompleteError's message.
MAX_NAMED = 10


class InferenceIncompleteError(InferenceInputError):
    """Some inputs were skipped (each with a ``SkippedInputWarning``), the
    others' outputs were written.

    Attributes:
        written (dict): What :func:`infer` returns: the files written.
        skipped (list[tuple[str, str]]): ``(file, why)`` per skipped input.
    """

    def __init__(self, written: Dict[str, list],
                 skipped: List[Tuple[str, str]], out_dir: str) -> None:
        names = [path if len(path) <= 200 else path[:200] + '...'
                 for path, _ in skipped[:MAX_NAMED]]
        more = len(skipped) - len(names)
        super().__init__(
            f'{len(skipped)} input(s) could not be read and were skipped '
            f"(see the warnings): {', '.join(names)}"
            + (f', ... ({more} more)' if more else '') +
            f"; the {len(written['index'])} frame(s) read were written to "
            f'{out_dir}')
        self.written = written
        self.skipped = skipped


def load_model(config: str,
               checkpoint: str,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               allow_partial_checkpoint: bool = False) -> torch.nn.Module:
    """Build the config's segmentor and load a checkpoint that fits it.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint file.
        device (str): 'cpu', 'cuda' or 'cuda:N'. Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides for the config.
        allow_partial_checkpoint (bool): Load a checkpoint that does not fit
            partially (with a warning) instead of refusing it.

    Returns:
        nn.Module: The model in eval mode on ``device``, with
        ``dataset_meta`` (the checkpoint's, else the config's class set)
        and ``cfg.test_pipeline`` for arrays (no annotations).

    Raises:
        FileNotFoundError: The config or checkpoint file does not exist.
        ValueError: CUDA is not available, the config cannot be read or
            the class names cannot be found.
        CheckpointError: The checkpoint is unsafe, unreadable or (without
            ``allow_partial_checkpoint``) does not fit the model.
    """
    if device.startswith('cuda') and not torch.cuda.is_available():
        raise ValueError(f'--device {device}: CUDA is not available here')
    cfg = load_config(config, cfg_options)
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'{checkpoint}: checkpoint file not found')
    model = build_segmentor(cfg)
    ckpt = load_matching_checkpoint(model, checkpoint, map_location='cpu',
                                    allow_partial=allow_partial_checkpoint)
    model.dataset_meta = dataset_meta_for(cfg, model.decode_head.num_classes,
                                          ckpt, checkpoint)
    model.cfg.test_pipeline = array_test_pipeline(model.cfg)
    return model.to(device)


def batches(frames: Iterator[Tuple[str, np.ndarray]],
            batch_size: int) -> Iterator[List[Tuple[str, np.ndarray]]]:
    """Consecutive ``(name, image)`` frames of one size, at most
    ``batch_size`` (mmseg stacks a batch into one tensor)."""
    batch: list = []
    for name, img in frames:
        if batch and (len(batch) == batch_size
                      or img.shape != batch[0][1].shape):
            yield batch
            batch = []
        batch.append((name, img))
    if batch:
        yield batch


def _predictor(config: str, checkpoint: str, device: str,
               cfg_options: Optional[dict], allow_partial_checkpoint: bool,
               backend: str, providers: Optional[Sequence[str]],
               ort_threads: Optional[int]):
    """The model (for its ``dataset_meta``) and a function from a list of
    BGR images to their ``SegDataSample`` predictions."""
    if backend == 'onnxruntime':  # `checkpoint` is the exported .onnx
        from a2d2_mmseg.deployment import ORTSegmentor
        model = ORTSegmentor(checkpoint, config, providers, ort_threads,
                             cfg_options)
        return model, model.predict
    from mmseg.apis import inference_model
    model = load_model(config, checkpoint, device, cfg_options,
                       allow_partial_checkpoint)
    return model, functools.partial(inference_model, model)


def infer(config: str,
          checkpoint: str,
          input_path: str,
          out_dir: str = 'work_dirs/infer',
          batch_size: int = 4,
          device: str = 'cpu',
          opacity: float = 0.5,
          frame_step: int = 1,
          max_frames: Optional[int] = None,
          cfg_options: Optional[dict] = None,
          allow_partial_checkpoint: bool = False,
          backend: str = 'pytorch',
          providers: Optional[Sequence[str]] = None,
          ort_threads: Optional[int] = None) -> Dict[str, list]:
    """Segment ``input_path`` and write the outputs (see the module doc).

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint file, or the exported ``.onnx`` file
            with ``backend='onnxruntime'``.
        input_path (str): Image file, folder of images (its top level,
            sorted by name) or video file.
        out_dir (str): The output folder. Defaults to 'work_dirs/infer'.
        batch_size (int): Images per forward pass. Defaults to 4.
        device (str): 'cpu', 'cuda' or 'cuda:N' (PyTorch backend).
        opacity (float): Opacity of the mask in the overlays, in [0, 1].
        frame_step (int): Use every n-th video frame / folder image.
        max_frames (int, optional): Stop after this many frames / images.
        cfg_options (dict, optional): Overrides for the config.
        allow_partial_checkpoint (bool): See :func:`load_model`.
        backend (str): 'pytorch' or 'onnxruntime'. Defaults to 'pytorch'.
        providers (Sequence[str], optional): onnxruntime execution
            providers (default: the CPU).
        ort_threads (int, optional): onnxruntime intra-op threads.

    Returns:
        dict: ``{'index': [...], 'color': [...], 'overlay': [...],
        'video': [path] or []}``, the files written, in input order.

    Raises:
        InferenceIncompleteError: Inputs were skipped (after the others'
            outputs were written).
        InferenceInputError, FileNotFoundError, ValueError, CheckpointError:
            See :data:`INFER_ERRORS`; an :class:`InferenceInputError` also
            for an output folder that holds an input (nothing is written).
    """
    if batch_size < 1:
        raise ValueError(f'--batch-size must be >= 1, got {batch_size}')
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f'--opacity must be in [0, 1], got {opacity}')
    source = Source(input_path, frame_step, max_frames)
    check_inputs_apart(out_dir, [input_path] + source.files)
    model, predict = _predictor(config, checkpoint, device, cfg_options,
                                allow_partial_checkpoint, backend, providers,
                                ort_threads)
    writer = OutputWriter(
        out_dir, model.dataset_meta['palette'], opacity,
        source.fps / frame_step if source.kind == 'video' else None)
    progress = ProgressBar(source.total)
    try:
        for batch in batches(iter(source), batch_size):
            results = predict([img for _, img in batch])
            for (name, img), result in zip(batch, results):
                index = result.pred_sem_seg.data[0].cpu().numpy()
                writer.write(name, img, index.astype(np.uint8))
                progress.update()
    finally:
        writer.close()
    sys.stdout.write('\n')
    if source.skipped:
        raise InferenceIncompleteError(writer.written, source.skipped,
                                       out_dir)
    return writer.written

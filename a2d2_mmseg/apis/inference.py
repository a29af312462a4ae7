"""Segment an image, a folder of images or a video and write the results
(:func:`infer`; behaviour and outputs: ``docs/inference.md``)."""
import functools
import itertools
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
from a2d2_mmseg.compat.state_dict_match import (bounded,
                                                load_matching_checkpoint)
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
                 for path, _ in skipped]
        super().__init__(
            f'{len(skipped)} input(s) could not be read and were skipped '
            f'(see the warnings): {bounded(names, MAX_NAMED)}; the '
            f"{len(written['index'])} frame(s) read were written to "
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
        device (str): 'cpu', 'cuda' or 'cuda:N'.
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
    for _, group in itertools.groupby(frames, key=lambda f: f[1].shape):
        while batch := list(itertools.islice(group, batch_size)):
            yield batch


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
        checkpoint (str): Checkpoint file, or the exported ``.onnx`` file
            with ``backend='onnxruntime'``.
        input_path (str): Image file, folder of images (its top level,
            sorted by name) or video file.
        batch_size (int): Images per forward pass.
        device, cfg_options, allow_partial_checkpoint: See
            :func:`load_model` (PyTorch backend).
        opacity (float): Opacity of the mask in the overlays, in [0, 1].
        frame_step, max_frames: See :class:`~.inputs.Source`.
        backend (str): 'pytorch' or 'onnxruntime'.
        providers, ort_threads: onnxruntime's, see
            :class:`a2d2_mmseg.deployment.ORTSegmentor`.

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
    if backend == 'onnxruntime':  # `checkpoint` is the exported .onnx
        from a2d2_mmseg.deployment import ORTSegmentor
        model = ORTSegmentor(checkpoint, config, providers, ort_threads,
                             cfg_options)
        predict = model.predict
    else:
        from mmseg.apis import inference_model
        model = load_model(config, checkpoint, device, cfg_options,
                           allow_partial_checkpoint)
        predict = functools.partial(inference_model, model)
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

"""Segment an image, a folder of images or a video and write the results
(:func:`infer`; behaviour and outputs: ``docs/inference.md``).

Under the output folder: ``index/<name>.png`` (class indices),
``color/<name>.png`` (the palette's colours), ``overlay/<name>.png`` (the
mask over the image) and, for a video, ``overlay.mp4``.
"""
import functools
import itertools
import os
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.utils import ProgressBar

# Registers the plugin's components and applies its patches (the safe
# checkpoint loader among them).
import a2d2_mmseg.plugin  # noqa: F401
from a2d2_mmseg.apis.inputs import InferenceInputError, Source
from a2d2_mmseg.compat.checkpoint import CheckpointError
from a2d2_mmseg.compat.state_dict_match import PARTIAL_REMEDY, bounded
from a2d2_mmseg.deployment.segmentor import (array_test_pipeline,
                                             load_segmentor)
from a2d2_mmseg.visualization import blend, colorize

__all__ = [
    'INFER_ERRORS', 'InferenceIncompleteError', 'OUTPUT_KINDS', 'VIDEO_NAME',
    'batches', 'check_inputs_apart', 'infer', 'load_model', 'write_png'
]

# What infer raises for bad inputs, files or options (a command line prints
# them as one line).
INFER_ERRORS = (InferenceInputError, FileNotFoundError, ValueError,
                CheckpointError)
# Skipped inputs named in InferenceIncompleteError's message.
MAX_NAMED = 10
# The PNG folders written under the output folder, and a video's overlay.
OUTPUT_KINDS = ('index', 'color', 'overlay')
VIDEO_NAME = 'overlay.mp4'


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
        ValueError: CUDA is not available, the config or checkpoint cannot
            be read or the class names cannot be found.
        CheckpointError: The checkpoint is unsafe, corrupt or (without
            ``allow_partial_checkpoint``) does not fit the model.
    """
    if device.startswith('cuda') and not torch.cuda.is_available():
        raise ValueError(f'--device {device}: CUDA is not available here')
    model, _ = load_segmentor(config, checkpoint, cfg_options,
                              allow_partial=allow_partial_checkpoint,
                              remedy=PARTIAL_REMEDY)
    model.cfg.test_pipeline = array_test_pipeline(model.cfg)
    return model.to(device)


def write_png(path: str, array: np.ndarray) -> None:
    """Write a ``uint8`` image (BGR if 3 channels) as PNG: encoded with
    OpenCV, written with Python, as ``cv2.imwrite`` crashes on a path that
    is not valid UTF-8 (an input file's name can be)."""
    ok, buf = cv2.imencode('.png', np.ascontiguousarray(array))
    if not ok:
        raise OSError(f'{path}: cannot encode the PNG')
    with open(path, 'wb') as f:
        f.write(buf.tobytes())


def check_inputs_apart(out_dir: str, inputs: Sequence[str]) -> None:
    """Refuse an output folder that an input lies in or is, before
    anything is written: every place written to (``out_dir``, its
    subfolders, ``overlay.mp4``; links resolved) against every input.

    Raises:
        InferenceInputError: An input is, or is inside, a place written to.
    """
    places = {
        os.path.realpath(os.path.join(out_dir, name))
        for name in ('', VIDEO_NAME) + OUTPUT_KINDS
    }
    for path in inputs:
        real = os.path.realpath(path)
        for place in places:
            if Path(real).is_relative_to(place):
                raise InferenceInputError(
                    f'{path}: the input lies in (or is) the output folder '
                    f'{out_dir} (resolved: {real} in {place}); the outputs '
                    'would overwrite it: choose another output folder '
                    '(-o/--out-dir)')


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
    palette = model.dataset_meta['palette']
    written: Dict[str, list] = {k: [] for k in OUTPUT_KINDS + ('video', )}
    for kind in OUTPUT_KINDS:
        os.makedirs(os.path.join(out_dir, kind), exist_ok=True)
    video = None
    progress = ProgressBar(source.total)
    try:
        for batch in batches(iter(source), batch_size):
            results = predict([img for _, img in batch])
            for (name, img), result in zip(batch, results):
                index = result.pred_sem_seg.data[0].cpu().numpy().astype(
                    np.uint8)
                colour = colorize(index, palette)[..., ::-1]  # BGR
                overlay = blend(img, colour, opacity)
                for kind, array in zip(OUTPUT_KINDS,
                                       (index, colour, overlay)):
                    path = os.path.join(out_dir, kind, f'{name}.png')
                    write_png(path, array)
                    written[kind].append(path)
                if source.kind == 'video':
                    if video is None:
                        path = os.path.join(out_dir, VIDEO_NAME)
                        video = _open_video(path, source.fps / frame_step,
                                            img.shape)
                        written['video'].append(path)
                    video.write(np.ascontiguousarray(overlay))
                progress.update()
    finally:
        if video is not None:
            video.release()
    sys.stdout.write('\n')
    if source.skipped:
        raise InferenceIncompleteError(written, source.skipped, out_dir)
    return written


def _open_video(path: str, fps: float, shape: Tuple[int, ...]):
    """An mp4v writer of ``shape`` frames at ``fps`` (25 when unknown)."""
    height, width = shape[:2]
    video = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'),
                            fps if fps > 0 else 25.0, (width, height))
    if not video.isOpened():
        raise OSError(f'{path}: cannot open an mp4v video writer')
    return video

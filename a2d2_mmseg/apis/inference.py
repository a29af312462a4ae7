"""Segment an image, a folder of images or a video and write the results.

:func:`infer` reads the frames (:class:`~a2d2_mmseg.apis.inputs.Source`),
runs them in batches of one size through the model and writes, per frame,
the class indices, the coloured mask and the overlay
(:class:`~a2d2_mmseg.apis.outputs.OutputWriter`), plus ``overlay.mp4`` for
a video (at the video's frame rate divided by ``frame_step``).

Two backends: ``'pytorch'`` runs a checkpoint with mmseg's ``init_model``
and ``inference_model`` (:func:`~a2d2_mmseg.apis.model.load_model`);
``'onnxruntime'`` runs a model written by
``tools/deployment/pytorch2onnx.py`` behind the same test pipeline
(:class:`a2d2_mmseg.deployment.ORTSegmentor`). The outputs are the same
files, at the original image size.

Before anything is written, an output folder that holds an input (or is
one) is refused (:func:`~a2d2_mmseg.apis.outputs.check_inputs_apart`). An
image of a folder that cannot be read, or the missing end of a video, is
skipped with a warning and the other frames are written; then
:class:`InferenceIncompleteError` says what was skipped.
"""
import functools
import sys
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.utils import ProgressBar

from a2d2_mmseg.compat.checkpoint import CheckpointError
from a2d2_mmseg.apis.inputs import InferenceInputError, Source
from a2d2_mmseg.apis.model import load_model
from a2d2_mmseg.apis.outputs import OutputWriter, check_inputs_apart

__all__ = ['INFER_ERRORS', 'InferenceIncompleteError', 'batches', 'infer']

# What infer raises for bad inputs, files or options (a command line prints
# them as one line).
INFER_ERRORS = (InferenceInputError, FileNotFoundError, ValueError,
                CheckpointError)
# Skipped inputs named in InferenceIncompleteError's message.
MAX_NAMED = 10


class InferenceIncompleteError(InferenceInputError):
    """Some inputs were skipped (each with a
    :class:`~a2d2_mmseg.apis.inputs.SkippedInputWarning`), the others'
    outputs were written.

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


def batches(frames: Iterator[Tuple[str, np.ndarray]],
            batch_size: int) -> Iterator[List[Tuple[str, np.ndarray]]]:
    """Consecutive frames of one size, at most ``batch_size`` (mmseg stacks
    a batch into one tensor).

    Args:
        frames (Iterator[tuple[str, np.ndarray]]): ``(name, image)``.
        batch_size (int): The largest batch.

    Returns:
        Iterator[list[tuple[str, np.ndarray]]]: The batches, in order.
    """
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
            Defaults to 'cpu'.
        opacity (float): Opacity of the mask in the overlays, in [0, 1].
            Defaults to 0.5.
        frame_step (int): Use every n-th video frame / folder image.
            Defaults to 1.
        max_frames (int, optional): Stop after this many frames / images.
        cfg_options (dict, optional): Overrides for the config.
        allow_partial_checkpoint (bool): Load a checkpoint that does not fit
            the model partially instead of refusing it. Defaults to False.
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

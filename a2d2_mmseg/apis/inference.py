"""Segment an image, a folder of images or a video and write the results
(:func:`infer`; behaviour and outputs: ``docs/inference.md``).

Under the output folder: ``index/<name>.png`` (class indices),
``color/<name>.png`` (the palette's colours), ``overlay/<name>.png`` (the
mask over the image) and, for a video, ``overlay.mp4``. The frames of an
input (:class:`Source`; names: :func:`frame_names`, a video's frames
``<stem>_<frame number, 6 digits>``) are decoded as the A2D2 pipelines do.
"""
import functools
import itertools
import os
import os.path as osp
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
import torch
from mmengine.utils import ProgressBar

# Registers the plugin's components and applies its patches (the safe
# checkpoint loader among them).
import a2d2_mmseg.plugin  # noqa: F401
from a2d2_mmseg.a2d2 import A2D2ImageError, read_image_file
from a2d2_mmseg.compat.checkpoint import CheckpointError
from a2d2_mmseg.compat.state_dict_match import PARTIAL_REMEDY, bounded
from a2d2_mmseg.deployment.segmentor import (array_test_pipeline,
                                             load_segmentor)
from a2d2_mmseg.visualization import blend, colorize

__all__ = [
    'IMAGE_EXTENSIONS', 'VIDEO_EXTENSIONS', 'InferenceInputError',
    'SkippedInputWarning', 'read_image', 'frame_names', 'list_images',
    'Source', 'INFER_ERRORS', 'InferenceIncompleteError', 'OUTPUT_KINDS',
    'VIDEO_NAME', 'batches', 'check_inputs_apart', 'infer', 'load_model'
]

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff',
                    '.webp', '.ppm', '.pgm')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
                    '.mpeg', '.wmv', '.flv')


class InferenceInputError(ValueError):
    """The input cannot be read: missing, empty folder, unreadable file."""


class SkippedInputWarning(UserWarning):
    """An image of a folder, or the rest of a video, could not be read and
    was skipped; the other frames go on."""


def read_image(path: str) -> np.ndarray:
    """BGR ``uint8 [H, W, 3]`` in the stored orientation, as
    ``LoadA2D2ImageFromFile`` reads it (:class:`InferenceInputError` when
    it cannot be decoded)."""
    try:
        return read_image_file(path, 'color')
    except A2D2ImageError as e:
        detail = str(e).removeprefix(f'{path}: ')
        raise InferenceInputError(
            f'{path}: cannot read the image: {detail}') from None


def frame_names(paths: Sequence[str]) -> List[str]:
    """Output names of images, one per path, all different (also
    case-insensitively): the stem; stem + '_' + extension for stems that
    several inputs share; then '_2', '_3', ... if that is still taken. A
    unique stem is never renamed by another file."""
    stems = [osp.splitext(osp.basename(p))[0] for p in paths]
    counts = Counter(s.casefold() for s in stems)
    # Unique stems are taken first, so that no other file's name can.
    taken = {folded for folded, n in counts.items() if n == 1}
    names = []
    for path, stem in zip(paths, stems):
        name = stem
        if counts[stem.casefold()] > 1:
            ext = osp.splitext(path)[1].lstrip('.')
            base = name = f'{stem}_{ext}' if ext else stem
            n = 1
            while name.casefold() in taken:
                n += 1
                name = f'{base}_{n}'
            taken.add(name.casefold())
        names.append(name)
    return names


def list_images(folder: str) -> List[str]:
    """The image files at the top level of a folder, sorted by name
    (:class:`InferenceInputError` when there is none)."""
    paths = sorted(
        osp.join(folder, f) for f in os.listdir(folder)
        if f.lower().endswith(IMAGE_EXTENSIONS)
        and osp.isfile(osp.join(folder, f)))
    if not paths:
        raise InferenceInputError(
            f'{folder}: the folder holds no images '
            f"({', '.join(IMAGE_EXTENSIONS)})")
    return paths


class Source:
    """The frames of an input: ``(name, BGR image)`` in order, decoded as
    the A2D2 pipelines decode them. A folder's unreadable image, or the
    missing end of a video, is skipped with a :class:`SkippedInputWarning`.

    Args:
        path (str): Image file, folder of images or video file.
        frame_step (int): Use every ``frame_step``-th frame (video) or image
            (folder).
        max_frames (int, optional): Stop after this many frames.

    Attributes:
        kind (str): 'image', 'folder' or 'video'.
        total (int): Frames that will be produced (0 if unknown).
        fps (float): A video's frame rate (0 for images).
        declared (int): A video's frame count as its container declares it
            (0 when unknown).
        files (list[str]): The input files read (a folder's images, the
            image or the video).
        skipped (list[tuple[str, str]]): ``(file, why)`` for each image of
            a folder that could not be read and for a video whose frames
            stopped early, as iteration meets them.

    Raises:
        InferenceInputError: The input is missing, an empty folder or a
            video that cannot be opened.
        ValueError: ``frame_step`` or ``max_frames`` is below 1.
    """

    def __init__(self, path: str, frame_step: int = 1,
                 max_frames: Optional[int] = None) -> None:
        if frame_step < 1:
            raise ValueError(f'--frame-step must be >= 1, got {frame_step}')
        if max_frames is not None and max_frames < 1:
            raise ValueError(f'--max-frames must be >= 1, got {max_frames}')
        if not osp.exists(path):
            raise InferenceInputError(f'{path}: no such file or folder')
        self.path = path
        self.frame_step = frame_step
        self.max_frames = max_frames
        self.fps = 0.0
        self.declared = 0
        self.skipped: List[Tuple[str, str]] = []
        self.files = [path]
        if osp.isdir(path):
            self.kind = 'folder'
            self.files = list_images(path)[::frame_step][:max_frames]
        elif path.lower().endswith(VIDEO_EXTENSIONS):
            self.kind = 'video'
            cap = cv2.VideoCapture(path)
            if not cap.isOpened():
                raise InferenceInputError(
                    f'{path}: cannot open the video (corrupt or a codec '
                    f'OpenCV cannot decode)')
            self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
            # What the container declares; 0 when unknown or absurd.
            self.declared = int(count) if 0 < count < 1e9 else 0
            cap.release()
        else:
            self.kind = 'image'
        total = len(self.files) if self.kind != 'video' else -(
            -self.declared // frame_step)
        self.total = min(total, max_frames) if max_frames else total

    def _skip(self, path: str, why: str) -> None:
        self.skipped.append((path, why))
        warnings.warn(f'{why}; skipped, the other frames go on',
                      SkippedInputWarning)

    def __iter__(self) -> Iterator[Tuple[str, np.ndarray]]:
        if self.kind == 'video':
            yield from self._video_frames()
            return
        for name, path in zip(frame_names(self.files), self.files):
            try:
                image = read_image(path)
            except InferenceInputError as error:
                if self.kind == 'image':
                    raise
                self._skip(path, str(error))
                continue
            yield name, image

    def _video_frames(self) -> Iterator[Tuple[str, np.ndarray]]:
        stem = osp.splitext(osp.basename(self.path))[0]
        cap = cv2.VideoCapture(self.path)
        index, produced, ok = 0, 0, True
        try:
            while self.max_frames is None or produced < self.max_frames:
                if index % self.frame_step:
                    ok = cap.grab()  # skip without decoding
                else:
                    ok, frame = cap.read()
                if not ok:  # the decoder ran out of frames
                    break
                if index % self.frame_step == 0:
                    yield f'{stem}_{index:06d}', frame
                    produced += 1
                index += 1
        finally:
            cap.release()
        if produced == 0:
            raise InferenceInputError(
                f'{self.path}: no frame could be read from the video')
        if not ok and index < self.declared:
            self._skip(
                self.path,
                f'{self.path}: only {index} of the {self.declared} frames '
                f'the video declares could be decoded (frames {index} to '
                f'{self.declared - 1} are missing: a truncated or damaged '
                'file)')


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
        frame_step, max_frames: See :class:`Source`.
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
                    # mmcv writes through Python: cv2.imwrite crashes on
                    # a path that is not UTF-8 (an input's name can be)
                    if not mmcv.imwrite(np.ascontiguousarray(array), path):
                        raise OSError(f'{path}: cannot encode the PNG')
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

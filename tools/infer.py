# Copyright (c) OpenMMLab. All rights reserved.
"""Segment an image, a folder of images or a video with a trained model.

    python tools/infer.py CONFIG CHECKPOINT INPUT [-o OUT] [--batch-size 4]
        [--device cpu|cuda] [--opacity 0.5] [--frame-step 1]
        [--max-frames N] [--cfg-options k=v ...]
    python tools/infer.py CONFIG MODEL.onnx INPUT --backend onnxruntime
        [--providers cpu|cuda|tensorrt ...] [--ort-threads N] [...]

INPUT is an image file, a folder of images (its top level, sorted by name)
or a video file (read with ``cv2.VideoCapture``). For every processed image
or frame ``<name>`` it writes

* ``OUT/index/<name>.png``: the predicted class indices (uint8, one channel),
* ``OUT/color/<name>.png``: the mask in the dataset's palette colours,
* ``OUT/overlay/<name>.png``: the mask over the image (``--opacity``),

and for a video also ``OUT/overlay.mp4`` (the overlays, mp4v, at the video's
frame rate divided by ``--frame-step``). Names: the image file's name
without its extension (``<stem>``); when inputs share a stem (compared
case-insensitively, e.g. ``a.png`` and ``a.jpg``), each of them gets its
extension appended instead (``a_png``, ``a_jpg``), and a name that would
still be taken gets ``_2``, ``_3``, ... so every input has its own outputs
(names are given in sorted input order; a unique stem is never renamed by a
later file). A video's frames are ``<video stem>_<frame number, 6 digits>``
(numbered in the video from 0). Images are decoded as stored (an EXIF
orientation tag is ignored, as in training), and a PNG or JPEG whose header
declares more than ``a2d2_io.MAX_IMAGE_SIDE`` pixels per side is refused
before it is decoded.
``--frame-step`` and ``--max-frames`` apply to a video's frames and to a
folder's images.

The model is built with mmseg's ``init_model`` and run with
``inference_model``, so ``model.test_cfg`` decides between whole-image and
sliding-window inference, and the config's test pipeline (resize, ...) is
used without its annotation loading. Class names and palette come from the
checkpoint (``meta.dataset_meta``, saved by the runner), else from the
config's A2D2 ``class_set``. Checkpoints load through the plugin's safe
loader (``torch.load(weights_only=True)`` with mmengine's types allowed); a
checkpoint whose weights do not fit the model (another model or number of
classes) is refused unless ``--allow-partial-checkpoint``.

With ``--backend onnxruntime`` the model is a file written by
``tools/deployment/pytorch2onnx.py`` from CONFIG, run by onnxruntime behind
the same test pipeline (:class:`a2d2_mmseg.deployment.ORTSegmentor`); the
outputs are the same files, at the original image size.
"""
import argparse
import functools
import os
import os.path as osp
import sys
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.utils import ProgressBar

try:
    import a2d2_mmseg  # noqa: F401  (registers the plugin)
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    import a2d2_mmseg  # noqa: F401

from a2d2_mmseg.datasets.a2d2_io import A2D2ImageError, read_image_file
from a2d2_mmseg.datasets.a2d2_meta import build_class_set
from a2d2_mmseg.deployment.pipeline import array_test_pipeline
from a2d2_mmseg.engine import (CheckpointError, checkpoint_dataset_meta,
                               load_matching_checkpoint)
from a2d2_mmseg.visualization import colorize, overlay_mask

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff',
                    '.webp', '.ppm', '.pgm')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
                    '.mpeg', '.wmv', '.flv')
OUTPUT_KINDS = ('index', 'color', 'overlay')
VIDEO_NAME = 'overlay.mp4'


class InferenceInputError(ValueError):
    """The input cannot be read: missing, empty folder, unreadable file."""


# -- inputs ----------------------------------------------------------------
def read_image(path: str) -> np.ndarray:
    """Read an image as BGR uint8 in its stored orientation, as the A2D2
    pipelines' ``LoadA2D2ImageFromFile`` does.

    Raises:
        InferenceInputError: The file is empty, truncated, declares an
            oversized image, or cannot be decoded as an image.
    """
    try:
        return read_image_file(path, 'color')
    except A2D2ImageError as e:
        detail = str(e)
        if detail.startswith(f'{path}: '):
            detail = detail[len(path) + 2:]
        raise InferenceInputError(
            f'{path}: cannot read the image: {detail}') from None


def _frame_names(paths: Sequence[str]) -> List[str]:
    """Output names of images, one per path, all different (also
    case-insensitively): the stem; stem + '_' + extension for stems that
    several inputs share; then '_2', '_3', ... if that is still taken."""
    stems = [osp.splitext(osp.basename(p))[0] for p in paths]
    folded = [s.casefold() for s in stems]
    shared = {s for s in folded if folded.count(s) > 1}
    names: List[Optional[str]] = [None] * len(paths)
    taken = set()
    # Unique stems first, so that no other file's name can take them.
    for i, stem in enumerate(stems):
        if folded[i] not in shared:
            names[i] = stem
            taken.add(folded[i])
    for i, path in enumerate(paths):
        if names[i] is not None:
            continue
        ext = osp.splitext(path)[1].lstrip('.')
        base = f'{stems[i]}_{ext}' if ext else stems[i]
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = f'{base}_{n}'
        names[i] = name
        taken.add(name.casefold())
    return names


def list_images(folder: str) -> List[str]:
    """The image files at the top level of a folder, sorted by name.

    Raises:
        InferenceInputError: The folder holds no image file.
    """
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
    """The frames of an input: ``(name, BGR image)`` in order.

    Args:
        path (str): Image file, folder of images or video file.
        frame_step (int): Use every ``frame_step``-th frame (video) or image
            (folder). Defaults to 1.
        max_frames (int, optional): Stop after this many frames.

    Attributes:
        kind (str): 'image', 'folder' or 'video'.
        total (int): Frames that will be produced (0 if unknown).
        fps (float): A video's frame rate (0 for images).
    """

    def __init__(self, path: str, frame_step: int = 1,
                 max_frames: Optional[int] = None) -> None:
        if frame_step < 1:
            raise ValueError(f'--frame-step must be >= 1, got {frame_step}')
        if max_frames is not None and max_frames < 1:
            raise ValueError(f'--max-frames must be >= 1, got {max_frames}')
        self.path = path
        self.frame_step = frame_step
        self.max_frames = max_frames
        self.fps = 0.0
        if not osp.exists(path):
            raise InferenceInputError(f'{path}: no such file or folder')
        if osp.isdir(path):
            self.kind = 'folder'
            paths = list_images(path)[::frame_step][:max_frames]
            self._images = list(zip(_frame_names(paths), paths))
            self.total = len(self._images)
        elif path.lower().endswith(VIDEO_EXTENSIONS):
            self.kind = 'video'
            cap = cv2.VideoCapture(path)
            if not cap.isOpened():
                raise InferenceInputError(
                    f'{path}: cannot open the video (corrupt or a codec '
                    f'OpenCV cannot decode)')
            self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            cap.release()
            total = max(0, (count + frame_step - 1) // frame_step)
            self.total = min(total, max_frames) if max_frames else total
        else:
            self.kind = 'image'
            self._images = [(osp.splitext(osp.basename(path))[0], path)]
            self.total = 1

    def __iter__(self) -> Iterator[Tuple[str, np.ndarray]]:
        if self.kind != 'video':
            for name, path in self._images:
                yield name, read_image(path)
            return
        yield from self._video_frames()

    def _video_frames(self) -> Iterator[Tuple[str, np.ndarray]]:
        stem = osp.splitext(osp.basename(self.path))[0]
        cap = cv2.VideoCapture(self.path)
        index, produced = 0, 0
        try:
            while self.max_frames is None or produced < self.max_frames:
                if index % self.frame_step:
                    if not cap.grab():  # skip without decoding
                        break
                else:
                    ok, frame = cap.read()
                    if not ok:
                        break
                    yield f'{stem}_{index:06d}', frame
                    produced += 1
                index += 1
        finally:
            cap.release()
        if produced == 0:
            raise InferenceInputError(
                f'{self.path}: no frame could be read from the video')


# -- model -----------------------------------------------------------------
def inference_pipeline(cfg: Config) -> list:
    """The config's test pipeline for in-memory images: the first step
    loads from an array and annotation loading is dropped (the same
    function the ONNX backend uses)."""
    return array_test_pipeline(cfg)


def _config_dataset_meta(cfg: Config, num_classes: int) -> dict:
    """Classes and palette from the config's A2D2 class set."""
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    class_set = build_class_set(dataset.get('class_set', 'full'))
    meta = dict(class_set.metainfo)
    custom = (dataset.get('metainfo') or {}).get('classes')
    if custom:
        index = {c: i for i, c in enumerate(class_set.classes)}
        meta = dict(classes=tuple(custom),
                    palette=[class_set.palette[index[c]] for c in custom])
    if len(meta['classes']) != num_classes:
        raise ValueError(
            f'the checkpoint holds no class names and the config\'s class '
            f"set has {len(meta['classes'])} classes, not the model's "
            f'{num_classes}')
    return meta


def load_model(config: str,
               checkpoint: str,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               allow_partial_checkpoint: bool = False):
    """Build the segmentor, load the checkpoint, prepare the pipeline.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint file.
        device (str): 'cpu', 'cuda' or 'cuda:N'.
        cfg_options (dict, optional): Overrides for the config.
        allow_partial_checkpoint (bool): Load a checkpoint that does not fit
            the model partially (with a warning) instead of refusing it.

    Returns:
        nn.Module: The model in eval mode, with ``dataset_meta`` and
        ``cfg.test_pipeline`` (array input, no annotations).

    Raises:
        CheckpointError: The checkpoint is unsafe, unreadable or (without
            ``allow_partial_checkpoint``) does not fit the model.
    """
    from mmengine.model import revert_sync_batchnorm
    from mmseg.apis import init_model

    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if '://' not in path and not osp.isfile(path):
            raise FileNotFoundError(f'{path}: {what} file not found')
    if device.startswith('cuda') and not torch.cuda.is_available():
        raise ValueError(f'--device {device}: CUDA is not available here')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = init_model(cfg, None, device='cpu')
    ckpt = load_matching_checkpoint(model, checkpoint, map_location='cpu',
                                    allow_partial=allow_partial_checkpoint)
    num_classes = model.decode_head.num_classes
    meta = checkpoint_dataset_meta(ckpt, checkpoint, num_classes)
    if meta is None:
        meta = _config_dataset_meta(cfg, num_classes)
    model.dataset_meta = dict(classes=tuple(meta['classes']),
                              palette=[list(p) for p in meta['palette']])
    if device == 'cpu':
        model = revert_sync_batchnorm(model)
    model.cfg.test_pipeline = inference_pipeline(model.cfg)
    return model.to(device).eval()


# -- run -------------------------------------------------------------------
def _batches(frames: Iterator[Tuple[str, np.ndarray]],
             batch_size: int) -> Iterator[List[Tuple[str, np.ndarray]]]:
    """Consecutive frames of one size, at most ``batch_size`` (mmseg stacks
    a batch into one tensor)."""
    batch: list = []
    for name, img in frames:
        if batch and (len(batch) == batch_size
                      or img.shape != batch[0][1].shape):
            yield batch
            batch = []
        batch.append((name, img))
    if batch:
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

    Returns:
        dict: ``{'index': [...], 'color': [...], 'overlay': [...],
        'video': [path] or []}``, the files written, in input order.
    """
    if batch_size < 1:
        raise ValueError(f'--batch-size must be >= 1, got {batch_size}')
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f'--opacity must be in [0, 1], got {opacity}')
    source = Source(input_path, frame_step, max_frames)
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
    for kind in OUTPUT_KINDS:
        os.makedirs(osp.join(out_dir, kind), exist_ok=True)
    written: Dict[str, list] = {kind: [] for kind in OUTPUT_KINDS}
    written['video'] = []
    writer = None
    progress = ProgressBar(source.total)
    try:
        for batch in _batches(iter(source), batch_size):
            results = predict([img for _, img in batch])
            for (name, img), result in zip(batch, results):
                index = result.pred_sem_seg.data[0].cpu().numpy()
                index = index.astype(np.uint8)
                rgb = img[..., ::-1]
                colour = colorize(index, palette)
                overlay = overlay_mask(rgb, index, palette, opacity)
                files = dict(
                    index=(osp.join(out_dir, 'index', f'{name}.png'), index),
                    color=(osp.join(out_dir, 'color', f'{name}.png'),
                           colour[..., ::-1]),
                    overlay=(osp.join(out_dir, 'overlay', f'{name}.png'),
                             overlay[..., ::-1]))
                for kind, (path, array) in files.items():
                    _write_png(path, array)
                    written[kind].append(path)
                if source.kind == 'video':
                    if writer is None:
                        writer = _video_writer(
                            osp.join(out_dir, VIDEO_NAME),
                            source.fps / frame_step, img.shape)
                        written['video'].append(
                            osp.join(out_dir, VIDEO_NAME))
                    writer.write(np.ascontiguousarray(overlay[..., ::-1]))
                progress.update()
    finally:
        if writer is not None:
            writer.release()
    sys.stdout.write('\n')
    return written


def _write_png(path: str, array: np.ndarray) -> None:
    """Encode with OpenCV, write with Python: ``cv2.imwrite`` crashes on a
    path that is not valid UTF-8 (an input file's name can be)."""
    ok, buf = cv2.imencode('.png', np.ascontiguousarray(array))
    if not ok:
        raise OSError(f'{path}: cannot encode the PNG')
    with open(path, 'wb') as f:
        f.write(buf.tobytes())


def _video_writer(path: str, fps: float, shape: tuple) -> cv2.VideoWriter:
    fps = fps if fps and fps > 0 else 25.0
    height, width = shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise OSError(f'{path}: cannot open an mp4v video writer')
    return writer


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Segment an image, a folder of images or a video')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file (the .onnx file with --backend onnxruntime)')
    parser.add_argument('input', help='image file, folder of images or video')
    parser.add_argument(
        '-o', '--out-dir', default='work_dirs/infer',
        help='output folder (gets index/, color/, overlay/ and, for a '
        'video, overlay.mp4)')
    parser.add_argument('--batch-size', type=int, default=4,
                        help='images per forward pass')
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu',
        help='cpu, cuda or cuda:N (default: cuda when available)')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of the mask in the overlays, in [0, 1]')
    parser.add_argument('--frame-step', type=int, default=1,
                        help='use every n-th video frame / folder image')
    parser.add_argument('--max-frames', type=int, default=None,
                        help='stop after this many frames / images')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, e.g. '
        'model.test_cfg.mode=slide "model.test_cfg.crop_size=(512,512)" '
        '"model.test_cfg.stride=(341,341)"')
    parser.add_argument(
        '--allow-partial-checkpoint', action='store_true',
        help='load a checkpoint that does not fit the model (another model '
        'or number of classes) partially, with a warning, instead of '
        'refusing it')
    parser.add_argument(
        '--backend', choices=['pytorch', 'onnxruntime'], default='pytorch',
        help='run the checkpoint with PyTorch, or a model exported by '
        'tools/deployment/pytorch2onnx.py with onnxruntime')
    parser.add_argument(
        '--providers', nargs='+', default=None,
        help='onnxruntime execution providers in order of preference: cpu, '
        'cuda, tensorrt or full names (default: cpu)')
    parser.add_argument('--ort-threads', type=int, default=None,
                        help='onnxruntime intra-op threads (default: one '
                        'per core)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        written = infer(args.config, args.checkpoint, args.input,
                        args.out_dir, args.batch_size, args.device,
                        args.opacity, args.frame_step, args.max_frames,
                        args.cfg_options, args.allow_partial_checkpoint,
                        args.backend, args.providers, args.ort_threads)
    except (InferenceInputError, FileNotFoundError, ValueError,
            CheckpointError) as error:
        raise SystemExit(f'error: {error}')
    n = len(written['index'])
    print(f'{n} frame(s) segmented; written to {args.out_dir}/'
          f"{{index,color,overlay}}/<name>.png"
          + (f" and {written['video'][0]}" if written['video'] else ''))
    return written


if __name__ == '__main__':
    main()

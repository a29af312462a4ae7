"""The files written for each segmented frame, and a video's overlay video.

Under the output folder: ``index/<name>.png`` (class indices),
``color/<name>.png`` (the palette's colours), ``overlay/<name>.png`` (the
mask over the image) and, for a video, ``overlay.mp4``.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from a2d2_mmseg.visualization import blend, colorize
from a2d2_mmseg.apis.inputs import InferenceInputError

__all__ = [
    'OUTPUT_KINDS', 'VIDEO_NAME', 'write_png', 'check_inputs_apart',
    'OutputWriter'
]

OUTPUT_KINDS = ('index', 'color', 'overlay')
VIDEO_NAME = 'overlay.mp4'


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
    written = [out_dir, osp.join(out_dir, VIDEO_NAME)] + [
        osp.join(out_dir, kind) for kind in OUTPUT_KINDS
    ]
    written = {osp.realpath(p) for p in written}
    for path in inputs:
        real = osp.realpath(path)
        for place in written:
            if real == place or real.startswith(place.rstrip(os.sep) +
                                                os.sep):
                raise InferenceInputError(
                    f'{path}: the input lies in (or is) the output folder '
                    f'{out_dir} (resolved: {real} in {place}); the outputs '
                    'would overwrite it: choose another output folder '
                    '(-o/--out-dir)')


class OutputWriter:
    """Writes the outputs of one input, frame by frame.

    Args:
        out_dir (str): The output folder (gets ``index/``, ``color/``,
            ``overlay/`` and, with ``video_fps``, ``overlay.mp4``).
        palette (Sequence): One ``[r, g, b]`` per class.
        opacity (float): Opacity of the mask in the overlays.
        video_fps (float, optional): Frame rate of ``overlay.mp4`` (25 when
            unknown, i.e. 0); None writes no video.

    Attributes:
        written (dict): ``{'index': [...], 'color': [...], 'overlay': [...],
            'video': [path] or []}``, the files written, in input order.
    """

    def __init__(self, out_dir: str, palette: Sequence, opacity: float,
                 video_fps: Optional[float] = None) -> None:
        self.out_dir = out_dir
        self.palette = palette
        self.opacity = opacity
        self.video_fps = video_fps
        for kind in OUTPUT_KINDS:
            os.makedirs(osp.join(out_dir, kind), exist_ok=True)
        self.written: Dict[str, List[str]] = {k: [] for k in OUTPUT_KINDS}
        self.written['video'] = []
        self._video: Optional[cv2.VideoWriter] = None

    def write(self, name: str, image: np.ndarray, index: np.ndarray) -> None:
        """Write the outputs of one BGR ``uint8 [H, W, 3]`` frame and its
        ``uint8 [H, W]`` class indices."""
        colour = colorize(index, self.palette)
        overlay = blend(image[..., ::-1], colour, self.opacity)
        for kind, array in (('index', index), ('color', colour[..., ::-1]),
                            ('overlay', overlay[..., ::-1])):
            path = osp.join(self.out_dir, kind, f'{name}.png')
            write_png(path, array)
            self.written[kind].append(path)
        if self.video_fps is not None:
            if self._video is None:
                path = osp.join(self.out_dir, VIDEO_NAME)
                height, width = image.shape[:2]
                self._video = cv2.VideoWriter(
                    path, cv2.VideoWriter_fourcc(*'mp4v'),
                    self.video_fps if self.video_fps > 0 else 25.0,
                    (width, height))
                if not self._video.isOpened():
                    raise OSError(f'{path}: cannot open an mp4v video writer')
                self.written['video'].append(path)
            self._video.write(np.ascontiguousarray(overlay[..., ::-1]))

    def close(self) -> None:
        """Finish the video, if one was started."""
        if self._video is not None:
            self._video.release()
            self._video = None

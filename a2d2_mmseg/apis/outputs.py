"""The files written for each segmented frame, and a video's overlay video.

For every frame ``<name>`` under the output folder:

* ``index/<name>.png``: the predicted class indices (uint8, one channel),
* ``color/<name>.png``: the mask in the dataset's palette colours,
* ``overlay/<name>.png``: the mask over the image (``opacity``),

and for a video also ``overlay.mp4`` (the overlays, mp4v).

:func:`check_inputs_apart` refuses, before anything is written, an output
folder that holds an input (or is one): the outputs would overwrite it.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from a2d2_mmseg.visualization import colorize, overlay_mask
from a2d2_mmseg.apis.inputs import InferenceInputError

__all__ = [
    'OUTPUT_KINDS', 'VIDEO_NAME', 'write_png', 'check_inputs_apart',
    'OutputWriter'
]

OUTPUT_KINDS = ('index', 'color', 'overlay')
VIDEO_NAME = 'overlay.mp4'


def write_png(path: str, array: np.ndarray) -> None:
    """Encode with OpenCV, write with Python: ``cv2.imwrite`` crashes on a
    path that is not valid UTF-8 (an input file's name can be).

    Args:
        path (str): The file to write.
        array (np.ndarray): A ``uint8`` image, BGR if it has 3 channels.

    Raises:
        OSError: The image cannot be encoded or written.
    """
    ok, buf = cv2.imencode('.png', np.ascontiguousarray(array))
    if not ok:
        raise OSError(f'{path}: cannot encode the PNG')
    with open(path, 'wb') as f:
        f.write(buf.tobytes())


def check_inputs_apart(out_dir: str, inputs: Sequence[str]) -> None:
    """Refuse an output folder that an input lies in or is.

    Symbolic links and ``..`` are resolved (``os.path.realpath``), and the
    folders written to (``out_dir`` and its ``index/``, ``color/``,
    ``overlay/``, which may be links elsewhere) and ``overlay.mp4`` are
    compared with every input file and folder.

    Args:
        out_dir (str): The output folder (it need not exist).
        inputs (Sequence[str]): The input path and the files read.

    Raises:
        InferenceInputError: An input is, or is inside, a place written to;
            the message names the input and the output folder.
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


def _video_writer(path: str, fps: float, shape: tuple) -> cv2.VideoWriter:
    fps = fps if fps and fps > 0 else 25.0
    height, width = shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise OSError(f'{path}: cannot open an mp4v video writer')
    return writer


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
        """Write the outputs of one frame.

        Args:
            name (str): The frame's name.
            image (np.ndarray): The BGR ``uint8 [H, W, 3]`` frame.
            index (np.ndarray): Its ``uint8 [H, W]`` class indices.
        """
        colour = colorize(index, self.palette)
        overlay = overlay_mask(image[..., ::-1], index, self.palette,
                               self.opacity)
        for kind, array in (('index', index), ('color', colour[..., ::-1]),
                            ('overlay', overlay[..., ::-1])):
            path = osp.join(self.out_dir, kind, f'{name}.png')
            write_png(path, array)
            self.written[kind].append(path)
        if self.video_fps is not None:
            if self._video is None:
                path = osp.join(self.out_dir, VIDEO_NAME)
                self._video = _video_writer(path, self.video_fps,
                                            image.shape)
                self.written['video'].append(path)
            self._video.write(np.ascontiguousarray(overlay[..., ::-1]))

    def close(self) -> None:
        """Finish the video, if one was started."""
        if self._video is not None:
            self._video.release()
            self._video = None

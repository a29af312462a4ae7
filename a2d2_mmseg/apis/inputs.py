"""The frames of an inference input: an image, a folder of images or a video
(:class:`Source`; names: :func:`frame_names`, a video's frames
``<stem>_<frame number, 6 digits>``)."""
import os
import os.path as osp
import warnings
from collections import Counter
from typing import Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from a2d2_mmseg.a2d2 import A2D2ImageError, read_image_file

__all__ = [
    'IMAGE_EXTENSIONS', 'VIDEO_EXTENSIONS', 'InferenceInputError',
    'SkippedInputWarning', 'read_image', 'frame_names', 'list_images',
    'Source'
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

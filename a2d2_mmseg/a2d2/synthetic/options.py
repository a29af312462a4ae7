"""Options of the synthetic A2D2 generator and their checks."""
from dataclasses import dataclass
from typing import Sequence, Tuple, Union

import numpy as np

from a2d2_mmseg.a2d2.layout import ARRANGEMENTS, SceneTreeLayout
from a2d2_mmseg.a2d2.scenes import DEFAULT_CAMERAS, parse_cameras

DEFAULT_OUT = 'data/a2d2_synthetic'
# A2D2's 1920x1208 divided by 4.
DEFAULT_SIZE = (480, 302)
MIN_SIZE = (32, 24)
MAX_SIDE = 4096
# The integer options: (name, lowest, highest).
_COUNTS = (('num_scenes', 1, 10000), ('frames_per_scene', 1, 100000),
           ('seed', 0, float('inf')), ('special_scenes', 0, float('inf')))
# Frame ids of consecutive frames of a scene differ by FRAME_STEP; they are
# FRAME_DT seconds apart (0.1 s per frame id).
FRAME_STEP = 7
FRAME_DT = 0.7
#: The arrangements the generator writes (``layout=``): A2D2's semantic
#: part, its 3D-box part as it ships, and the seed study's split folders.
GENERATOR_LAYOUTS = tuple(name for name, lay in ARRANGEMENTS.items()
                          if isinstance(lay, SceneTreeLayout))


class SyntheticA2D2Error(ValueError):
    """Bad arguments or an output folder that must not be written."""


def parse_size(text: Union[str, Sequence[int]]) -> Tuple[int, int]:
    """``(w, h)`` of ``'WxH'`` (``*`` works too) or ``(w, h)``; raises
    SyntheticA2D2Error if not a size, below :data:`MIN_SIZE` or above
    :data:`MAX_SIDE`."""
    if isinstance(text, str):
        parts = text.lower().replace('*', 'x').split('x')
        try:
            w, h = (int(p) for p in parts)
        except ValueError:
            raise SyntheticA2D2Error(
                f'--size must be WIDTHxHEIGHT such as 480x302 or 1920x1208, '
                f'got {text!r}') from None
    else:
        w, h = (int(v) for v in text)
    if w < MIN_SIZE[0] or h < MIN_SIZE[1]:
        raise SyntheticA2D2Error(
            f'size {w}x{h} is too small (at least {MIN_SIZE[0]}x'
            f'{MIN_SIZE[1]})')
    if w > MAX_SIDE or h > MAX_SIDE:
        raise SyntheticA2D2Error(f'size {w}x{h} is too large (at most '
                                 f'{MAX_SIDE} per side)')
    return w, h


@dataclass(frozen=True)
class Options:
    """What to generate; checked and normalised on construction (a bad
    value, size, layout or camera name raises SyntheticA2D2Error).

    ``size`` is ``(w, h)`` or ``'WxH'``, ``cameras`` as ``parse_cameras``
    takes them, ``special_scenes`` the train scenes moved into ``special/``
    ('seed_bboxes' only).
    """

    num_scenes: int = 6
    frames_per_scene: int = 8
    size: Tuple[int, int] = DEFAULT_SIZE
    seed: int = 0
    layout: str = 'raw'
    cameras: Tuple[str, ...] = DEFAULT_CAMERAS
    special_scenes: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, 'size', parse_size(self.size))
        if self.layout not in GENERATOR_LAYOUTS:
            raise SyntheticA2D2Error(
                f'layout must be one of {GENERATOR_LAYOUTS}, got '
                f'{self.layout!r}')
        try:
            object.__setattr__(self, 'cameras', parse_cameras(self.cameras))
        except ValueError as e:
            raise SyntheticA2D2Error(str(e)) from None
        for name, low, high in _COUNTS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(
                    value, (int, np.integer)):
                raise SyntheticA2D2Error(f'{name} must be an integer, got '
                                         f'{value!r}')
            if value < low:
                raise SyntheticA2D2Error(
                    f'{name} must be >= {low}, got {value}')
            if value > high:
                raise SyntheticA2D2Error(
                    f'too many {name}: {value} (at most {high})')
            object.__setattr__(self, name, int(value))
        if self.special_scenes and not ARRANGEMENTS[self.layout].seed_splits:
            raise SyntheticA2D2Error(
                "special_scenes is for layout 'seed_bboxes' (its special/ "
                f'folder), got layout {self.layout!r}')

    @property
    def num_frames(self) -> int:
        """Frames over all scenes and cameras."""
        return self.num_scenes * self.frames_per_scene * len(self.cameras)

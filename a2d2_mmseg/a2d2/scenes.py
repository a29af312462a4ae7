"""What selects the frames of a tree: cameras, scene lists and seed splits."""
import os
import os.path as osp
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import read_small_file, short_repr

#: A2D2's six cameras: the ``cameras=`` names, in A2D2's order. Folders are
#: ``cam_<name>``; file names carry the name without its underscore.
CAMERAS = ('front_center', 'front_left', 'front_right', 'side_left',
           'side_right', 'rear_center')
CAMERA_TOKENS = {cam: cam.replace('_', '') for cam in CAMERAS}
CAMERA_OF_TOKEN = {token: cam for cam, token in CAMERA_TOKENS.items()}
DEFAULT_CAMERAS = ('front_center', )
CAMERA = 'cam_front_center'

#: The shipped scene lists of A2D2's 23 semantic scenes (``scenes='train'``
#: / ``'val'`` / ``'test'``).
SPLITS_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'splits')
DEFAULT_SPLITS = ('train', 'val', 'test')
#: The seed study's splits (a folder or a list file each).
SEED_SPLITS = ('train', 'test', 'special')

_SCENE_RE = re.compile(r'^\d{8}_\d{6}$')
_TOKENS = '|'.join(CAMERA_TOKENS.values())
#: Any camera's file names: groups (time stamp, camera token, frame id).
ANY_IMG_RE = re.compile(rf'^(\d{{14}})_camera_({_TOKENS})_(\d+)\.(png|jpg)$')
ANY_LABEL_RE = re.compile(rf'^(\d{{14}})_label_({_TOKENS})_(\d+)\.png$')


def file_re(kind: str, camera: str) -> 're.Pattern':
    """One camera's file name pattern: groups (time stamp, frame)."""
    ext = r'(png|jpg)' if kind == 'camera' else r'png'
    return re.compile(rf'^(\d{{14}})_{kind}_{CAMERA_TOKENS[camera]}_(\d+)\.'
                      rf'{ext}$')


# Front-centre file names (kept for the tools that check them).
_IMG_RE = file_re('camera', 'front_center')
_LABEL_RE = file_re('label', 'front_center')


class A2D2LayoutError(ValueError):
    """A dataset tree that cannot be read; the message names the path."""


def parse_cameras(cameras: Union[str, Sequence[str], None] = None
                  ) -> Tuple[str, ...]:
    """Camera names of :data:`CAMERAS` from a ``cameras`` argument (or a
    ``--cameras`` value): 'all', names (a sequence or one comma-separated
    string), or None for ``('front_center',)``.

    Raises:
        ValueError: An unknown or repeated camera name, or no camera.
    """
    if cameras is None:
        return DEFAULT_CAMERAS
    if isinstance(cameras, str):
        if cameras.strip() == 'all':
            return CAMERAS
        cameras = [c.strip() for c in cameras.split(',') if c.strip()]
    names = list(cameras)
    if not names:
        raise ValueError(f"cameras is empty: name at least one of {CAMERAS} "
                         "or pass 'all'")
    for name in names:
        if name not in CAMERAS:
            raise ValueError(f'unknown camera {short_repr(name)}: cameras '
                             'must be '
                             f"'all' or names from {CAMERAS}")
        if names.count(name) > 1:
            raise ValueError(f'camera {name!r} is named more than once in '
                             f'cameras={short_repr(tuple(names))}')
    return tuple(names)


def read_scene_list(path: str) -> List[str]:
    """The scene names of a scene list file (UTF-8, one scene a line, '#'
    comments), in file order.

    Raises:
        A2D2LayoutError: Missing, unreadable, not UTF-8, empty, or a scene
            named twice (with both line numbers).
    """
    raw = read_small_file(path, A2D2LayoutError, 'scene list file not found',
                          'cannot read the scene list')
    try:
        text = raw.decode('utf-8-sig')
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b'\n') + 1
        raise A2D2LayoutError(
            f'{path}: line {line}: the scene list is not UTF-8 text (byte '
            f'0x{raw[e.start]:02x} at offset {e.start})') from None
    scenes: List[str] = []
    first_line: Dict[str, int] = {}
    # split('\n'), not splitlines(): the line numbers an editor shows.
    for number, line in enumerate(text.split('\n'), 1):
        name = line.split('#', 1)[0].strip()
        if not name:
            continue
        if name in first_line:
            raise A2D2LayoutError(
                f'{path}: line {number}: scene list names '
                f'{short_repr(name)} more '
                f'than once (first on line {first_line[name]})')
        first_line[name] = number
        scenes.append(name)
    if not scenes:
        raise A2D2LayoutError(f'{path}: the scene list is empty')
    return scenes


class SplitList(list):
    """The scenes of a shipped split list, with the split's ``name``."""

    def __init__(self, scenes: Sequence[str], name: str) -> None:
        super().__init__(scenes)
        self.name = name


def resolve_scenes(scenes: Union[None, str, Sequence[str]],
                   data_root: str = '') -> Optional[List[str]]:
    """Turn the ``scenes`` argument into a list of names (None = all).

    ``scenes``: None; scene folder names; 'train' / 'val' / 'test' (a
    :class:`SplitList`); or a scene list file (relative to ``data_root``
    first, then the working directory).
    """
    if scenes is None:
        return None
    if isinstance(scenes, (str, os.PathLike)):
        scenes = os.fspath(scenes)
        if scenes in DEFAULT_SPLITS:
            return SplitList(read_scene_list(
                osp.join(SPLITS_DIR, f'{scenes}.txt')), scenes)
        candidates = [scenes]
        if data_root and not osp.isabs(scenes):
            candidates.insert(0, osp.join(data_root, scenes))
        for cand in candidates:
            if osp.isfile(cand):
                return read_scene_list(cand)
        raise A2D2LayoutError(
            f'scene list {short_repr(scenes)} is neither one of '
            f'{DEFAULT_SPLITS} nor an existing file (looked at '
            f'{short_repr(candidates)})')
    scenes = list(scenes)
    if not scenes:
        raise A2D2LayoutError('the scene list is empty: name at least one '
                              'scene, or pass scenes=None for all')
    for s in scenes:
        if not isinstance(s, str) or not s:
            raise A2D2LayoutError(f'scene names must be strings, got '
                                  f'{short_repr(s)}')
    if len(set(scenes)) != len(scenes):
        dup = sorted(s for s, n in Counter(scenes).items() if n > 1)
        raise A2D2LayoutError(f'scene list names {short_repr(dup)} more than '
                              'once')
    return scenes


def parse_scenes_option(value: Optional[str],
                        root: str = '') -> Union[None, str, List[str]]:
    """A ``--scenes`` value as a ``scenes`` argument ('all' -> None)."""
    if value is None or value == 'all':
        return None
    if value in DEFAULT_SPLITS or osp.isfile(value) or (
            root and osp.isfile(osp.join(root, value))):
        return value
    return [s.strip() for s in value.split(',') if s.strip()]


def resolve_seed_split(scenes: Union[None, str, Sequence[str]],
                       seed_split: Optional[str]
                       ) -> Tuple[str, Union[None, str, Sequence[str]]]:
    """``(split, scenes)`` of a seed layout (``scenes`` None: the whole split).

    ``scenes='train'`` / ``'test'`` / ``'special'`` selects that split whole;
    ``'val'`` is an error; otherwise ``seed_split`` is required and
    ``scenes`` selects within it (docs/dataset_prepare.md).

    Raises:
        A2D2LayoutError: As above, or an unknown ``seed_split``.
    """
    if seed_split is not None and seed_split not in SEED_SPLITS:
        raise A2D2LayoutError(f'seed_split must be one of {SEED_SPLITS}, got '
                              f'{seed_split!r}')
    if isinstance(scenes, str) and scenes == 'val':
        raise A2D2LayoutError(
            "scenes='val': the seed arrangement has no validation split "
            f'(its splits are {SEED_SPLITS}); validate on scenes=\'test\', or '
            'name validation scenes (a list or a list file) with '
            "seed_split='train'")
    if isinstance(scenes, str) and scenes in SEED_SPLITS:
        if seed_split is not None and seed_split != scenes:
            raise A2D2LayoutError(
                f'scenes={short_repr(scenes)} and seed_split={seed_split!r} '
                'disagree: '
                'in the seed arrangement scenes=<split> is the split; pass '
                'one of them, or both the same')
        return scenes, None
    if seed_split is None:
        raise A2D2LayoutError(
            f'the seed arrangement needs its split: '
            f'scenes={short_repr(scenes)} names '
            f'none, so pass seed_split= one of {SEED_SPLITS} (or '
            "scenes='train'/'test'/'special')")
    return seed_split, scenes


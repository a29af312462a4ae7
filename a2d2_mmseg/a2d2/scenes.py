"""What selects the frames of a tree (cameras, scene lists, seed splits),
and the pieces the layouts' walkers (:meth:`.layout.Layout.scan`) share:
frames paired by (scene, camera, frame id), every problem of the tree
recorded as ``dict(kind, path, message)``."""
import logging
import os
import os.path as osp
import re
from collections import Counter
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import (listed, parse_json, read_small_file,
                                        short_repr)

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


# Further problems listed in an A2D2LayoutError's note.
_MAX_NOTED = 5
_LOGGER = logging.getLogger(__name__)


class Problems:
    """A scan's problems: ``items`` for the checker, ``errors`` for the
    dataset."""

    def __init__(self) -> None:
        self.items: List[dict] = []
        self.errors: List[str] = []

    def add(self, kind: str, path: str, message: str,
            error: Union[bool, str] = True) -> None:
        """Record a problem; ``error``: the dataset's message (True: the
        same)."""
        self.items.append(dict(kind=kind, path=path, message=message))
        if error:
            self.errors.append(message if error is True else error)


class Scan(NamedTuple):
    """What :func:`.layout.scan` found.

    Attributes:
        layout (str): The layout read ('auto' resolved).
        split (str, optional): The seed layouts' split, else None.
        label_format (str): 'rgb', 'index' or 'npy'.
        frames (list[dict]): ``img_path``, ``seg_map_path``, ``scene``,
            ``camera``, ``frame`` (and ``split``) per paired frame, sorted.
        problems (list[dict]): Every problem, as ``dict(kind, path, message)``.
        errors (list[str]): The same as error messages, grouped.
    """
    layout: str
    split: Optional[str]
    label_format: str
    frames: List[dict]
    problems: List[dict]
    errors: List[str]

    def raise_problems(self) -> List[dict]:
        """The frames, or :class:`~.scenes.A2D2LayoutError` with every
        problem."""
        if not self.errors:
            return self.frames
        error = A2D2LayoutError(self.errors[0])
        error.problems = list(self.problems)
        more = len(self.errors) - 1
        if more and hasattr(error, 'add_note'):  # Python >= 3.11
            shown = listed(self.errors[1:], '\n', _MAX_NOTED,
                           '\n... and {} more')
            error.add_note(
                f'{more} more problem(s) in this tree '
                f'(tools/misc/check_a2d2.py lists every one):\n{shown}')
        raise error


def select_scenes(root: str, scenes: Optional[List[str]], found: Problems,
                  subset: bool = False) -> List[str]:
    """The scenes of ``root`` to read (``subset``: a shipped list's ones
    there)."""
    if not osp.isdir(root):
        found.add('missing_folder', root, f'{root}: folder not found')
        return []
    present = sorted(d for d in os.listdir(root)
                     if osp.isdir(osp.join(root, d)))
    if scenes is None:
        if not present:
            found.add('no_scenes', root, f'{root}: no scene folders')
        return present
    if subset and isinstance(scenes, SplitList):
        there = [s for s in scenes if s in present]
        if len(there) < len(scenes):
            _LOGGER.warning(
                '%s: %d of the %d scenes of the shipped %r split list are '
                "not in this part of A2D2 (the 3D-box part holds 18 of the "
                "semantic part's 23 scenes); using the %d that are",
                root, len(scenes) - len(there), len(scenes), scenes.name,
                len(there))
        if not there:
            found.add('no_scenes', root,
                      f'{root}: none of the {len(scenes)} scenes of the '
                      f'shipped {scenes.name!r} split list is there')
        return there
    missing = [s for s in scenes if s not in present]
    if missing:
        found.errors.append(
            f'{root}: scene(s) {short_repr(missing)} named in the scene '
            f'list are not there (found {len(present)} scenes)')
    for s in missing:
        path = osp.join(root, s)
        found.add('missing_scene', path,
                  f'{path}: scene {s} named in the scene list is not there',
                  error=False)
    return [s for s in scenes if s in present]


def index_folder(folder: str, pattern: 're.Pattern', kind: str, scene: str,
                 found: Problems, cameras: Optional[Sequence[str]] = None,
                 ignore_ext: Sequence[str] = ()
                 ) -> Optional[Dict[Optional[str], Dict[str, str]]]:
    """camera -> frame id -> path of one folder (None for a missing one).

    Without ``cameras`` the folder holds one camera (key None); with them
    every camera (the converter's layout). Bad names are recorded and skipped.
    """
    if not osp.isdir(folder):
        found.add('missing_folder', folder,
                  f'{folder}: {kind} folder of scene {scene} not found')
        return None
    frames: Dict[Optional[str], Dict[str, str]] = (
        {cam: {} for cam in cameras} if cameras else {None: {}})
    for name in sorted(os.listdir(folder)):
        path = osp.join(folder, name)
        if osp.splitext(name)[1].lower() in ignore_ext or osp.isdir(path):
            continue
        m = pattern.match(name)
        if m is None:
            found.add('unexpected_file_name', path,
                      f'{path}: unexpected file name in the {kind} folder '
                      f'(expected {pattern.pattern})')
            continue
        cam = CAMERA_OF_TOKEN[m.group(2)] if cameras else None
        frame = m.group(3) if cameras else m.group(2)
        if cam not in frames:
            continue
        if frame in frames[cam]:
            found.add('duplicate_frame', path,
                      f'{path}: frame {frame} appears twice in {folder} '
                      f'(also {osp.basename(frames[cam][frame])})')
            continue
        frames[cam][frame] = path
    return frames


def pair_frames(scene: str, camera: str, images: Dict[str, str],
                labels: Dict[str, str], found: Problems, scene_dir: str,
                single: bool) -> List[dict]:
    """The frames of one scene and camera whose image and label pair up."""
    only_img = sorted(set(images) - set(labels))
    only_lbl = sorted(set(labels) - set(images))
    lines = [f'{images[f]}: image without a label' for f in only_img]
    lines += [f'{labels[f]}: label without an image' for f in only_lbl]
    if lines:
        found.errors.append(f'scene {scene}: {len(lines)} unpaired '
                            'file(s):\n' + listed(lines, '\n', 10,
                                                  '\n... and {} more'))
    for f in only_img:
        found.add('image_without_label', images[f],
                  f'{images[f]}: image without a label', error=False)
    for f in only_lbl:
        found.add('label_without_image', labels[f],
                  f'{labels[f]}: label without an image', error=False)
    if not images and not labels:
        what = ('(empty scene)' if single else
                f'from camera {camera} (empty camera folders)')
        found.add('empty_scene', scene_dir,
                  f'{scene_dir}: no frames {what} (scene {scene})',
                  error=f'scene {scene}: no frames {what}')
    return [
        dict(img_path=images[f], seg_map_path=labels[f], scene=scene,
             camera=camera, frame=f) for f in sorted(images) if f in labels
    ]


def read_seed_list(list_path: str, split: str,
                    found: Problems) -> Optional[list]:
    """The entries of a ``<split>_list.json``; None (a problem) if unusable."""
    if not osp.isfile(list_path):
        found.add('missing_file', list_path,
                  f'{list_path}: seed list file not found (split={split!r})')
        return None
    try:
        entries = parse_json(
            read_small_file(list_path, A2D2LayoutError,
                            'seed list file not found', 'cannot read'),
            list_path, A2D2LayoutError)
    except A2D2LayoutError as e:
        found.add('malformed_seed_list', list_path, str(e))
        return None
    if not isinstance(entries, list):
        found.add('malformed_seed_list', list_path,
                  f'{list_path}: expected a JSON list of images')
        return None
    return entries


def seed_entry_image(data_root: str, list_path: str, n: int, entry,
                     first_entry: Dict[str, int],
                     found: Problems) -> Optional[str]:
    """The image path of entry ``n``; None (a problem) if absent, outside or
    repeated."""
    img = entry.get('image') if isinstance(entry, dict) else entry
    if not isinstance(img, str) or not img or '\0' in img:
        found.add('malformed_seed_list', list_path,
                  f'{list_path}: entry {n} names no image '
                  f'({short_repr(entry)})')
        return None
    img_path = osp.join(data_root, img)
    root, real = osp.realpath(data_root), osp.realpath(img_path)
    if osp.isabs(img) or osp.commonpath([root, real]) != root:
        found.add('seed_image_outside_root', list_path,
                  f'{list_path}: entry {n} names {short_repr(img)}, '
                  f'which is not inside data_root {data_root} (entries '
                  'are paths relative to data_root, and may not leave '
                  'it through .., an absolute path or a symbolic link)')
        return None
    if real in first_entry:
        found.add('duplicate_seed_entry', list_path,
                  f'{list_path}: entry {n} names {short_repr(img)}, the '
                  f'image of entry {first_entry[real]} too (entry n is '
                  'the image of <n>_mask.npy: one image cannot have two '
                  'masks)')
        return None
    first_entry[real] = n
    return img_path

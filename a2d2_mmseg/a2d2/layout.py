"""A2D2 on disk: every arrangement of A2D2 a user may hold, the converter's
output and the seed study's preprocessed masks; cameras, scene lists and
the seed's splits. :mod:`.scanning` lists the frames of a tree, paired by
(scene, camera, frame id), never by sorted position.

``layout='auto'`` tells the arrangement from what ``data_root`` holds (more
than one is an error that asks for ``layout=``):

``'raw'``: A2D2's semantic segmentation part (23 scenes)::

    camera_lidar_semantic/
    ├── class_list.json
    └── 20180807_145028/                      # one scene = one drive
        ├── camera/cam_front_center/
        │   ├── 20180807145028_camera_frontcenter_000000091.png
        │   └── 20180807145028_camera_frontcenter_000000091.json  (ignored)
        └── label/cam_front_center/
            └── 20180807145028_label_frontcenter_000000091.png

``'bboxes'``: A2D2's 3D-box part as it ships (18 scenes, same names; the
``label3D/`` and ``lidar/`` folders are ignored)::

    camera_lidar_semantic_bboxes/
    ├── class_list.json
    └── <scene>/{camera,label,label3D,lidar}/cam_front_center/...

``'seed_bboxes'``: the seed study's arrangement of that part, where the
folder is the split (``train``, ``test`` or ``special``)::

    camera_lidar_semantic_bboxes/camera/
    ├── class_list.json
    └── {train,test,special}/<scene>/{camera,label}/cam_front_center/...

``'converted'`` (``tools/dataset_converters/a2d2.py``)::

    a2d2_converted.json                       # marker + sizes + class names
    class_list.json
    images/<scene>/<ts>_camera_frontcenter_<frame>.png
    labels/<scene>/<ts>_label_frontcenter_<frame>.png   # uint8, 38 cats

``'seed'``: the seed study's preprocessed masks (class indices or one-hot
``.npy``, usually 512x512), beside the images they name::

    preprocessed_masks/{train,test}/<n>_mask.npy
    preprocessed_masks/{train,test}_list.json  # n-th entry = n-th mask's image

Cameras: the folders ``cam_<camera>`` and the file names'
``_camera_<token>_`` / ``_label_<token>_`` for the cameras of
:data:`CAMERAS` (:func:`parse_cameras`); front-centre by default.

Scene lists: ``scenes='train'`` / ``'val'`` / ``'test'`` name the lists
shipped in ``splits/`` beside this module (:data:`SPLITS_DIR`).
"""
import os
import os.path as osp
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import parse_json, read_small_file, short_repr

RAW_DIR = 'camera_lidar_semantic'
BBOX_DIR = 'camera_lidar_semantic_bboxes'
# The seed's split folders live in camera_lidar_semantic_bboxes/camera/.
SEED_BBOX_DIR = osp.join(BBOX_DIR, 'camera')
SEED_SPLITS = ('train', 'test', 'special')
CAMERA = 'cam_front_center'
CONVERTED_MARKER = 'a2d2_converted.json'
SEED_DIR = 'preprocessed_masks'
LAYOUTS = ('auto', 'raw', 'bboxes', 'seed_bboxes', 'converted', 'seed')
# The layouts whose split is a folder or list of the seed study.
SEED_LAYOUTS = ('seed_bboxes', 'seed')

#: A2D2's six cameras: the ``cameras=`` names, in A2D2's order. Folders are
#: ``cam_<name>``; file names carry the name without its underscore.
CAMERAS = ('front_center', 'front_left', 'front_right', 'side_left',
           'side_right', 'rear_center')
CAMERA_TOKENS = {cam: cam.replace('_', '') for cam in CAMERAS}
_CAMERA_OF_TOKEN = {token: cam for cam, token in CAMERA_TOKENS.items()}
DEFAULT_CAMERAS = ('front_center', )

#: The shipped scene lists of A2D2's 23 semantic scenes (``scenes='train'``
#: / ``'val'`` / ``'test'``).
SPLITS_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'splits')
DEFAULT_SPLITS = ('train', 'val', 'test')

_SCENE_RE = re.compile(r'^\d{8}_\d{6}$')
# Front-centre file names (kept for the tools that check them).
_IMG_RE = re.compile(r'^(\d{14})_camera_frontcenter_(\d+)\.(png|jpg)$')
_LABEL_RE = re.compile(r'^(\d{14})_label_frontcenter_(\d+)\.png$')
_TOKENS = '|'.join(CAMERA_TOKENS.values())
# Any camera: groups (time stamp, camera token, frame id).
_ANY_IMG_RE = re.compile(rf'^(\d{{14}})_camera_({_TOKENS})_(\d+)\.(png|jpg)$')
_ANY_LABEL_RE = re.compile(rf'^(\d{{14}})_label_({_TOKENS})_(\d+)\.png$')


def _file_re(kind: str, camera: str) -> 're.Pattern':
    """The file name pattern of one camera: groups (time stamp, frame)."""
    ext = r'(png|jpg)' if kind == 'camera' else r'png'
    return re.compile(rf'^(\d{{14}})_{kind}_{CAMERA_TOKENS[camera]}_(\d+)\.'
                      rf'{ext}$')


class A2D2LayoutError(ValueError):
    """A dataset tree that cannot be read; the message names the path."""


def parse_cameras(cameras: Union[str, Sequence[str], None] = None
                  ) -> Tuple[str, ...]:
    """Turn a ``cameras`` argument (or a ``--cameras`` value) into names.

    Args:
        cameras (str | Sequence[str] | None): 'all' for the six cameras; a
            camera name or several, as a sequence or as one comma-separated
            string (``'front_center,front_left'``); None for the default,
            ``('front_center',)``.

    Returns:
        tuple[str]: Camera names of :data:`CAMERAS`, in the given order
        ('all': A2D2's order).

    Raises:
        ValueError: An unknown or repeated camera name, or no camera (the
            message lists the valid names).
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
    """Read a scene list file: one scene folder name per line.

    Text after '#' is a comment; blank lines and surrounding whitespace are
    ignored; the file is UTF-8 (a byte-order mark is allowed).

    Args:
        path (str): The file.

    Returns:
        list[str]: The scene names in file order, each once.

    Raises:
        A2D2LayoutError: The file is missing or unreadable, not UTF-8 text,
            names no scene, or names a scene twice (the message gives the
            file and both line numbers), as a Python list with a duplicate
            is refused too.
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
    # split('\n') rather than splitlines(): only newlines end a line, so
    # the reported line numbers are the ones an editor shows.
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
    """The scenes of a shipped split list (``'train'``, ``'val'``,
    ``'test'``), as :func:`resolve_scenes` returns them: a list of names
    that knows its split's name (``name``). The lists name the 23 scenes of
    A2D2's semantic part; on the 3D-box part (18 of them) the scanner uses
    the listed scenes that are there."""

    def __init__(self, scenes: Sequence[str], name: str) -> None:
        super().__init__(scenes)
        self.name = name


def resolve_scenes(scenes: Union[None, str, Sequence[str]],
                   data_root: str = '') -> Optional[List[str]]:
    """Turn the ``scenes`` argument into a list of names (None = all).

    Args:
        scenes: None for every scene found; a list of scene folder names;
            'train' / 'val' / 'test' for the split lists shipped in
            ``a2d2_mmseg/a2d2/splits/`` (the real A2D2 scenes; returned as
            a :class:`SplitList`); or the
            path of a text file with one scene per line (relative paths are
            tried against ``data_root`` first, then the working directory).
        data_root (str): The dataset root.
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
    """Turn a command line ``--scenes`` value into a ``scenes`` argument.

    'all' or None -> None (every scene); a split name or an existing scene
    list file (as given, or relative to ``root``) is passed on as it is;
    anything else is a comma-separated list of scene names.
    """
    if value is None or value == 'all':
        return None
    if value in DEFAULT_SPLITS or osp.isfile(value) or (
            root and osp.isfile(osp.join(root, value))):
        return value
    return [s.strip() for s in value.split(',') if s.strip()]



def _arrangements(data_root: str) -> List[str]:
    """Every layout ``data_root`` holds, in :data:`LAYOUTS` order."""
    found = []
    if osp.isdir(osp.join(data_root, RAW_DIR)):
        found.append('raw')
    if osp.isdir(osp.join(data_root, BBOX_DIR)):
        # A2D2 names scene folders by date; a camera/ folder at the top is
        # the seed's split arrangement.
        found.append('seed_bboxes' if osp.isdir(
            osp.join(data_root, SEED_BBOX_DIR)) else 'bboxes')
    if osp.isfile(osp.join(data_root, CONVERTED_MARKER)):
        found.append('converted')
    if osp.isdir(osp.join(data_root, SEED_DIR)):
        found.append('seed')
    return found


_WHAT = dict(raw=f'{RAW_DIR}/', bboxes=f'{BBOX_DIR}/<scene>/',
             seed_bboxes=f'{SEED_BBOX_DIR}/<split>/',
             converted=CONVERTED_MARKER, seed=f'{SEED_DIR}/')


def detect_layout(data_root: str) -> str:
    """Return the layout of a dataset root (see the module docstring).

    Raises:
        A2D2LayoutError: ``data_root`` is missing, holds no A2D2 data, or
            holds more than one arrangement (pass ``layout=`` then).
    """
    if not osp.isdir(data_root):
        raise A2D2LayoutError(f'{data_root}: data_root does not exist or is '
                              'not a folder')
    found = _arrangements(data_root)
    if len(found) == 1:
        return found[0]
    if found:
        listed = ', '.join(f'{_WHAT[f]} (layout={f!r})' for f in found)
        raise A2D2LayoutError(
            f'{data_root}: holds more than one A2D2 arrangement: {listed}; '
            'pass layout= to choose one')
    if osp.isfile(osp.join(data_root, '.a2d2_converting.json')):
        raise A2D2LayoutError(
            f'{data_root}: an interrupted or failed conversion (no '
            f'{CONVERTED_MARKER} yet): rerun tools/dataset_converters/a2d2.py '
            'with the same options to finish it')
    hint = ''
    name = osp.basename(osp.normpath(data_root))
    if name in (RAW_DIR, BBOX_DIR, 'camera'):
        hint = f' ({name}/ itself was given: pass the folder that holds it)'
    raise A2D2LayoutError(
        f'{data_root}: no A2D2 data found: expected {RAW_DIR}/ (raw A2D2), '
        f'{BBOX_DIR}/ (A2D2\'s 3D-box part, or the seed\'s '
        f'{SEED_BBOX_DIR}/<split>/), {CONVERTED_MARKER} (converter output) '
        f'or {SEED_DIR}/ (seed preprocessed masks){hint}')


def class_list_path(data_root: str, layout: str) -> Optional[str]:
    """Where a layout keeps its ``class_list.json`` (None for 'seed').

    The seed arrangement's file is beside the split folders
    (``camera_lidar_semantic_bboxes/camera/``); one at the top of
    ``camera_lidar_semantic_bboxes/`` (as A2D2 ships it) is used when that
    one is missing.

    Raises:
        A2D2LayoutError: The file is missing (the message names where it
            was looked for).
    """
    if layout == 'seed':
        return None  # the seed's masks hold class indices already
    candidates = dict(
        raw=[osp.join(data_root, RAW_DIR)],
        bboxes=[osp.join(data_root, BBOX_DIR)],
        seed_bboxes=[osp.join(data_root, SEED_BBOX_DIR),
                     osp.join(data_root, BBOX_DIR)],
        converted=[data_root])[layout]
    paths = [osp.join(c, 'class_list.json') for c in candidates]
    for path in paths:
        if osp.isfile(path):
            return path
    raise A2D2LayoutError(f"{' or '.join(paths)}: class_list.json not found")


def resolve_seed_split(scenes: Union[None, str, Sequence[str]],
                       seed_split: Optional[str]
                       ) -> Tuple[str, Union[None, str, Sequence[str]]]:
    """The split and scene filter of a seed layout.

    In the seed layouts the split is a folder (``seed_bboxes``) or a list
    file (``seed``), not a list of scenes. The rule:

    * ``scenes='train'`` / ``'test'`` / ``'special'`` selects that split
      whole (not the shipped scene lists, which name A2D2's semantic
      scenes); ``seed_split``, if given, must name the same split.
    * ``scenes='val'`` is an error: the seed has no validation split.
    * Otherwise (None, a list of scenes, a list file) ``seed_split`` names
      the split and ``scenes`` selects scenes within it; without
      ``seed_split`` it is an error, never a silent 'train'.

    Args:
        scenes: The dataset's ``scenes`` argument.
        seed_split (str, optional): The dataset's ``seed_split`` argument.

    Returns:
        tuple: ``(split, scenes)``; ``scenes`` is None for the whole split.

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


def read_converted_meta(data_root: str) -> dict:
    """Read ``a2d2_converted.json`` of a converter output tree."""
    path = osp.join(data_root, CONVERTED_MARKER)
    meta = parse_json(
        read_small_file(path, A2D2LayoutError, 'converter marker not found',
                        'cannot read'), path, A2D2LayoutError)
    if not isinstance(meta, dict) or meta.get('format') != 'a2d2_mmseg':
        raise A2D2LayoutError(f'{path}: not an a2d2_mmseg converter marker')
    return meta


#: The label format of each layout's masks (:data:`.labels.FORMATS`).
LABEL_FORMATS = dict(raw='rgb', bboxes='rgb', seed_bboxes='rgb',
                     converted='index', seed='npy')

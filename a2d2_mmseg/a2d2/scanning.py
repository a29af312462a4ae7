"""Listing the frames of an A2D2 tree, with every problem of the tree.

:func:`scan` is the one scanner: it walks a tree of any layout (see
:mod:`.layout`), pairs images and labels by (scene, camera, frame id) and
returns the frames that pair up together with every problem found, across
all scenes. :class:`~a2d2_mmseg.datasets.A2D2Dataset` raises on the
problems (:meth:`Scan.raise_problems`); the checker
(:mod:`a2d2_mmseg.a2d2.check`) reports them all.

A problem is ``dict(kind, path, message)``. Kinds: 'missing_folder',
'no_scenes', 'missing_scene', 'unexpected_file_name', 'duplicate_frame',
'image_without_label', 'label_without_image', 'empty_scene'; the seed's
preprocessed masks add 'missing_file' (the list, or an image or mask it
names), 'malformed_seed_list', 'seed_image_outside_root' (an entry whose
image is not inside ``data_root``: ``..``, an absolute path, a symbolic
link that leads out), 'duplicate_seed_entry' (an image listed twice, which
would give it another frame's mask) and 'no_frames', and masks that no
list entry names are 'label_without_image'.

Arguments that cannot be used (an unknown layout, a scene list that cannot
be read, seed split arguments that do not fit) raise
:class:`~.layout.A2D2LayoutError` at once: they are not problems of the tree.

The ``scan_<layout>`` functions (raise at the problems) and
``collect_<layout>`` functions (return ``(frames, problems)``) scan one
layout with explicit arguments, through the same code.
"""
import logging
import os
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from a2d2_mmseg.a2d2.class_list import parse_json, read_small_file, short_repr
from a2d2_mmseg.a2d2.layout import (_ANY_IMG_RE, _ANY_LABEL_RE, _CAMERA_OF_TOKEN, BBOX_DIR,
                     DEFAULT_CAMERAS, LABEL_FORMATS, LAYOUTS, RAW_DIR,
                     SEED_BBOX_DIR, SEED_DIR, SEED_LAYOUTS, SEED_SPLITS,
                     A2D2LayoutError, SplitList, _file_re, detect_layout,
                     parse_cameras, resolve_scenes, resolve_seed_split)

__all__ = [
    'Scan', 'scan', 'scan_raw', 'scan_bboxes', 'scan_seed_bboxes',
    'scan_converted', 'scan_seed', 'collect_raw', 'collect_bboxes',
    'collect_seed_bboxes', 'collect_converted', 'collect_seed'
]

# Further problems listed in an A2D2LayoutError's note before "... and N
# more".
_MAX_NOTED = 5
_SEED_MASK_RE = re.compile(r'^(\d+)_mask\.npy$')
_LOGGER = logging.getLogger(__name__)


class _Problems:
    """The problems of one scan, as the checker and the dataset want them.

    ``items`` holds one ``dict(kind, path, message)`` per problem;
    ``errors`` holds the dataset's messages, in the order found: one per
    problem, or one per group where a group reads better (the missing
    scenes of a scene list, the unpaired files of a scene).
    """

    def __init__(self) -> None:
        self.items: List[dict] = []
        self.errors: List[str] = []

    def add(self, kind: str, path: str, message: str,
            error: Union[bool, str] = True) -> None:
        """Record a problem; ``error``: the dataset's message (True: the
        same; False: a group message covers it)."""
        self.items.append(dict(kind=kind, path=path, message=message))
        if error:
            self.errors.append(message if error is True else error)


class Scan(NamedTuple):
    """What :func:`scan` found.

    Attributes:
        layout (str): The layout read ('auto' resolved).
        split (str, optional): The seed layouts' split, else None.
        label_format (str): 'rgb', 'index' or 'npy'
            (:data:`~.layout.LABEL_FORMATS`).
        frames (list[dict]): ``img_path``, ``seg_map_path``, ``scene``,
            ``camera``, ``frame`` (and ``split`` for the seed layouts) per
            frame that pairs up, sorted by scene, then camera in
            ``cameras`` order, then frame id.
        problems (list[dict]): Every problem of the tree, as
            ``dict(kind, path, message)``.
        errors (list[str]): The same problems as messages for an error,
            grouped where that reads better; empty when ``problems`` is.
    """
    layout: str
    split: Optional[str]
    label_format: str
    frames: List[dict]
    problems: List[dict]
    errors: List[str]

    def raise_problems(self) -> None:
        """Raise :class:`~.layout.A2D2LayoutError` if the tree has problems.

        The message is the first problem's (or group's), as a scan that
        stops at the first problem would give it; the error's ``problems``
        holds them all, and a note (shown with the traceback) counts the
        others and names the checker, which reports every one.
        """
        if not self.errors:
            return
        error = A2D2LayoutError(self.errors[0])
        error.problems = list(self.problems)
        more = len(self.errors) - 1
        if more and hasattr(error, 'add_note'):  # Python >= 3.11
            shown = '\n'.join(self.errors[1:1 + _MAX_NOTED])
            rest = ('' if more <= _MAX_NOTED else
                    f'\n... and {more - _MAX_NOTED} more')
            error.add_note(
                f'{more} more problem(s) in this tree '
                f'(tools/misc/check_a2d2.py lists every one):\n{shown}'
                f'{rest}')
        raise error


def scan(data_root: str,
         layout: str = 'auto',
         scenes: Union[None, str, Sequence[str]] = None,
         cameras: Union[str, Sequence[str], None] = None,
         seed_split: Optional[str] = None) -> Scan:
    """Find the frames of any layout, and every problem of the tree.

    Args:
        data_root (str): The dataset root.
        layout (str): One of :data:`~.layout.LAYOUTS`. Defaults to 'auto'
            (:func:`~.layout.detect_layout`, once).
        scenes: As :func:`~.layout.resolve_scenes`; for the seed layouts see
            :func:`~.layout.resolve_seed_split`.
        cameras: As :func:`~.layout.parse_cameras`.
        seed_split (str, optional): The seed layouts' split; ignored by the
            others.

    Returns:
        Scan: The frames and the problems.

    Raises:
        A2D2LayoutError: The layout cannot be told, or the scene or split
            arguments do not fit it (problems of the tree are returned).
    """
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
    if layout == 'auto':
        layout = detect_layout(data_root)
    elif not osp.isdir(data_root):
        raise A2D2LayoutError(f'{data_root}: data_root does not exist or is '
                              'not a folder')
    cameras = parse_cameras(cameras)
    split = None
    if layout in SEED_LAYOUTS:
        split, scenes = resolve_seed_split(scenes, seed_split)
    frames, found = _collect(layout, data_root, split,
                             resolve_scenes(scenes, data_root), cameras)
    return Scan(layout, split, LABEL_FORMATS[layout], frames, found.items,
                found.errors)


# -- the layouts ----------------------------------------------------------
def _select_scenes(root: str, scenes: Optional[List[str]],
                   found: _Problems, subset: bool = False) -> List[str]:
    """The scenes of ``root`` to read. With ``subset`` (A2D2's 3D-box part,
    18 of the 23 scenes the shipped split lists name) a shipped list
    (:class:`~.layout.SplitList`) selects its scenes that are there, with
    one logged line on how many are not; other lists must be there."""
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


def _index_folder(folder: str, pattern: 're.Pattern', kind: str,
                  scene: str, ignore_ext: Sequence[str],
                  found: _Problems) -> Optional[Dict[str, str]]:
    """frame id -> file path for one camera/label folder of a scene; None
    for a missing folder. Unexpected or duplicate names are recorded and
    skipped."""
    if not osp.isdir(folder):
        found.add('missing_folder', folder,
                  f'{folder}: {kind} folder of scene {scene} not found')
        return None
    frames = {}
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
        frame = m.group(2)
        if frame in frames:
            found.add('duplicate_frame', path,
                      f'{path}: frame {frame} appears twice in {folder} '
                      f'(also {osp.basename(frames[frame])})')
            continue
        frames[frame] = path
    return frames


def _index_flat(folder: str, pattern: 're.Pattern', kind: str, scene: str,
                cameras: Sequence[str], found: _Problems
                ) -> Optional[Dict[str, Dict[str, str]]]:
    """camera -> frame id -> path for a folder that holds every camera
    (the converter's layout). Files of cameras not selected are skipped."""
    if not osp.isdir(folder):
        found.add('missing_folder', folder,
                  f'{folder}: {kind} folder of scene {scene} not found')
        return None
    frames: Dict[str, Dict[str, str]] = {cam: {} for cam in cameras}
    for name in sorted(os.listdir(folder)):
        path = osp.join(folder, name)
        if osp.isdir(path):
            continue
        m = pattern.match(name)
        if m is None:
            found.add('unexpected_file_name', path,
                      f'{path}: unexpected file name in the {kind} folder '
                      f'(expected {pattern.pattern})')
            continue
        cam, frame = _CAMERA_OF_TOKEN[m.group(2)], m.group(3)
        if cam not in frames:
            continue
        if frame in frames[cam]:
            found.add('duplicate_frame', path,
                      f'{path}: frame {frame} appears twice in {folder} '
                      f'(also {osp.basename(frames[cam][frame])})')
            continue
        frames[cam][frame] = path
    return frames


def _pair(scene: str, camera: str, images: Dict[str, str],
          labels: Dict[str, str], found: _Problems, scene_dir: str,
          single: bool) -> List[dict]:
    only_img = sorted(set(images) - set(labels))
    only_lbl = sorted(set(labels) - set(images))
    lines = [f'{images[f]}: image without a label' for f in only_img]
    lines += [f'{labels[f]}: label without an image' for f in only_lbl]
    if lines:
        more = '' if len(lines) <= 10 else f'\n... and {len(lines) - 10} more'
        found.errors.append(f'scene {scene}: {len(lines)} unpaired '
                            'file(s):\n' + '\n'.join(lines[:10]) + more)
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


def _scan_scene_tree(root: str, scenes: Optional[List[str]],
                     cameras: Sequence[str], found: _Problems,
                     subset: bool = False) -> List[dict]:
    """Frames of ``root/<scene>/{camera,label}/cam_<camera>/`` folders (the
    raw, bboxes and seed_bboxes layouts); other folders are ignored.
    ``subset``: see :func:`_select_scenes`."""
    frames = []
    for scene in _select_scenes(root, scenes, found, subset):
        base = osp.join(root, scene)
        for cam in cameras:
            folder = f'cam_{cam}'
            images = _index_folder(osp.join(base, 'camera', folder),
                                   _file_re('camera', cam), 'camera', scene,
                                   ('.json', ), found)
            labels = _index_folder(osp.join(base, 'label', folder),
                                   _file_re('label', cam), 'label', scene, (),
                                   found)
            if images is not None and labels is not None:
                frames += _pair(scene, cam, images, labels, found, base,
                                len(cameras) == 1)
    return frames


def _scan_seed_bboxes(data_root: str, split: str,
                      scenes: Optional[List[str]], cameras: Sequence[str],
                      found: _Problems) -> List[dict]:
    if split not in SEED_SPLITS:
        raise A2D2LayoutError(f'seed_split must be one of {SEED_SPLITS}, got '
                              f'{split!r}')
    root = osp.join(data_root, SEED_BBOX_DIR, split)
    if not osp.isdir(root):
        found.add('missing_folder', root,
                  f'{root}: the seed arrangement has no {split!r} split '
                  'folder')
        return []
    frames = _scan_scene_tree(root, scenes, cameras, found, subset=True)
    for frame in frames:
        frame['split'] = split
    return frames


def _scan_converted(data_root: str, scenes: Optional[List[str]],
                    cameras: Sequence[str], found: _Problems) -> List[dict]:
    frames = []
    for scene in _select_scenes(osp.join(data_root, 'images'), scenes,
                                found):
        images = _index_flat(osp.join(data_root, 'images', scene),
                             _ANY_IMG_RE, 'images', scene, cameras, found)
        labels = _index_flat(osp.join(data_root, 'labels', scene),
                             _ANY_LABEL_RE, 'labels', scene, cameras, found)
        if images is not None and labels is not None:
            for cam in cameras:
                frames += _pair(scene, cam, images[cam], labels[cam], found,
                                osp.join(data_root, 'images', scene),
                                len(cameras) == 1)
    return frames


def _scan_seed(data_root: str, split: str, scenes: Optional[List[str]],
               cameras: Sequence[str], found: _Problems) -> List[dict]:
    """The seed's preprocessed masks: ``<split>_list.json`` lists the camera
    images in mask order (entry ``n``, a path relative to ``data_root`` or
    a dict with an ``image`` key, is the image of ``<split>/<n>_mask.npy``);
    scene and camera come from the image's A2D2 file name. An entry whose
    image resolves (symbolic links followed) outside ``data_root``, or
    names an image an earlier entry names, is a problem and pairs with no
    mask."""
    base = osp.join(data_root, SEED_DIR)
    list_path = osp.join(base, f'{split}_list.json')
    if not osp.isfile(list_path):
        found.add('missing_file', list_path,
                  f'{list_path}: seed list file not found (split={split!r})')
        return []
    try:
        entries = parse_json(
            read_small_file(list_path, A2D2LayoutError,
                            'seed list file not found', 'cannot read'),
            list_path, A2D2LayoutError)
    except A2D2LayoutError as e:
        found.add('malformed_seed_list', list_path, str(e))
        return []
    if not isinstance(entries, list):
        found.add('malformed_seed_list', list_path,
                  f'{list_path}: expected a JSON list of images')
        return []
    frames = []
    listed_scenes = set()
    bad_entries = 0
    root = osp.realpath(data_root)
    first_entry: Dict[str, int] = {}  # resolved image -> its first entry
    for n, entry in enumerate(entries):
        img = entry.get('image') if isinstance(entry, dict) else entry
        if not isinstance(img, str) or not img or '\0' in img:
            found.add('malformed_seed_list', list_path,
                      f'{list_path}: entry {n} names no image '
                      f'({short_repr(entry)})')
            bad_entries += 1
            continue
        img_path = osp.join(data_root, img)
        real = osp.realpath(img_path)
        if osp.isabs(img) or osp.commonpath([root, real]) != root:
            found.add('seed_image_outside_root', list_path,
                      f'{list_path}: entry {n} names {short_repr(img)}, '
                      f'which is not inside data_root {data_root} (entries '
                      'are paths relative to data_root, and may not leave '
                      'it through .., an absolute path or a symbolic link)')
            bad_entries += 1
            continue
        if real in first_entry:
            found.add('duplicate_seed_entry', list_path,
                      f'{list_path}: entry {n} names {short_repr(img)}, the '
                      f'image of entry {first_entry[real]} too (entry n is '
                      'the image of <n>_mask.npy: one image cannot have two '
                      'masks)')
            bad_entries += 1
            continue
        first_entry[real] = n
        mask = osp.join(base, split, f'{n}_mask.npy')
        missing = False
        for path, what in ((img_path, 'image'), (mask, 'mask')):
            if not osp.isfile(path):
                found.add('missing_file', path,
                          f'{path}: {what} of entry {n} in {list_path} not '
                          'found')
                missing = True
        if missing:
            bad_entries += 1
            continue
        m = _ANY_IMG_RE.match(osp.basename(img_path))
        scene = (f'{m.group(1)[:8]}_{m.group(1)[8:]}' if m else '')
        camera = _CAMERA_OF_TOKEN[m.group(2)] if m else 'front_center'
        listed_scenes.add(scene)
        if scenes is not None and scene not in scenes:
            continue
        if camera not in cameras:
            continue
        frames.append(dict(img_path=img_path, seg_map_path=mask,
                           scene=scene, camera=camera,
                           frame=m.group(3) if m else str(n), split=split))
    if scenes is not None:
        for s in scenes:
            if s not in listed_scenes:
                found.add('missing_scene', list_path,
                          f'{list_path}: scene {s} named in the scene list '
                          'has no image in this list')
    # Masks that no list entry names.
    folder = osp.join(base, split)
    names = sorted(os.listdir(folder)) if osp.isdir(folder) else []
    for name in names:
        path = osp.join(folder, name)
        m = _SEED_MASK_RE.match(name)
        if m is None:
            if not osp.isdir(path):
                found.add('unexpected_file_name', path,
                          f'{path}: unexpected file name in the mask '
                          f'folder (expected {_SEED_MASK_RE.pattern})')
        elif int(m.group(1)) >= len(entries) or name != (
                f'{int(m.group(1))}_mask.npy'):
            found.add('label_without_image', path,
                      f'{path}: mask without an entry in {list_path}')
    if not frames and not bad_entries:
        found.add('no_frames', list_path,
                  f'{list_path}: no frames selected '
                  f'(cameras={tuple(cameras)})')
    return frames


# -- one layout, explicit arguments -----------------------------------------
def _collect(layout: str, data_root: str, split: Optional[str],
             scenes: Optional[List[str]], cameras: Sequence[str]
             ) -> Tuple[List[dict], _Problems]:
    found = _Problems()
    cameras = parse_cameras(cameras)
    if layout in ('raw', 'bboxes'):
        root = osp.join(data_root, RAW_DIR if layout == 'raw' else BBOX_DIR)
        frames = _scan_scene_tree(root, scenes, cameras, found,
                                  subset=layout == 'bboxes')
    elif layout == 'seed_bboxes':
        frames = _scan_seed_bboxes(data_root, split, scenes, cameras, found)
    elif layout == 'converted':
        frames = _scan_converted(data_root, scenes, cameras, found)
    else:
        frames = _scan_seed(data_root, split, scenes, cameras, found)
    return frames, found


def _raising(layout: str, data_root: str, split: Optional[str],
             scenes: Optional[List[str]],
             cameras: Sequence[str]) -> List[dict]:
    frames, found = _collect(layout, data_root, split, scenes, cameras)
    Scan(layout, split, LABEL_FORMATS[layout], frames, found.items,
         found.errors).raise_problems()
    return frames


def scan_raw(data_root: str,
             scenes: Optional[List[str]] = None,
             cameras: Sequence[str] = DEFAULT_CAMERAS) -> List[dict]:
    """List the frames of a raw A2D2 tree, paired by (scene, camera, frame).

    Args:
        data_root (str): The folder that holds ``camera_lidar_semantic/``.
        scenes (list[str], optional): Scene names (:func:`resolve_scenes`);
            None for all.
        cameras (Sequence[str]): Camera names (:func:`parse_cameras`).
            Defaults to ``('front_center',)``.

    Returns:
        list[dict]: The frames (see :class:`Scan`).

    Raises:
        A2D2LayoutError: The tree has problems (see :func:`collect_raw`).
    """
    return _raising('raw', data_root, None, scenes, cameras)


def scan_bboxes(data_root: str,
                scenes: Optional[List[str]] = None,
                cameras: Sequence[str] = DEFAULT_CAMERAS) -> List[dict]:
    """As :func:`scan_raw`, for ``camera_lidar_semantic_bboxes/<scene>/``
    (A2D2's 3D-box part as it ships)."""
    return _raising('bboxes', data_root, None, scenes, cameras)


def scan_seed_bboxes(data_root: str,
                     split: str,
                     scenes: Optional[List[str]] = None,
                     cameras: Sequence[str] = DEFAULT_CAMERAS
                     ) -> List[dict]:
    """As :func:`scan_raw`, for the seed's
    ``camera_lidar_semantic_bboxes/camera/<split>/<scene>/`` arrangement;
    each frame also gets ``split``. A missing split folder is an error that
    names it."""
    return _raising('seed_bboxes', data_root, split, scenes, cameras)


def scan_converted(data_root: str,
                   scenes: Optional[List[str]] = None,
                   cameras: Sequence[str] = DEFAULT_CAMERAS) -> List[dict]:
    """List the frames of a converter output tree (same pairing rules);
    files of cameras not selected are skipped."""
    return _raising('converted', data_root, None, scenes, cameras)


def scan_seed(data_root: str, split: str,
              scenes: Optional[List[str]] = None,
              cameras: Sequence[str] = DEFAULT_CAMERAS) -> List[dict]:
    """List the frames of the seed study's ``preprocessed_masks`` layout
    (see :func:`_scan_seed`); a scene of ``scenes`` with no image in the
    list is an error."""
    return _raising('seed', data_root, split, scenes, cameras)


def collect_raw(data_root: str, scenes: Optional[List[str]] = None,
                cameras: Sequence[str] = DEFAULT_CAMERAS
                ) -> Tuple[List[dict], List[dict]]:
    """Like :func:`scan_raw`, but returns the problems instead of raising.

    Returns:
        tuple: ``(frames, problems)``: the frames that pair up, and every
        problem found across all scenes (see the module docstring).
    """
    frames, found = _collect('raw', data_root, None, scenes, cameras)
    return frames, found.items


def collect_bboxes(data_root: str, scenes: Optional[List[str]] = None,
                   cameras: Sequence[str] = DEFAULT_CAMERAS
                   ) -> Tuple[List[dict], List[dict]]:
    """Like :func:`scan_bboxes`; see :func:`collect_raw`."""
    frames, found = _collect('bboxes', data_root, None, scenes, cameras)
    return frames, found.items


def collect_seed_bboxes(data_root: str, split: str,
                        scenes: Optional[List[str]] = None,
                        cameras: Sequence[str] = DEFAULT_CAMERAS
                        ) -> Tuple[List[dict], List[dict]]:
    """Like :func:`scan_seed_bboxes`; see :func:`collect_raw`."""
    frames, found = _collect('seed_bboxes', data_root, split, scenes,
                             cameras)
    return frames, found.items


def collect_converted(data_root: str, scenes: Optional[List[str]] = None,
                      cameras: Sequence[str] = DEFAULT_CAMERAS
                      ) -> Tuple[List[dict], List[dict]]:
    """Like :func:`scan_converted`; see :func:`collect_raw`."""
    frames, found = _collect('converted', data_root, None, scenes, cameras)
    return frames, found.items


def collect_seed(data_root: str, split: str,
                 scenes: Optional[List[str]] = None,
                 cameras: Sequence[str] = DEFAULT_CAMERAS
                 ) -> Tuple[List[dict], List[dict]]:
    """Like :func:`scan_seed`; see :func:`collect_raw`."""
    frames, found = _collect('seed', data_root, split, scenes, cameras)
    return frames, found.items

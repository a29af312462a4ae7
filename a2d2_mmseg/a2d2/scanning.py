"""The walkers of the one scanner (:func:`.layout.scan`).

They list the frames of the folders and lists a layout points them at,
paired by (scene, camera, frame id), and record every problem of the tree
as ``dict(kind, path, message)``.
"""
import logging
import os
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

from a2d2_mmseg.a2d2.class_list import parse_json, read_small_file, short_repr
from a2d2_mmseg.a2d2.scenes import (ANY_IMG_RE, ANY_LABEL_RE,
                                    CAMERA_OF_TOKEN, A2D2LayoutError,
                                    SplitList, file_re)

# Further problems listed in an A2D2LayoutError's note.
_MAX_NOTED = 5
_SEED_MASK_RE = re.compile(r'^(\d+)_mask\.npy$')
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
            shown = '\n'.join(self.errors[1:1 + _MAX_NOTED])
            rest = ('' if more <= _MAX_NOTED else
                    f'\n... and {more - _MAX_NOTED} more')
            error.add_note(
                f'{more} more problem(s) in this tree '
                f'(tools/misc/check_a2d2.py lists every one):\n{shown}'
                f'{rest}')
        raise error


def _select_scenes(root: str, scenes: Optional[List[str]],
                   found: Problems, subset: bool = False) -> List[str]:
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


def _index(folder: str, pattern: 're.Pattern', kind: str, scene: str,
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


def _pair(scene: str, camera: str, images: Dict[str, str],
          labels: Dict[str, str], found: Problems, scene_dir: str,
          single: bool) -> List[dict]:
    """The frames of one scene and camera whose image and label pair up."""
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


def scan_scene_tree(root: str, scenes: Optional[List[str]],
                    cameras: Sequence[str], found: Problems,
                    subset: bool = False) -> List[dict]:
    """Frames of ``root/<scene>/{camera,label}/cam_<camera>/`` folders."""
    frames = []
    for scene in _select_scenes(root, scenes, found, subset):
        base = osp.join(root, scene)
        for cam in cameras:
            folder = f'cam_{cam}'
            images = _index(osp.join(base, 'camera', folder),
                            file_re('camera', cam), 'camera', scene, found,
                            ignore_ext=('.json', ))
            labels = _index(osp.join(base, 'label', folder),
                            file_re('label', cam), 'label', scene, found)
            if images is not None and labels is not None:
                frames += _pair(scene, cam, images[None], labels[None],
                                found, base, len(cameras) == 1)
    return frames


def scan_flat(images_root: str, labels_root: str,
              scenes: Optional[List[str]], cameras: Sequence[str],
              found: Problems) -> List[dict]:
    """Frames of ``images_root/<scene>/`` and ``labels_root/<scene>/`` (all
    cameras)."""
    frames = []
    for scene in _select_scenes(images_root, scenes, found):
        images = _index(osp.join(images_root, scene), ANY_IMG_RE,
                        osp.basename(images_root), scene, found, cameras)
        labels = _index(osp.join(labels_root, scene), ANY_LABEL_RE,
                        osp.basename(labels_root), scene, found, cameras)
        if images is not None and labels is not None:
            for cam in cameras:
                frames += _pair(scene, cam, images[cam], labels[cam], found,
                                osp.join(images_root, scene),
                                len(cameras) == 1)
    return frames


def _read_seed_list(list_path: str, split: str,
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


def _seed_entry_image(data_root: str, list_path: str, n: int, entry,
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


def scan_seed_list(data_root: str, base: str, split: str,
                   scenes: Optional[List[str]], cameras: Sequence[str],
                   found: Problems) -> List[dict]:
    """The seed's masks: entry ``n`` of ``<split>_list.json`` is
    ``<n>_mask.npy``'s image."""
    list_path = osp.join(base, f'{split}_list.json')
    entries = _read_seed_list(list_path, split, found)
    if entries is None:
        return []
    frames = []
    listed_scenes = set()
    bad_entries = 0
    first_entry: Dict[str, int] = {}  # resolved image -> its first entry
    for n, entry in enumerate(entries):
        img_path = _seed_entry_image(data_root, list_path, n, entry,
                                     first_entry, found)
        if img_path is None:
            bad_entries += 1
            continue
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
        m = ANY_IMG_RE.match(osp.basename(img_path))
        scene = (f'{m.group(1)[:8]}_{m.group(1)[8:]}' if m else '')
        camera = CAMERA_OF_TOKEN[m.group(2)] if m else 'front_center'
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

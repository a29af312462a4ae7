"""The pieces the layouts' walkers (:meth:`.layout.Layout.scan`) share.

They list the frames of the folders and lists a layout points them at,
paired by (scene, camera, frame id), and record every problem of the tree
as ``dict(kind, path, message)``.
"""
import logging
import os
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

from a2d2_mmseg.a2d2.class_list import (listed, parse_json, read_small_file,
                                        short_repr)
from a2d2_mmseg.a2d2.scenes import (CAMERA_OF_TOKEN, A2D2LayoutError,
                                    SplitList)

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

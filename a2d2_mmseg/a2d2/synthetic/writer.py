"""The generated set on disk: an A2D2 arrangement, split lists, marker file.

Scenes go where the layout objects say ('raw', 'bboxes', 'seed_bboxes');
beside them ``splits/*.txt`` and ``SYNTHETIC_README.txt``. PNGs are
written by OpenCV (deterministic bytes).
"""
import json
import os
import os.path as osp
import shutil
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from a2d2_mmseg.a2d2.layout import ARRANGEMENTS, BBOX_DIR, SEED_BBOX_DIR
from a2d2_mmseg.a2d2.scenes import (CAMERA_TOKENS, DEFAULT_CAMERAS,
                                    SEED_SPLITS)
from a2d2_mmseg.a2d2.synthetic.classes import A2D2_CLASS_LIST, PALETTE, RAW_DIR
from a2d2_mmseg.a2d2.synthetic.options import SyntheticA2D2Error

MARKER = 'SYNTHETIC_README.txt'
MARKER_LINE = 'a2d2_mmseg synthetic A2D2 stand-in dataset'
SPLITS = ('train', 'val', 'test')
SCENE_YEAR = 2099
TOOL = 'tools/misc/make_synthetic_a2d2.py'

_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1]


def scene_name(scene_idx: int) -> str:
    """Folder name of scene ``scene_idx``: a made-up ``YYYYMMDD_HHMMSS`` in
    2099."""
    when = datetime(SCENE_YEAR, 1, 1, 9, 0, 0) + timedelta(
        days=scene_idx, minutes=(37 * scene_idx) % 540,
        seconds=(13 * scene_idx) % 60)
    return when.strftime('%Y%m%d_%H%M%S')


def split_scenes(scenes: Sequence[str]) -> Dict[str, List[str]]:
    """Scene splits train / val / test, disjoint, covering every scene.

    With 3 or more scenes, ``max(1, round(n / 6))`` scenes each go to val
    and test (the last ones), the rest to train; with fewer, all to train.

    Args:
        scenes (Sequence[str]): Scene names in order.

    Returns:
        dict[str, list[str]]: Split name -> scenes.
    """
    scenes = list(scenes)
    n = len(scenes)
    if n < 3:
        return {'train': scenes, 'val': [], 'test': []}
    k = max(1, int(round(n / 6)))
    return {'train': scenes[:n - 2 * k], 'val': scenes[n - 2 * k:n - k],
            'test': scenes[n - k:]}


def move_special(splits: Dict[str, List[str]],
                 special_scenes: int) -> Dict[str, List[str]]:
    """Take ``special_scenes`` scenes from the end of the train split.

    Args:
        splits (dict): :func:`split_scenes`' result (not changed).
        special_scenes (int): Scenes for the seed's ``special/`` folder.

    Returns:
        dict[str, list[str]]: ``train``, ``val``, ``test`` and ``special``.

    Raises:
        SyntheticA2D2Error: No train scene would remain.
    """
    train = list(splits['train'])
    if special_scenes and special_scenes >= len(train):
        raise SyntheticA2D2Error(
            f'special_scenes={special_scenes} leaves no train scene: the '
            f'train split has {len(train)} scene(s); keep at least one')
    cut = len(train) - special_scenes
    return dict(train=train[:cut], val=list(splits['val']),
                test=list(splits['test']), special=train[cut:])


def seed_folders(splits: Dict[str, List[str]]) -> Dict[str, List[str]]:
    """The seed arrangement's split folders from the scene splits.

    ``train/`` holds the train and val scenes, ``test/`` the test scenes,
    ``special/`` the special ones; empty folders are left out.

    Args:
        splits (dict): :func:`move_special`'s result.

    Returns:
        dict[str, list[str]]: Folder -> sorted scenes, in :data:`SEED_SPLITS`
        order.
    """
    folders = dict(train=splits['train'] + splits['val'],
                   test=list(splits['test']),
                   special=list(splits.get('special', [])))
    return {k: sorted(folders[k]) for k in SEED_SPLITS if folders[k]}


def _scene_dirs(out_dir: str) -> Optional[List[str]]:
    """Scene folder names written in ``out_dir``; None if anything foreign is
    there."""
    names = []
    raw = osp.join(out_dir, RAW_DIR)
    bbox = osp.join(out_dir, BBOX_DIR)
    seed = osp.join(out_dir, SEED_BBOX_DIR)
    for top in (raw, bbox):
        if osp.islink(top):
            return None
        if osp.isdir(top):
            for name in os.listdir(top):
                if name == 'class_list.json' or (top == bbox
                                                 and name == 'camera'):
                    continue
                names.append(name)
    if osp.islink(seed):
        return None
    if osp.isdir(seed):
        for name in os.listdir(seed):
            path = osp.join(seed, name)
            if name == 'class_list.json':
                continue
            if name not in SEED_SPLITS or osp.islink(path) or not osp.isdir(
                    path):
                return None
            names += os.listdir(path)
    return names


def is_synthetic_output(out_dir: str) -> bool:
    """Whether ``out_dir`` holds an earlier output of this generator (any
    layout)."""
    marker = osp.join(out_dir, MARKER)
    if not osp.isfile(marker):
        return False
    with open(marker, encoding='utf-8', errors='replace') as f:
        if f.readline().strip() != MARKER_LINE:
            return False
    names = _scene_dirs(out_dir)
    if names is None:
        return False
    # Real scenes were put here otherwise.
    return all(name.startswith(str(SCENE_YEAR)) for name in names)


def prepare_out(out_dir: str, overwrite: bool) -> bool:
    """Check the output folder and clear what the generator writes.

    An empty or missing folder is created; an earlier output is replaced; any
    other non-empty folder is refused unless ``overwrite``. Only the
    generator's own folders and marker are removed.

    Returns:
        bool: Whether something was replaced.

    Raises:
        SyntheticA2D2Error: ``out_dir`` is a file, or a foreign non-empty
            folder without ``overwrite``.
    """
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise SyntheticA2D2Error(f'{out_dir}: exists and is not a folder')
    if not osp.isdir(out_dir) or not os.listdir(out_dir):
        os.makedirs(out_dir, exist_ok=True)
        return False
    if not is_synthetic_output(out_dir) and not overwrite:
        raise SyntheticA2D2Error(
            f'{out_dir}: the folder is not empty and is not an earlier '
            f'synthetic A2D2 output (no {MARKER} from this tool, or scenes '
            f'that are not from {SCENE_YEAR}); refusing to write into it. '
            f'Pick an empty --out, or pass --overwrite to replace its '
            f'{RAW_DIR}/, {BBOX_DIR}/, splits/ and {MARKER} (other files '
            'are kept).')
    for name in (RAW_DIR, BBOX_DIR, 'splits', MARKER):
        path = osp.join(out_dir, name)
        if osp.islink(path) or osp.isfile(path):
            os.unlink(path)
        elif osp.isdir(path):
            shutil.rmtree(path)
    return True


def write_class_list(out_dir: str, layout: str = 'raw') -> None:
    """Write A2D2's ``class_list.json`` where the layout keeps it."""
    folder = osp.join(out_dir, ARRANGEMENTS[layout].class_list_dirs[0])
    os.makedirs(folder, exist_ok=True)
    with open(osp.join(folder, 'class_list.json'), 'w',
              encoding='utf-8') as f:
        json.dump(dict(A2D2_CLASS_LIST), f, indent=4)
        f.write('\n')


def make_scene_dirs(out_dir: str, scene: str, layout: str = 'raw',
                    folder: str = '',
                    cameras: Sequence[str] = DEFAULT_CAMERAS) -> str:
    """Create a scene's camera and label folders (and the layout's extra ones).

    Args:
        out_dir (str): The output folder.
        scene (str): The scene's name.
        layout (str): 'raw', 'bboxes' or 'seed_bboxes'.
        folder (str): The split folder ('seed_bboxes').
        cameras (Sequence[str]): Camera names.

    Returns:
        str: The scene's folder.
    """
    lay = ARRANGEMENTS[layout]
    base = osp.join(lay.scene_root(out_dir, folder), scene)
    subs = ('camera', 'label') + tuple(lay.extra_folders)
    for cam in cameras:
        for sub in subs:
            os.makedirs(osp.join(base, sub, f'cam_{cam}'), exist_ok=True)
    return base


def write_frame(base: str, stamp: str, frame_id: str, image: np.ndarray,
                index: np.ndarray, tstamp: int,
                camera: str = 'front_center') -> None:
    """Write one frame of one camera: camera PNG, camera JSON, RGB label PNG.

    Args:
        base (str): The scene's folder (:func:`make_scene_dirs`).
        stamp (str): The scene's ``YYYYMMDDHHMMSS``.
        frame_id (str): Nine-digit frame id.
        image (np.ndarray): uint8 RGB ``[h, w, 3]``.
        index (np.ndarray): uint8 ``[h, w]`` indices into A2D2's class list.
        tstamp (int): The camera JSON's ``cam_tstamp`` (microseconds).
        camera (str): The camera's name. Defaults to 'front_center'.

    Raises:
        OSError: A PNG could not be written.
    """
    token = CAMERA_TOKENS[camera]
    cam_dir = osp.join(base, 'camera', f'cam_{camera}')
    lbl_dir = osp.join(base, 'label', f'cam_{camera}')
    img_name = f'{stamp}_camera_{token}_{frame_id}.png'
    lbl_name = f'{stamp}_label_{token}_{frame_id}.png'
    if not cv2.imwrite(osp.join(cam_dir, img_name),
                       np.ascontiguousarray(image[..., ::-1]), _PNG_PARAMS):
        raise OSError(f'{osp.join(cam_dir, img_name)}: cannot write')
    label_bgr = np.ascontiguousarray(PALETTE[index][..., ::-1])
    if not cv2.imwrite(osp.join(lbl_dir, lbl_name), label_bgr, _PNG_PARAMS):
        raise OSError(f'{osp.join(lbl_dir, lbl_name)}: cannot write')
    meta = {
        'cam_tstamp': tstamp,
        'cam_name': camera,
        'image_png': img_name,
        'image_zoom': 1.0,
        'pcld_view': {
            'origin': [1.711, 0.0, 0.943],
            'x-axis': [1.0, 0.0, 0.0],
            'y-axis': [0.0, 1.0, 0.0],
        },
        'synthetic': True,
    }
    with open(osp.join(cam_dir, img_name[:-4] + '.json'), 'w',
              encoding='utf-8') as f:
        json.dump(meta, f, indent=4)
        f.write('\n')


def write_splits(out_dir: str, splits: Dict[str, List[str]]) -> None:
    """Write ``splits/<name>.txt`` (one scene a line) for non-empty splits."""
    split_dir = osp.join(out_dir, 'splits')
    os.makedirs(split_dir, exist_ok=True)
    for name in SPLITS:
        if splits[name]:
            with open(osp.join(split_dir, f'{name}.txt'), 'w',
                      encoding='utf-8') as f:
                f.write(''.join(f'{s}\n' for s in splits[name]))


def command_line(out_dir: str, num_scenes: int, frames_per_scene: int,
                 size: Tuple[int, int], seed: int, layout: str = 'raw',
                 cameras: Sequence[str] = DEFAULT_CAMERAS,
                 special_scenes: int = 0) -> str:
    """The command line that reproduces an output (defaults left out)."""
    extra = ''
    if layout != 'raw':
        extra += f' --layout {layout}'
    if tuple(cameras) != DEFAULT_CAMERAS:
        extra += f" --cameras {','.join(cameras)}"
    if special_scenes:
        extra += f' --special-scenes {special_scenes}'
    return (f'python {TOOL} --out {out_dir} '
            f'--scenes {num_scenes} --frames-per-scene {frames_per_scene} '
            f'--size {size[0]}x{size[1]} --seed {seed}{extra}')


_LAYOUT_TEXT = dict(
    raw='the raw A2D2 layout',
    bboxes=f"""the layout of A2D2's 3D-box part as it
ships ({BBOX_DIR}/<scene>/, class_list.json at its top;
its label3D/ and lidar/ folders are empty: no boxes or point clouds are
drawn)""",
    seed_bboxes=f"""the seed study's arrangement of A2D2's
3D-box part ({SEED_BBOX_DIR}/<split>/<scene>/,
class_list.json beside the split folders; the folder is the split)""")

_OTHER_CAMERAS = """\
Cameras other than front_center show the same street with the camera turned
by a fixed angle (left or right; the rear camera looks along the road without
the ego hood); they follow A2D2's folders and file names, not its camera
geometry.
"""


def _layout_lines(out_dir: str, layout: str, cameras: Sequence[str],
                  folders: Dict[str, List[str]]) -> str:
    """The marker's lines on cameras and split folders."""
    lines = ''
    if tuple(cameras) != DEFAULT_CAMERAS:
        lines += f"Cameras: {', '.join(cameras)}\n" + _OTHER_CAMERAS
    if ARRANGEMENTS[layout].seed_splits:
        lines += (f'Split folders ({SEED_BBOX_DIR}/<folder>/; '
                  'train/ holds the\ntrain and val scenes, special/ only '
                  'the --special-scenes ones):\n')
        lines += ''.join(f'  {k}/: {len(v)} scene(s)\n'
                         for k, v in folders.items())
        lines += ('Read a split folder with A2D2Dataset(data_root='
                  f"'{out_dir}',\n    seed_split='train') (or 'test', "
                  "'special').\n")
    return lines


def write_marker(out_dir: str, command: str, seed: int, num_scenes: int,
                 frames: int, size: Tuple[int, int],
                 splits: Dict[str, List[str]], layout: str = 'raw',
                 cameras: Sequence[str] = DEFAULT_CAMERAS,
                 folders: Optional[Dict[str, List[str]]] = None) -> None:
    """Write ``SYNTHETIC_README.txt`` (first line :data:`MARKER_LINE`).

    Args:
        out_dir (str): The output folder.
        command (str): :func:`command_line`'s.
        seed, num_scenes, frames (int): The options.
        size (tuple[int, int]): ``(w, h)``.
        splits (dict): Split -> scenes (train, val, test).
        layout (str): The layout written.
        cameras (Sequence[str]): The cameras written.
        folders (dict, optional): Split folder -> scenes ('seed_bboxes').
    """
    split_lines = '\n'.join(
        f'  {name}: {len(splits[name])} scene(s)'
        + ('' if splits[name] else ' (no file written)') for name in SPLITS)
    replaced = (f'{RAW_DIR}/' if layout == 'raw' else
                f'{RAW_DIR}/,\n{BBOX_DIR}/')
    text = f"""{MARKER_LINE}

This folder is SYNTHETIC data in {_LAYOUT_TEXT[layout]}, written by
{TOOL} of a2d2_mmseg. It stands in for the Audi
A2D2 dataset (https://www.a2d2.audi), which cannot be downloaded here. It is
not A2D2: street scenes are drawn procedurally (perspective road, lane lines,
curbs, sidewalks, buildings, vegetation, poles and signs, cars, trucks,
pedestrians), with A2D2's file names, camera JSON files and exact RGB label
colours from class_list.json. Results on it say nothing about real A2D2.

Seed: {seed}
Scenes: {num_scenes} x {frames} frames, {size[0]}x{size[1]} pixels
{_layout_lines(out_dir, layout, cameras, folders or {})}\
Splits (splits/*.txt, one scene per line):
{split_lines}
Command:
  {command}

The same command writes byte-identical files. Running it again on this
folder replaces {replaced}, splits/ and this file.
"""
    with open(osp.join(out_dir, MARKER), 'w', encoding='utf-8') as f:
        f.write(text)

"""The generated set on disk: A2D2's raw layout, split lists, marker file.

::

    OUT/
    ├── SYNTHETIC_README.txt                  # what this is, seed, command
    ├── splits/{train,val,test}.txt           # scene lists, disjoint
    └── camera_lidar_semantic/
        ├── class_list.json                   # A2D2's 55 colours, its order
        └── 20990101_090000/                  # one scene = one "drive"
            ├── camera/cam_front_center/
            │   ├── 20990101090000_camera_frontcenter_000003143.png
            │   └── 20990101090000_camera_frontcenter_000003143.json
            └── label/cam_front_center/
                └── 20990101090000_label_frontcenter_000003143.png

PNGs are 8-bit RGB written by OpenCV (deterministic bytes); dates are in
:data:`SCENE_YEAR` so the frames are never mistaken for real ones.
"""
import json
import os
import os.path as osp
import shutil
from datetime import datetime, timedelta
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from .classes import A2D2_CLASS_LIST, CAMERA, PALETTE, RAW_DIR
from .options import SyntheticA2D2Error

MARKER = 'SYNTHETIC_README.txt'
MARKER_LINE = 'a2d2_mmseg synthetic A2D2 stand-in dataset'
SPLITS = ('train', 'val', 'test')
SCENE_YEAR = 2099
TOOL = 'tools/misc/make_synthetic_a2d2.py'

_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1]


def scene_name(scene_idx: int) -> str:
    """Folder name of scene ``scene_idx``: a made-up drive in 2099,
    ``YYYYMMDD_HHMMSS`` as in A2D2 (independent of the seed)."""
    when = datetime(SCENE_YEAR, 1, 1, 9, 0, 0) + timedelta(
        days=scene_idx, minutes=(37 * scene_idx) % 540,
        seconds=(13 * scene_idx) % 60)
    return when.strftime('%Y%m%d_%H%M%S')


def split_scenes(scenes: Sequence[str]) -> Dict[str, List[str]]:
    """Scene splits: train / val / test, disjoint, covering every scene.

    With 3 or more scenes, ``max(1, round(n / 6))`` scenes each go to val
    and test (the last ones), the rest to train. With fewer, all to train
    and val / test are empty (their files are not written).

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


def is_synthetic_output(out_dir: str) -> bool:
    """Whether ``out_dir`` holds an earlier output of this generator: the
    marker file with its first line, and no scene outside 2099."""
    marker = osp.join(out_dir, MARKER)
    if not osp.isfile(marker):
        return False
    with open(marker, encoding='utf-8', errors='replace') as f:
        if f.readline().strip() != MARKER_LINE:
            return False
    raw = osp.join(out_dir, RAW_DIR)
    if osp.islink(raw):
        return False
    if osp.isdir(raw):
        for name in os.listdir(raw):
            if name == 'class_list.json':
                continue
            if not name.startswith(str(SCENE_YEAR)):
                return False  # real scenes were put here
    return True


def prepare_out(out_dir: str, overwrite: bool) -> bool:
    """Check the output folder and clear what the generator writes.

    An empty or missing folder is created; an earlier output is replaced;
    any other non-empty folder is refused unless ``overwrite``. Only
    ``camera_lidar_semantic/``, ``splits/`` and the marker are removed.

    Returns:
        bool: Whether an earlier output (or, with ``overwrite``, other
        content) was replaced.

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
            f'{RAW_DIR}/, splits/ and {MARKER} (other files are kept).')
    for name in (RAW_DIR, 'splits', MARKER):
        path = osp.join(out_dir, name)
        if osp.islink(path) or osp.isfile(path):
            os.unlink(path)
        elif osp.isdir(path):
            shutil.rmtree(path)
    return True


def write_class_list(out_dir: str) -> None:
    """Write A2D2's ``class_list.json`` (colour -> name, A2D2's order)."""
    raw = osp.join(out_dir, RAW_DIR)
    os.makedirs(raw, exist_ok=True)
    with open(osp.join(raw, 'class_list.json'), 'w', encoding='utf-8') as f:
        json.dump(dict(A2D2_CLASS_LIST), f, indent=4)
        f.write('\n')


def make_scene_dirs(out_dir: str, scene: str) -> str:
    """Create a scene's camera and label folders; returns the scene's
    folder."""
    base = osp.join(out_dir, RAW_DIR, scene)
    os.makedirs(osp.join(base, 'camera', CAMERA), exist_ok=True)
    os.makedirs(osp.join(base, 'label', CAMERA), exist_ok=True)
    return base


def write_frame(base: str, stamp: str, frame_id: str, image: np.ndarray,
                index: np.ndarray, tstamp: int) -> None:
    """Write one frame: camera PNG, camera JSON, RGB label PNG.

    Args:
        base (str): The scene's folder (:func:`make_scene_dirs`).
        stamp (str): The scene's ``YYYYMMDDHHMMSS``.
        frame_id (str): Nine-digit frame id.
        image (np.ndarray): uint8 RGB ``[h, w, 3]``.
        index (np.ndarray): uint8 ``[h, w]`` indices into A2D2's class
            list, written in A2D2's colours.
        tstamp (int): The camera JSON's ``cam_tstamp`` (microseconds).

    Raises:
        OSError: A PNG could not be written.
    """
    cam_dir = osp.join(base, 'camera', CAMERA)
    lbl_dir = osp.join(base, 'label', CAMERA)
    img_name = f'{stamp}_camera_frontcenter_{frame_id}.png'
    lbl_name = f'{stamp}_label_frontcenter_{frame_id}.png'
    if not cv2.imwrite(osp.join(cam_dir, img_name),
                       np.ascontiguousarray(image[..., ::-1]), _PNG_PARAMS):
        raise OSError(f'{osp.join(cam_dir, img_name)}: cannot write')
    label_bgr = np.ascontiguousarray(PALETTE[index][..., ::-1])
    if not cv2.imwrite(osp.join(lbl_dir, lbl_name), label_bgr, _PNG_PARAMS):
        raise OSError(f'{osp.join(lbl_dir, lbl_name)}: cannot write')
    meta = {
        'cam_tstamp': tstamp,
        'cam_name': 'front_center',
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
    """Write ``splits/<name>.txt`` (one scene a line) for non-empty
    splits."""
    split_dir = osp.join(out_dir, 'splits')
    os.makedirs(split_dir, exist_ok=True)
    for name in SPLITS:
        if splits[name]:
            with open(osp.join(split_dir, f'{name}.txt'), 'w',
                      encoding='utf-8') as f:
                f.write(''.join(f'{s}\n' for s in splits[name]))


def command_line(out_dir: str, num_scenes: int, frames_per_scene: int,
                 size: Tuple[int, int], seed: int) -> str:
    """The command line that reproduces an output."""
    return (f'python {TOOL} --out {out_dir} '
            f'--scenes {num_scenes} --frames-per-scene {frames_per_scene} '
            f'--size {size[0]}x{size[1]} --seed {seed}')


def write_marker(out_dir: str, command: str, seed: int, num_scenes: int,
                 frames: int, size: Tuple[int, int],
                 splits: Dict[str, List[str]]) -> None:
    """Write ``SYNTHETIC_README.txt``: what the folder is and how to make
    it again. Its first line is :data:`MARKER_LINE`."""
    split_lines = '\n'.join(
        f'  {name}: {len(splits[name])} scene(s)'
        + ('' if splits[name] else ' (no file written)') for name in SPLITS)
    text = f"""{MARKER_LINE}

This folder is SYNTHETIC data in the raw A2D2 layout, written by
{TOOL} of a2d2_mmseg. It stands in for the Audi
A2D2 dataset (https://www.a2d2.audi), which cannot be downloaded here. It is
not A2D2: street scenes are drawn procedurally (perspective road, lane lines,
curbs, sidewalks, buildings, vegetation, poles and signs, cars, trucks,
pedestrians), with A2D2's file names, camera JSON files and exact RGB label
colours from class_list.json. Results on it say nothing about real A2D2.

Seed: {seed}
Scenes: {num_scenes} x {frames} frames, {size[0]}x{size[1]} pixels
Splits (splits/*.txt, one scene per line):
{split_lines}
Command:
  {command}

The same command writes byte-identical files. Running it again on this
folder replaces camera_lidar_semantic/, splits/ and this file.
"""
    with open(osp.join(out_dir, MARKER), 'w', encoding='utf-8') as f:
        f.write(text)

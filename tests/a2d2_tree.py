"""Build tiny A2D2 trees of real PNG files for tests.

:func:`write_raw_tree` writes exactly the raw A2D2 layout (camera PNG +
per-frame JSON + RGB label) from small numpy arrays, so the caller controls
every pixel; ``benchmarks/`` uses it too. The two real A2D2 frames are
copied into ``tests/data``.
"""

import json
import os
import os.path as osp
from typing import Callable, Dict, Iterable, Optional, Sequence, Tuple

import cv2
import numpy as np

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST, hex_to_rgb

__all__ = [
    'COLOUR', 'write_png', 'stamp', 'raw_paths', 'label_from_names',
    'write_raw_tree'
]

#: A2D2 label name ('Car 1', 'Sky', ...) -> its RGB colour.
COLOUR = {name: hex_to_rgb(h) for h, name in A2D2_CLASS_LIST}


def write_png(path: str, array: np.ndarray, rgb: bool = True) -> None:
    """Write a uint8 array as PNG, creating its folder.

    Args:
        path (str): Output file.
        array (np.ndarray): ``(H, W, 3)`` (RGB unless ``rgb=False``) or
            ``(H, W)``.
        rgb (bool): Whether a 3-channel array is RGB (else BGR, written as
            it is).
    """
    os.makedirs(osp.dirname(path), exist_ok=True)
    if array.ndim == 3 and rgb:
        array = array[..., ::-1]
    assert cv2.imwrite(path, np.ascontiguousarray(array)), path


def stamp(scene: str) -> str:
    """A scene's time stamp in file names: '20180807_145028' ->
    '20180807145028'."""
    return scene.replace('_', '')


def raw_paths(root: str, scene: str, frame: str) -> Tuple[str, str, str]:
    """Camera PNG, camera JSON and label PNG paths of a raw-tree frame.

    Args:
        root (str): data_root (holds ``camera_lidar_semantic/``).
        scene (str): Scene folder name, e.g. ``'20180807_145028'``.
        frame (str): Frame id, e.g. ``'000000091'``.
    """
    base = osp.join(root, 'camera_lidar_semantic', scene)
    cam = osp.join(base, 'camera', 'cam_front_center',
                   f'{stamp(scene)}_camera_frontcenter_{frame}')
    lbl = osp.join(base, 'label', 'cam_front_center',
                   f'{stamp(scene)}_label_frontcenter_{frame}.png')
    return cam + '.png', cam + '.json', lbl


def label_from_names(names: Sequence[Sequence[str]]) -> np.ndarray:
    """An RGB label image from a 2-D grid of A2D2 label names ('Car 1',
    ...)."""
    return np.array([[COLOUR[n] for n in row] for row in names],
                    dtype=np.uint8)


def write_raw_tree(
        root: str,
        frames: Dict[str, Iterable[Tuple[str, np.ndarray]]],
        class_list: Optional[dict] = None,
        image_fn: Optional[Callable[[np.ndarray], np.ndarray]] = None
) -> None:
    """Write a raw A2D2 tree.

    Args:
        root (str): data_root (gets ``camera_lidar_semantic/``).
        frames (dict): scene -> iterable of (frame id, RGB label [H, W, 3]).
        class_list (dict, optional): class_list.json content; defaults to
            A2D2's list.
        image_fn (callable, optional): label -> camera image; defaults to a
            deterministic noisy image of the label's size.
    """
    sem = osp.join(root, 'camera_lidar_semantic')
    os.makedirs(sem, exist_ok=True)
    if class_list is None:
        class_list = dict(A2D2_CLASS_LIST)
    with open(osp.join(sem, 'class_list.json'), 'w') as f:
        json.dump(class_list, f, indent=4)
    for scene, items in frames.items():
        for frame, label in items:
            cam, meta, lbl = raw_paths(root, scene, frame)
            if image_fn is None:
                rng = np.random.default_rng(int(frame))
                image = rng.integers(0, 256, label.shape, dtype=np.uint8)
            else:
                image = image_fn(label)
            write_png(cam, image)
            os.makedirs(osp.dirname(meta), exist_ok=True)
            with open(meta, 'w') as f:
                json.dump({'cam_name': 'front_center',
                           'image_png': osp.basename(cam)}, f)
            write_png(lbl, label)


DATA_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'data')
SAMPLES_DIR = osp.join(DATA_DIR, 'a2d2_samples')
# The two real A2D2 frames copied into tests/data (see ATTRIBUTION.md).
REAL_FRAMES = (('20180807_145028', '000006882'),
               ('20181107_132730', '000005599'))
# The class list shipped with the sample frames (A2D2's own file).
REAL_CLASS_LIST = osp.join(SAMPLES_DIR, 'class_list.json')
# The 38 classes of the 'full' set, numbered variants merged, in index order.
FULL_38 = [
    'Car', 'Bicycle', 'Pedestrian', 'Truck', 'Small vehicles',
    'Traffic signal', 'Traffic sign', 'Utility vehicle', 'Sidebars',
    'Speed bumper', 'Curbstone', 'Solid line', 'Irrelevant signs',
    'Road blocks', 'Tractor', 'Non-drivable street', 'Zebra crossing',
    'Obstacles / trash', 'Poles', 'RD restricted area', 'Animals',
    'Grid structure', 'Signal corpus', 'Drivable cobblestone',
    'Electronic traffic', 'Slow drive area', 'Nature object', 'Parking area',
    'Sidewalk', 'Ego car', 'Painted driv. instr.', 'Traffic guide obj.',
    'Dashed line', 'RD normal street', 'Sky', 'Buildings', 'Blurred area',
    'Rain dirt'
]
# A 2x3 RGB label of six classes, and a three-class set dict over it.
SIX_CLASS_LABEL = label_from_names([['Sky', 'Car 3', 'Animals'],
                                    ['Solid line', 'Ego car',
                                     'Pedestrian 1']])
THREE_CLASS_SET = dict(classes=('road', 'car', 'other'),
                       groups={'road': ['RD normal street', 'Solid line'],
                               'car': ['Car']},
                       ignore=['Ego car'],
                       others='other')


def tree_files(root: str) -> dict:
    """Relative path -> bytes of every file under ``root``."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                files[osp.relpath(path, root)] = f.read()
    return files

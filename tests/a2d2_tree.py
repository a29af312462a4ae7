"""Build tiny A2D2 trees of real PNG files for tests.

``write_raw_tree`` writes exactly the raw A2D2 layout (camera PNG + per-frame
JSON + RGB label) from small numpy arrays, so tests control every pixel.
"""
import json
import os
import os.path as osp
from typing import Dict, Iterable, Optional, Sequence, Tuple

import cv2
import numpy as np

from a2d2_mmseg.datasets.a2d2_meta import A2D2_CLASS_LIST, hex_to_rgb

DATA_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'data')
SAMPLES_DIR = osp.join(DATA_DIR, 'a2d2_samples')
# The two real A2D2 frames copied into tests/data (see ATTRIBUTION.md).
REAL_FRAMES = (('20180807_145028', '000006882'),
               ('20181107_132730', '000005599'))

COLOUR = {name: hex_to_rgb(h) for h, name in A2D2_CLASS_LIST}


def write_png(path: str, array: np.ndarray, rgb: bool = True) -> None:
    """Write an RGB (or single-channel) uint8 array as PNG."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    if array.ndim == 3 and rgb:
        array = array[..., ::-1]
    assert cv2.imwrite(path, np.ascontiguousarray(array)), path


def stamp(scene: str) -> str:
    """'20180807_145028' -> '20180807145028'."""
    return scene.replace('_', '')


def raw_paths(root: str, scene: str, frame: str) -> Tuple[str, str, str]:
    """Camera PNG, camera JSON and label PNG paths of a raw-tree frame."""
    base = osp.join(root, 'camera_lidar_semantic', scene)
    cam = osp.join(base, 'camera', 'cam_front_center',
                   f'{stamp(scene)}_camera_frontcenter_{frame}')
    lbl = osp.join(base, 'label', 'cam_front_center',
                   f'{stamp(scene)}_label_frontcenter_{frame}.png')
    return cam + '.png', cam + '.json', lbl


def label_from_names(names: Sequence[Sequence[str]]) -> np.ndarray:
    """A label image from a 2-D grid of A2D2 label names ('Car 1', ...)."""
    return np.array([[COLOUR[n] for n in row] for row in names],
                    dtype=np.uint8)


def write_raw_tree(root: str,
                   frames: Dict[str, Iterable[Tuple[str, np.ndarray]]],
                   class_list: Optional[dict] = None,
                   image_fn=None) -> None:
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

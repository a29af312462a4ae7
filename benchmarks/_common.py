"""The real sample frames the benchmark scripts read and the raw trees
they make of them (``from _common import ...``: the scripts run as
``python benchmarks/bench_x.py``, so this folder is on ``sys.path``).
Timing and the machine line: :mod:`a2d2_mmseg.study.timing`.
"""
import glob
import json
import os
import os.path as osp
import sys
from typing import Tuple

import cv2
import numpy as np

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository's tests/, not an installed one
from tests.fixtures.trees import raw_paths, stamp  # noqa: E402

SAMPLES_DIR = osp.join(ROOT, 'tests', 'data', 'a2d2_samples')


def _real_frames() -> Tuple[Tuple[str, str], ...]:
    """``(scene, frame)`` of the real frames in :data:`SAMPLES_DIR`, from
    their camera file names (``<stamp>_camera_frontcenter_<frame>.png``)."""
    frames = []
    for path in sorted(
            glob.glob(osp.join(SAMPLES_DIR, '*_camera_frontcenter_*.png'))):
        time_stamp, _, _, frame = osp.basename(path)[:-4].split('_')
        frames.append((f'{time_stamp[:8]}_{time_stamp[8:]}', frame))
    return tuple(frames)


# The two real A2D2 frames (see tests/data/a2d2_samples/ATTRIBUTION.md).
REAL_FRAMES = _real_frames()


def read_pngs(cam: str, lbl: str) -> Tuple[np.ndarray, np.ndarray]:
    """The BGR image and label of a camera and a label PNG, read whole and
    decoded by ``cv2.imdecode`` (IMREAD_COLOR / IMREAD_UNCHANGED, as mmcv's
    and the label loader's cv2 backends do)."""
    return (cv2.imdecode(np.fromfile(cam, np.uint8), cv2.IMREAD_COLOR),
            cv2.imdecode(np.fromfile(lbl, np.uint8), cv2.IMREAD_UNCHANGED))


def sample_paths(scene: str, frame: str) -> Tuple[str, str]:
    """The camera and label PNG of a real frame (``scene`` e.g.
    ``'20180807_145028'``, ``frame`` e.g. ``'000006882'``)."""
    return (osp.join(SAMPLES_DIR,
                     f'{stamp(scene)}_camera_frontcenter_{frame}.png'),
            osp.join(SAMPLES_DIR,
                     f'{stamp(scene)}_label_frontcenter_{frame}.png'))


def make_tree(root: str, n: int) -> str:
    """Make the raw A2D2 tree ``root`` of ``n`` frames: frame ``i`` links
    to the PNGs of real frame ``i % 2`` in its scene and gets a camera JSON;
    the tree gets A2D2's ``class_list.json``. Returns ``root``."""
    sem = osp.join(root, 'camera_lidar_semantic')
    os.makedirs(sem, exist_ok=True)
    with open(osp.join(sem, 'class_list.json'), 'w') as f:
        json.dump(dict(A2D2_CLASS_LIST), f)
    for i in range(n):
        scene, real_frame = REAL_FRAMES[i % 2]
        cam, meta, lbl = raw_paths(root, scene, f'{i:09d}')
        for src, dst in zip(sample_paths(scene, real_frame), (cam, lbl)):
            os.makedirs(osp.dirname(dst), exist_ok=True)
            os.symlink(src, dst)
        with open(meta, 'w') as f:
            json.dump({'cam_name': 'front_center'}, f)
    return root

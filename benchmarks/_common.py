"""The real sample frames the benchmark scripts read and the raw trees
they make of them (``from _common import ...``: the scripts run as
``python benchmarks/bench_x.py``, so this folder is on ``sys.path``).
Timing, tables and the machine line: :mod:`a2d2_mmseg.study.timing`.
"""
import json
import os
import os.path as osp
import statistics
import sys
from typing import Tuple

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository's tests/, not an installed one
from a2d2_mmseg.study.timing import call_times  # noqa: E402
from tests.fixtures.trees import (REAL_FRAMES, SAMPLES_DIR,  # noqa: E402,F401
                                  raw_paths, stamp, write_class_list)


def median_ms(fn, repeat: int, warmup: int = 0) -> float:
    """Median milliseconds of ``repeat`` calls of ``fn`` after ``warmup``."""
    return 1e3 * statistics.median(call_times(fn, repeat, warmup=warmup))


def read_pngs(cam: str, lbl: str) -> Tuple[np.ndarray, np.ndarray]:
    """The BGR image and label of a camera and a label PNG, read whole and
    decoded by ``cv2.imdecode`` (IMREAD_COLOR / IMREAD_UNCHANGED, as mmcv's
    and the label loader's cv2 backends do)."""
    return (cv2.imdecode(np.fromfile(cam, np.uint8), cv2.IMREAD_COLOR),
            cv2.imdecode(np.fromfile(lbl, np.uint8), cv2.IMREAD_UNCHANGED))


def sample_paths(scene: str, frame: str) -> Tuple[str, str]:
    """The camera and label PNG of a real frame (``scene`` e.g.
    ``'20180807_145028'``, ``frame`` e.g. ``'000006882'``)."""
    return tuple(
        osp.join(SAMPLES_DIR, f'{stamp(scene)}_{kind}_frontcenter_{frame}.png')
        for kind in ('camera', 'label'))


def make_tree(root: str, n: int) -> str:
    """Make the raw A2D2 tree ``root`` of ``n`` frames: frame ``i`` links
    to the PNGs of real frame ``i % 2`` in its scene and gets a camera JSON;
    the tree gets A2D2's ``class_list.json``. Returns ``root``."""
    write_class_list(root, 'raw')
    for i in range(n):
        scene, real_frame = REAL_FRAMES[i % 2]
        cam, meta, lbl = raw_paths(root, scene, f'{i:09d}')
        for src, dst in zip(sample_paths(scene, real_frame), (cam, lbl)):
            os.makedirs(osp.dirname(dst), exist_ok=True)
            os.symlink(src, dst)
        with open(meta, 'w') as f:
            json.dump({'cam_name': 'front_center'}, f)
    return root

"""Inputs for the tiny model of the inference tests and checks of what
``a2d2_mmseg.apis.infer`` (and tools/infer.py) write."""
import os
import os.path as osp

import cv2
import numpy as np

from a2d2_mmseg.a2d2 import build_class_set
from a2d2_mmseg.visualization import blend

# The tiny model is trained on the full set (its checkpoint's dataset_meta).
PALETTE = np.array(build_class_set('full').palette, dtype=np.uint8)
NUM_CLASSES = len(PALETTE)


def images(n, size=(48, 40), seed=0):
    """``n`` random BGR images of ``size`` (width, height)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            for _ in range(n)]


def listing(out_dir):
    """The files under ``out_dir``, relative, sorted."""
    return sorted(
        osp.relpath(osp.join(d, f), out_dir)
        for d, _, files in os.walk(out_dir) for f in files)


def expected(names, video=False):
    """The files written for frames ``names``."""
    files = [f'{kind}/{n}.png' for kind in ('color', 'index', 'overlay')
             for n in names]
    return sorted(files + (['overlay.mp4'] if video else []))


def check_outputs(out_dir, name, image_bgr, opacity=0.5):
    """Index mask valid, colour mask = palette[index], overlay = blend."""
    index = cv2.imread(osp.join(out_dir, 'index', f'{name}.png'),
                       cv2.IMREAD_UNCHANGED)
    assert index.dtype == np.uint8 and index.shape == image_bgr.shape[:2]
    assert index.max() < NUM_CLASSES
    colour = cv2.imread(osp.join(out_dir, 'color', f'{name}.png'))[..., ::-1]
    np.testing.assert_array_equal(colour, PALETTE[index])
    overlay = cv2.imread(osp.join(out_dir, 'overlay',
                                  f'{name}.png'))[..., ::-1]
    expected_overlay = blend(np.ascontiguousarray(image_bgr[..., ::-1]),
                             colour, opacity)
    np.testing.assert_array_equal(overlay, expected_overlay)

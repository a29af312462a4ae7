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


def snapshot(folder):
    """{relative path: bytes} of every file under ``folder``."""
    files = {}
    for name in listing(str(folder)):
        with open(osp.join(str(folder), name), 'rb') as f:
            files[name] = f.read()
    return files


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


def write_folder_with_bad_images(folder, size=(8, 6)):
    """Three real PNGs (``a``, ``c``, ``e``) with, between them, a 0-byte
    ``b.png`` and a ``d.png`` cut in half.

    Returns:
        tuple: ``(good, bad)``: ``{name: BGR image}`` of the readable ones
        and the paths of the two bad ones.
    """
    from tests.bad_files import encode_png
    os.makedirs(folder, exist_ok=True)
    good = dict(zip('ace', images(3, size=size, seed=3)))
    for name, image in good.items():
        with open(osp.join(folder, f'{name}.png'), 'wb') as f:
            f.write(encode_png(image))
    bad = [osp.join(folder, 'b.png'), osp.join(folder, 'd.png')]
    open(bad[0], 'wb').close()
    png = encode_png(images(1, size=size, seed=4)[0])
    with open(bad[1], 'wb') as f:
        f.write(png[:len(png) // 2])
    return good, bad


def write_truncated_avi(path, frames=10, size=(32, 24), keep=0.5):
    """A Motion-JPEG AVI of ``frames`` random frames, cut to ``keep`` of
    its bytes: its header still declares ``frames`` frames.

    Returns:
        int: The frames OpenCV decodes from the cut file.
    """
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5.0,
                             size)
    assert writer.isOpened(), 'OpenCV cannot write MJPG AVI here'
    for image in images(frames, size=size, seed=5):
        writer.write(image)
    writer.release()
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:int(len(data) * keep)])
    cap = cv2.VideoCapture(path)
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == frames
    decoded = 0
    while cap.read()[0]:
        decoded += 1
    cap.release()
    assert 0 < decoded < frames
    return decoded

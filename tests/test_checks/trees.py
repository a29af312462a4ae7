"""Tiny raw A2D2 trees for the checker's tests, clean or with one problem of
each kind."""
import json
import os
import os.path as osp

import cv2
import numpy as np

from a2d2_mmseg.a2d2.check import check
from tests.a2d2_tree import (label_from_names, raw_paths, write_png,
                             write_raw_tree)

S1, S2, EMPTY = '20180807_145028', '20181107_132730', '20190101_000000'
LABEL = label_from_names([['Sky', 'Sky', 'Buildings', 'Car 1'],
                          ['Car 2', 'RD normal street', 'Ego car', 'Sky'],
                          ['Sidewalk', 'Sidewalk', 'Dashed line', 'Sky']])
# A 3x2 (WxH) label for the trees of three frames.
SMALL_LABEL = label_from_names([['Sky', 'Buildings', 'Car 1'],
                                ['Sidewalk', 'RD normal street', 'Sky']])


def clean_tree(root):
    """Nine clean frames: eight in S1, one in S2."""
    write_raw_tree(root, {
        S1: [(f'{i:09d}', LABEL) for i in range(1, 9)],
        S2: [('000000100', LABEL)],
    })
    return root


def small_tree(root):
    """Three clean 3x2 frames: two in S1, one in S2."""
    write_raw_tree(root, {
        S1: [('000000001', SMALL_LABEL), ('000000002', SMALL_LABEL)],
        S2: [('000000003', SMALL_LABEL)]
    })
    return root


def break_tree(root):
    """Give :func:`clean_tree`'s tree one problem of each kind.

    Returns:
        set: The problems to expect, as ``{(kind, path)}``.
    """
    p = {i: raw_paths(root, S1, f'{i:09d}') for i in range(1, 9)}
    # 2: truncated label
    data = open(p[2][2], 'rb').read()
    with open(p[2][2], 'wb') as f:
        f.write(data[:len(data) // 2])
    # 3: zero-byte camera image
    open(p[3][0], 'wb').close()
    # 4: RGBA label
    rgba = np.concatenate([LABEL[..., ::-1], np.full((3, 4, 1), 255,
                                                     np.uint8)], -1)
    assert cv2.imwrite(p[4][2], rgba)
    # 5: label of another size
    write_png(p[5][2], label_from_names([['Sky', 'Sky'], ['Sky', 'Sky']]))
    # 6: image without its label, 7: label without its image
    os.remove(p[6][2])
    os.remove(p[7][0])
    # 8: unknown colours, 1 + 2 pixels
    label = LABEL.copy()
    label[0, 0] = (255, 0, 2)
    label[1, 1] = label[2, 2] = (1, 2, 3)
    write_png(p[8][2], label)
    # an empty scene
    base = osp.join(root, 'camera_lidar_semantic', EMPTY)
    os.makedirs(osp.join(base, 'camera', 'cam_front_center'))
    os.makedirs(osp.join(base, 'label', 'cam_front_center'))
    # a stray file (the camera folder's .json files are not strays)
    stray = osp.join(osp.dirname(p[1][2]), 'notes.png')
    write_png(stray, LABEL)
    return {
        ('corrupt_label', p[2][2]),
        ('empty_file', p[3][0]),
        ('wrong_label_type', p[4][2]),
        ('size_mismatch', p[5][2]),
        ('image_without_label', p[6][0]),
        ('label_without_image', p[7][2]),
        ('unknown_colours', p[8][2]),
        ('empty_scene', base),
        ('unexpected_file_name', stray),
    }


def found(report):
    """The problems of a report as ``{(kind, path)}``."""
    return {(p['kind'], p['path']) for p in report['problems']}


def assert_report_written(path, root):
    """The JSON report at ``path`` is a fresh check of ``root``, run times
    aside; returns that fresh report."""
    with open(path, encoding='utf-8') as f:
        written = json.load(f)
    report = check(root, verbose=False)
    written.pop('elapsed_s')
    report.pop('elapsed_s')
    assert written == report
    return report

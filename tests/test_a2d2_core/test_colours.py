"""The colour lookup table: packing, exact and snapped mapping, real
frames remapped exactly."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from a2d2_mmseg.a2d2 import (REDUCED_CLASSES, ColourMapper, get_mapper,
                             pack_bgr, pack_rgb)
from tests.fixtures.trees import (FULL_38, REAL_CLASS_LIST, REAL_FRAMES,
                                  SAMPLES_DIR, label_from_names)


def test_pack_rgb_and_bgr_agree():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (7, 5, 3), dtype=np.uint8)
    expected = (rgb[..., 0].astype(np.int64) * 65536 +
                rgb[..., 1].astype(np.int64) * 256 + rgb[..., 2])
    np.testing.assert_array_equal(pack_rgb(rgb), expected)
    np.testing.assert_array_equal(pack_bgr(rgb[..., ::-1].copy()), expected)


def test_mapper_exact_on_tiny_label_with_unknown_colour():
    label = label_from_names([['Car 1', 'Car 4', 'Sky'],
                              ['Ego car', 'Rain dirt', 'Truck 3']])
    label[1, 2] = (1, 2, 3)  # not an A2D2 colour
    full = get_mapper('full')
    index, unknown = full(label)
    np.testing.assert_array_equal(
        index, [[0, 0, FULL_38.index('Sky')],
                [FULL_38.index('Ego car'), FULL_38.index('Rain dirt'), 255]])
    assert unknown == {(1, 2, 3): 1}
    reduced = get_mapper('reduced')
    index, unknown = reduced(label)
    names = list(REDUCED_CLASSES)
    np.testing.assert_array_equal(
        index, [[names.index('vehicle')] * 2 + [names.index('sky')],
                [255, 255, 255]])
    assert unknown == {(1, 2, 3): 1}


def test_mapper_is_built_once_per_process():
    assert get_mapper('full') is get_mapper('full')
    assert get_mapper('full', REAL_CLASS_LIST) is get_mapper(
        'full', REAL_CLASS_LIST)
    assert get_mapper('full') is not get_mapper('reduced')
    assert get_mapper('full').lut.dtype == np.uint8
    assert get_mapper('full').lut.nbytes == 1 << 24


def test_snap_distance_is_opt_in():
    label = np.array([[[255, 0, 2], [254, 1, 0], [250, 0, 0]]],
                     dtype=np.uint8)
    strict, unknown = get_mapper('full')(label)
    np.testing.assert_array_equal(strict, [[255, 255, 255]])
    assert sum(unknown.values()) == 3
    snapped, unknown = get_mapper('full', snap_distance=3)(label)
    # (250, 0, 0) is 5 away from Car 1: stays unknown
    np.testing.assert_array_equal(snapped, [[0, 0, 255]])
    assert unknown == {(250, 0, 0): 1}


def test_snap_ties_between_classes_stay_unknown():
    mapper = ColourMapper({(0, 0, 0): 1, (0, 0, 4): 2}, snap_distance=2)
    index, unknown = mapper(np.array([[[0, 0, 1], [0, 0, 2], [0, 0, 3]]],
                                     dtype=np.uint8))
    np.testing.assert_array_equal(index, [[1, 255, 2]])
    assert unknown == {(0, 0, 2): 1}


def test_mapper_rejects_bad_input():
    with pytest.raises(ValueError, match=r'uint8 \[H, W, 3\]'):
        get_mapper('full')(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match='0..253 or 255'):
        ColourMapper({(0, 0, 0): 254})


def independent_remap(label_rgb, class_list_path):
    """Colour -> category by name, one colour at a time (no shared code)."""
    with open(class_list_path) as f:
        colours = json.load(f)
    categories = []
    expected = np.full(label_rgb.shape[:2], 255, dtype=np.int64)
    for hex_colour, name in colours.items():
        words = name.split(' ')
        cat = ' '.join(words[:-1]) if words[-1].isdigit() else name
        if cat not in categories:
            categories.append(cat)
        rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
        expected[(label_rgb == rgb).all(-1)] = categories.index(cat)
    return expected, categories


@pytest.mark.parametrize('scene,frame', REAL_FRAMES)
def test_exact_remap_of_real_a2d2_frame(scene, frame):
    path = osp.join(SAMPLES_DIR,
                    f"{scene.replace('_', '')}_label_frontcenter_{frame}.png")
    bgr = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert bgr.shape == (1208, 1920, 3)
    rgb = bgr[..., ::-1]
    expected, categories = independent_remap(rgb, REAL_CLASS_LIST)
    assert categories == FULL_38
    index, unknown = get_mapper('full', REAL_CLASS_LIST)(bgr, 'bgr')
    np.testing.assert_array_equal(index, expected)
    # Pixels whose colour is not in the list are exactly the unknown ones.
    assert sum(unknown.values()) == int((expected == 255).sum())
    assert len(np.unique(index)) > 5

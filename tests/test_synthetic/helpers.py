"""Shared constants and readers for the synthetic-set tests."""
import os
import os.path as osp

import cv2
import numpy as np

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST, hex_to_rgb
from a2d2_mmseg.a2d2.colours import pack_rgb
from a2d2_mmseg.a2d2.layout import RAW_DIR
from a2d2_mmseg.a2d2.scenes import _IMG_RE, CAMERA
from tests.a2d2_tree import tree_files as all_files  # noqa: F401

# The shared small set: 3 scenes x 3 frames (3 scenes give all three splits).
SCENES, FRAMES, SIZE = 3, 3, (160, 101)
PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadA2D2Annotations')]

COLOUR_OF = {name: hex_to_rgb(h) for h, name in A2D2_CLASS_LIST}
NAME_OF_PACKED = {
    int(pack_rgb(np.array(rgb, np.uint8))): name
    for name, rgb in COLOUR_OF.items()
}
PALETTE_PACKED = np.array(sorted(NAME_OF_PACKED), np.uint32)


def read_rgb(path):
    """An 8-bit PNG as RGB."""
    bgr = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert bgr is not None, path
    return bgr[..., ::-1]


def frames_of(out):
    """(scene, frame id, image path, label path) of every frame."""
    raw = osp.join(out, RAW_DIR)
    items = []
    for scene in sorted(os.listdir(raw)):
        if scene == 'class_list.json':
            continue
        cam = osp.join(raw, scene, 'camera', CAMERA)
        for name in sorted(os.listdir(cam)):
            m = _IMG_RE.match(name)
            if m:
                lbl = osp.join(raw, scene, 'label', CAMERA,
                               f'{m.group(1)}_label_frontcenter_'
                               f'{m.group(2)}.png')
                items.append((scene, m.group(2), osp.join(cam, name), lbl))
    return items


def label_names(label_rgb):
    """Label name -> pixel count of an RGB label."""
    packed = pack_rgb(label_rgb)
    values, counts = np.unique(packed, return_counts=True)
    return {NAME_OF_PACKED[int(v)]: int(n) for v, n in zip(values, counts)}



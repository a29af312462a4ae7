"""Build tiny A2D2 trees of real PNG files for tests.

The writers live in the package (:mod:`a2d2_mmseg.testing.tree`, shared
with ``benchmarks/``) and are re-exported here; this module adds the two
real A2D2 frames copied into ``tests/data``.
"""
import os
import os.path as osp

from a2d2_mmseg.testing.tree import (COLOUR, label_from_names,  # noqa: F401
                                     raw_paths, stamp, write_png,
                                     write_raw_tree)

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

"""Build tiny A2D2 trees of real PNG files for tests.

The writers live in the package (:mod:`a2d2_mmseg.testing.tree`, shared
with ``benchmarks/``) and are re-exported here; this module adds the two
real A2D2 frames copied into ``tests/data``.
"""
import os.path as osp

from a2d2_mmseg.testing.tree import (COLOUR, label_from_names,  # noqa: F401
                                     raw_paths, stamp, write_png,
                                     write_raw_tree)

DATA_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'data')
SAMPLES_DIR = osp.join(DATA_DIR, 'a2d2_samples')
# The two real A2D2 frames copied into tests/data (see ATTRIBUTION.md).
REAL_FRAMES = (('20180807_145028', '000006882'),
               ('20181107_132730', '000005599'))

"""The A2D2 core imports and works without torch, mmseg, mmcv or mmengine.

Data preparation (the converter, the checker, the synthetic generator) runs
on machines without torch; the core (:mod:`a2d2_mmseg.a2d2`) is what they
share with training, so it must import with those libraries missing, and
``import a2d2_mmseg`` itself must not pull them in.
"""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

from tests.test_a2d2_core.test_colours import independent_remap

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SAMPLES = osp.join(REPO, 'tests', 'data', 'a2d2_samples')
CLASS_LIST = osp.join(SAMPLES, 'class_list.json')
LABELS = sorted(osp.join(SAMPLES, n) for n in
                ('20180807145028_label_frontcenter_000006882.png',
                 '20181107132730_label_frontcenter_000005599.png'))
HEAVY = ('torch', 'mmseg', 'mmcv', 'mmengine', 'mmdet')
CORE_MODULES = ('a2d2_mmseg.a2d2', 'a2d2_mmseg.a2d2.class_list',
                'a2d2_mmseg.a2d2.class_sets', 'a2d2_mmseg.a2d2.colours',
                'a2d2_mmseg.a2d2.images', 'a2d2_mmseg.a2d2.labels',
                'a2d2_mmseg.a2d2.layout',
                'a2d2_mmseg.a2d2.scenes', 'a2d2_mmseg.a2d2.npy_masks')

# Runs in a fresh interpreter: the heavy libraries are made unimportable
# (None in sys.modules makes ``import torch`` raise ImportError), then the
# core decodes the real labels and scans a raw tree holding them.
_BLOCKED = r'''
import importlib, json, os, os.path as osp, shutil, sys, tempfile
repo, class_list, heavy, modules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
labels = sys.argv[5:]
sys.path.insert(0, repo)
for name in heavy.split(','):
    sys.modules[name] = None
for name in modules.split(','):
    importlib.import_module(name)
import numpy as np
import a2d2_mmseg
from a2d2_mmseg.a2d2 import get_decoder, scan
out = dict(decoded=[], loaded=sorted(
    m for m in sys.modules if m.split('.')[0] in heavy.split(',')
    and sys.modules[m] is not None))
decoder = get_decoder('rgb', 'full', class_list)
for path in labels:
    with open(path, 'rb') as f:
        index, unknown = decoder(f.read(), path)
    np.save(path + '.core.npy', index)
    out['decoded'].append(dict(shape=list(index.shape), dtype=str(index.dtype),
                               unknown=sum(unknown.values())))
# a raw tree of the two frames, scanned
root = tempfile.mkdtemp()
try:
    tree = osp.join(root, 'camera_lidar_semantic')
    os.makedirs(tree)
    shutil.copy(class_list, tree)
    for path in labels:
        name = osp.basename(path)
        ts = name.split('_')[0]
        scene = f'{ts[:8]}_{ts[8:]}'
        for kind in ('camera', 'label'):
            folder = osp.join(tree, scene, kind, 'cam_front_center')
            os.makedirs(folder, exist_ok=True)
            shutil.copy(path.replace('_label_', f'_{kind}_'), folder)
    found = scan(root)
    out['scan'] = dict(layout=found.layout, frames=len(found.frames),
                       problems=found.problems)
finally:
    shutil.rmtree(root)
print(json.dumps(out))
'''


def _expected(label_path):
    """Colour -> category index by name, one colour at a time, from the
    file alone (no code of the package)."""
    rgb = cv2.imread(label_path, cv2.IMREAD_UNCHANGED)[..., ::-1]
    return independent_remap(rgb, CLASS_LIST)[0]


def test_core_decodes_real_labels_with_torch_and_mmseg_blocked(tmp_path):
    labels = []
    for path in LABELS:  # copies: the script writes its results beside them
        for kind in ('label', 'camera'):
            src = path.replace('_label_', f'_{kind}_')
            dst = tmp_path / osp.basename(src)
            dst.write_bytes(open(src, 'rb').read())
        labels.append(str(tmp_path / osp.basename(path)))
    proc = subprocess.run(
        [sys.executable, '-c', _BLOCKED, REPO, CLASS_LIST, ','.join(HEAVY),
         ','.join(CORE_MODULES), *labels],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out['loaded'] == []
    for path, source, info in zip(labels, LABELS, out['decoded']):
        assert info == dict(shape=[1208, 1920], dtype='uint8', unknown=0)
        index = np.load(path + '.core.npy')
        np.testing.assert_array_equal(index, _expected(source))
        assert len(np.unique(index)) > 5
    assert out['scan'] == dict(layout='raw', frames=2, problems=[])


def test_importing_the_package_and_its_core_loads_no_torch():
    code = ('import sys; import a2d2_mmseg; '
            + '; '.join(f'import {m}' for m in CORE_MODULES)
            + '; print(sorted(m for m in sys.modules '
            f'if m.split(".")[0] in {HEAVY!r}))')
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == '[]'

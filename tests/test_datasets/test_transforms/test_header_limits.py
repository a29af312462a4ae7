"""The loading transforms refuse a header that declares a huge image before
allocating it (the header checks themselves:
tests/test_a2d2_core/test_images.py)."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from a2d2_mmseg.a2d2.images import MAX_IMAGE_SIDE
from tests.fixtures.files import encode_png, with_declared_size

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
RGB = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 9


# Runs in a fresh interpreter whose address space is capped at what it uses
# after the imports plus 512 MiB: a decode of the crafted files would need
# 1.2-3 GB and fail with an OpenCV allocation error, so each case passes only
# if its error is raised from the header, before any pixel buffer exists.
_LIMITED = r'''
import json, resource, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import a2d2_mmseg.datasets  # noqa: F401  (registers the transforms)
from mmengine.registry import init_default_scope
from mmseg.registry import TRANSFORMS
init_default_scope('mmseg')

def vm_bytes():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmSize:'):
                return int(line.split()[1]) * 1024

limit = vm_bytes() + (512 << 20)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
out = {}
try:
    np.ones(1 << 31, np.uint8)  # 2 GiB: must fail, or the cap is not real
    out['control'] = 'allocated'
except MemoryError:
    out['control'] = 'MemoryError'
image, label, mismatched = sys.argv[2:5]
cases = [
    ('image', TRANSFORMS.build(dict(type='LoadA2D2ImageFromFile')),
     dict(img_path=image)),
    ('label', TRANSFORMS.build(dict(type='LoadA2D2Annotations')),
     dict(seg_map_path=label, seg_fields=[])),
    ('mismatched', TRANSFORMS.build(dict(type='LoadA2D2Annotations')),
     dict(seg_map_path=mismatched, seg_fields=[], ori_shape=(2, 3),
          img_path='cam.png')),
]
for name, transform, results in cases:
    try:
        transform(results)
        out[name] = 'loaded'
    except Exception as e:
        out[name] = f'{type(e).__name__}: {e}'
print(json.dumps(out))
'''


@pytest.mark.skipif(not osp.exists('/proc/self/status'),
                    reason='needs /proc (Linux) to measure the address space')
def test_huge_declared_size_refused_before_allocating(tmp_path):
    # Tiny files (a 3x2 IDAT) whose IHDR declares 32000x32000 (3 GB as RGB)
    # or, for the label paired with a 3x2 image, 20000x20000 (1.2 GB).
    image = str(tmp_path / 'cam.png')
    label = str(tmp_path / 'label.png')
    mismatched = str(tmp_path / 'mismatched.png')
    small = encode_png(RGB[..., ::-1])
    for path, (w, h) in ((image, (32000, 32000)), (label, (32000, 32000)),
                         (mismatched, (20000, 20000))):
        with open(path, 'wb') as f:
            f.write(with_declared_size(small, w, h))
    proc = subprocess.run(
        [sys.executable, '-c', _LIMITED, REPO, image, label, mismatched],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out['control'] == 'MemoryError'
    too_large = ('the PNG header declares 32000x32000 (WxH) pixels, more '
                 f'than the limit of {MAX_IMAGE_SIDE} per side')
    assert out['image'].startswith(f'A2D2ImageError: {image}: {too_large}')
    assert out['label'].startswith(f'A2D2LabelError: {label}: {too_large}')
    assert out['mismatched'] == (
        f'A2D2LabelError: {mismatched}: label is 20000x20000 (WxH) but its '
        'image cam.png is 3x2')

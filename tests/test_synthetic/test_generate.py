"""a2d2_mmseg.a2d2.synthetic.generate: determinism, speed, the summary, and
that A2D2Dataset reads the output."""
import ast
import os
import os.path as osp
import sys
import time
import warnings

import numpy as np

import a2d2_mmseg.a2d2.synthetic as synthetic
from a2d2_mmseg.a2d2.labels import UnknownColourWarning
from a2d2_mmseg.a2d2.synthetic import (MARKER, Summary, format_summary,
                                       generate)
from a2d2_mmseg.datasets import A2D2Dataset
from tests.fixtures.synthetic import (COLOUR_OF, FRAMES, PIPELINE, SCENES,
                                      SIZE, all_files, read_rgb)


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    kw = dict(num_scenes=2, frames_per_scene=2, size=(96, 64), progress=False)
    a, b, c = (str(tmp_path / n) for n in 'abc')
    generate(a, seed=0, **kw)
    generate(b, seed=0, **kw)
    generate(c, seed=1, **kw)
    fa, fb, fc = all_files(a), all_files(b), all_files(c)
    assert sorted(fa) == sorted(fb)
    assert len(fc) == len(fa)
    # The README names the output folder it was written to; all else is
    # byte-identical.
    readme_a = fa.pop(MARKER).decode().replace(a, '<out>')
    readme_b = fb.pop(MARKER).decode().replace(b, '<out>')
    assert readme_a == readme_b
    assert fa == fb
    # Another seed: other pictures (and other frame ids).
    pngs_a = [fa[k] for k in sorted(fa) if k.endswith('.png')]
    pngs_c = [fc[k] for k in sorted(fc) if k.endswith('.png')]
    assert len(pngs_a) == len(pngs_c) == 8
    assert all(x != y for x, y in zip(pngs_a, pngs_c))
    # Two scenes: everything in train, no val/test lists.
    assert sorted(os.listdir(osp.join(a, 'splits'))) == ['train.txt']
    # Writing the same folder again gives the same bytes too.
    generate(a, seed=0, **kw)
    again = all_files(a)
    again.pop(MARKER)
    assert again == fb


def test_small_set_is_fast(tmp_path):
    start = time.perf_counter()
    generate(str(tmp_path / 'fast'), num_scenes=2, frames_per_scene=2,
             size=(96, 64), progress=False)
    # A tiny set: a loose bound that still holds on a loaded CI machine.
    assert time.perf_counter() - start < 3.0


def test_summary(small):
    out, summary = small
    assert isinstance(summary, Summary)
    assert summary.out_dir == out
    assert (summary.num_scenes, summary.frames_per_scene,
            summary.num_frames) == (SCENES, FRAMES, SCENES * FRAMES)
    assert summary.size == SIZE and summary.seed == 0
    assert not summary.replaced
    assert sum(summary.label_pixels.values()) == \
        SCENES * FRAMES * SIZE[0] * SIZE[1]
    line = format_summary(summary)
    assert line.startswith('Wrote synthetic A2D2: 3 scenes x 3 frames = 9 '
                           'frames of 160x101 (seed 0, ')
    assert 'splits train 1 / val 1 / test 1 scenes' in line and out in line


# -- A2D2Dataset reads it ----------------------------------------------------
def test_a2d2dataset_reads_the_output(small):
    out, summary = small
    for split in ('train', 'val', 'test'):
        ds = A2D2Dataset(data_root=out, scenes=f'splits/{split}.txt',
                         pipeline=PIPELINE)
        assert len(ds) == len(summary.splits[split]) * FRAMES
    ds = A2D2Dataset(data_root=out, pipeline=PIPELINE)
    assert len(ds) == SCENES * FRAMES
    assert ds.resolved_layout == 'raw'
    with warnings.catch_warnings():
        warnings.simplefilter('error', UnknownColourWarning)
        for i in range(len(ds)):
            results = ds[i]
            gt = results['gt_seg_map']
            assert gt.shape == (SIZE[1], SIZE[0])
            assert results['img'].shape == (SIZE[1], SIZE[0], 3)
            assert not (gt == 255).any(), results['seg_map_path']
            assert gt.max() < len(ds.metainfo['classes'])


def test_reduced_set_ignores_only_ego_car_and_blurred(small):
    out, summary = small
    ds = A2D2Dataset(data_root=out, class_set='reduced', pipeline=PIPELINE)
    ignored_colours = [COLOUR_OF['Ego car'], COLOUR_OF['Blurred area'],
                       COLOUR_OF['Rain dirt']]
    ignored_somewhere = False
    with warnings.catch_warnings():
        warnings.simplefilter('error', UnknownColourWarning)
        for i in range(len(ds)):
            results = ds[i]
            label = read_rgb(results['seg_map_path'])
            expected = np.zeros(label.shape[:2], bool)
            for rgb in ignored_colours:
                expected |= (label == rgb).all(-1)
            assert np.array_equal(results['gt_seg_map'] == 255, expected)
            ignored_somewhere |= bool(expected.any())
    # The seed-0 small set has an ego hood and blurred plates, so the
    # check above is not vacuous.
    assert ignored_somewhere
    assert {'Ego car', 'Blurred area'} <= set(summary.label_pixels)


# -- dependencies -------------------------------------------------------------
ALLOWED_IMPORTS = {'numpy', 'cv2', 'a2d2_mmseg.a2d2.class_list',
                   'a2d2_mmseg.a2d2.layout', 'a2d2_mmseg.a2d2.scenes'}


def test_modules_import_only_numpy_cv2_and_the_class_list():
    """The generator's modules import (at module level) only the standard
    library, numpy, OpenCV and A2D2's class list, layouts and cameras, so
    they do not need torch or mmseg themselves."""
    root = osp.dirname(synthetic.__file__)
    seen = set()
    for dirpath, _, names in os.walk(root):
        for name in sorted(n for n in names if n.endswith('.py')):
            path = osp.join(dirpath, name)
            with open(path, encoding='utf-8') as f:
                tree = ast.parse(f.read(), path)
            for node in tree.body:
                if isinstance(node, ast.Import):
                    modules = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    seen.add(module)
                    top = module.split('.')[0]
                    assert (top in sys.stdlib_module_names
                            or module in ALLOWED_IMPORTS
                            or module.startswith(synthetic.__name__ + '.')
                            ), (path, module)
    assert {'numpy', 'cv2'} <= seen

"""tools/analysis/a2d2_class_weights.py, the command line, run as a script.

The weights are tested through the package
(tests/test_analysis/test_class_weighting.py).
"""
import json
import os.path as osp

from mmengine.config import Config

from a2d2_mmseg.testing.tree import label_from_names, write_raw_tree
from tests.test_engine.tiny_runs import PYTHON, REPO, check, run

CLASS_WEIGHTS = osp.join(REPO, 'tools', 'analysis', 'a2d2_class_weights.py')


def test_cli(tmp_path):
    raw = str(tmp_path / 'raw')
    write_raw_tree(raw, {
        '20180807_145028': [('000000001', label_from_names(
            [['Car 1'] * 4, ['Sky'] * 4, ['Sky'] * 4, ['Sky'] * 4]))],
        '20181107_132730': [('000000002', label_from_names(
            [['Car 2'] * 4] + [['Buildings'] * 4] * 3))]
    })
    prefix = str(tmp_path / 'w')
    printed = check(
        run([
            PYTHON, CLASS_WEIGHTS, raw, '--scenes', 'all', '--method',
            'median_freq', '--nproc', '2', '-o', prefix
        ],
            cwd=str(tmp_path)))
    assert 'Buildings' in printed and '--cfg-options' in printed
    assert f'wrote {prefix}.json' in printed
    with open(prefix + '.json') as f:
        saved = json.load(f)
    assert saved['method'] == 'median_freq' and saved['scenes'] is None
    assert saved['num_images'] == 2 and saved['total_pixels'] == 32
    assert Config.fromfile(prefix + '.py').class_weight == saved['weights']

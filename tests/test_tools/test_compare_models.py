"""tools/analysis/compare_models.py, the command line, run as a script.

The report itself is tested through the package
(tests/test_study/test_comparison.py); here: a real work dir on the
val split without a GIF (metrics equal an independent mmseg IoUMetric
test), and the error messages of bad arguments.
"""
import json
import os.path as osp

import pytest

from tests.fixtures.training import PYTHON, REPO, check, independent_test, run

COMPARE = osp.join(REPO, 'tools', 'analysis', 'compare_models.py')


@pytest.fixture(scope='module')
def trained(tiny_trained_val, tmp_path_factory):
    return dict(tiny_trained_val,
                tmp=str(tmp_path_factory.mktemp('compare_cli')))


def test_cli_val_split(trained, tmp_path):
    out = str(tmp_path / 'val_report')
    log = check(
        run([
            PYTHON, COMPARE, '--work-dirs', trained['work_dir'], '--split',
            'val', '--gif-frames', '0', '--out-dir', out
        ],
            cwd=str(tmp_path)))
    assert '| tiny |' in log
    assert 'written to ' in log and 'showcase.png' in log
    assert osp.isfile(osp.join(out, 'showcase.png'))
    assert not osp.exists(osp.join(out, 'segmentation.gif'))
    with open(osp.join(out, 'metrics.json')) as f:
        val = json.load(f)['tiny']['metrics']
    expected = independent_test(
        trained['config'], osp.join(trained['work_dir'], 'iter_2.pth'),
        osp.join(trained['tmp'], 'independent'), split='val')
    for key in ('mIoU', 'mDice', 'aAcc', 'mAcc'):
        assert val[key] == pytest.approx(float(expected[key]), abs=1e-6)


def test_cli_errors(tmp_path):
    work = tmp_path / 'no_ckpt'
    work.mkdir()
    (work / 'cfg.py').write_text('')
    proc = run([PYTHON, COMPARE, '--work-dirs', str(work), '--out-dir',
                str(tmp_path)], cwd=str(tmp_path))
    assert proc.returncode == 1
    assert 'error: ' in proc.stdout
    assert 'last_checkpoint: not found' in proc.stdout

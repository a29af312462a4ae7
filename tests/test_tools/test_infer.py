"""tools/infer.py, the command line, run as a script on a tiny trained
model: the outputs, one-line errors, --allow-partial-checkpoint.

What it runs, a2d2_mmseg.apis.infer, is tested in tests/test_apis/.
"""
import os.path as osp

import cv2

from tests.test_apis.infer_outputs import (check_outputs, expected, images,
                                           listing)
from tests.test_engine.tiny_runs import PYTHON, REPO, check, run
from tests.tiny_training import tiny_training_run

INFER = osp.join(REPO, 'tools', 'infer.py')


def _model(tmp_path):
    out = tiny_training_run(str(tmp_path), max_iters=2, val_interval=100)
    return out['config'], osp.join(out['work_dir'], 'iter_2.pth')


def test_cli(tmp_path):
    config, checkpoint = _model(tmp_path)
    image = images(1)[0]
    path = str(tmp_path / 'cli.png')
    cv2.imwrite(path, image)
    log = check(
        run([PYTHON, INFER, config, checkpoint, path, '-o', 'out',
             '--device', 'cpu'],
            cwd=str(tmp_path)))
    assert '1 frame(s) segmented' in log
    assert listing(str(tmp_path / 'out')) == expected(['cli'])
    check_outputs(str(tmp_path / 'out'), 'cli', image)

    # A checkpoint of another class count: one line, exit status 1 ...
    options = ['--cfg-options', 'model.decode_head.num_classes=11',
               'test_dataloader.dataset.class_set=reduced']
    args = [PYTHON, INFER, config, checkpoint, path, '--device', 'cpu']
    proc = run(args + ['-o', 'refused'] + options, cwd=str(tmp_path))
    assert proc.returncode == 1
    assert (f'error: {checkpoint}: the checkpoint does not fit'
            in proc.stdout), proc.stdout[-4000:]
    assert 'Traceback' not in proc.stdout
    # ... loaded partially with --allow-partial-checkpoint (11 classes).
    log = check(
        run(args + ['-o', 'partial', '--allow-partial-checkpoint'] + options,
            cwd=str(tmp_path)))
    assert '1 frame(s) segmented' in log
    index = cv2.imread(str(tmp_path / 'partial' / 'index' / 'cli.png'),
                       cv2.IMREAD_UNCHANGED)
    assert index.shape == image.shape[:2] and index.max() < 11

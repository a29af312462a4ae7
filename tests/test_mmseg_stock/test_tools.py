"""mmseg's installed tools on an A2D2 config, as ``mim`` runs them.

Each tool runs in its own process from ``mmseg/.mim/tools`` with the plugin
importable (the config's ``custom_imports`` load it), on the tiny config of
:mod:`tests.fixtures.stock` (runs: :mod:`.conftest`): train,
``--resume``, test with ``--show-dir``/``--out`` and with ``--tta``,
``confusion_matrix.py``, ``analyze_logs.py`` and ``publish_model.py``; the
checkpoint is also loaded by plain ``torch.load`` in a process that never
imports the plugin.
"""
import hashlib
import os
import os.path as osp
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmseg.registry import DATASETS
from PIL import Image

from a2d2_mmseg.compat.checkpoint_types import from_plain_data
from tests.fixtures.stock import CLASSES
from tests.fixtures.training import (build_runner, check,
                                     restored_process_state, write_config,
                                     write_tiny_tree)


def _frame_names(trained):
    return [osp.basename(p) for p in trained.image_paths]


def _load(path):
    """A checkpoint as mmengine wrote it: plain torch.load, then decoded."""
    return from_plain_data(torch.load(path, map_location='cpu'))


def test_train_logs_and_validates(trained):
    assert 'Iter(train) [1/1]' in trained.log
    assert 'Iter(val) [2/2]' in trained.log
    assert sorted(os.listdir(trained.work_dir))[-3:] == [
        'iter_1.pth', 'last_checkpoint', 'tiny_unet.py'
    ]


def test_checkpoint_loads_without_the_plugin(tool_runs):
    assert check(tool_runs.plain_load).splitlines() == [
        '[]',
        "['message_hub', 'meta', 'optimizer', 'param_schedulers', "
        "'rng_state', 'state_dict']",
        f'1 {CLASSES}',
        'HistoryBuffer torch.float64',
        '[]',
    ]


def test_publish_model(trained, tool_runs):
    check(tool_runs.publish)
    with open(trained.checkpoint, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    final = tool_runs.publish_dir / f'model-{sha[:8]}.pth'
    # publish_model.py renames its output with a `mv` it does not wait for.
    deadline = time.monotonic() + 30
    while not final.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(os.listdir(tool_runs.publish_dir)) == [final.name]
    assert torch.serialization.get_unsafe_globals_in_checkpoint(
        str(final)) == []
    published = torch.load(str(final))
    original = torch.load(trained.checkpoint)
    assert sorted(published) == sorted(set(original) - {'optimizer'})
    assert published['state_dict'].keys() == original['state_dict'].keys()
    for name, tensor in original['state_dict'].items():
        assert torch.equal(published['state_dict'][name], tensor), name


def test_resume_continues_with_the_message_hub(trained, tool_runs):
    log = check(tool_runs.resume)
    assert 'Auto resumed from the latest checkpoint' in log
    assert 'resumed epoch: 0, iter: 1' in log
    first = _load(trained.checkpoint)['message_hub']
    checkpoint = _load(osp.join(tool_runs.resume_dir, 'iter_2.pth'))
    assert checkpoint['meta']['iter'] == 2
    second = checkpoint['message_hub']
    for key in ('train/loss', 'train/lr', 'train/decode.acc_seg'):
        before, after = first['log_scalars'][key], second['log_scalars'][key]
        assert type(after) is HistoryBuffer
        # Iteration 1's history came back from the checkpoint.
        assert after._log_history.dtype == before._log_history.dtype \
            == np.float64
        assert after._log_history[:1].tolist() == \
            before._log_history.tolist()
        assert after._count_history.tolist() == [1, 1]
    assert type(first['runtime_info']['eta']) is np.float64


def _train(config, work_dir, **options):
    with restored_process_state():
        runner = build_runner(config, work_dir, **options)
        runner.train()
        return runner.model.state_dict(), runner.message_hub


def test_resumed_run_equals_an_uninterrupted_one(tmp_path):
    """With plain-data checkpoints a run resumed from its first checkpoint
    ends with the weights and the logged values of the run that was not
    stopped (dropout on: the RNG state comes back too)."""
    root = str(tmp_path / 'a2d2')
    write_tiny_tree(root)
    hooks = [dict(type='RNGStateHook'), dict(type='PlainCheckpointHook')]
    config = write_config(str(tmp_path / 'cfg.py'), root, max_iters=2,
                          custom_hooks=hooks, dropout_ratio=0.1)
    interval = {'default_hooks.checkpoint.interval': 1}
    whole, whole_hub = _train(config, str(tmp_path / 'whole'), **interval)
    first = str(tmp_path / 'whole' / 'iter_1.pth')
    assert torch.serialization.get_unsafe_globals_in_checkpoint(first) == []
    resumed, resumed_hub = _train(
        config, str(tmp_path / 'resumed'), resume=True, load_from=first,
        **interval)
    assert whole.keys() == resumed.keys()
    for name, tensor in whole.items():
        assert torch.equal(resumed[name], tensor), name
    for key in ('train/loss', 'train/lr', 'train/decode.acc_seg',
                'train/decode.loss_ce'):
        a = whole_hub.get_scalar(key)
        b = resumed_hub.get_scalar(key)
        assert len(a._log_history) == 2 and b.max_length == a.max_length
        for name in ('_log_history', '_count_history'):
            x, y = getattr(a, name), getattr(b, name)
            assert x.dtype == y.dtype and np.array_equal(x, y), (key, name)


def test_show_dir_draws_every_test_frame_and_out(trained, tool_runs):
    log = check(tool_runs.test)
    assert 'Iter(test) [2/2]' in log
    names = _frame_names(trained)
    drawn = osp.join(tool_runs.show_dir, 'vis_data', 'vis_image')
    assert sorted(os.listdir(drawn)) == [f'test_{n}_0.png' for n in names]
    for name in os.listdir(drawn):
        # the ground truth beside the prediction, each 64x64
        assert Image.open(osp.join(drawn, name)).size == (128, 64)
    assert sorted(os.listdir(tool_runs.out)) == names
    for name in names:
        pred = np.asarray(Image.open(osp.join(tool_runs.out, name)))
        assert pred.shape == (64, 64) and pred.dtype == np.uint8
        assert set(np.unique(pred)) <= set(range(len(CLASSES)))


def test_tta_runs_at_the_test_scale(trained, tool_runs):
    assert 'Iter(test) [2/2]' in check(tool_runs.tta)
    assert sorted(os.listdir(tool_runs.out_tta)) == _frame_names(trained)
    for name in os.listdir(tool_runs.out_tta):
        pred = Image.open(osp.join(tool_runs.out_tta, name))
        assert pred.size == (64, 64)
    # What the TTA pipeline test.py --tta used makes of a 64x64 frame: flip
    # x 0.75, 1.0 and 1.25 of the test scale (64x40 here: 40x40 for this
    # frame), not of the frame (that would be 48, 64 and 80 pixels).
    cfg = Config.fromfile(trained.config)
    dataset_cfg = cfg.test_dataloader.dataset
    assert tuple(DATASETS.build(dataset_cfg)[0]['inputs'].shape) == (3, 40,
                                                                      40)
    dataset_cfg.pipeline = cfg.tta_pipeline
    sample = DATASETS.build(dataset_cfg)[0]
    assert [tuple(x.shape) for x in sample['inputs']] == [
        (3, 30, 30), (3, 30, 30), (3, 40, 40), (3, 40, 40), (3, 50, 50),
        (3, 50, 50)
    ]
    assert [s.flip for s in sample['data_samples']] == [False, True] * 3
    assert all(s.ori_shape == (64, 64) and s.gt_sem_seg.shape == (64, 64)
               for s in sample['data_samples'])


def test_confusion_matrix_has_the_dataset_classes(trained, tool_runs):
    check(tool_runs.confusion)
    dataset = DATASETS.build(
        Config.fromfile(trained.config).test_dataloader.dataset)
    # The tool labels the matrix with dataset.METAINFO['classes'] ...
    assert dataset.METAINFO['classes'] == dataset.metainfo['classes'] \
        == CLASSES
    # ... and sizes its figure by their number: 2n x 1.6n inches, 300 dpi.
    n = len(CLASSES)
    figure = Image.open(
        osp.join(tool_runs.confusion_dir, 'confusion_matrix.png'))
    assert figure.size == (2 * n * 300, round(1.6 * n * 300))


def test_analyze_logs(tool_runs):
    assert check(tool_runs.analyze_logs).splitlines() == [
        f'plot curve of {tool_runs.json_log}, metric is loss',
        f'plot curve of {tool_runs.json_log}, metric is mIoU',
        f'save curve to: {tool_runs.curves}',
    ]
    assert Image.open(tool_runs.curves).size == (640, 480)

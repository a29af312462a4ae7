"""The start of training says the effective batch size against the config's
``auto_scale_lr.base_batch_size`` and warns when the learning rate is not
scaled to it; ``--auto-scale-lr`` scales it (mmengine's ``scale_lr``).

The attack: a ``4xb2`` config (learning rate for a batch of 8) trained by
one process: a batch of 2 with the learning rate of 8, silently.
"""
import os.path as osp
import uuid

import pytest
from mmengine.config import Config

from a2d2_mmseg.apis import parse_train_args, run_train
from a2d2_mmseg.engine import batch_size_message
from tests.fixtures.training import (REPO, build_runner,
                                     restored_process_state, runner_log,
                                     write_config, write_tiny_tree)

LR = 0.01  # the tiny FCN's SGD (tests/fixtures/training.py)
BASE = {'auto_scale_lr': dict(enable=False, base_batch_size=8)}
LINE = ('Effective batch size: 1 process(es) x 2 per process = 2; the '
        "config's learning rate is set for a batch of 8 "
        '(auto_scale_lr.base_batch_size); ')
WARNING = ('Training with an effective batch of 2 and the learning rate set '
           'for a batch of 8, unscaled. Pass --auto-scale-lr to '
           "tools/train.py (mmseg's train.py, mim train: --cfg-options "
           'auto_scale_lr.enable=True) to scale it by 2/8, or train with 4 '
           'processes of 2 (e.g. tools/dist_train.sh CONFIG 4).')


@pytest.fixture(scope='module')
def config(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('batch')
    write_tiny_tree(str(tmp / 'a2d2'))
    return write_config(str(tmp / 'cfg.py'), str(tmp / 'a2d2'), max_iters=1,
                        custom_hooks=[dict(type='BatchSizeHook')])


def _initial_lr(runner):
    # The schedulers record the learning rate they start from.
    return [g['initial_lr'] for g in runner.optim_wrapper.param_groups]


def test_every_a2d2_config_logs_the_batch():
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_',
                                   'default_runtime.py'))
    assert dict(type='BatchSizeHook') in cfg.custom_hooks


@pytest.mark.parametrize('world, batch, auto_scale_lr, line, warning', [
    (1, 2, None, 'Effective batch size: 1 process(es) x 2 per process = 2 '
     '(the config sets no auto_scale_lr.base_batch_size to compare it '
     'with).', None),
    (4, 2, dict(enable=False, base_batch_size=8),
     'Effective batch size: 4 process(es) x 2 per process = 8; the config\'s '
     'learning rate is set for a batch of 8 (auto_scale_lr.base_batch_size); '
     'auto_scale_lr is not enabled.', None),
    (1, 2, dict(enable=True, base_batch_size=8),
     LINE + 'auto_scale_lr is enabled: the learning rate is scaled by 2/8.',
     None),
    (1, 2, dict(enable=False, base_batch_size=8),
     LINE + 'auto_scale_lr is not enabled.', WARNING),
    (2, 3, dict(base_batch_size=16),
     'Effective batch size: 2 process(es) x 3 per process = 6; the config\'s '
     'learning rate is set for a batch of 16 (auto_scale_lr.base_batch_size); '
     'auto_scale_lr is not enabled.',
     'Training with an effective batch of 6 and the learning rate set for a '
     'batch of 16, unscaled. Pass --auto-scale-lr to tools/train.py (mmseg\'s '
     'train.py, mim train: --cfg-options auto_scale_lr.enable=True) to scale '
     'it by 6/16, or train with an effective batch of 16.'),
    (1, None, dict(base_batch_size=8),
     'Effective batch size: unknown (1 process(es); the train data loader '
     'sets no batch_size).', None),
])
def test_batch_size_message(world, batch, auto_scale_lr, line, warning):
    assert batch_size_message(world, batch, auto_scale_lr) == (line, warning)


def test_one_process_warns(config, tmp_path):
    """A real run, one process of 2 against a base of 8: the line and the
    warning are logged, and the learning rate stays the config's."""
    work_dir = str(tmp_path / 'wd')
    with restored_process_state():
        runner = build_runner(config, work_dir, **BASE)
        runner.train()
    log = runner_log(work_dir)
    assert LINE + 'auto_scale_lr is not enabled.' in log
    assert f'WARNING - {WARNING}' in log
    assert log.index(WARNING) < log.index('Iter(train) [1/1]')
    assert _initial_lr(runner) == [LR]


def test_auto_scale_lr_scales(config, tmp_path):
    """auto_scale_lr.enable: mmengine's scale_lr multiplies the learning
    rate by 2/8; no warning."""
    work_dir = str(tmp_path / 'wd')
    with restored_process_state():
        runner = build_runner(config, work_dir,
                              auto_scale_lr=dict(enable=True,
                                                 base_batch_size=8))
        runner.train()
    log = runner_log(work_dir)
    assert LINE + 'auto_scale_lr is enabled: the learning rate is scaled ' \
        'by 2/8.' in log
    assert 'Scaling the original LR by 0.25.' in log  # mmengine's line
    assert 'unscaled' not in log
    assert _initial_lr(runner) == [pytest.approx(LR * 2 / 8)]


def _train_py(config, work_dir, *flags, options=()):
    """tools/train.py's run_train in this process (own experiment name)."""
    name = f'{osp.basename(work_dir)}_{uuid.uuid4().hex[:8]}'
    args = parse_train_args([
        config, '--work-dir', work_dir, *flags, '--cfg-options',
        f'experiment_name={name}', f'visualizer.name={name}', *options
    ])
    with restored_process_state():
        run_train(args)
    return runner_log(work_dir)


def test_train_py_auto_scale_lr(config, tmp_path):
    """tools/train.py --auto-scale-lr sets auto_scale_lr.enable."""
    log = _train_py(config, str(tmp_path / 'wd'), '--auto-scale-lr',
                    options=['auto_scale_lr.enable=False',
                             'auto_scale_lr.base_batch_size=8'])
    assert 'auto_scale_lr = dict(base_batch_size=8, enable=True)' in log
    assert LINE + 'auto_scale_lr is enabled: the learning rate is scaled ' \
        'by 2/8.' in log
    assert 'Scaling the original LR by 0.25.' in log
    # iteration 1 trains with 0.01 x 2/8 (PolyLR's first step is the base)
    assert 'Iter(train) [1/1]  lr: 2.5000e-03' in log


def test_train_py_auto_scale_lr_needs_base(config, tmp_path):
    with pytest.raises(SystemExit) as info:
        _train_py(config, str(tmp_path / 'wd'), '--auto-scale-lr')
    assert str(info.value) == (
        f'error: {config}: --auto-scale-lr needs auto_scale_lr = dict('
        f'enable=False, base_batch_size=N) in the config, N the batch size '
        f'its learning rate is set for (e.g. 8 for a 4xb2 config), and it '
        f'has none. Add it, e.g. --cfg-options '
        f'auto_scale_lr.base_batch_size=8.')

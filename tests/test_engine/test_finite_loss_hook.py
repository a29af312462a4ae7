"""FiniteLossHook: a non-finite training loss stops the run, unsaved.

The project's issue 19 (item 2): with a NaN class weight, training logged
``loss: nan``, saved NaN checkpoints and exited 0. NaN class weights are now
refused by the loss, so the non-finite loss is injected by a test-only loss
that multiplies mmseg's cross-entropy by NaN (or inf) at its N-th call; the
real mmengine Runner trains tests/fixtures/training.py's FCN, which
checkpoints every 2 iterations.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.hooks import CheckpointHook
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS

from a2d2_mmseg.engine import FiniteLossHook, NonFiniteLossError
from tests.fixtures.training import (PYTHON, REPO, TRAIN, build_runner,
                                     restored_process_state, run, write_config,
                                     write_tiny_tree)


@MODELS.register_module(force=True)
class NonFiniteAtCallLoss(CrossEntropyLoss):
    """mmseg's cross-entropy times ``value`` (NaN, inf) at call ``bad_call``
    (1-based; one call per training iteration for the tiny FCN).

    Loaded by tools/train.py through the config's ``custom_imports`` of this
    module.
    """

    def __init__(self, bad_call: int = 2, value: str = 'nan', **kwargs):
        super().__init__(**kwargs)
        self.bad_call, self.value, self.calls = bad_call, float(value), 0

    def forward(self, *args, **kwargs):
        loss = super().forward(*args, **kwargs)
        self.calls += 1
        return loss * self.value if self.calls == self.bad_call else loss


LOSS = 'model.decode_head.loss_decode'


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('finite_loss')
    root = str(tmp / 'a2d2')
    write_tiny_tree(root)
    config = write_config(
        str(tmp / 'cfg.py'), root, max_iters=4,
        imports=('a2d2_mmseg.plugin', __name__),
        custom_hooks=[dict(type='FiniteLossHook')])
    return dict(tmp=tmp, root=root, config=config)


def _checkpoints(work_dir):
    return sorted(osp.basename(p) for p in glob.glob(
        osp.join(work_dir, '*.pth'))) + sorted(
            osp.basename(p) for p in glob.glob(
                osp.join(work_dir, 'last_checkpoint')))


@pytest.mark.parametrize('value', ['nan', 'inf'])
def test_non_finite_loss_stops_before_the_checkpoint(tiny, value):
    work_dir = str(tiny['tmp'] / f'wd_{value}')
    with restored_process_state():
        runner = build_runner(tiny['config'], work_dir, **{
            LOSS: dict(type='NonFiniteAtCallLoss', bad_call=2, value=value)})
        with pytest.raises(NonFiniteLossError) as err:
            runner.train()
    message = str(err.value)
    assert message.startswith(
        f'iteration 2: non-finite loss (loss={value}, '
        f'decode.loss_ce={value});')
    assert work_dir in message
    # Iteration 2 was the first to checkpoint (interval 2): nothing saved.
    assert _checkpoints(work_dir) == []
    assert runner.iter == 1  # iteration 1 done, iteration 2 not counted
    # mmengine runs the hook before CheckpointHook (priority order).
    kinds = [type(h) for h in runner.hooks]
    assert kinds.index(FiniteLossHook) < kinds.index(CheckpointHook)


def test_finite_runs_are_untouched_and_the_attack_without_the_hook(tiny):
    """With finite losses the hook changes nothing; without it, the NaN of
    iteration 2 is checkpointed and the run ends normally (the attack)."""
    fine = str(tiny['tmp'] / 'wd_fine')
    attacked = str(tiny['tmp'] / 'wd_no_hook')
    with restored_process_state():
        build_runner(tiny['config'], fine, **{
            LOSS: dict(type='NonFiniteAtCallLoss', bad_call=99)}).train()
        build_runner(tiny['config'], attacked, custom_hooks=[], **{
            LOSS: dict(type='NonFiniteAtCallLoss', bad_call=2)}).train()
    assert _checkpoints(fine) == ['iter_2.pth', 'iter_4.pth',
                                  'last_checkpoint']
    weights = torch.load(osp.join(attacked, 'iter_2.pth'),
                         weights_only=False)['state_dict']
    assert any(torch.isnan(w).any() for w in weights.values()
               if w.is_floating_point())


def test_tools_train_exits_non_zero_without_a_checkpoint(tiny):
    work_dir = str(tiny['tmp'] / 'wd_tool')
    proc = run([PYTHON, TRAIN, tiny['config'], '--work-dir', work_dir,
                '--cfg-options', f'{LOSS}.type=NonFiniteAtCallLoss',
                f'{LOSS}.bad_call=2'], cwd=REPO)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert ('NonFiniteLossError: iteration 2: non-finite loss (loss=nan, '
            'decode.loss_ce=nan)') in proc.stdout
    assert _checkpoints(work_dir) == []


@pytest.mark.parametrize('config', [
    '_base_/default_runtime.py',
    'seed_study/mask2former-lite_r50_4xb2-80k_a2d2-seed-512x512.py'
])
def test_the_a2d2_configs_have_the_hook(config):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, 'configs', config))
    assert dict(type='FiniteLossHook') in cfg.custom_hooks

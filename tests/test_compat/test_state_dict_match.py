"""A checkpoint of another model or class count is refused by tools/test.py
and tools/infer.py (unless --allow-partial-checkpoint)."""
import os.path as osp
import re
from collections import OrderedDict

import pytest
import torch
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from mmseg.registry import MODELS

from a2d2_mmseg.apis import load_model
from a2d2_mmseg.compat.checkpoint import CheckpointMismatchError
from a2d2_mmseg.compat.state_dict_match import (compare_state_dict, load_matching_checkpoint)
from a2d2_mmseg.compat.state_dict_match import model_state_shapes
from tests.fixtures.training import (PYTHON, TEST, build_runner, check,
                                     restored_process_state, run)

HEAD = 'decode_head.conv_seg'


@pytest.fixture(scope='module')
def trained(tiny_trained):
    out = dict(tiny_trained)
    out['weights'] = torch.load(out['checkpoint'])['state_dict']
    return out


def _model(config, **decode_head):
    cfg = Config.fromfile(config)
    cfg.model.decode_head.update(decode_head)
    cfg.model.backbone.norm_cfg = cfg.model.decode_head.norm_cfg = dict(
        type='BN', requires_grad=True)
    return MODELS.build(cfg.model)


def test_same_model_fits(trained):
    model = _model(trained['config'])
    diff = compare_state_dict(model, trained['weights'])
    assert not diff
    assert diff.matched == len(trained['weights'])
    assert set(model_state_shapes(model)) == set(model.state_dict())


def test_wrapper_prefixes_like_mmengine(trained):
    """'module.' is stripped from checkpoint names, and a wrapper stands
    for its module, as in mmengine's load_state_dict."""
    model = _model(trained['config'])
    prefixed = OrderedDict(
        (f'module.{k}', v) for k, v in trained['weights'].items())
    assert not compare_state_dict(model, prefixed)

    class Wrapper(MMDistributedDataParallel):
        def __init__(self, module):  # no process group needed
            torch.nn.Module.__init__(self)
            self.module = module

    assert not compare_state_dict(Wrapper(model), trained['weights'])


def test_other_class_count(trained):
    model = _model(trained['config'], num_classes=11)
    diff = compare_state_dict(model, trained['weights'])
    assert diff.mismatched == [
        (f'{HEAD}.weight', '[38, 16, 1, 1]', '[11, 16, 1, 1]'),
        (f'{HEAD}.bias', '[38]', '[11]'),
    ]
    assert diff.missing == diff.unexpected == []
    assert diff.matched == len(trained['weights']) - 2
    assert diff.summary() == (
        f'2 with another shape: {HEAD}.weight (checkpoint [38, 16, 1, 1], '
        f'model [11, 16, 1, 1]), {HEAD}.bias (checkpoint [38], model [11])')


def test_missing_unexpected_and_non_tensors(trained):
    model = _model(trained['config'])
    weights = OrderedDict(trained['weights'])
    del weights[f'{HEAD}.bias']
    bn = [k for k in weights if k.endswith('num_batches_tracked')]
    for k in bn:  # mmengine ignores num_batches_tracked
        del weights[k]
    for i in range(7):
        weights[f'aux_head.conv{i}.weight'] = torch.zeros(1)
    weights[f'{HEAD}.weight'] = 'not a tensor'
    diff = compare_state_dict(model, weights)
    assert diff.missing == [f'{HEAD}.bias']
    assert diff.unexpected == [f'aux_head.conv{i}.weight' for i in range(7)]
    assert diff.mismatched == [(f'{HEAD}.weight', 'str', '[38, 16, 1, 1]')]
    assert diff.summary() == (
        f'1 with another shape: {HEAD}.weight (checkpoint str, model '
        f'[38, 16, 1, 1]); 1 missing from the checkpoint: {HEAD}.bias; 7 not '
        f'in the model: ' + ', '.join(f'aux_head.conv{i}.weight'
                                      for i in range(5)) + ', ... (2 more)')


def test_load_matching_checkpoint(trained):
    model = _model(trained['config'], num_classes=11)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointMismatchError) as info:
        load_matching_checkpoint(model, trained['checkpoint'])
    message = str(info.value)
    assert message.startswith(
        f"{trained['checkpoint']}: the checkpoint does not fit the model "
        f'(EncoderDecoder, ')
    assert f'2 with another shape: {HEAD}.weight (checkpoint' in message
    assert message.endswith('pass --allow-partial-checkpoint.')
    for k, v in model.state_dict().items():  # nothing was loaded
        assert torch.equal(v, before[k]), k

    load_matching_checkpoint(model, trained['checkpoint'], allow_partial=True)
    key = 'backbone.stem.0.weight'
    assert torch.equal(model.state_dict()[key], trained['weights'][key])
    assert torch.equal(model.state_dict()[f'{HEAD}.bias'],
                       before[f'{HEAD}.bias'])


def test_test_py_refuses_other_class_count(trained):
    args = [PYTHON, TEST, trained['config'], trained['checkpoint'],
            '--work-dir', 'test_wd', '--cfg-options',
            'model.decode_head.num_classes=11']
    proc = run(args, cwd=str(trained['tmp']))
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert (f"CheckpointMismatchError: {trained['checkpoint']}: the "
            f'checkpoint does not fit the model (EncoderDecoder, ') \
        in proc.stdout
    assert (f'2 with another shape: {HEAD}.weight (checkpoint [38, 16, 1, '
            f'1], model [11, 16, 1, 1]), {HEAD}.bias (checkpoint [38], model '
            f'[11])') in proc.stdout
    assert 'Iter(test)' not in proc.stdout  # refused before testing
    assert 'Traceback' not in proc.stdout

    log = check(run(args + ['--allow-partial-checkpoint'],
                    cwd=str(trained['tmp'])))
    assert re.search(r'Iter\(test\) \[4/4\]', log)
    assert re.search(r'Iter\(test\) \[4/4\]\s+aAcc: [\d.]+\s+mIoU: ', log)
    assert (f"{trained['checkpoint']}: the checkpoint does not fit the "
            f'model (EncoderDecoder, 140 entries; 138 fit): 2 with another '
            f'shape: ') in log
    assert ('Loading the 138 entries that fit (--allow-partial-checkpoint); '
            'the rest keep their initialisation.') in log


def test_infer_refuses_other_class_count(trained):
    """a2d2_mmseg.apis.load_model (tools/infer.py's loader; its
    --allow-partial-checkpoint: tests/test_tools/test_infer.py)."""
    options = {'model.decode_head.num_classes': 11}
    with pytest.raises(CheckpointMismatchError, match=re.escape(
            f"{trained['checkpoint']}: the checkpoint does not fit")):
        load_model(trained['config'], trained['checkpoint'],
                   cfg_options=options)
    # allow_partial_checkpoint: loads; the checkpoint's 38 class names do
    # not fit 11 outputs, so they come from the config (its reduced set).
    options['test_dataloader.dataset.class_set'] = 'reduced'
    model = load_model(trained['config'], trained['checkpoint'],
                       cfg_options=options, allow_partial_checkpoint=True)
    assert len(model.dataset_meta['classes']) == 11


def test_runner_test_with_matching_checkpoint(trained, tmp_path):
    """The hook lets a fitting checkpoint through (tools/test.py's
    default)."""
    with restored_process_state():
        runner = build_runner(
            trained['config'], str(tmp_path / 'wd'),
            load_from=trained['checkpoint'],
            custom_hooks=[dict(type='CheckpointMatchHook')])
        metrics = runner.test()
    assert 'mIoU' in metrics
    assert osp.isdir(str(tmp_path / 'wd'))

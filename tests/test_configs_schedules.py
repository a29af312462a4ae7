"""Every shipped config's learning-rate schedule, batch and seed.

* The schedule, stepped whole: each config's optimizer wrapper (its
  ``paramwise_cfg`` included) is built on :class:`TinySegmentor` (a
  ``backbone`` and a ``decode_head``, so ``lr_mult`` and ``custom_keys``
  apply), its ``param_scheduler`` with mmengine's registry as the Runner
  builds it, and the schedulers are stepped once per iteration up to
  ``train_cfg.max_iters``. Every parameter group's rate may rise only
  during a warm-up (a LinearLR or ConstantLR that starts below the rate and
  covers only the start), and must end at 10 % of its peak or below; a config
  that means a constant rate says so in a ``# constant lr: <reason>`` line
  (in its file or a base) and must then keep every rate constant.
* The batch: ``train_dataloader.batch_size`` x the GPUs of the config's
  name (``4xb2``: 4 GPUs x 2 images; an entry point takes its base's name)
  is ``auto_scale_lr.base_batch_size``, and the name's per-GPU batch is the
  dataloader's.
* The seed: ``randomness = dict(seed=<int>)`` (``deterministic`` off), and
  two trainings of the seed study's DeepLabV3 give bit-identical weights.
"""
import ast
import functools
import json
import os.path as osp
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from mmengine.runner import Runner

from tests.fixtures.training import restored_process_state
from tests.test_configs import CONFIGS, REPO, load, tiny_runner_cfg, \
    write_tiny_seed_root

MMSEG_CONFIGS = osp.join(
    osp.dirname(__import__('mmseg').__file__), '.mim', 'configs')
CONSTANT_LR = re.compile(r'^#\s*constant lr:\s*\S', re.MULTILINE)
BATCH_NAME = re.compile(r'_(\d+)xb(\d+)-')
# A rise smaller than this (relative to the peak) is rounding.
RTOL = 1e-9
# The seed study's DeepLabV3 (the seed table's "DeepLabV3").
SEED_DEEPLAB = ('configs/seed_study/'
                'deeplabv3plus_r50-d8_4xb2-80k_a2d2-seed-512x512.py')


class TinySegmentor(nn.Module):
    """The parameter names of an mmseg segmentor, few parameters: a
    ``backbone`` (conv + BN) and a ``decode_head`` (conv, BN, the
    Mask2Former ``query_embed`` that its ``custom_keys`` name)."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 4, 1, bias=False), nn.BatchNorm2d(4))
        self.decode_head = nn.Module()
        self.decode_head.conv_seg = nn.Conv2d(4, 2, 1)
        self.decode_head.norm = nn.BatchNorm2d(2)
        self.decode_head.query_embed = nn.Embedding(2, 4)


def config_chain(path):
    """The files of a config and of all its bases, the config first.

    Args:
        path (str): A config file, absolute or relative to the repository.

    Returns:
        list[str]: Absolute paths; ``mmseg::`` bases resolve to the configs
        of the installed mmseg (as mim does).
    """
    path = osp.join(REPO, path)
    chain = [path]
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            bases = ast.literal_eval(node.value)
            for base in [bases] if isinstance(bases, str) else bases:
                if base.startswith('mmseg::'):
                    base = osp.join(MMSEG_CONFIGS, base[len('mmseg::'):])
                else:
                    base = osp.normpath(osp.join(osp.dirname(path), base))
                chain += config_chain(base)
    return chain


def name_batch(path):
    """``(GPUs, images per GPU)`` of the first name in the config's chain
    that states them (``..._4xb2-...`` -> ``(4, 2)``)."""
    for file in config_chain(path):
        match = BATCH_NAME.search(osp.basename(file))
        if match:
            return int(match.group(1)), int(match.group(2))
    raise AssertionError(f'{path}: no <GPUs>x<batch> in its name or its '
                         "bases' names")


@functools.lru_cache(maxsize=None)
def lr_curves(schedule):
    """The learning rate of every parameter group at every iteration.

    Args:
        schedule (str): JSON of ``[optim_wrapper, param_scheduler,
            max_iters]`` (a config's; hashable, so equal schedules are
            stepped once).

    Returns:
        tuple: ``(names, lrs)``: the group names (their parameters' names)
        and a float64 array ``[max_iters, groups]``, row ``i`` being the
        rates iteration ``i`` trains with (the Runner's ParamSchedulerHook
        steps after each iteration).
    """
    optim_wrapper, schedulers, max_iters = json.loads(schedule)
    model = TinySegmentor()
    with warnings.catch_warnings():
        # scheduler.step() with no optimizer.step() before it.
        warnings.simplefilter('ignore', UserWarning)
        wrapper = build_optim_wrapper(model, optim_wrapper)
        built = []
        for cfg in schedulers:
            cfg = dict(cfg)
            cfg.setdefault('end', max_iters)  # as the Runner does
            built.append(PARAM_SCHEDULERS.build(
                cfg, default_args=dict(optimizer=wrapper)))
        groups = wrapper.optimizer.param_groups
        param_names = {id(p): n for n, p in model.named_parameters()}
        names = [','.join(param_names[id(p)] for p in g['params'])
                 for g in groups]
        lrs = np.empty((max_iters, len(groups)))
        for i in range(max_iters):
            lrs[i] = [g['lr'] for g in groups]
            for scheduler in built:
                scheduler.step()
    return names, lrs


def _is_warmup(scheduler):
    """Whether a scheduler config is a warm-up (mmengine's LinearLR or
    ConstantLR that starts below the rate; their defaults: factor 1/3, end
    factor 1)."""
    if scheduler['type'] == 'LinearLR':
        return scheduler.get('start_factor', 1 / 3) < scheduler.get(
            'end_factor', 1.0)
    if scheduler['type'] == 'ConstantLR':
        return scheduler.get('factor', 1 / 3) < 1
    return False


def schedule_problems(path):
    """What is wrong with a config's learning-rate schedule.

    Args:
        path (str): The config file.

    Returns:
        list[str]: One line per problem, naming the config and the
        parameter group; empty when the schedule decays as it should.
    """
    cfg = load(path)
    if cfg.train_cfg.get('type') != 'IterBasedTrainLoop':
        return [f'{path}: train_cfg is not an IterBasedTrainLoop']
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    problems = []
    for s in schedulers:
        if s.get('by_epoch', True):
            # ParamSchedulerHook steps it at epoch ends, which an
            # iteration-based loop has none of (convert_to_iter_based would
            # tie it to the dataset's length).
            problems.append(
                f'{path}: {s["type"]} is epoch-based (by_epoch defaults to '
                'True); an iteration-based config needs by_epoch=False')
    if problems:
        return problems
    max_iters = cfg.train_cfg.max_iters
    names, lrs = lr_curves(json.dumps(
        [cfg.optim_wrapper.to_dict(), [dict(s) for s in schedulers],
         max_iters], sort_keys=True))
    constant = any(
        CONSTANT_LR.search(open(f, encoding='utf-8').read())
        for f in config_chain(path))
    # Warm-up: the rising schedulers that cover only the start of training.
    warmup = max([s['end'] for s in schedulers
                  if s.get('begin', 0) == 0 and s.get('end', max_iters) <
                  max_iters and _is_warmup(s)], default=0)
    for name, lr in zip(names, lrs.T):
        if constant:
            if not np.all(lr == lr[0]):
                problems.append(
                    f'{path}: group {name}: says "# constant lr" but its '
                    f'rate goes from {lr[0]:g} to {lr[-1]:g}')
            continue
        peak = lr.max()
        rises = np.nonzero(np.diff(lr)[warmup:] > RTOL * peak)[0]
        if rises.size:
            i = warmup + int(rises[0])
            problems.append(
                f'{path}: group {name}: the rate rises after {warmup} '
                f'warm-up iterations: {lr[i]:g} at {i} -> {lr[i + 1]:g} at '
                f'{i + 1}, {lr[-1]:g} at the end')
        if not lr[-1] <= 0.1 * peak:
            problems.append(
                f'{path}: group {name}: the rate ends at {lr[-1]:g}, '
                f'{100 * lr[-1] / peak:.0f} % of its peak {peak:g} (at most '
                '10 %; a constant rate is marked "# constant lr: <reason>")')
    return problems


@pytest.mark.parametrize('path', CONFIGS)
def test_schedule_decays(path):
    assert schedule_problems(path) == []


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


LITE = osp.join(REPO, 'configs', 'mask2former_lite',
                'mask2former-lite_r50_4xb2-80k_a2d2-512x512.py')


def test_sgd_poly_floor_under_adamw_is_caught(tmp_path):
    # The lite schedules before: mmseg's SGD PolyLR(eta_min=1e-4) under
    # AdamW at 1e-4 with the backbone at 0.1x.
    path = _write(tmp_path, 'old_lite.py', f'''
_base_ = [{LITE!r}]
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000,
         by_epoch=False)
]
''')
    problems = schedule_problems(path)
    backbone = [p for p in problems if 'group backbone.' in p]
    head = [p for p in problems if 'group decode_head.' in p]
    # 3 backbone and 5 head parameters (paramwise: one group each).
    assert len(backbone) == 2 * 3 and len(head) == 5
    assert backbone[0] == (
        f'{path}: group backbone.0.weight: the rate rises after 0 warm-up '
        'iterations: 1e-05 at 0 -> 1.0001e-05 at 1, 0.0001 at the end')
    assert backbone[1] == (
        f'{path}: group backbone.0.weight: the rate ends at 0.0001, 100 % '
        'of its peak 0.0001 (at most 10 %; a constant rate is marked '
        '"# constant lr: <reason>")')
    assert head[0] == (
        f'{path}: group decode_head.conv_seg.weight: the rate ends at '
        '0.0001, 100 % of its peak 0.0001 (at most 10 %; a constant rate is '
        'marked "# constant lr: <reason>")')


SMALL = '''
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=100)
'''


@pytest.mark.parametrize('schedule, problem', [
    ('param_scheduler = []',
     'group backbone.0.weight,backbone.1.weight,backbone.1.bias,'
     'decode_head.conv_seg.weight,decode_head.conv_seg.bias,'
     'decode_head.norm.weight,decode_head.norm.bias,'
     'decode_head.query_embed.weight: the rate ends at 0.1, 100 % of its '
     'peak 0.1'),
    ("param_scheduler = [dict(type='PolyLR', power=0.9)]",
     'PolyLR is epoch-based (by_epoch defaults to True); an '
     'iteration-based config needs by_epoch=False'),
    # Down to 1 %, then back up (to 2.6 %).
    ("param_scheduler = [dict(type='LinearLR', start_factor=1.0, "
     "end_factor=0.01, by_epoch=False, end=50),\n"
     "    dict(type='ExponentialLR', gamma=1.02, by_epoch=False, begin=50)]",
     'the rate rises after 0 warm-up iterations: 0.001 at 50 -> 0.00102 at '
     '51, 0.00263881 at the end'),
    # A rise after the warm-up (iterations 0-9) is caught.
    ("param_scheduler = [dict(type='LinearLR', start_factor=0.1, "
     "by_epoch=False, end=10),\n"
     "    dict(type='PolyLR', eta_min=0.001, by_epoch=False, begin=10, "
     "end=61),\n"
     "    dict(type='ExponentialLR', gamma=1.02, by_epoch=False, begin=60)]",
     'the rate rises after 10 warm-up iterations: 0.001 at 60 -> 0.00102 at '
     '61, 0.00216474 at the end'),
])
def test_schedule_problems_name_the_fault(tmp_path, schedule, problem):
    path = _write(tmp_path, 'cfg.py', SMALL + schedule)
    problems = schedule_problems(path)
    assert len(problems) == 1 and problems[0].startswith(path)
    assert problem in problems[0]


def test_constant_rate_is_allowed_when_the_config_says_so(tmp_path):
    base = _write(tmp_path, 'base.py',
                  SMALL + '# constant lr: fine-tuning probe\n')
    child = _write(tmp_path, 'child.py', "_base_ = ['./base.py']\n"
                   'param_scheduler = []\n')
    assert schedule_problems(child) == []
    # "Constant" is checked too: a marked config whose rate moves fails.
    moving = _write(tmp_path, 'moving.py', "_base_ = ['./base.py']\n"
                    "param_scheduler = [dict(type='PolyLR', eta_min=0, "
                    'by_epoch=False)]\n')
    everything = ('backbone.0.weight,backbone.1.weight,backbone.1.bias,'
                  'decode_head.conv_seg.weight,decode_head.conv_seg.bias,'
                  'decode_head.norm.weight,decode_head.norm.bias,'
                  'decode_head.query_embed.weight')
    assert schedule_problems(moving) == [
        f'{moving}: group {everything}: says "# constant lr" but its rate '
        'goes from 0.1 to 0'
    ]


def test_lite_schedule_decays_to_zero_in_every_group():
    cfg = load(LITE)
    names, lrs = lr_curves(json.dumps(
        [cfg.optim_wrapper.to_dict(), [dict(s) for s in cfg.param_scheduler],
         cfg.train_cfg.max_iters], sort_keys=True))
    assert lrs.shape == (80000, 8)
    for name, lr in zip(names, lrs.T):
        start = 1e-5 if name.startswith('backbone.') else 1e-4
        assert lr[0] == pytest.approx(start, rel=1e-12)
        # Poly, power 0.9, to 0 at the last iteration (mmengine's PolyLR
        # reaches eta_min at end - 1).
        for i in (20000, 40000, 79990):
            assert lr[i] == pytest.approx(
                start * (1 - i / 79999)**0.9, rel=1e-6)
        assert lr[-1] == 0


@pytest.mark.parametrize('path', CONFIGS)
def test_effective_batch_is_the_auto_scale_lr_base(path):
    cfg = load(path)
    gpus, per_gpu = name_batch(path)
    assert cfg.train_dataloader.batch_size == per_gpu
    assert cfg.auto_scale_lr == dict(enable=False,
                                     base_batch_size=gpus * per_gpu)


@pytest.mark.parametrize('path', CONFIGS)
def test_config_sets_its_seed(path):
    cfg = load(path)
    seed = cfg.randomness.seed
    assert isinstance(seed, int) and not isinstance(seed, bool)
    # Left to the user (slower on GPU, see _base_/schedules/).
    assert cfg.randomness.get('deterministic', False) is False


def _tensors(node, where):
    """``(path, tensor)`` of every tensor in a nested state dict."""
    if isinstance(node, torch.Tensor):
        yield where, node
    elif isinstance(node, dict):
        for key in sorted(node, key=str):
            yield from _tensors(node[key], f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _tensors(value, f'{where}[{i}]')


def test_two_trainings_give_bit_identical_weights(tmp_path):
    """The seed study's DeepLabV3 as shipped (tiny data and crops), trained
    twice for 2 iterations from different global RNG states: the config's
    seed decides initial weights, data order and dropout."""
    root = write_tiny_seed_root(str(tmp_path / 'a2d2_seed'))
    states = []
    for run in range(2):
        cfg = tiny_runner_cfg(SEED_DEEPLAB, root, str(tmp_path / f'run{run}'))
        cfg.train_cfg.max_iters = 2
        # Training only (the loop validates at its last iteration too).
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        # No checkpoint file (~200 MB): the state dicts are compared as the
        # CheckpointHook would save them.
        cfg.default_hooks.checkpoint.update(interval=100, save_last=False)
        cfg.experiment_name += f'_run{run}'
        cfg.visualizer.name += f'_run{run}'
        with restored_process_state():
            torch.manual_seed(100 + run)
            np.random.seed(100 + run)
            runner = Runner.from_cfg(cfg)
            runner.train()
        assert runner.iter == 2
        states.append(dict(
            _tensors(dict(state_dict=runner.model.state_dict(),
                          optimizer=runner.optim_wrapper.state_dict()),
                     'checkpoint')))
        del runner
    first, second = states
    assert first.keys() == second.keys()
    assert any('optimizer' in k for k in first)  # momentum buffers too
    assert [k for k in first if not torch.equal(first[k], second[k])] == []

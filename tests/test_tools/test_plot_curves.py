"""tools/analysis/plot_curves.py on the log of a real tiny training run, and
the TensorBoard opt-in (A2D2SegVisualizer through --cfg-options).

Also holds the helpers the other report tests reuse: :func:`load_tool` and
:func:`tiny_training_run` (mmengine's runner, in this process, on the tiny
tree of tests/test_engine/tiny_runs.py; the process-wide state the runner
sets is restored afterwards).
"""
import argparse
import contextlib
import glob
import importlib.util
import json
import multiprocessing as mp
import os
import os.path as osp
import random

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config, DictAction

from tests.test_engine.tiny_runs import (PYTHON, REPO, check, run,
                                         write_config, write_tiny_tree)

PLOT_CURVES = osp.join(REPO, 'tools', 'analysis', 'plot_curves.py')
# Appended to tiny_runs' config: validation every `val_interval` iterations
# with the metrics the report shows; no deterministic-algorithms switch
# (it would stay on in this pytest process).
VAL_CFG = '''
val_dataloader = test_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
val_cfg = dict(type='ValLoop')
train_cfg = dict(type='IterBasedTrainLoop', max_iters={max_iters},
                 val_interval={val_interval})
default_hooks.update(
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval={ckpt_interval}))
randomness = dict(seed=0)
'''


def load_tool(path: str, name: str):
    """Import a script of tools/ as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def restored_process_state():
    """Undo what mmengine's Runner sets for the whole process: the
    multiprocessing start method, OpenCV's threads, the RNG states."""
    start_method = mp.get_start_method(allow_none=True)
    cv2_threads = cv2.getNumThreads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    states = (random.getstate(), np.random.get_state(),
              torch.get_rng_state())
    try:
        yield
    finally:
        mp.set_start_method(start_method, force=True)
        cv2.setNumThreads(cv2_threads)
        torch.use_deterministic_algorithms(deterministic)
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


def tiny_training_run(tmp: str, max_iters: int = 4, val_interval: int = 2,
                      ckpt_interval: int = 2, name: str = 'run') -> dict:
    """Train tiny_runs' FCN on a 4-frame tree with mmengine's runner.

    Returns:
        dict: ``root`` (the A2D2 tree), ``config`` (file) and ``work_dir``.
    """
    from mmengine.runner import Runner
    root = osp.join(tmp, 'a2d2')
    if not osp.isdir(root):
        write_tiny_tree(root)
    config = write_config(osp.join(tmp, f'{name}_cfg.py'), root, max_iters)
    with open(config, 'a') as f:
        f.write(VAL_CFG.format(max_iters=max_iters, val_interval=val_interval,
                               ckpt_interval=ckpt_interval))
    cfg = Config.fromfile(config)
    cfg.work_dir = osp.join(tmp, name)
    cfg.experiment_name = f'{name}_{id(cfg)}'
    cfg.visualizer.name = cfg.experiment_name
    with restored_process_state():
        Runner.from_cfg(cfg).train()
    return dict(root=root, config=config, work_dir=cfg.work_dir)


tool = load_tool(PLOT_CURVES, 'plot_curves')


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """4 iterations, validation at 2 and 4."""
    return tiny_training_run(str(tmp_path_factory.mktemp('curves')))


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_plot_real_training_log(trained, tmp_path):
    out = str(tmp_path / 'curves.png')
    fig = tool.main([trained['work_dir'], '-o', out])
    assert osp.getsize(out) > 0
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ['loss', 'mIoU', 'mDice', 'aAcc', 'mAcc']
    name = osp.basename(trained['work_dir'])
    for ax in fig.axes:
        lines = _lines(ax)
        assert list(lines) == [name]
        steps = list(lines[name].get_xdata())
        # training loss at every iteration, validation at 2 and 4
        assert steps == ([1, 2, 3, 4] if ax.get_title() == 'loss' else [2, 4])
    # the values are the logged ones
    scalars = glob.glob(
        osp.join(trained['work_dir'], '*', 'vis_data', 'scalars.json'))
    records = [json.loads(x) for x in open(scalars[0]) if x.strip()]
    miou = [r['mIoU'] for r in records if 'mIoU' in r]
    np.testing.assert_allclose(_lines(fig.axes[1])[name].get_ydata(), miou)


def test_several_runs_keys_and_json_log(trained, tmp_path):
    logs = glob.glob(osp.join(trained['work_dir'], '*', 'vis_data', '*.json'))
    timestamp_log = [p for p in logs if not p.endswith('scalars.json')][0]
    out = str(tmp_path / 'sub' / 'c.png')
    fig = tool.main([
        f"a={trained['work_dir']}", f'b={timestamp_log}', '-o', out,
        '--keys', 'mIoU', 'lr', 'not_logged'
    ])
    assert osp.isfile(out)
    assert [ax.get_title() for ax in fig.axes] == ['mIoU', 'lr']
    for ax in fig.axes:
        a, b = _lines(ax)['a'], _lines(ax)['b']
        np.testing.assert_allclose(a.get_ydata(), b.get_ydata())


def test_resumed_run_is_merged(tmp_path):
    """Two timestamp folders (a resumed run): later records win; test
    records (no step) are ignored."""
    work = tmp_path / 'work'
    for stamp, recs in (('20240101_000000', [
            dict(lr=0.1, loss=3.0, iter=1, step=1),
            dict(lr=0.1, loss=2.5, iter=2, step=2),
            dict(mIoU=10.0, aAcc=50.0, step=2)
    ]), ('20240101_010000', [
            dict(lr=0.1, loss=2.4, iter=2, step=2),
            dict(lr=0.1, loss=2.0, iter=3, step=3),
            dict(mIoU=20.0, aAcc=60.0)
    ])):
        vis = work / stamp / 'vis_data'
        vis.mkdir(parents=True)
        (vis / 'scalars.json').write_text('\n'.join(
            json.dumps(r) for r in recs) + '\n')
    fig = tool.plot_curves(tool.parse_runs([str(work)]), ['loss', 'mIoU'])
    loss = _lines(fig.axes[0])['work']
    assert list(loss.get_xdata()) == [1, 2, 3]
    assert list(loss.get_ydata()) == [3.0, 2.4, 2.0]
    assert list(_lines(fig.axes[1])['work'].get_ydata()) == [10.0]


def test_errors_name_the_path(tmp_path):
    missing = str(tmp_path / 'nope')
    with pytest.raises(SystemExit, match='nope: no such work dir'):
        tool.main([missing])
    empty = tmp_path / 'empty_work_dir'
    empty.mkdir()
    with pytest.raises(SystemExit, match='empty_work_dir: no'):
        tool.main([str(empty)])
    bad = tmp_path / 'bad.json'
    bad.write_text('{"loss": 1, "step": 1}\nnot json\n')
    with pytest.raises(SystemExit, match='bad.json:2'):
        tool.main([str(bad)])


def test_cli(trained, tmp_path):
    out = str(tmp_path / 'cli.png')
    log = check(run([PYTHON, PLOT_CURVES, trained['work_dir'], '-o', out],
                    cwd=str(tmp_path)))
    assert '1 run(s), 5 plot(s)' in log
    assert osp.getsize(out) > 0


# -- TensorBoard, opt-in ----------------------------------------------------
TENSORBOARD_OPTIONS = [
    'visualizer.type=A2D2SegVisualizer',
    'visualizer.vis_backends=[LocalVisBackend,TensorboardVisBackend]'
]


def _tensorboard_visualizer(save_dir: str):
    """Parse the documented --cfg-options as tools/train.py does, merge
    them into a demo config and build its visualizer."""
    import a2d2_mmseg.visualization  # noqa: F401  (registers the class)
    from mmseg.registry import VISUALIZERS
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(['--cfg-options'] + TENSORBOARD_OPTIONS)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'demo',
                 'unet_r50_1xb4-demo_a2d2-synthetic-192x192.py'))
    cfg.merge_from_dict(args.cfg_options)
    visualizer_cfg = dict(cfg.visualizer)
    visualizer_cfg.update(name=f'tb_{id(cfg)}', save_dir=save_dir)
    return VISUALIZERS.build(visualizer_cfg)


def test_tensorboard_option_builds(tmp_path):
    visualizer = _tensorboard_visualizer(str(tmp_path))
    assert [type(b).__name__ for b in visualizer._vis_backends.values()] == [
        'LocalVisBackend', 'TensorboardVisBackend'
    ]


def test_tensorboard_option_writes_events(tmp_path):
    pytest.importorskip(
        'tensorboard', reason='tensorboard is not installed (opt-in '
        'backend: pip install tensorboard)')
    visualizer = _tensorboard_visualizer(str(tmp_path))
    visualizer.add_scalars(dict(loss=1.0, mIoU=2.0), step=1)
    visualizer.close()
    assert glob.glob(
        str(tmp_path / 'vis_data' / '**' / 'events.out.tfevents.*'),
        recursive=True)
    assert os.path.isfile(tmp_path / 'vis_data' / 'scalars.json')

"""A real tiny training run in this process, for the report and curve tests.

:func:`tiny_training_run` trains tests/test_engine/tiny_runs.py's FCN on its
4-frame tree with mmengine's runner, validating and checkpointing as asked;
:func:`independent_test` tests a checkpoint with mmseg's plain
``IoUMetric``, nothing of the plugin's evaluation code. The process-wide
state the runner sets is restored afterwards (:func:`restored_process_state`).
"""
import os.path as osp

from mmengine.config import Config

from tests.test_engine.tiny_runs import (restored_process_state, write_config,
                                         write_tiny_tree)

__all__ = ['restored_process_state', 'tiny_training_run', 'independent_test']

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


def tiny_training_run(tmp: str, max_iters: int = 4, val_interval: int = 2,
                      ckpt_interval: int = 2, name: str = 'run') -> dict:
    """Train tiny_runs' FCN on a 4-frame tree with mmengine's runner.

    Args:
        tmp (str): Folder for the tree (``a2d2``, written once), the config
            and the work dir.
        max_iters (int): Iterations.
        val_interval (int): Validate every this many iterations.
        ckpt_interval (int): Checkpoint every this many iterations.
        name (str): Work dir name (``TMP/<name>``), config
            ``TMP/<name>_cfg.py``.

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


def independent_test(config: str, checkpoint: str, work_dir: str,
                     split: str = 'test') -> dict:
    """Test a checkpoint with mmengine's runner and mmseg's ``IoUMetric``
    (mIoU and mDice), nothing of the plugin's evaluation code.

    Returns:
        dict: The metrics ``runner.test()`` returns.
    """
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    if split == 'val':
        cfg.test_dataloader = cfg.val_dataloader
    cfg.test_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
    cfg.load_from = checkpoint
    cfg.work_dir = work_dir
    cfg.experiment_name = f'independent_{id(cfg)}'
    cfg.visualizer.name = cfg.experiment_name
    with restored_process_state():
        return Runner.from_cfg(cfg).test()

"""A tiny A2D2 tree, a tiny model config and helpers to run tools/*.py.

Shared by tests/test_engine and tests/test_tools/test_train_test.py. The
config is self-contained (it does not use configs/_base_) so these tests
only depend on the plugin and mmseg.
"""
import contextlib
import glob
import multiprocessing as mp
import os
import os.path as osp
import random
import re
import socket
import subprocess
import sys
import uuid
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch

from tests.a2d2_tree import COLOUR, write_raw_tree
from tests.tiny_model_parts import PREPROCESSOR, tiny_resnet

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PYTHON = sys.executable
TRAIN = osp.join(REPO, 'tools', 'train.py')
TEST = osp.join(REPO, 'tools', 'test.py')
SIZE = 64
SCENES = ('20180807_145028', '20181107_132730')
FRAMES = ('000000101', '000000102')
LABEL_NAMES = ('Sky', 'Buildings', 'RD normal street', 'Car 1', 'Sidewalk',
               'Nature object')


def tiny_label(seed: int, size: int = SIZE) -> np.ndarray:
    """An RGB A2D2 label of 8x8 blocks of a few classes."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, len(LABEL_NAMES), (size // 8, size // 8))
    names = np.array(LABEL_NAMES)[blocks]
    grid = np.array([[COLOUR[n] for n in row] for row in names],
                    dtype=np.uint8)
    return np.kron(grid, np.ones((8, 8, 1), dtype=np.uint8))


def write_tiny_tree(root: str) -> int:
    """2 scenes x 2 frames of 64x64; returns the number of frames."""
    frames = {
        scene: [(frame, tiny_label(10 * i + j))
                for j, frame in enumerate(FRAMES)]
        for i, scene in enumerate(SCENES)
    }
    write_raw_tree(root, frames)
    return len(SCENES) * len(FRAMES)


CONFIG = '''
custom_imports = dict(imports={imports!r}, allow_failed_imports=False)
default_scope = 'mmseg'
data_root = {data_root!r}
crop_size = (32, 32)
# SyncBN on purpose: it must become BN on CPU (single and multi process).
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict({preprocessor!r}, size=crop_size)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone={backbone!r},
    decode_head=dict(
        type='FCNHead',
        in_channels=64,
        in_index=0,
        channels=16,
        num_convs=1,
        concat_input=False,
        dropout_ratio={dropout_ratio},
        num_classes=38,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadA2D2Annotations'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadA2D2Annotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='A2D2Dataset', data_root=data_root, pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='A2D2Dataset', data_root=data_root, pipeline=test_pipeline))
test_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005))
# `end` is fixed so a run stopped early and resumed follows the same
# schedule as an uninterrupted one.
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=6,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters={max_iters},
                 val_interval=1000)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
custom_hooks = {custom_hooks!r}
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=True)
'''


def write_config(path: str,
                 data_root: str,
                 max_iters: int = 4,
                 imports: Sequence[str] = ('a2d2_mmseg.plugin', ),
                 custom_hooks: Optional[list] = None,
                 dropout_ratio: float = 0.0) -> str:
    with open(path, 'w') as f:
        f.write(
            CONFIG.format(
                preprocessor=PREPROCESSOR,
                backbone=tiny_resnet(out_indices=(3, )),
                data_root=data_root,
                max_iters=max_iters,
                imports=list(imports),
                custom_hooks=custom_hooks or [],
                dropout_ratio=dropout_ratio))
    return path


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


def build_runner(config: str, work_dir: str, **options):
    """A Runner for ``config`` in this process, with its own experiment name
    (runners share loggers and message hubs by name). Build and use it
    inside :func:`restored_process_state`.

    Args:
        config (str): Config file.
        work_dir (str): Work dir.
        **options: Config entries to set (``merge_from_dict``).
    """
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{osp.basename(work_dir)}_{uuid.uuid4().hex[:8]}'
    cfg.visualizer.name = cfg.experiment_name
    cfg.merge_from_dict(options)
    return Runner.from_cfg(cfg)


def trained_tiny_run(tmp) -> dict:
    """Train the tiny model in this process for 2 iterations.

    Args:
        tmp (pathlib.Path): Folder for the tree (``a2d2``), the config
            (``cfg.py``) and the work dir (``wd``).

    Returns:
        dict: ``tmp``, ``root`` (the tree), ``config`` and ``checkpoint``
        (``wd/iter_2.pth``).
    """
    root = str(tmp / 'a2d2')
    write_tiny_tree(root)
    config = write_config(str(tmp / 'cfg.py'), root, max_iters=2)
    with restored_process_state():
        build_runner(config, str(tmp / 'wd')).train()
    checkpoint = str(tmp / 'wd' / 'iter_2.pth')
    assert osp.isfile(checkpoint)
    return dict(tmp=tmp, root=root, config=config, checkpoint=checkpoint)


def runner_log(work_dir: str) -> str:
    """The text of the newest runner log in ``work_dir``."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')),
                  key=osp.getmtime)
    assert logs, f'no log in {work_dir}'
    with open(logs[-1]) as f:
        return f.read()


def env(**extra) -> dict:
    """Environment for the tools: repo on PYTHONPATH, one thread each."""
    e = dict(os.environ)
    paths = [REPO] + [p for p in extra.pop('PYTHONPATH', '').split(':') if p]
    e['PYTHONPATH'] = ':'.join(paths + [e.get('PYTHONPATH', '')]).rstrip(':')
    e.setdefault('OMP_NUM_THREADS', '1')
    e.setdefault('MKL_NUM_THREADS', '1')
    e.update(extra)
    return e


def run(args: List[str], cwd: str, timeout: int = 240,
        **extra_env) -> subprocess.CompletedProcess:
    """Run a command, capturing text output (stdout and stderr merged)."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=env(**extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout)


def check(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stdout[-6000:]
    return proc.stdout


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (for torchrun)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def train_iters(log: str) -> List[int]:
    """The training iterations a runner log reports, in order."""
    return [int(i) for i in re.findall(r'Iter\(train\) \[\s*(\d+)/', log)]

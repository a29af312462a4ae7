"""Which models a comparison tests (``NAME=CONFIG:CHECKPOINT`` or a work
dir) and how: one run of mmengine's test loop per model gives the metrics,
the per-class IoU and the predictions of chosen frames."""
import copy
import gc
import glob
import os.path as osp
import re
import time
from typing import NamedTuple, Optional, Sequence

import numpy as np
from mmengine.config import Config

from a2d2_mmseg.evaluation import PredictionCollector

__all__ = [
    'ModelSpec', 'parse_model_spec', 'find_work_dir_model', 'safe_name',
    'per_class_evaluator', 'build_test_cfg', 'evaluate_model'
]


class ModelSpec(NamedTuple):
    """A model to evaluate: its ``name`` in the report, ``config`` file and
    ``checkpoint`` file or URL."""
    name: str
    config: str
    checkpoint: str


def parse_model_spec(spec: str) -> ModelSpec:
    """``NAME=CONFIG:CHECKPOINT`` (or ``CONFIG:CHECKPOINT``: named after the
    config file) -> ModelSpec. The config is split off at ``.py:``, so a
    checkpoint may be a URL.

    Raises:
        ValueError: No config or no checkpoint in ``spec``.
    """
    name, sep, rest = spec.partition('=')
    if not sep or ':' in name or name.endswith('.py'):
        name, rest = '', spec
    cut = rest.find('.py:')
    if cut >= 0:
        config, checkpoint = rest[:cut + 3], rest[cut + 4:]
    else:
        config, _, checkpoint = rest.partition(':')
    if not config or not checkpoint:
        raise ValueError(f'--models {spec!r}: expected NAME=CONFIG:CHECKPOINT')
    name = name or osp.splitext(osp.basename(config))[0]
    return ModelSpec(name, config, checkpoint)


def find_work_dir_model(spec: str) -> ModelSpec:
    """The model of a training work dir, ``[NAME=]WORK_DIR`` (named after
    the folder by default): the newest ``*.py`` mmengine dumped there and
    the checkpoint ``last_checkpoint`` names (else that file in the work
    dir).

    Raises:
        FileNotFoundError: No work dir, config, ``last_checkpoint`` or
            checkpoint; the message names the path.
    """
    name, sep, work_dir = spec.partition('=')
    if not sep:
        name, work_dir = '', spec
    work_dir = work_dir.rstrip('/') or work_dir
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'{work_dir}: work dir not found')
    configs = sorted(glob.glob(osp.join(work_dir, '*.py')), key=osp.getmtime)
    if not configs:
        raise FileNotFoundError(
            f'{work_dir}: no config (*.py dumped by mmengine) in the work '
            f'dir; use --models NAME=CONFIG:CHECKPOINT')
    if len(configs) > 1:
        print(f'{work_dir}: several configs, using the newest '
              f'{osp.basename(configs[-1])}')
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise FileNotFoundError(f'{marker}: not found (no checkpoint saved '
                                f'in {work_dir}?)')
    with open(marker) as f:
        checkpoint = f.read().strip()
    if not osp.isfile(checkpoint):
        local = osp.join(work_dir, osp.basename(checkpoint))
        if not osp.isfile(local):
            raise FileNotFoundError(
                f'{marker}: names {checkpoint!r}, which does not exist '
                f'(nor {local})')
        checkpoint = local
    return ModelSpec(name or osp.basename(osp.abspath(work_dir)),
                     configs[-1], checkpoint)


def safe_name(name: str) -> str:
    """``name`` with every run of characters other than word characters,
    ``.`` and ``-`` replaced by ``_`` (for folder and instance names)."""
    return re.sub(r'[^\w.-]+', '_', name)


def _is_iou_metric(metric: dict) -> bool:
    """Whether a metric config's type (a name or a class) is an IoUMetric."""
    kind = metric.get('type', '')
    name = kind if isinstance(kind, str) else getattr(kind, '__name__', '')
    return name.split('.')[-1] in ('IoUMetric', 'PerClassIoUMetric')


def per_class_evaluator(evaluator):
    """A copy of a config's ``test_evaluator`` (dict or list) whose
    IoUMetric(s) are ``PerClassIoUMetric`` with ``mIoU`` and ``mDice`` in
    ``iou_metrics``.

    Raises:
        ValueError: No IoUMetric, or one with ``format_only=True``.
    """
    evaluator = copy.deepcopy(evaluator)
    metrics = evaluator if isinstance(evaluator, list) else [evaluator]
    ious = [m for m in metrics if _is_iou_metric(m)]
    if not ious:
        raise ValueError(f'the config\'s evaluator has no IoUMetric: '
                         f'{evaluator}')
    for metric in ious:
        if metric.get('format_only'):
            raise ValueError('the IoUMetric has format_only=True: '
                             'nothing to compare')
        wanted = list(metric.get('iou_metrics', ['mIoU']))
        metric.update(
            type='PerClassIoUMetric',
            iou_metrics=wanted + [m for m in ('mIoU', 'mDice')
                                  if m not in wanted])
    return evaluator


def build_test_cfg(spec: ModelSpec, split: str, out_dir: str,
                   cfg_options: Optional[dict] = None) -> Config:
    """The model's config, set up to test ``spec.checkpoint`` on ``split``
    (``'test'``: the config's ``test_dataloader``; ``'val'``: its
    ``val_dataloader`` and ``val_evaluator``) with ``cfg_options`` merged:
    :func:`per_class_evaluator`, ``load_from`` the checkpoint, no resume, no
    launcher, ``work_dir`` ``OUT_DIR/runs/<name>`` and unique
    logger/visualizer names (several runners run in one process).

    Raises:
        FileNotFoundError: The config or a local checkpoint is missing.
        ValueError: The config lacks the split's dataloader or evaluator.
    """
    if not osp.isfile(spec.config):
        raise FileNotFoundError(f'{spec.config}: config not found '
                                f'(model {spec.name!r})')
    if '://' not in spec.checkpoint and not osp.isfile(spec.checkpoint):
        raise FileNotFoundError(f'{spec.checkpoint}: checkpoint not found '
                                f'(model {spec.name!r})')
    cfg = Config.fromfile(spec.config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    for kind in ('dataloader', 'evaluator'):
        key = f'{split}_{kind}'
        if not cfg.get(key):
            raise ValueError(f'{spec.config}: the config has no {key} '
                             f'(--split {split})')
        cfg[f'test_{kind}'] = cfg[key]
    if not cfg.get('test_cfg'):
        cfg.test_cfg = dict(type='TestLoop')
    cfg.test_evaluator = per_class_evaluator(cfg.test_evaluator)
    cfg.update(work_dir=osp.join(out_dir, 'runs', safe_name(spec.name)),
               load_from=spec.checkpoint, resume=False, launcher='none')
    # the logger, message hub and visualizer of one runner must not be
    # reused by the next one in this process
    unique = (f'compare_{safe_name(spec.name)}_'
              f'{time.strftime("%Y%m%d_%H%M%S")}_{id(cfg)}')
    cfg.experiment_name = unique
    if cfg.get('visualizer'):
        cfg.visualizer.name = unique
    return cfg


def _frame_label(info: dict) -> str:
    if info.get('scene') and info.get('frame'):
        return f"{info['scene']} / {info['frame']}"
    return osp.splitext(osp.basename(info['img_path']))[0]


def evaluate_model(spec: ModelSpec, cfg: Config,
                   positions: Sequence[int]) -> dict:
    """Run the test loop of ``cfg`` (:func:`build_test_cfg`) once; keep
    the predictions at dataset ``positions`` (past the end: ignored).

    Returns:
        dict: ``metrics`` (the evaluator's), ``per_class_iou`` (class name
        -> IoU in percent), ``img_paths`` (the split's frames in order),
        ``labels`` (frame titles), ``metainfo`` (classes, palette) and
        ``frames`` (position -> ``pred``/``gt``).

    Raises:
        RuntimeError: The loop did not produce one prediction per frame.
    """
    from mmengine.runner import Runner
    from mmseg.registry import RUNNERS

    runner = (Runner.from_cfg(cfg)
              if 'runner_type' not in cfg else RUNNERS.build(cfg))
    dataset = runner.test_loop.dataloader.dataset  # builds the loop
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    img_paths = [info['img_path'] for info in infos]
    wanted = [img_paths[p] for p in positions if 0 <= p < len(img_paths)]
    collector = PredictionCollector(wanted)
    runner.register_hook(collector)
    metrics = runner.test()
    per_class = [
        m.ret_metrics_class for m in runner.test_loop.evaluator.metrics
        if hasattr(m, 'ret_metrics_class')
    ][0]
    if collector.seen != len(dataset):
        raise RuntimeError(f'model {spec.name!r}: the test loop produced '
                           f'{collector.seen} predictions for '
                           f'{len(dataset)} frames')
    result = dict(
        metrics={
            k: v.item() if isinstance(v, np.generic) else v
            for k, v in metrics.items()
        },
        per_class_iou=per_class.get('IoU', {}),
        img_paths=img_paths,
        labels=[_frame_label(info) for info in infos],
        metainfo=dict(classes=tuple(dataset.metainfo['classes']),
                      palette=[list(p) for p in dataset.metainfo['palette']]),
        frames={
            img_paths.index(path): frame
            for path, frame in collector.frames.items()
        })
    del runner, dataset
    gc.collect()
    return result

"""Evaluate several models on one split and write a comparison report.

Every model runs mmengine's test loop (:func:`evaluate_model`,
its config's ``test_dataloader`` or, with ``split='val'``, its
``val_dataloader``), one after the other in this process. The numbers are
the evaluator's: ``IoUMetric`` is replaced by ``PerClassIoUMetric``, which
computes the same and keeps the per-class arrays; the figures show the test
loop's own predictions (``PredictionCollector``), so no model runs twice.

Written to ``OUT_DIR``: ``metrics.md``/``.csv`` (Model | mIoU | Dice | Pixel
Accuracy | Mean Pixel Accuracy, fractions with 3 decimals),
``per_class_iou.md``/``.csv`` (``n/a``/``nan`` where a class is in neither
ground truth nor prediction), ``metrics.json`` (config, checkpoint, raw
metrics), ``metrics.png`` (bar chart), ``showcase.png`` (input | ground
truth | each prediction) and ``segmentation.gif`` (input and overlays of
consecutive frames). The models must cover the same frames with the same
classes (checked). ``tools/analysis/compare_models.py`` is the command line.
"""
import copy
import csv
import gc
import glob
import json
import math
import os
import os.path as osp
import re
import time
from collections import OrderedDict
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np
from mmengine.config import Config

from a2d2_mmseg.deployment.segmentor import load_config
from a2d2_mmseg.evaluation import PredictionCollector

__all__ = [
    'ModelSpec', 'parse_model_spec', 'find_work_dir_model', 'safe_name',
    'per_class_evaluator', 'build_test_cfg', 'evaluate_model',
    'TABLE_METRICS', 'metric_value', 'table_rows', 'write_table',
    'check_same_split', 'write_tables', 'compare'
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
        ValueError: The config cannot be read (``ConfigError``) or lacks
            the split's dataloader or evaluator.
    """
    if not osp.isfile(spec.config):
        raise FileNotFoundError(f'{spec.config}: config not found '
                                f'(model {spec.name!r})')
    if '://' not in spec.checkpoint and not osp.isfile(spec.checkpoint):
        raise FileNotFoundError(f'{spec.checkpoint}: checkpoint not found '
                                f'(model {spec.name!r})')
    cfg = load_config(spec.config, cfg_options)
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


# The seed's table: column title -> IoUMetric's key.
TABLE_METRICS = (('mIoU', 'mIoU'), ('Dice', 'mDice'),
                 ('Pixel Accuracy', 'aAcc'), ('Mean Pixel Accuracy', 'mAcc'))


def _cell(value, missing: str) -> str:
    """An integer as it is, None or NaN as ``missing``, else 3 decimals."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return missing if value is None or math.isnan(value) else f'{value:.3f}'


def metric_value(metrics: dict, key: str) -> float:
    """``metrics[key]``, also when the evaluator has a ``prefix``
    (``'prefix/mIoU'``).

    Raises:
        KeyError: The evaluator returned no such metric.
    """
    if key in metrics:
        return metrics[key]
    for name, value in metrics.items():
        if name.rsplit('/', 1)[-1] == key:
            return value
    raise KeyError(f'the evaluator returned no {key!r}: {sorted(metrics)}')


def table_rows(results: Dict[str, dict]) -> List[list]:
    """``[model, mIoU, Dice, aAcc, mAcc]`` as fractions, per model of
    ``results`` (model name -> ``evaluate_model`` output)."""
    return [[name] + [
        float(metric_value(r['metrics'], key)) / 100
        for _, key in TABLE_METRICS
    ] for name, r in results.items()]


def write_table(stem: str, header: Sequence[str], rows: Sequence[Sequence],
                note: str = '') -> str:
    """Write ``STEM.md`` (a Markdown table, then ``note`` after a blank
    line) and ``STEM.csv`` of ``rows``: the first column as text, the
    others as integers or 3-decimal numbers, NaN as ``n/a`` (Markdown) or
    ``nan`` (CSV).

    Returns:
        str: The Markdown text.
    """
    cells = [[str(row[0])] + [_cell(v, 'n/a') for v in row[1:]]
             for row in rows]
    lines = ['| ' + ' | '.join(row) + ' |' for row in [header] + cells]
    lines.insert(1, '|' + '|'.join('---' for _ in header) + '|')
    text = '\n'.join(lines) + '\n' + (f'\n{note}\n' if note else '')
    with open(stem + '.md', 'w') as f:
        f.write(text)
    with open(stem + '.csv', 'w', newline='') as f:
        csv.writer(f).writerows([header] + [
            [row[0]] + [_cell(v, 'nan') for v in row[1:]] for row in rows
        ])
    return text


def check_same_split(first: dict, other: dict, first_name: str,
                     name: str) -> None:
    """Raise ValueError unless two ``evaluate_model`` outputs cover the same
    frames (in order) with the same classes."""
    if first['img_paths'] != other['img_paths']:
        raise ValueError(
            f'models {first_name!r} and {name!r} are not evaluated on the '
            f"same frames ({len(first['img_paths'])} vs "
            f"{len(other['img_paths'])} frames, or a different data_root / "
            f'scenes / order): give them the same split, e.g. with '
            f'--cfg-options test_dataloader.dataset.data_root=...')
    if list(first['metainfo']['classes']) != list(
            other['metainfo']['classes']):
        raise ValueError(f'models {first_name!r} and {name!r} use different '
                         f'class sets')


def write_tables(results: 'OrderedDict[str, dict]', out_dir: str,
                 split: str) -> dict:
    """Write the Markdown/CSV tables and ``metrics.json`` of ``results``
    (model name -> ``evaluate_model`` output with ``config`` and
    ``checkpoint``) to ``out_dir``; return file name -> path."""
    first = next(iter(results.values()))
    write_table(
        osp.join(out_dir, 'metrics'),
        ['Model'] + [title for title, _ in TABLE_METRICS],
        table_rows(results), f"{split} split, {len(first['img_paths'])} "
        'frames; evaluator: mmseg IoUMetric (PerClassIoUMetric), fractions.')
    write_table(
        osp.join(out_dir, 'per_class_iou'), ['Class'] + list(results),
        [[c] + [r['per_class_iou'].get(c, math.nan) / 100
                for r in results.values()]
         for c in first['metainfo']['classes']],
        f'IoU per class, {split} split; n/a: class in neither ground truth '
        'nor prediction.')
    summary = {
        name: dict(config=r['config'], checkpoint=r['checkpoint'],
                   split=split, metrics=r['metrics'],
                   per_class_iou={  # NaN -> null (strict JSON)
                       c: None if math.isnan(v) else v
                       for c, v in r['per_class_iou'].items()})
        for name, r in results.items()}
    with open(osp.join(out_dir, 'metrics.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    return {name: osp.join(out_dir, name) for name in (
        'metrics.md', 'metrics.csv', 'per_class_iou.md',
        'per_class_iou.csv', 'metrics.json')}


def compare(specs: Sequence[ModelSpec],
            out_dir: str = 'work_dirs/report',
            split: str = 'test',
            gif_frames_n: int = 8,
            frame_start: int = 0,
            showcase_index: Optional[int] = None,
            cfg_options: Optional[dict] = None,
            opacity: float = 0.5,
            gif_duration: int = 500,
            gif_width: int = 480) -> dict:
    """Evaluate ``specs`` and write the report (see the module docstring).

    Args:
        specs (Sequence[ModelSpec]): The models (unique names).
        split (str): ``'test'`` or ``'val'``.
        gif_frames_n (int): Consecutive frames in the GIF (0: no GIF).
        frame_start (int): Position in the split of the first GIF frame.
        showcase_index (int, optional): Position of the showcase frame;
            defaults to ``frame_start``.
        cfg_options (dict, optional): Merged into every config.
        opacity, gif_duration (ms per frame), gif_width (of one panel,
            pixels): The GIF's.

    Returns:
        dict: ``results`` (name -> ``evaluate_model`` output, with
        ``config`` and ``checkpoint``), ``files`` (name -> path),
        ``showcase`` (the Figure), ``showcase_index`` and ``gif_positions``.

    Raises:
        ValueError: No models, repeated names, negative positions, a
            showcase or GIF start past the split, models on different
            frames or classes, a config without what is needed.
        FileNotFoundError: A config or checkpoint is missing.
    """
    from a2d2_mmseg.study.report_figures import write_figures
    if not specs:
        raise ValueError('no models: give --models and/or --work-dirs')
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f'model names must be unique: {duplicates}')
    if frame_start < 0 or gif_frames_n < 0:
        raise ValueError('--frame-start and --gif-frames must be >= 0')
    showcase_index = frame_start if showcase_index is None else showcase_index
    positions = sorted(
        set(range(frame_start, frame_start + gif_frames_n))
        | {showcase_index})
    os.makedirs(out_dir, exist_ok=True)
    cfgs = [build_test_cfg(s, split, out_dir, cfg_options) for s in specs]

    results: 'OrderedDict[str, dict]' = OrderedDict()
    for spec, cfg in zip(specs, cfgs):
        print(f'\n=== {spec.name}: {spec.config} @ {spec.checkpoint} '
              f'({split} split) ===', flush=True)
        result = evaluate_model(spec, cfg, positions)
        result.update(config=spec.config, checkpoint=spec.checkpoint)
        if results:
            check_same_split(next(iter(results.values())), result,
                             next(iter(results)), spec.name)
        results[spec.name] = result

    n_frames = len(result['img_paths'])
    if not 0 <= showcase_index < n_frames:
        raise ValueError(f'--showcase-index {showcase_index}: the {split} '
                         f'split has {n_frames} frames')
    gif_positions = list(
        range(frame_start, min(frame_start + gif_frames_n, n_frames)))
    if gif_frames_n and not gif_positions:
        raise ValueError(f'--frame-start {frame_start}: the {split} split '
                         f'has {n_frames} frames')
    if len(gif_positions) < gif_frames_n:
        print(f'the {split} split has only {len(gif_positions)} frames '
              f'from {frame_start}: the GIF gets {len(gif_positions)}')
    files = write_tables(results, out_dir, split)
    showcase, figures = write_figures(results, out_dir, split,
                                      showcase_index, gif_positions, opacity,
                                      gif_duration, gif_width)
    files.update(figures)
    return dict(results=results, files=files, showcase=showcase,
                showcase_index=showcase_index, gif_positions=gif_positions)

"""Evaluate several models on one split and write a comparison report.

Every model runs mmengine's test loop (:func:`~.model_test.evaluate_model`,
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
import csv
import json
import math
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from a2d2_mmseg.study.model_test import (ModelSpec, build_test_cfg,
                                         evaluate_model)

__all__ = [
    'TABLE_METRICS', 'metric_value', 'table_rows', 'write_table',
    'check_same_split', 'write_tables', 'compare'
]

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

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
    'TABLE_METRICS', 'metric_value', 'table_rows', 'per_class_rows',
    'write_markdown', 'write_csv', 'check_same_split', 'write_tables',
    'compare'
]

# The seed's table: column title -> IoUMetric's key.
TABLE_METRICS = (('mIoU', 'mIoU'), ('Dice', 'mDice'),
                 ('Pixel Accuracy', 'aAcc'), ('Mean Pixel Accuracy', 'mAcc'))


def _fmt(value: float) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return 'n/a' if value is None or math.isnan(value) else f'{value:.3f}'


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


def per_class_rows(results: Dict[str, dict],
                   classes: Sequence[str]) -> List[list]:
    """``[class, IoU of model 1, ...]`` as fractions (NaN where a model has
    no value), per class of ``classes``."""
    return [[name] + [
        float(r['per_class_iou'].get(name, math.nan)) / 100
        for r in results.values()
    ] for name in classes]


def write_markdown(path: str, header: Sequence[str],
                   rows: Sequence[Sequence], note: str = '') -> None:
    """A Markdown table (first column as text, the others as integers or
    3-decimal numbers or ``n/a``), then ``note`` after a blank line."""
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' for _ in header) + '|']
    for row in rows:
        lines.append('| ' + ' | '.join(
            [str(row[0])] + [_fmt(v) for v in row[1:]]) + ' |')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n' + (f'\n{note}\n' if note else ''))


def write_csv(path: str, header: Sequence[str],
              rows: Sequence[Sequence]) -> None:
    """A CSV file (integers as they are, other numbers with 3 decimals,
    ``nan`` for NaN)."""
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[0]] + [
                v if isinstance(v, int) else
                'nan' if math.isnan(v) else f'{v:.3f}' for v in row[1:]
            ])


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
    classes = first['metainfo']['classes']
    n_frames = len(first['img_paths'])
    files = {name: osp.join(out_dir, name) for name in (
        'metrics.md', 'metrics.csv', 'per_class_iou.md',
        'per_class_iou.csv', 'metrics.json')}
    header = ['Model'] + [title for title, _ in TABLE_METRICS]
    rows = table_rows(results)
    write_markdown(
        files['metrics.md'], header, rows,
        f'{split} split, {n_frames} frames; evaluator: mmseg IoUMetric '
        f'(PerClassIoUMetric), fractions.')
    write_csv(files['metrics.csv'], header, rows)
    class_rows = per_class_rows(results, classes)
    write_markdown(files['per_class_iou.md'], ['Class'] + list(results),
                   class_rows, f'IoU per class, {split} split; n/a: class '
                   f'in neither ground truth nor prediction.')
    write_csv(files['per_class_iou.csv'], ['Class'] + list(results),
              class_rows)
    summary = {
        name: dict(config=r['config'], checkpoint=r['checkpoint'],
                   split=split, metrics=r['metrics'],
                   per_class_iou={  # NaN -> null (strict JSON)
                       c: None if math.isnan(v) else v
                       for c, v in r['per_class_iou'].items()})
        for name, r in results.items()}
    with open(files['metrics.json'], 'w') as f:
        json.dump(summary, f, indent=2)
    return files


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
    from a2d2_mmseg.study.report_figures import (gif_frames, metrics_figure,
                                                 read_rgb, save_gif,
                                                 showcase_figure)
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

    first = next(iter(results.values()))
    classes, palette = first['metainfo']['classes'], \
        first['metainfo']['palette']
    n_frames = len(first['img_paths'])
    if not 0 <= showcase_index < n_frames:
        raise ValueError(f'--showcase-index {showcase_index}: the {split} '
                         f'split has {n_frames} frames')
    files = write_tables(results, out_dir, split)
    files['metrics.png'] = osp.join(out_dir, 'metrics.png')
    metrics_figure(results).savefig(files['metrics.png'], dpi=120)

    def frame_data(pos: int) -> dict:
        return dict(
            image=read_rgb(first['img_paths'][pos]),
            label=first['labels'][pos],
            gt=first['frames'][pos].get('gt'),
            preds=[r['frames'][pos]['pred'] for r in results.values()])

    shown = frame_data(showcase_index)
    showcase = showcase_figure(
        shown['image'], shown['gt'], list(zip(results, shown['preds'])),
        classes, palette, title=f'{split} frame {showcase_index}: '
        f"{shown['label']}")
    files['showcase.png'] = osp.join(out_dir, 'showcase.png')
    showcase.savefig(files['showcase.png'], dpi=100, bbox_inches='tight')

    gif_positions = list(
        range(frame_start, min(frame_start + gif_frames_n, n_frames)))
    if gif_frames_n and not gif_positions:
        raise ValueError(f'--frame-start {frame_start}: the {split} split '
                         f'has {n_frames} frames')
    if gif_positions:
        if len(gif_positions) < gif_frames_n:
            print(f'the {split} split has only {len(gif_positions)} frames '
                  f'from {frame_start}: the GIF gets {len(gif_positions)}')
        print(f'rendering {len(gif_positions)} GIF frames')
        frames = gif_frames([frame_data(p) for p in gif_positions],
                            list(results), classes, palette, opacity,
                            gif_width)
        files['segmentation.gif'] = osp.join(out_dir, 'segmentation.gif')
        save_gif(files['segmentation.gif'], frames, gif_duration,
                 keep_colours=palette)
    return dict(results=results, files=files, showcase=showcase,
                showcase_index=showcase_index, gif_positions=gif_positions)

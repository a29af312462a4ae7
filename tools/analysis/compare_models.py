# Copyright (c) OpenMMLab. All rights reserved.
"""Evaluate several models on one split and write a comparison report.

    python tools/analysis/compare_models.py \\
        --models NAME=CONFIG:CHECKPOINT [NAME=CONFIG:CHECKPOINT ...] \\
        | --work-dirs [NAME=]WORK_DIR [...] \\
        [--split test|val] [--out-dir work_dirs/report] [--gif-frames 8] \\
        [--frame-start 0] [--showcase-index I] [--cfg-options k=v ...]

``--work-dirs`` takes training work dirs (e.g. ``work_dirs/demo/unet``): the
config is the ``*.py`` mmengine dumped there and the checkpoint the one named
in ``last_checkpoint``; the model is named after the folder unless
``NAME=`` is given. ``--models`` and ``--work-dirs`` can be combined.

Every model is tested with mmengine's ``Runner`` test loop (its config's
``test_dataloader``, or ``val_dataloader`` with ``--split val``; ``work_dir``
is ``OUT_DIR/runs/<name>``). The numbers come from the evaluator:

* the config's ``IoUMetric`` is replaced by :class:`PerClassIoUMetric`
  (registered here), a subclass that computes exactly what ``IoUMetric``
  computes (``iou_metrics`` gets ``mIoU`` and ``mDice`` added for the Dice
  column) and also keeps the per-class arrays of that same computation
  (``ret_metrics_class``: IoU per class, in percent rounded to 2 decimals
  as in IoUMetric's per-class log table). ``runner.test()`` returns the
  summary metrics, the per-class IoU is read from the metric object after
  the loop; both are written as they are (``metrics.json``) and as
  fractions with 3 decimals (the tables);
* the predictions shown in the figures are the test loop's own outputs,
  collected by a hook (:class:`PredictionCollector`, ``after_test_iter``)
  for the frames the figures need only, so no model runs twice.

Written to ``OUT_DIR``:

* ``metrics.md``, ``metrics.csv``: Model | mIoU | Dice | Pixel Accuracy |
  Mean Pixel Accuracy (IoUMetric's mIoU, mDice, aAcc, mAcc), fractions;
* ``per_class_iou.md``, ``per_class_iou.csv``: one row per class, one column
  per model (``n/a`` / ``nan`` where a class is in neither ground truth nor
  prediction);
* ``metrics.json``: config, checkpoint and the evaluator's raw metrics of
  every model;
* ``metrics.png``: grouped bar chart of the four metrics;
* ``showcase.png``: one frame (``--showcase-index``, default
  ``--frame-start``): input | ground truth | each model's prediction, in the
  dataset's palette, with a legend of the classes present;
* ``segmentation.gif``: ``--gif-frames`` consecutive frames of the split from
  ``--frame-start``: the input and each model's overlay side by side,
  labelled, with a legend of the classes predicted (one GIF frame per
  frame; ``--gif-frames 0`` skips it).

The models run one after the other in this process (on the GPU when there
is one, as the runner decides). They must be tested on the same frames (the
same data_root, scenes and order) with the same classes; that is checked.
Ignored pixels (255) of the ground truth are grey.
"""
import argparse
import copy
import csv
import gc
import glob
import json
import math
import os
import os.path as osp
import re
import sys
import time
from collections import OrderedDict
from typing import Dict, List, NamedTuple, Optional, Sequence

import cv2
import numpy as np
from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

try:
    import a2d2_mmseg  # noqa: F401  (registers the plugin)
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    import a2d2_mmseg  # noqa: F401

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

from a2d2_mmseg.engine import CheckpointDownloadError, UnsafeCheckpointError
from a2d2_mmseg.visualization import (classes_present, colorize, fit_width,
                                      hstack_panels, label_panel,
                                      legend_entries, legend_patches,
                                      legend_strip, overlay_mask,
                                      vstack_panels)

# The seed's table: column title -> IoUMetric's key.
TABLE_METRICS = (('mIoU', 'mIoU'), ('Dice', 'mDice'),
                 ('Pixel Accuracy', 'aAcc'), ('Mean Pixel Accuracy', 'mAcc'))


@METRICS.register_module(force=True)
class PerClassIoUMetric(IoUMetric):
    """mmseg's ``IoUMetric`` that also keeps its per-class results.

    ``IoUMetric.compute_metrics`` computes per-class arrays with
    ``total_area_to_metrics`` but only logs them (its "per class results"
    table). This subclass keeps the arrays of that very call in
    :attr:`ret_metrics_class`: ``{'IoU': {class name: value}, 'Acc': ...,
    'Dice': ...}``, in percent rounded to 2 decimals as in the log table
    (NaN for a class in neither ground truth nor prediction). The returned
    metrics (``aAcc``, ``mIoU``, ``mAcc``, ``mDice``, ...) are IoUMetric's,
    unchanged.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ret_metrics_class: Dict[str, Dict[str, float]] = {}

    def total_area_to_metrics(self, *args, **kwargs):
        ret_metrics = IoUMetric.total_area_to_metrics(*args, **kwargs)
        # compute_metrics pops 'aAcc' from the returned dict: keep copies.
        self._arrays = {k: np.array(v) for k, v in ret_metrics.items()}
        return ret_metrics

    def compute_metrics(self, results: list) -> Dict[str, float]:
        self._arrays = {}
        metrics = super().compute_metrics(results)
        classes = self.dataset_meta['classes']
        self.ret_metrics_class = {
            key: {
                name: float(v)
                for name, v in zip(classes, np.round(values * 100, 2))
            }
            for key, values in self._arrays.items() if key != 'aAcc'
        }
        return metrics


class PredictionCollector(Hook):
    """Keeps the test loop's predictions of chosen frames (by image path).

    Args:
        wanted (Sequence[str]): ``img_path`` of the frames to keep.
    """
    priority = 'VERY_LOW'

    def __init__(self, wanted: Sequence[str]) -> None:
        self.wanted = set(wanted)
        self.frames: Dict[str, dict] = {}
        self.seen = 0

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        for sample in outputs or []:
            self.seen += 1
            path = sample.metainfo.get('img_path')
            if path not in self.wanted:
                continue
            frame = dict(pred=_mask(sample.pred_sem_seg.data))
            if 'gt_sem_seg' in sample:
                frame['gt'] = _mask(sample.gt_sem_seg.data)
            self.frames[path] = frame


def _mask(data) -> np.ndarray:
    return data.squeeze(0).cpu().numpy().astype(np.uint8)


class ModelSpec(NamedTuple):
    name: str
    config: str
    checkpoint: str


# -- model specs -----------------------------------------------------------
def parse_model_spec(spec: str) -> ModelSpec:
    """``NAME=CONFIG:CHECKPOINT`` (or ``CONFIG:CHECKPOINT``) -> ModelSpec.

    The config is split off at ``.py:``, so a checkpoint may be a URL.
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
    """``[NAME=]WORK_DIR`` -> the config mmengine dumped there and the
    checkpoint named in ``last_checkpoint``."""
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
        # written relative to the training's working directory, or moved
        local = osp.join(work_dir, osp.basename(checkpoint))
        if not osp.isfile(local):
            raise FileNotFoundError(
                f'{marker}: names {checkpoint!r}, which does not exist '
                f'(nor {local})')
        checkpoint = local
    return ModelSpec(name or osp.basename(osp.abspath(work_dir)),
                     configs[-1], checkpoint)


# -- evaluation ------------------------------------------------------------
def _type_name(cfg: dict) -> str:
    kind = cfg.get('type', '')
    return kind if isinstance(kind, str) else getattr(kind, '__name__', '')


def per_class_evaluator(evaluator):
    """The evaluator config with IoUMetric -> PerClassIoUMetric and
    ``iou_metrics`` holding mIoU and mDice."""
    evaluator = copy.deepcopy(evaluator)
    metrics = evaluator if isinstance(evaluator, list) else [evaluator]
    found = False
    for metric in metrics:
        if _type_name(metric).split('.')[-1] in ('IoUMetric',
                                                 'PerClassIoUMetric'):
            if metric.get('format_only'):
                raise ValueError('the IoUMetric has format_only=True: '
                                 'nothing to compare')
            metric['type'] = 'PerClassIoUMetric'
            wanted = list(metric.get('iou_metrics', ['mIoU']))
            metric['iou_metrics'] = wanted + [
                m for m in ('mIoU', 'mDice') if m not in wanted
            ]
            found = True
    if not found:
        raise ValueError(f'the config\'s evaluator has no IoUMetric: '
                         f'{evaluator}')
    return evaluator


def build_test_cfg(spec: ModelSpec, split: str, out_dir: str,
                   cfg_options: Optional[dict] = None) -> Config:
    """The model's config, set up to test ``spec.checkpoint`` on ``split``
    with :class:`PerClassIoUMetric`, logging into ``OUT_DIR/runs/<name>``."""
    if not osp.isfile(spec.config):
        raise FileNotFoundError(f'{spec.config}: config not found '
                                f'(model {spec.name!r})')
    if '://' not in spec.checkpoint and not osp.isfile(spec.checkpoint):
        raise FileNotFoundError(f'{spec.checkpoint}: checkpoint not found '
                                f'(model {spec.name!r})')
    cfg = Config.fromfile(spec.config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if split == 'val':
        for key in ('val_dataloader', 'val_evaluator'):
            if not cfg.get(key):
                raise ValueError(f'{spec.config}: --split val needs {key}')
        cfg.test_dataloader = cfg.val_dataloader
        cfg.test_evaluator = cfg.val_evaluator
    for key in ('test_dataloader', 'test_evaluator'):
        if not cfg.get(key):
            raise ValueError(f'{spec.config}: the config has no {key}')
    if not cfg.get('test_cfg'):
        cfg.test_cfg = dict(type='TestLoop')
    cfg.test_evaluator = per_class_evaluator(cfg.test_evaluator)
    cfg.work_dir = osp.join(out_dir, 'runs', _safe(spec.name))
    cfg.load_from = spec.checkpoint
    cfg.resume = False
    cfg.launcher = 'none'
    # Unique names: the logger, message hub and visualizer of one runner
    # must not be reused by the next one in this process.
    unique = f'compare_{_safe(spec.name)}_{time.strftime("%Y%m%d_%H%M%S")}' \
        f'_{id(cfg)}'
    cfg.experiment_name = unique
    if cfg.get('visualizer'):
        cfg.visualizer.name = unique
    return cfg


def _safe(name: str) -> str:
    return re.sub(r'[^\w.-]+', '_', name)


def evaluate_model(spec: ModelSpec, cfg: Config,
                   positions: Sequence[int]) -> dict:
    """Run the test loop once; return metrics and the wanted predictions.

    Args:
        spec (ModelSpec): The model.
        cfg (Config): From :func:`build_test_cfg`.
        positions (Sequence[int]): Dataset positions whose predictions are
            kept (positions past the end are ignored).

    Returns:
        dict: ``metrics`` (the evaluator's), ``per_class_iou`` (class
        name -> IoU in percent, from :class:`PerClassIoUMetric`),
        ``img_paths`` (the split's frames in dataset order), ``labels``
        (frame titles), ``metainfo`` (classes, palette), ``ignore_index``
        and ``frames`` (position -> ``pred``/``gt``).
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
    frames = {
        img_paths.index(path): frame
        for path, frame in collector.frames.items()
    }
    result = dict(
        metrics={k: _number(v) for k, v in metrics.items()},
        per_class_iou=per_class.get('IoU', {}),
        img_paths=img_paths,
        labels=[_frame_label(info) for info in infos],
        metainfo=dict(classes=tuple(dataset.metainfo['classes']),
                      palette=[list(p) for p in dataset.metainfo['palette']]),
        ignore_index=getattr(dataset, 'ignore_index', 255),
        frames=frames)
    del runner, dataset
    gc.collect()
    return result


def _frame_label(info: dict) -> str:
    if info.get('scene') and info.get('frame'):
        return f"{info['scene']} / {info['frame']}"
    return osp.splitext(osp.basename(info['img_path']))[0]


def _number(value):
    """numpy scalars (IoUMetric returns them) -> Python numbers."""
    return value.item() if isinstance(value, np.generic) else value


def _fraction(value) -> float:
    return float(value) / 100.0


# -- tables ----------------------------------------------------------------
def metric_value(metrics: dict, key: str) -> float:
    """``metrics[key]``, also when the evaluator has a ``prefix``
    (``'prefix/mIoU'``)."""
    if key in metrics:
        return metrics[key]
    for name, value in metrics.items():
        if name.rsplit('/', 1)[-1] == key:
            return value
    raise KeyError(f'the evaluator returned no {key!r}: {sorted(metrics)}')


def table_rows(results: 'OrderedDict[str, dict]') -> List[list]:
    """``[model, mIoU, Dice, aAcc, mAcc]`` per model, as fractions."""
    return [[name] + [
        _fraction(metric_value(r['metrics'], key))
        for _, key in TABLE_METRICS
    ] for name, r in results.items()]


def _fmt(value: float) -> str:
    return 'n/a' if value is None or math.isnan(value) else f'{value:.3f}'


def write_markdown(path: str, header: Sequence[str],
                   rows: Sequence[Sequence], note: str = '') -> None:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' for _ in header) + '|']
    for row in rows:
        lines.append('| ' + ' | '.join(
            [str(row[0])] + [_fmt(v) for v in row[1:]]) + ' |')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n' + (f'\n{note}\n' if note else ''))


def write_csv(path: str, header: Sequence[str],
              rows: Sequence[Sequence]) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[0]] + [
                'nan' if math.isnan(v) else f'{v:.3f}' for v in row[1:]
            ])


def per_class_rows(results: 'OrderedDict[str, dict]',
                   classes: Sequence[str]) -> List[list]:
    """``[class, IoU of model 1, ...]`` per class, as fractions."""
    rows = []
    for name in classes:
        row = [name]
        for r in results.values():
            row.append(_fraction(r['per_class_iou'].get(name, math.nan)))
        rows.append(row)
    return rows


# -- figures ---------------------------------------------------------------
def metrics_figure(results: 'OrderedDict[str, dict]'):
    """Grouped bar chart: one group per metric, one bar per model."""
    from matplotlib.figure import Figure
    names = list(results)
    rows = table_rows(results)
    n_metrics, n_models = len(TABLE_METRICS), len(names)
    fig = Figure(figsize=(max(6.0, 1.6 * n_metrics + 0.5 * n_models), 4.2))
    ax = fig.subplots()
    width = 0.8 / n_models
    x = np.arange(n_metrics)
    for i, row in enumerate(rows):
        values = np.nan_to_num(np.asarray(row[1:], dtype=float))
        bars = ax.bar(x + (i - (n_models - 1) / 2) * width, values, width,
                      label=row[0])
        ax.bar_label(bars, labels=[f'{v:.3f}' for v in row[1:]],
                     fontsize=7, padding=1)
    ax.set_xticks(x, [title for title, _ in TABLE_METRICS])
    ax.set_ylim(0, 1.08)
    ax.set_ylabel('score (fraction)')
    ax.set_title('Test metrics (mmseg IoUMetric)')
    ax.legend(loc='upper left', bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    return fig


def _read_rgb(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f'{path}: cannot read the image')
    return np.ascontiguousarray(img[..., ::-1])


def _fit_mask(mask: np.ndarray, shape) -> np.ndarray:
    if mask.shape == tuple(shape[:2]):
        return mask
    return cv2.resize(mask, (shape[1], shape[0]),
                      interpolation=cv2.INTER_NEAREST)


def showcase_figure(image: np.ndarray,
                    gt: Optional[np.ndarray],
                    predictions: Sequence[tuple],
                    classes: Sequence[str],
                    palette: Sequence[Sequence[int]],
                    title: str = '',
                    panel_width: float = 4.0):
    """Input | ground truth | each model's prediction, with a legend.

    Args:
        image (np.ndarray): RGB image.
        gt (np.ndarray, optional): Ground-truth class indices.
        predictions (Sequence[tuple]): ``(model name, class indices)``.
        classes (Sequence[str]): Class names.
        palette (Sequence[Sequence[int]]): Their colours.
        title (str): Figure title.
        panel_width (float): Width of one panel in inches.

    Returns:
        matplotlib.figure.Figure: ``2 + len(predictions)`` axes (1 without
        ground truth), legend of the classes present in any panel.
    """
    from matplotlib.figure import Figure
    h, w = image.shape[:2]
    panels = [('input', image)]
    masks = []
    if gt is not None:
        gt = _fit_mask(gt, image.shape)
        panels.append(('ground truth', colorize(gt, palette)))
        masks.append(gt)
    for name, pred in predictions:
        pred = _fit_mask(pred, image.shape)
        panels.append((name, colorize(pred, palette)))
        masks.append(pred)
    fig = Figure(figsize=(panel_width * len(panels),
                          panel_width * h / w + 1.0), layout='constrained')
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, img) in zip(axes, panels):
        ax.imshow(img, interpolation='nearest')
        ax.set_title(name, fontsize=11)
        ax.set_axis_off()
    ignored = gt is not None and bool((gt >= len(classes)).any())
    entries = legend_entries(
        classes_present(masks, len(classes)), classes, palette, ignored)
    if entries:
        fig.legend(handles=legend_patches(entries),
                   loc='outside lower center', ncol=min(len(entries), 8),
                   frameon=False, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def gif_frames(frames: Sequence[dict],
               model_names: Sequence[str],
               classes: Sequence[str],
               palette: Sequence[Sequence[int]],
               opacity: float = 0.5,
               panel_width: int = 480,
               min_panel_width: int = 256) -> List[np.ndarray]:
    """One RGB frame per input: input and each model's overlay, labelled,
    and a legend of the classes predicted in any of the frames.

    Args:
        frames (Sequence[dict]): ``image`` (RGB), ``label`` (title) and
            ``preds`` (one class-index mask per model).
        model_names (Sequence[str]): Panel titles of the models.
        classes, palette: The dataset's classes and colours.
        opacity (float): Opacity of the overlays.
        panel_width (int): Panels wider than this are shrunk.
        min_panel_width (int): Narrower panels are enlarged (nearest) so
            that their titles fit.
    """
    present = classes_present([p for f in frames for p in f['preds']],
                              len(classes))
    entries = legend_entries(present, classes, palette)
    out = []
    progress = ProgressBar(len(frames))

    def panel(img: np.ndarray, title: str) -> np.ndarray:
        h, w = img.shape[:2]
        if w < min_panel_width:
            img = cv2.resize(img, (min_panel_width,
                                   max(1, round(h * min_panel_width / w))),
                             interpolation=cv2.INTER_NEAREST)
        return label_panel(fit_width(img, panel_width), title)

    for frame in frames:
        image = frame['image']
        panels = [panel(image, frame['label'])]
        for name, pred in zip(model_names, frame['preds']):
            over = overlay_mask(image, _fit_mask(pred, image.shape), palette,
                                opacity)
            panels.append(panel(over, name))
        row = hstack_panels(panels)
        out.append(vstack_panels([row, legend_strip(entries, row.shape[1])]))
        progress.update()
    sys.stdout.write('\n')
    return out


def save_gif(path: str, frames: Sequence[np.ndarray], duration: int = 500,
             keep_colours: Sequence[Sequence[int]] = ()) -> None:
    """Write an endlessly looping GIF with Pillow, one frame per array.

    Args:
        path (str): Output file.
        frames (Sequence[np.ndarray]): RGB frames.
        duration (int): Milliseconds per frame.
        keep_colours (Sequence[Sequence[int]]): Colours that must survive
            the reduction to a 256-colour GIF palette exactly (the legend's
            class colours); the rest of each frame's palette is adaptive.
    """
    from PIL import Image
    keep = list(dict.fromkeys(tuple(int(v) for v in c)
                              for c in keep_colours))[:128]
    images = [_quantize(Image.fromarray(f), keep) for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:],
                   duration=duration, loop=0)


def _quantize(image, keep: Sequence[tuple]):
    """A 'P' image whose palette holds ``keep`` exactly plus adaptive
    colours, pixels mapped to the nearest entry (no dithering)."""
    from PIL import Image
    adaptive = image.quantize(
        colors=256 - len(keep), method=Image.Quantize.MEDIANCUT,
        dither=Image.Dither.NONE)
    colours = [v for rgb in keep for v in rgb]
    colours += adaptive.getpalette()[:3 * (256 - len(keep))]
    palette = Image.new('P', (1, 1))
    palette.putpalette(colours + [0] * (768 - len(colours)))
    return image.quantize(palette=palette, dither=Image.Dither.NONE)


# -- main ------------------------------------------------------------------
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

    Returns:
        dict: ``results`` (name -> :func:`evaluate_model` output, with
        ``config`` and ``checkpoint``), ``files`` (name -> path),
        ``showcase`` (the Figure), ``showcase_index`` and ``gif_positions``.
    """
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
        first = next(iter(results.values()), None)
        if first is not None:
            _check_same_split(first, result, next(iter(results)), spec.name)
        results[spec.name] = result

    first = next(iter(results.values()))
    classes, palette = first['metainfo']['classes'], \
        first['metainfo']['palette']
    n_frames = len(first['img_paths'])
    if not 0 <= showcase_index < n_frames:
        raise ValueError(f'--showcase-index {showcase_index}: the {split} '
                         f'split has {n_frames} frames')
    files = {}

    # Tables (the evaluator's numbers, as fractions).
    header = ['Model'] + [title for title, _ in TABLE_METRICS]
    rows = table_rows(results)
    note = (f'{split} split, {n_frames} frames; evaluator: mmseg IoUMetric '
            f'(PerClassIoUMetric), fractions.')
    files['metrics.md'] = osp.join(out_dir, 'metrics.md')
    write_markdown(files['metrics.md'], header, rows, note)
    files['metrics.csv'] = osp.join(out_dir, 'metrics.csv')
    write_csv(files['metrics.csv'], header, rows)
    class_rows = per_class_rows(results, classes)
    files['per_class_iou.md'] = osp.join(out_dir, 'per_class_iou.md')
    write_markdown(files['per_class_iou.md'], ['Class'] + list(results),
                   class_rows, f'IoU per class, {split} split; n/a: class '
                   f'in neither ground truth nor prediction.')
    files['per_class_iou.csv'] = osp.join(out_dir, 'per_class_iou.csv')
    write_csv(files['per_class_iou.csv'], ['Class'] + list(results),
              class_rows)
    files['metrics.json'] = osp.join(out_dir, 'metrics.json')
    with open(files['metrics.json'], 'w') as f:
        json.dump(
            {
                name: dict(config=r['config'], checkpoint=r['checkpoint'],
                           split=split, metrics=r['metrics'],
                           per_class_iou={  # NaN -> null (strict JSON)
                               c: None if math.isnan(v) else v
                               for c, v in r['per_class_iou'].items()
                           })
                for name, r in results.items()
            },
            f,
            indent=2)

    # Figures.
    files['metrics.png'] = osp.join(out_dir, 'metrics.png')
    metrics_figure(results).savefig(files['metrics.png'], dpi=120)

    def frame_data(pos: int) -> dict:
        return dict(
            image=_read_rgb(first['img_paths'][pos]),
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


def _check_same_split(first: dict, other: dict, first_name: str,
                      name: str) -> None:
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Compare segmentation models on one split: tables, '
        'bar chart, showcase figure and GIF')
    parser.add_argument(
        '--models', nargs='+', default=[], metavar='NAME=CONFIG:CHECKPOINT',
        help='models to compare')
    parser.add_argument(
        '--work-dirs', nargs='+', default=[], metavar='[NAME=]WORK_DIR',
        help='training work dirs (config *.py + last_checkpoint)')
    parser.add_argument('--split', choices=['test', 'val'], default='test',
                        help="the configs' test_dataloader or val_dataloader")
    parser.add_argument('--out-dir', default='work_dirs/report',
                        help='report folder')
    parser.add_argument('--gif-frames', type=int, default=8,
                        help='consecutive frames in segmentation.gif '
                        '(0: no GIF)')
    parser.add_argument('--frame-start', type=int, default=0,
                        help='position in the split of the first GIF frame')
    parser.add_argument('--showcase-index', type=int, default=None,
                        help='position in the split of the showcase frame '
                        '(default: --frame-start)')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of the overlays in the GIF')
    parser.add_argument('--gif-duration', type=int, default=500,
                        help='milliseconds per GIF frame')
    parser.add_argument('--gif-width', type=int, default=480,
                        help='maximal width of one GIF panel in pixels')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of every config, e.g. '
        'test_dataloader.dataset.data_root=data/a2d2_synthetic')
    args = parser.parse_args(argv)
    if not args.models and not args.work_dirs:
        parser.error('give --models NAME=CONFIG:CHECKPOINT ... and/or '
                     '--work-dirs DIR ...')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    try:
        specs = [parse_model_spec(s) for s in args.models] + \
            [find_work_dir_model(d) for d in args.work_dirs]
        report = compare(specs, args.out_dir, args.split, args.gif_frames,
                         args.frame_start, args.showcase_index,
                         args.cfg_options, args.opacity, args.gif_duration,
                         args.gif_width)
    except (FileNotFoundError, ValueError, CheckpointDownloadError,
            UnsafeCheckpointError) as error:
        raise SystemExit(f'error: {error}')
    md = open(report['files']['metrics.md']).read()
    print(f'\n{md}\nwritten to {args.out_dir}: '
          f"{', '.join(sorted(report['files']))}")
    return report


if __name__ == '__main__':
    main()

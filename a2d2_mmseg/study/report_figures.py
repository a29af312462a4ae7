"""The comparison report's figures: bar chart and showcase (matplotlib).

Both return a ``matplotlib.figure.Figure`` built without pyplot (no global
state, no display needed); the caller saves it.
"""
from typing import Dict, Optional, Sequence

import mmcv
import numpy as np

from a2d2_mmseg.visualization import (classes_present, colorize, legend_entries,
                             legend_patches)
from a2d2_mmseg.study.report_tables import TABLE_METRICS, table_rows

__all__ = ['read_rgb', 'fit_mask', 'metrics_figure', 'showcase_figure']


def read_rgb(path: str) -> np.ndarray:
    """An image file as stored (EXIF orientation ignored, as the plugin
    loads images), RGB ``uint8``.

    Raises:
        FileNotFoundError: The file is missing or cannot be decoded.
    """
    img = mmcv.imread(path, flag='color_ignore_orientation')
    if img is None:
        raise FileNotFoundError(f'{path}: cannot read the image')
    # mmcv's cv2 backend returns BGR for this flag whatever channel_order
    return np.ascontiguousarray(mmcv.bgr2rgb(img))


def fit_mask(mask: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """A class-index mask resized (nearest) to ``shape[:2]`` if needed."""
    if mask.shape == tuple(shape[:2]):
        return mask
    return mmcv.imresize(mask, (shape[1], shape[0]), interpolation='nearest')


def metrics_figure(results: Dict[str, dict]):
    """Grouped bar chart: one group per metric, one bar per model.

    Args:
        results (dict): Model name -> ``evaluate_model`` output.

    Returns:
        matplotlib.figure.Figure: The chart, values written on the bars.
    """
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
        gt = fit_mask(gt, image.shape)
        panels.append(('ground truth', colorize(gt, palette)))
        masks.append(gt)
    for name, pred in predictions:
        pred = fit_mask(pred, image.shape)
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

"""The comparison report's figures, written by :func:`write_figures`: the
bar chart and the showcase (matplotlib ``Figure`` objects built without
pyplot) and the GIF (overlays drawn by mmseg's ``SegLocalVisualizer``,
titles, legend and the GIF itself by Pillow).
"""
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import mmcv
import numpy as np
import torch
from mmengine.structures import PixelData
from mmengine.utils import track_iter_progress
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from a2d2_mmseg.apis.inference import read_image
from a2d2_mmseg.study.comparison import TABLE_METRICS, table_rows
from a2d2_mmseg.visualization import (classes_present, colorize, fit_width,
                                      label_panel, legend_entries,
                                      legend_patches, legend_strip,
                                      stack_panels)

__all__ = ['fit_mask', 'metrics_figure', 'showcase_figure', 'gif_frames',
           'save_gif', 'write_figures']


def fit_mask(mask: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """A class-index mask resized (nearest) to ``shape[:2]`` if needed."""
    if mask.shape == tuple(shape[:2]):
        return mask
    return mmcv.imresize(mask, (shape[1], shape[0]), interpolation='nearest')


def metrics_figure(results: Dict[str, dict]):
    """Grouped bar chart of model name -> ``evaluate_model`` output: one
    group per metric, one bar per model, values written on the bars."""
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


def showcase_figure(frame: dict,
                    model_names: Sequence[str],
                    classes: Sequence[str],
                    palette: Sequence[Sequence[int]],
                    title: str = '',
                    panel_width: float = 4.0):
    """Input | ground truth | each model's prediction, with a legend of
    the classes present in any panel.

    Args:
        frame (dict): ``image`` (RGB), ``gt`` (ground-truth class indices
            or None) and ``preds`` (one class-index mask per model).
        model_names (Sequence[str]): Panel titles of the models.
        panel_width (float): Width of one panel in inches.

    Returns:
        matplotlib.figure.Figure: ``2 + len(model_names)`` axes (1 fewer
        without ground truth).
    """
    from matplotlib.figure import Figure
    image, gt = frame['image'], frame.get('gt')
    gts = [] if gt is None else [fit_mask(gt, image.shape)]
    masks = gts + [fit_mask(p, image.shape) for p in frame['preds']]
    panels = [('input', image)] + [
        (name, colorize(mask, palette))
        for name, mask in zip(['ground truth'] * len(gts) + list(model_names),
                              masks)
    ]
    h, w = image.shape[:2]
    fig = Figure(figsize=(panel_width * len(panels),
                          panel_width * h / w + 1.0), layout='constrained')
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, img) in zip(axes, panels):
        ax.imshow(img, interpolation='nearest')
        ax.set_title(name, fontsize=11)
        ax.set_axis_off()
    ignored = bool(gts) and bool((gts[0] >= len(classes)).any())
    entries = legend_entries(
        classes_present(masks, len(classes)), classes, palette, ignored)
    if entries:
        fig.legend(handles=legend_patches(entries),
                   loc='outside lower center', ncol=min(len(entries), 8),
                   frameon=False, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def _overlay(visualizer: SegLocalVisualizer, image: np.ndarray,
             mask: np.ndarray) -> np.ndarray:
    """``mask`` drawn over ``image`` by the visualizer, RGB."""
    sample = SegDataSample(pred_sem_seg=PixelData(
        data=torch.from_numpy(mask[None].astype(np.int64))))
    visualizer.add_datasample(
        'overlay', image, sample, draw_gt=False, with_labels=False)
    return visualizer.get_image()


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
        opacity (float): Opacity of the overlays.
        panel_width (int): Panels wider than this are shrunk.
        min_panel_width (int): Narrower panels are enlarged (nearest) so
            that their titles fit.
    """
    present = classes_present([p for f in frames for p in f['preds']],
                              len(classes))
    entries = legend_entries(present, classes, palette)
    visualizer = SegLocalVisualizer(
        name=f'compare_gif_{id(frames)}', alpha=opacity)
    # by keyword: mmseg 1.2.2's __init__ passes classes and palette to
    # set_dataset_meta in the wrong order
    visualizer.set_dataset_meta(
        classes=list(classes), palette=[list(c) for c in palette])

    def panel(img: np.ndarray, title: str) -> np.ndarray:
        h, w = img.shape[:2]
        if w < min_panel_width:
            img = mmcv.imresize(
                img,
                (min_panel_width, max(1, round(h * min_panel_width / w))),
                interpolation='nearest')
        return label_panel(fit_width(img, panel_width), title)

    out = []
    for frame in track_iter_progress(list(frames)):
        image = frame['image']
        panels = [panel(image, frame['label'])]
        for name, pred in zip(model_names, frame['preds']):
            over = _overlay(visualizer, image, fit_mask(pred, image.shape))
            panels.append(panel(over, name))
        row = stack_panels(panels, axis=1)
        out.append(stack_panels([row, legend_strip(entries, row.shape[1])],
                                axis=0))
    return out


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


def save_gif(path: str, frames: Sequence[np.ndarray], duration: int = 500,
             keep_colours: Sequence[Sequence[int]] = ()) -> None:
    """Write an endlessly looping GIF of RGB ``frames`` with Pillow,
    ``duration`` ms per frame; ``keep_colours`` (the legend's class
    colours) survive the reduction to 256 colours exactly, the rest of each
    frame's palette is adaptive."""
    from PIL import Image
    keep = list(dict.fromkeys(tuple(int(v) for v in c)
                              for c in keep_colours))[:128]
    images = [_quantize(Image.fromarray(f), keep) for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:],
                   duration=duration, loop=0)


def write_figures(results: Dict[str, dict],
                  out_dir: str,
                  split: str,
                  showcase_index: int,
                  gif_positions: Sequence[int],
                  opacity: float = 0.5,
                  gif_duration: int = 500,
                  gif_width: int = 480) -> Tuple[object, Dict[str, str]]:
    """Write ``metrics.png``, ``showcase.png`` (the frame at
    ``showcase_index``) and, for any ``gif_positions``,
    ``segmentation.gif`` of ``results`` (model name -> ``evaluate_model``
    output, on the same frames) to ``out_dir``.

    Returns:
        tuple: The showcase ``Figure`` and file name -> path.
    """
    first = next(iter(results.values()))
    classes, palette = (first['metainfo']['classes'],
                        first['metainfo']['palette'])
    files = {name: osp.join(out_dir, name)
             for name in ('metrics.png', 'showcase.png')}
    metrics_figure(results).savefig(files['metrics.png'], dpi=120)

    def frame(pos: int) -> dict:
        """The input, its title, ground truth and predictions at ``pos``."""
        return dict(
            image=mmcv.bgr2rgb(read_image(first['img_paths'][pos])),
            label=first['labels'][pos],
            gt=first['frames'][pos].get('gt'),
            preds=[r['frames'][pos]['pred'] for r in results.values()])

    shown = frame(showcase_index)
    showcase = showcase_figure(
        shown, list(results), classes, palette,
        title=f"{split} frame {showcase_index}: {shown['label']}")
    showcase.savefig(files['showcase.png'], dpi=100, bbox_inches='tight')
    if gif_positions:
        print(f'rendering {len(gif_positions)} GIF frames')
        files['segmentation.gif'] = osp.join(out_dir, 'segmentation.gif')
        frames = gif_frames([frame(p) for p in gif_positions], list(results),
                            classes, palette, opacity, gif_width)
        save_gif(files['segmentation.gif'], frames, gif_duration,
                 keep_colours=palette)
    return showcase, files

"""The comparison report's GIF: input and each model's overlay per frame.

Overlays are drawn by mmseg's ``SegLocalVisualizer`` (the palette colour of
each predicted class blended over the image with the visualizer's
``alpha``); titles, legend and the GIF itself are Pillow's.
"""
from typing import List, Sequence

import mmcv
import numpy as np
import torch
from mmengine.structures import PixelData
from mmengine.utils import track_iter_progress
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from a2d2_mmseg.visualization import (classes_present, fit_width, hstack_panels,
                             label_panel, legend_entries, legend_strip,
                             vstack_panels)
from a2d2_mmseg.study.report_figures import fit_mask

__all__ = ['gif_frames', 'save_gif']


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
        classes (Sequence[str]): The dataset's classes.
        palette (Sequence[Sequence[int]]): Their colours.
        opacity (float): Opacity of the overlays (the visualizer's
            ``alpha``).
        panel_width (int): Panels wider than this are shrunk.
        min_panel_width (int): Narrower panels are enlarged (nearest) so
            that their titles fit.

    Returns:
        list[np.ndarray]: The RGB frames (mmengine's progress bar shows
        the rendering).
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
        row = hstack_panels(panels)
        out.append(vstack_panels([row, legend_strip(entries, row.shape[1])]))
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

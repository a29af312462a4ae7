"""Compose labelled image panels (for GIF frames and side-by-side views)
and legends of the classes present in masks (matplotlib and raster)."""
import functools
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from a2d2_mmseg.visualization.palette import IGNORE_COLOUR

__all__ = [
    'text_font', 'fit_width', 'label_panel', 'stack_panels',
    'classes_present', 'legend_entries', 'legend_patches', 'legend_strip'
]


@functools.lru_cache(maxsize=8)
def text_font(size: int = 14):
    """Pillow's built-in font at ``size`` pixels (FreeType when present)."""
    from PIL import ImageFont
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        return ImageFont.load_default()


def fit_width(image: np.ndarray, max_width: int) -> np.ndarray:
    """Shrink an image to at most ``max_width`` pixels wide (keeps aspect;
    never enlarges)."""
    h, w = image.shape[:2]
    if not max_width or w <= max_width:
        return image
    new_h = max(1, round(h * max_width / w))
    return cv2.resize(image, (max_width, new_h), interpolation=cv2.INTER_AREA)


def label_panel(image: np.ndarray, text: str,
                font_size: int = 14) -> np.ndarray:
    """Put a title bar with ``text`` (black on white) above an RGB image."""
    from PIL import Image, ImageDraw
    font = text_font(font_size)
    bar_h = font_size + 10
    h, w = image.shape[:2]
    bar = Image.new('RGB', (w, bar_h), (255, 255, 255))
    draw = ImageDraw.Draw(bar)
    draw.text((w // 2, bar_h // 2), text, fill=(0, 0, 0), font=font,
              anchor='mm')
    return np.concatenate([np.asarray(bar), image], axis=0)


def stack_panels(panels: Sequence[np.ndarray],
                 axis: int,
                 gap: int = 4,
                 background: Sequence[int] = (255, 255, 255)) -> np.ndarray:
    """RGB panels along ``axis`` (1: side by side, top-aligned; 0: stacked,
    left-aligned), padded to one size across, ``gap`` pixels apart."""
    across = max(p.shape[1 - axis] for p in panels)
    parts = []
    for i, p in enumerate(panels):
        shape = [0, 0, 3]
        shape[axis], shape[1 - axis] = gap, across
        if i:
            parts.append(np.full(shape, background, np.uint8))
        shape[axis] = p.shape[axis]
        pad = np.full(shape, background, np.uint8)
        pad[:p.shape[0], :p.shape[1]] = p
        parts.append(pad)
    return np.concatenate(parts, axis=axis)


LegendEntry = Tuple[str, Tuple[int, int, int]]


def classes_present(masks: Sequence[np.ndarray],
                    num_classes: int) -> List[int]:
    """Sorted class indices (``< num_classes``) that occur in any mask."""
    present = np.zeros(max(num_classes, 0), dtype=bool)
    for mask in masks:
        values = np.unique(np.asarray(mask))
        values = values[(values >= 0) & (values < num_classes)]
        present[values.astype(np.int64)] = True
    return np.flatnonzero(present).tolist()


def legend_entries(indices: Sequence[int],
                   classes: Sequence[str],
                   palette: Sequence[Sequence[int]],
                   ignored: bool = False,
                   ignore_colour: Sequence[int] = IGNORE_COLOUR
                   ) -> List[LegendEntry]:
    """``(name, (r, g, b))`` of the classes ``indices`` (of the dataset's
    ``classes`` and ``palette``), in index order, and with ``ignored`` one
    for ignored pixels (index 255) in ``ignore_colour``."""
    entries = [(str(classes[i]), tuple(int(c) for c in palette[i]))
               for i in sorted(indices)]
    if ignored:
        entries.append(('ignored', tuple(int(c) for c in ignore_colour)))
    return entries


def legend_patches(entries: Sequence[LegendEntry]) -> list:
    """matplotlib patches for ``fig.legend(handles=...)``."""
    from matplotlib.patches import Patch
    return [
        Patch(facecolor=np.asarray(rgb) / 255.0, edgecolor='black',
              linewidth=0.5, label=name) for name, rgb in entries
    ]


def legend_strip(entries: Sequence[LegendEntry],
                 width: int,
                 font_size: int = 13) -> np.ndarray:
    """A raster legend on white, RGB ``uint8 (h, width, 3)``: a colour
    swatch and the name of each ``(name, (r, g, b))`` entry, wrapped into
    rows."""
    from PIL import Image, ImageDraw
    font = text_font(font_size)
    swatch = font_size
    pad, gap, row_h = 4, 12, font_size + 6
    # Lay the entries out in rows.
    rows, row, x = [], [], pad
    for name, rgb in entries:
        w = swatch + 4 + int(font.getlength(name))
        if row and x + w > width - pad:
            rows.append(row)
            row, x = [], pad
        row.append((name, rgb, x))
        x += w + gap
    if row:
        rows.append(row)
    height = max(1, len(rows)) * row_h + 2 * pad
    img = Image.new('RGB', (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for r, items in enumerate(rows):
        y = pad + r * row_h + (row_h - swatch) // 2
        for name, rgb, x in items:
            draw.rectangle([x, y, x + swatch - 1, y + swatch - 1],
                           fill=tuple(rgb), outline=(0, 0, 0))
            draw.text((x + swatch + 4, y + swatch // 2), name, fill=(0, 0, 0),
                      font=font, anchor='lm')
    return np.asarray(img)

"""Legends of the classes present in masks (matplotlib and raster)."""
from typing import List, Sequence, Tuple

import numpy as np

from a2d2_mmseg.visualization.palette import IGNORE_COLOUR
from a2d2_mmseg.visualization.panels import text_font

__all__ = [
    'classes_present', 'legend_entries', 'legend_patches', 'legend_strip'
]

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

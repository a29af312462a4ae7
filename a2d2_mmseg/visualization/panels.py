"""Compose labelled image panels (for GIF frames and side-by-side views)."""
import functools
from typing import Sequence

import cv2
import numpy as np

__all__ = ['text_font', 'fit_width', 'label_panel', 'stack_panels']


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

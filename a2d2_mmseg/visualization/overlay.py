"""Blend a painted segmentation over its image."""
from typing import Optional, Sequence

import numpy as np

from a2d2_mmseg.visualization.palette import IGNORE_COLOUR, colorize

__all__ = ['blend', 'overlay_mask']


def blend(image: np.ndarray,
          colour: np.ndarray,
          opacity: float = 0.5,
          where: Optional[np.ndarray] = None) -> np.ndarray:
    """``image * (1 - opacity) + colour * opacity``, as mmseg paints masks.

    Args:
        image (np.ndarray): ``uint8`` image, ``(H, W, 3)``.
        colour (np.ndarray): ``uint8`` colours of the same shape.
        opacity (float): Weight of ``colour`` in ``[0, 1]``.
        where (np.ndarray, optional): Boolean ``(H, W)``; pixels where it is
            False keep the image. Defaults to all pixels.

    Returns:
        np.ndarray: The blended ``uint8`` image.
    """
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f'opacity must be in [0, 1], got {opacity}')
    if image.shape != colour.shape:
        raise ValueError(f'image {image.shape} and colour mask '
                         f'{colour.shape} differ in shape')
    mixed = image.astype(np.float32) * (1.0 - opacity) + \
        colour.astype(np.float32) * opacity
    mixed = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    if where is not None:
        mixed = np.where(where[..., None], mixed, image)
    return mixed


def overlay_mask(image: np.ndarray,
                 mask: np.ndarray,
                 palette: Sequence[Sequence[int]],
                 opacity: float = 0.5,
                 ignore_index: Optional[int] = 255,
                 ignore_colour: Sequence[int] = IGNORE_COLOUR) -> np.ndarray:
    """Paint a class-index mask over an RGB image.

    Args:
        image (np.ndarray): RGB ``uint8`` image, ``(H, W, 3)``.
        mask (np.ndarray): Class indices, ``(H, W)``.
        palette (Sequence[Sequence[int]]): One ``(r, g, b)`` per class.
        opacity (float): Opacity of the mask. Defaults to 0.5.
        ignore_index (int, optional): Pixels with this index keep the image
            unpainted; None paints them with ``ignore_colour``.
            Defaults to 255.
        ignore_colour (Sequence[int]): See :func:`colorize`.

    Returns:
        np.ndarray: RGB ``uint8`` image.
    """
    if image.shape[:2] != mask.shape:
        raise ValueError(f'image {image.shape[:2]} and mask {mask.shape} '
                         f'differ in size')
    where = None if ignore_index is None else (mask != ignore_index)
    return blend(image, colorize(mask, palette, ignore_colour), opacity,
                 where)
